"""Fixing rows in the import table (issue 11): edits through the model's EditRole and the keyboard,
re-checked at once, undone, uploaded to the sandbox, in the results file, and resumed."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from noojee_desktop.core.codes import Category
from noojee_desktop.core.sheet import read_sheet
from noojee_desktop.ui.import_model import FIXED, MESSAGE, RESULT
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")

HEADERS = ["Name", "City", "FirstPhone", "Priority", "Callback"]
NAME, CITY, PHONE, PRIORITY, CALLBACK = (FIXED + i for i in range(len(HEADERS)))


def good(i: int) -> list[str]:
    return [f"Good {i:02d}", "Melbourne", f"03{8600000 + i:08d}", "5", "2030/01/02 10:00"]


BAD = [
    ["Bad Phone", "Sydney", "8321 81", "5", "2030/01/02 10:00"],
    ["Bad Priority", "Sydney", "0398001122", "urgent", "2030/01/02 10:00"],
    ["Bad Date", "Sydney", "0398001133", "5", "next tuesday"],
]


@pytest.fixture
def lead_file(tmp_path):
    path = tmp_path / "to-fix.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(BAD + [good(i) for i in range(6)])
    return path


@pytest.fixture
def window(make_window, sandbox, monkeypatch, lead_file, qtbot):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    teach_sandbox_fields(sandbox)
    win = make_window(["--server", sandbox.url, str(lead_file)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 9 and not tab.loading and tab.upload_button.isEnabled(),
                    timeout=5000)
    return win


def row_of(model, name: str) -> int:
    for r in range(model.rowCount()):
        if model.index(r, NAME).data() == name:
            return r
    raise AssertionError(f"no row {name!r}")


def stored(sandbox) -> dict[str, dict]:
    return {r["lead"].get("Name"): r["lead"] for r in sandbox.leads()}


def test_a_fix_through_setData_is_checked_at_once_and_marked(window):
    model = window.import_tab.model
    assert model.counts[Category.INVALID] == 3
    r = row_of(model, "Bad Phone")
    cell = model.index(r, PHONE)
    assert model.flags(cell) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(r, RESULT)) & Qt.ItemFlag.ItemIsEditable   # our own columns: no
    assert "area code" in cell.data(Qt.ItemDataRole.ToolTipRole) or "digits" in cell.data(Qt.ItemDataRole.ToolTipRole)

    # a number that is still wrong: still marked, with the new reason
    assert model.setData(cell, "0412 345")
    assert model.index(r, RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == Category.INVALID.label
    assert "0412 345" in cell.data(Qt.ItemDataRole.ToolTipRole)
    # now right: the row can be sent, the counts follow, the cell shows it was fixed
    assert model.setData(cell, "0412 345 678")
    assert cell.data() == "0412 345 678"
    assert model.index(r, RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == Category.PENDING.label
    assert model.index(r, MESSAGE).data() == ""
    assert model.counts[Category.INVALID] == 2
    assert cell.data(Qt.ItemDataRole.FontRole).italic()
    assert "the file has \u20188321 81\u2019" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert model.prepared[model.source_row(r)].lead["FirstPhone"] == "0412345678"
    # a duplicate made by an edit is caught like one in the file
    dup = row_of(model, "Good 03")
    assert model.setData(model.index(dup, PHONE), "0412345678")
    assert model.index(dup, RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == Category.INVALID.label
    assert "Same phone number as row 2" in model.index(dup, MESSAGE).data()
    assert "Fix a cell right here" in window.import_tab.notice.text()


def test_fixed_rows_are_uploaded_and_in_the_results_file(window, sandbox, qtbot, tmp_path):
    tab = window.import_tab
    model = tab.model
    model.setData(model.index(row_of(model, "Bad Phone"), PHONE), "0412 345 678")
    model.setData(model.index(row_of(model, "Bad Priority"), PRIORITY), "7")
    model.setData(model.index(row_of(model, "Bad Date"), CALLBACK), "3/4/2030 2:30 pm")
    assert Category.INVALID not in model.counts
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.last_summary is not None and not tab.controller.uploading,
                    timeout=15000)
    leads = stored(sandbox)
    assert len(leads) == 9
    assert leads["Bad Phone"]["FirstPhone"] == "0412345678"
    assert leads["Bad Priority"]["njPriority"] == "7"
    assert leads["Bad Date"]["njCallBackDate"] == "2030/04/03 14:30"
    qtbot.mouseClick(window.findChild(QPushButton, "exportResultsButton"), Qt.MouseButton.LeftButton)
    back = read_sheet(tab.last_export)
    by_name = {row[0]: row for row in back.rows}
    assert by_name["Bad Phone"][2] == "0412 345 678" and Category.INSERTED.label in by_name["Bad Phone"]
    assert by_name["Bad Priority"][3] == "7"
    # an inserted row is in the dialler: it can no longer be edited
    assert not model.flags(model.index(row_of(model, "Bad Phone"), PHONE)) & Qt.ItemFlag.ItemIsEditable


def type_into(qtbot, view, index, text: str, how: str = "F2") -> None:
    """Edit a cell with the keyboard as a user does: select it, F2 (or just type), the text, Enter."""
    from PySide6.QtTest import QTest

    view.setFocus()
    view.setCurrentIndex(index)
    if how == "F2":
        QTest.keyClick(view, Qt.Key.Key_F2)
        editor = open_editor(qtbot, view)
        QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(editor, text)
    else:       # typing straight into the cell replaces what is there
        QTest.keyClicks(view, text[0])
        editor = open_editor(qtbot, view)
        QTest.keyClicks(editor, text[1:])
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState, timeout=2000)


def open_editor(qtbot, view):
    """The line edit the view opened on its current cell."""
    from PySide6.QtWidgets import QLineEdit

    qtbot.waitUntil(lambda: view.state() == view.State.EditingState, timeout=2000)
    editors = [e for e in view.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, "the cell should be open for editing"
    return editors[0]


def test_keyboard_fixes_undo_redo_and_enter_goes_to_the_next_row_to_fix(window, qtbot):
    from PySide6.QtTest import QTest

    tab = window.import_tab
    model, view = tab.model, tab.table
    phone = model.index(row_of(model, "Bad Phone"), PHONE)
    type_into(qtbot, view, phone, "0412 345 678")
    assert phone.data() == "0412 345 678"
    assert model.counts[Category.INVALID] == 2
    # Enter took the cursor to the next row that needs fixing, on its problem cell (a moment after
    # the editor closed)
    qtbot.waitUntil(lambda: (model.index(view.currentIndex().row(), NAME).data(), view.currentIndex().column())
                    == ("Bad Priority", PRIORITY), timeout=2000)
    current = view.currentIndex()
    type_into(qtbot, view, current, "7", how="type")
    assert model.index(row_of(model, "Bad Priority"), PRIORITY).data() == "7"
    date = model.index(row_of(model, "Bad Date"), CALLBACK)
    qtbot.waitUntil(lambda: (view.currentIndex().row(), view.currentIndex().column()) == (date.row(), date.column()),
                    timeout=2000)    # (Enter moves a moment after the editor closed)
    type_into(qtbot, view, date, "4/3/2030 09:15")
    assert Category.INVALID not in model.counts
    assert tab.findChild(type(tab.editing.count_label), "fixedCountLabel").text() == "\u270e 3 cells fixed"

    # Ctrl+Z undoes the date: the row needs fixing again, with the file's value back
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert date.data() == "next tuesday"
    assert model.counts[Category.INVALID] == 1
    assert not date.data(Qt.ItemDataRole.FontRole)      # no longer marked as fixed
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert date.data() == "4/3/2030 09:15" and Category.INVALID not in model.counts
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.counts[Category.INVALID] == 1
    # with nothing left to fix but the date, Enter goes there from anywhere
    view.setCurrentIndex(model.index(row_of(model, "Good 04"), CITY))
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (date.row(), date.column())


def test_needs_fixing_filter_fill_and_fix_all_rows_with_the_same_problem(window, qtbot):
    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    from PySide6.QtWidgets import QComboBox

    tab = window.import_tab
    model, view = tab.model, tab.table
    combo = window.findChild(QComboBox, "resultFilterCombo")
    combo.setCurrentIndex(combo.findText("Needs fixing"))
    assert model.rowCount() == 3
    # one problem, three cells: the City column made the same way wrong in every row to fix
    # (a priority of "urgent" is the only priority problem; set it and its twins at once)
    bad_priority = row_of(model, "Bad Priority")
    for name in ("Bad Phone", "Bad Date"):
        model.setData(model.index(row_of(model, name), PRIORITY), "soon")
    assert len(tab.editing.same_problem(bad_priority, PRIORITY)) == 3
    actions = tab.editing.menu_actions(bad_priority, PRIORITY)
    assert [a.objectName() for a in actions] == ["fixSameProblemAction", "emptySameProblemAction"]
    assert "all 3 'Priority' cells" in actions[0].text()
    assert tab.editing.fix_same_problem(bad_priority, PRIORITY, "9") == 3
    assert all(model.index(r, PRIORITY).data() == "9" for r in range(3))
    assert tab.editing.menu_actions(bad_priority, PRIORITY) == []     # no problem left in that cell
    # select the three City cells and type once: all three change, one undo step
    selection = QItemSelection(model.index(0, CITY), model.index(2, CITY))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    view.selectionModel().setCurrentIndex(model.index(0, CITY), QItemSelectionModel.SelectionFlag.NoUpdate)
    type_into_selection(qtbot, view, "Hobart")
    assert [model.index(r, CITY).data() for r in range(3)] == ["Hobart"] * 3
    tab.editing.undo_stack.undo()
    assert [model.index(r, CITY).data() for r in range(3)] == ["Sydney"] * 3


def type_into_selection(qtbot, view, text: str) -> None:
    from PySide6.QtTest import QTest

    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F2)
    editor = open_editor(qtbot, view)
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState, timeout=2000)


def test_a_bulk_fill_is_checked_off_the_gui_thread_and_undone_in_one_step(window, qtbot, monkeypatch):
    import noojee_desktop.ui.import_edits as edits

    monkeypatch.setattr(edits, "SYNC_RECHECK_CELLS", 4)      # 9 cells are "many" here
    tab = window.import_tab
    model = tab.model
    states = []
    tab.controller.stateChanged.connect(states.append)
    with qtbot.waitSignal(tab.controller.loadEnded, timeout=10000) as ended:
        tab.editing.fill(range(9), PRIORITY, "3")
    assert ended.args == [True]
    assert states[0].value == "loading"          # (no editing, no upload meanwhile)
    assert all(model.index(r, PRIORITY).data() == "3" for r in range(9))
    assert model.counts[Category.INVALID] == 2          # the priority row is fixed, the others not
    assert model.prepared[model.source_row(row_of(model, "Bad Priority"))].lead["njPriority"] == "3"
    with qtbot.waitSignal(tab.controller.loadEnded, timeout=10000):
        tab.editing.undo_stack.undo()
    assert model.index(row_of(model, "Bad Priority"), PRIORITY).data() == "urgent"
    assert model.counts[Category.INVALID] == 3 and len(model.fixes) == 0


def test_a_resume_after_the_upload_was_stopped_sends_the_fixed_values(make_window, sandbox_factory, monkeypatch,
                                                                      tmp_path, qtbot):
    """Fix the last rows, upload slowly, stop part-way, close; the next start resumes from the
    banner: the file is read again, but what reaches the dialler is the fixed values."""
    from noojee_desktop.core.journal import Journal

    server = sandbox_factory(service_time=0.05, slots=2)
    monkeypatch.setenv("NOOJEE_API_KEY", server.api_key)
    path = tmp_path / "resume-fixes.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows([good(i) for i in range(20)] + BAD)        # the fixed rows are sent last
    teach_sandbox_fields(server)
    first = make_window(["--server", server.url, str(path)])
    pick_solar(qtbot, first)
    tab = first.import_tab
    model = tab.model
    qtbot.waitUntil(lambda: model.rowCount() == 23 and tab.upload_button.isEnabled(), timeout=5000)
    model.setData(model.index(row_of(model, "Bad Phone"), PHONE), "0412 345 678")
    model.setData(model.index(row_of(model, "Bad Priority"), PRIORITY), "7")
    model.setData(model.index(row_of(model, "Bad Date"), CALLBACK), "3/4/2030 2:30 pm")
    model.setData(model.index(row_of(model, "Good 05"), CITY), "Ballarat")   # a good row fixed too
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.leads()) >= 3, timeout=10000)
    qtbot.mouseClick(first.findChild(QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.controller.uploading, timeout=10000)
    sent_before = len(server.leads())
    assert sent_before < 20, "the upload should have been stopped before the fixed rows"
    first.begin_shutdown()
    qtbot.waitUntil(lambda: first.is_shut_down, timeout=10000)
    with Journal() as journal:       # the fixes went into the journal with the job
        job = journal.list_interrupted()[0]
        assert len(journal.fixes(job.id)) == 4

    win = make_window(["--server", server.url])
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.resume_bar.isVisible(), timeout=5000)
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.last_summary is not None and not tab.controller.uploading,
                    timeout=20000)
    leads = stored(server)
    assert len(server.leads()) == 23 == len(leads)          # nothing sent twice
    assert leads["Bad Phone"]["FirstPhone"] == "0412345678"
    assert leads["Bad Priority"]["njPriority"] == "7"
    assert leads["Bad Date"]["njCallBackDate"] == "2030/04/03 14:30"
    assert leads["Good 05"]["City"] == "Ballarat"
    # the table shows the fixes again (marked), read back from the journal
    assert tab.model.index(row_of(tab.model, "Good 05"), CITY).data(Qt.ItemDataRole.FontRole).italic()


def test_opening_the_same_file_again_offers_its_unsaved_fixes(window, qtbot, lead_file):
    tab = window.import_tab
    model = tab.model
    model.setData(model.index(row_of(model, "Bad Phone"), PHONE), "0412 345 678")
    model.setData(model.index(row_of(model, "Good 02"), CITY), "Ballarat")
    job = tab.keeping.keep_now()
    qtbot.waitUntil(job.finished.is_set, timeout=5000)

    tab.load(lead_file)              # the same file again: read as it is, the fixes offered
    qtbot.waitUntil(lambda: not tab.loading and tab.fixes_banner.isVisible(), timeout=5000)
    assert model.index(row_of(model, "Bad Phone"), PHONE).data() == "8321 81"
    assert "You fixed 2 cells of this file" in window.findChild(QLabel, "fixesLabel").text()
    qtbot.mouseClick(window.findChild(QPushButton, "applyFixesButton"), Qt.MouseButton.LeftButton)
    assert not tab.fixes_banner.isVisible()
    assert model.index(row_of(model, "Bad Phone"), PHONE).data() == "0412 345 678"
    assert model.index(row_of(model, "Good 02"), CITY).data(Qt.ItemDataRole.FontRole).italic()
    assert model.counts[Category.INVALID] == 2

    job = tab.keeping.keep_now()
    qtbot.waitUntil(job.finished.is_set, timeout=5000)
    tab.load(lead_file)
    qtbot.waitUntil(lambda: not tab.loading and tab.fixes_banner.isVisible(), timeout=5000)
    qtbot.mouseClick(window.findChild(QPushButton, "discardFixesButton"), Qt.MouseButton.LeftButton)
    assert not tab.fixes_banner.isVisible() and len(model.fixes) == 0
    tab.load(lead_file)              # discarded: not offered again
    qtbot.waitUntil(lambda: not tab.loading and model.rowCount() == 9, timeout=5000)
    assert not tab.fixes_banner.isVisible()


def test_save_corrected_copy_next_to_the_original_or_in_documents(window, qtbot, lead_file, monkeypatch):
    import noojee_desktop.ui.importer.fix_keeping as keeping

    tab = window.import_tab
    model = tab.model
    button = window.findChild(QPushButton, "saveCorrectedButton")
    assert not button.isEnabled()                 # nothing fixed yet
    model.setData(model.index(row_of(model, "Bad Phone"), PHONE), "0412 345 678")
    assert button.isEnabled()
    original = lead_file.read_bytes()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.keeping.last_copy is not None, timeout=5000)
    copy = tab.keeping.last_copy
    assert copy.parent == lead_file.parent and copy.suffix == ".csv" and copy != lead_file
    assert lead_file.read_bytes() == original
    back = read_sheet(copy)
    assert back.headers == HEADERS and back.rows[0] == ["Bad Phone", "Sydney", "0412 345 678", "5",
                                                        "2030/01/02 10:00"]
    assert copy.name in window.findChild(QLabel, "correctedCopyStatus").text()

    # a folder that cannot be written: the copy goes to Documents, and the status line says so
    real = keeping.write_corrected

    def refuse_next_to_original(path, sheet):
        if path.parent == lead_file.parent:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, sheet)

    monkeypatch.setattr(keeping, "write_corrected", refuse_next_to_original)
    tab.keeping.last_copy = None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.keeping.last_copy is not None, timeout=5000)
    assert tab.keeping.last_copy.parent != lead_file.parent
    assert read_sheet(tab.keeping.last_copy).rows[0][2] == "0412 345 678"
    assert "cannot be written" in window.findChild(QLabel, "correctedCopyStatus").text()


def test_fixing_the_last_bad_rows_updates_the_counts_the_notice_and_upload(make_window, sandbox, monkeypatch,
                                                                          tmp_path, qtbot):
    from noojee_desktop.ui.importer.controller import State

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = tmp_path / "all-bad.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(BAD[:1])
    win = make_window(["--server", sandbox.url, str(path)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.controller.state is State.CHECKED and tab.model.rowCount() == 1, timeout=5000)
    assert not tab.upload_button.isEnabled()          # nothing can be sent yet
    assert "1 row needs fixing" in tab.notice.text()
    tab.model.setData(tab.model.index(0, PHONE), "0412 345 678")
    assert tab.upload_button.isEnabled()
    assert "needs fixing" not in tab.notice.text()
    assert tab.chart.counts() == {Category.PENDING: 1}


def test_rows_fixed_after_an_upload_are_sent_by_upload_and_exported_fixed(window, sandbox, qtbot):
    tab = window.import_tab
    model = tab.model
    c = tab.controller
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.last_summary is not None and not c.uploading, timeout=15000)
    assert len(sandbox.leads()) == 6 and model.counts[Category.INVALID] == 3
    assert not tab.upload_button.isEnabled()
    # a row that was stopped by the checks can still be fixed; an inserted one cannot
    assert not model.flags(model.index(row_of(model, "Good 00"), CITY)) & Qt.ItemFlag.ItemIsEditable
    model.setData(model.index(row_of(model, "Bad Phone"), PHONE), "0412 345 678")
    model.setData(model.index(row_of(model, "Bad Date"), CALLBACK), "2030/06/01 09:00")
    assert model.index(row_of(model, "Bad Phone"), RESULT).data(Qt.ItemDataRole.AccessibleTextRole) == \
        Category.PENDING.label
    # the failed-rows export has the fixed values (and the row still to fix)
    qtbot.mouseClick(window.findChild(QPushButton, "exportFailedButton"), Qt.MouseButton.LeftButton)
    back = {row[0]: row for row in read_sheet(tab.last_export).rows}
    assert set(back) == {"Bad Phone", "Bad Date", "Bad Priority"}
    assert back["Bad Phone"][2] == "0412 345 678" and back["Bad Date"][4] == "2030/06/01 09:00"
    # Upload sends just the two fixed rows (no "already loaded" question about the others)
    assert tab.upload_button.isEnabled()
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not c.uploading and len(sandbox.leads()) == 8, timeout=15000)
    leads = stored(sandbox)
    assert leads["Bad Phone"]["FirstPhone"] == "0412345678" and "Bad Priority" not in leads
    assert model.counts[Category.INSERTED] == 8 and model.counts[Category.INVALID] == 1
