"""Import tab of the real window against the sandbox: load, check, upload, colours, filter, export."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QPushButton, QTableView

from noojee_desktop.core.codes import Category
from noojee_desktop.ui.importer.controller import State
from noojee_desktop.ui.import_model import FIXED, MESSAGE, RESULT
from noojee_desktop.ui.symbols import result_text
from helpers.leads import write_leads

pytestmark = pytest.mark.usefixtures("qloop")

GOOD = [(f"Lead {i}", f"03{8300000 + i:08d}") for i in range(8)]
BAD_PHONE = ("Bad Phone", "call me maybe")
DNC = ("Do Not Ring", "0299999999")


@pytest.fixture
def lead_file(tmp_path):
    return write_leads(tmp_path / "leads.csv",
                       [(name, "Melbourne", phone) for name, phone in GOOD[:4]]
                       + [(BAD_PHONE[0], "Sydney", BAD_PHONE[1]), (DNC[0], "Sydney", DNC[1])]
                       + [(name, "Geelong", phone) for name, phone in GOOD[4:]])


@pytest.fixture
def window(open_window, sandbox, lead_file):
    return open_window(sandbox, lead_file, rows=10, choice=("Solar Leads", "Solar VIC", "VIC Week 2"))


def row_of(model, name):
    for r in range(model.rowCount()):
        if model.index(r, FIXED).data() == name:
            return r
    raise AssertionError(name)


def background(model, row, col=RESULT):
    return QColor(model.index(row, col).data(Qt.ItemDataRole.BackgroundRole).color()
                  if hasattr(model.index(row, col).data(Qt.ItemDataRole.BackgroundRole), "color")
                  else model.index(row, col).data(Qt.ItemDataRole.BackgroundRole))


def test_file_argument_opens_in_import_tab_with_problems_marked(window):
    tab = window.import_tab
    assert window.tabs.currentWidget() is tab
    model = tab.model
    bad = row_of(model, BAD_PHONE[0])
    phone_col = FIXED + 2
    # the bad row says why, in words, and its phone cell carries the problem as a tooltip
    assert Category.INVALID.label in model.index(bad, RESULT).data()
    assert background(model, bad) == QColor(Category.INVALID.colour)
    tip = model.index(bad, phone_col).data(Qt.ItemDataRole.ToolTipRole)
    assert tip and "phone" in tip.lower()
    assert model.index(bad, phone_col).data(Qt.ItemDataRole.DecorationRole) is not None
    good = row_of(model, GOOD[0][0])
    assert model.index(good, phone_col).data(Qt.ItemDataRole.ToolTipRole) is None
    assert background(model, good) == QColor(Category.PENDING.colour)
    assert "1 row needs fixing before it can be sent" in tab.notice.text()
    # the header maps each column, phone column included
    assert tab.header.combo("FirstPhone").currentData() == "FirstPhone"
    assert tab.header.combo("City").currentData() == "City"


def test_upload_colours_rows_counts_and_exports(qtbot, window, sandbox, tmp_path):
    from noojee_desktop.core.sheet import read_sheet

    tab = window.import_tab
    model = tab.model
    upload = window.findChild(QPushButton, "uploadButton")
    assert upload.isEnabled()
    qtbot.mouseClick(upload, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.state is State.FINISHED, timeout=15000)

    inserted = [r["lead"]["Name"] for r in sandbox.leads() if r["allocation_id"] == 112]
    assert sorted(inserted) == sorted(name for name, _ in GOOD)
    for name, _ in GOOD:
        r = row_of(model, name)
        assert background(model, r) == QColor(Category.INSERTED.colour)
        assert model.index(r, RESULT).data() == result_text(Category.INSERTED)
    dnc = row_of(model, DNC[0])
    assert background(model, dnc) == QColor(Category.DNC.colour)
    assert model.index(dnc, RESULT + 1).data() == "104"
    assert model.index(dnc, MESSAGE).data()
    assert tab.chart.counts() == {Category.INSERTED: 8, Category.DNC: 1, Category.INVALID: 1}
    assert "was not sent" in tab.notice.text()          # the notice now speaks of the past upload
    bar = window.findChild(QProgressBar, "progressBar")
    assert bar.value() == bar.maximum() == 10

    # filter by result: only the DNC row
    combo = window.findChild(QComboBox, "resultFilterCombo")
    combo.setCurrentIndex(combo.findText(result_text(Category.DNC)))
    view = window.findChild(QTableView, "importTable")
    assert view.model().rowCount() == 1
    assert view.model().index(0, FIXED).data() == DNC[0]
    combo.setCurrentIndex(0)
    assert view.model().rowCount() == 10
    tab.search_edit.setText("geelong")
    assert view.model().rowCount() == 4
    tab.search_edit.clear()

    # export: the results file exists and reopens with a result per row
    qtbot.mouseClick(window.findChild(QPushButton, "exportResultsButton"), Qt.MouseButton.LeftButton)
    path = tab.last_export
    assert path.exists() and path.parent == tmp_path
    back = read_sheet(path)
    assert len(back.rows) == 10
    flat = [" ".join(row) for row in back.rows]
    assert sum(Category.INSERTED.label in line for line in flat) == 8
    assert any(Category.DNC.label in line and DNC[0] in line for line in flat)


def test_close_during_upload_asks_first(qtbot, open_window, sandbox_factory, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    slow = sandbox_factory(service_time=0.3, slots=1)
    path = write_leads(tmp_path / "many.csv", [(f"P{i}", f"03{8400000 + i:08d}") for i in range(40)],
                       header=("Name", "FirstPhone"))
    win = open_window(slow, path, rows=40, choice=("Solar Leads", "Solar NSW", "NSW Week 1"))
    tab = win.import_tab
    tab.upload_button.click()
    qtbot.waitUntil(lambda: tab.uploading, timeout=3000)
    win.close()
    box = win.findChild(QMessageBox, "confirmCloseBox")
    assert box is not None and box.isVisible()
    assert win.isVisible() and tab.uploading        # nothing closed or stopped yet
    box.findChild(QPushButton, "stopAndCloseButton").click()
    qtbot.waitUntil(lambda: win.is_shut_down, timeout=10000)
    assert len(slow.leads()) < 40                     # it really stopped


def test_result_symbols_are_drawable_or_fall_back_to_a_bullet(qapp, monkeypatch):
    from noojee_desktop.ui import symbols

    symbols._drawable.cache_clear()
    # With this machine's own font every result symbol draws (no empty boxes in the table).
    assert all(symbols.symbol(c) == c.symbol for c in Category)
    monkeypatch.setattr(symbols, "_drawable", lambda ch: ch.isascii() or ch == "\u2022")
    assert symbols.symbol(Category.DNC) == "\u2022"          # a font without it: a plain bullet
    assert symbols.result_text(Category.DNC) == "\u2022 " + Category.DNC.label


def test_signal_emits_and_empty_variants_keep_refcounts(qapp):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to True per emit() and to None per
    empty QVariant, and the app aborted after a few thousand; the pinned version must not."""
    import sys

    from PySide6.QtCore import QModelIndex, QObject, Signal

    class Pinger(QObject):
        ping = Signal(int)

    pinger = Pinger()
    got = []
    pinger.ping.connect(got.append)
    trues, nones = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(2_000):
        pinger.ping.emit(i)
        QModelIndex().data()
    assert len(got) == 2_000
    assert sys.getrefcount(True) >= trues - 50
    assert sys.getrefcount(None) >= nones - 50


def test_mapping_dropdowns_follow_horizontal_scrolling(qtbot, window):
    tab = window.import_tab
    window.resize(700, 600)
    bar = tab.table.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    bar.setValue(bar.maximum())
    header = tab.header
    combo = header.combo("FirstPhone")
    section = FIXED + 2
    qtbot.waitUntil(lambda: abs(combo.x() - (header.sectionViewportPosition(section) + 2)) <= 1, timeout=3000)


def test_ignoring_a_column_greys_it_and_is_remembered_for_the_template(qtbot, window):
    tab = window.import_tab
    city = tab.header.combo("City")
    city.setCurrentIndex(city.findText("(ignore)"))
    qtbot.waitUntil(lambda: tab.model.mapping.columns["City"] is None and not tab.loading, timeout=3000)
    model = tab.model
    assert model.index(0, FIXED + 1).data(Qt.ItemDataRole.ForegroundRole) == QColor("#8c8c8c")
    saved = tab.store.saved_mapping(1, model.sheet.headers)
    assert saved is not None and saved.columns["City"] is None


def test_the_controller_states_follow_a_remap_and_an_upload(qtbot, window, sandbox):
    """What the parts observe: one state at a time, reported by stateChanged."""
    tab = window.import_tab
    controller = tab.controller
    assert controller.state is State.CHECKED
    seen = []
    controller.stateChanged.connect(seen.append)
    city = tab.header.combo("City")
    with qtbot.waitSignal(controller.loadEnded, timeout=5000):
        city.setCurrentIndex(city.findText("(ignore)"))
    assert seen == [State.LOADING, State.CHECKED]
    with qtbot.waitSignal(controller.finished, timeout=15000) as finished:
        qtbot.mouseClick(window.findChild(QPushButton, "uploadButton"), Qt.MouseButton.LeftButton)
    assert seen[2:] == [State.UPLOADING, State.FINISHED]
    assert finished.args[0] is controller.last_summary and controller.last_summary.inserted == 8
    assert window.findChild(QPushButton, "retryFailedButton").isEnabled() is False   # nothing failed


def test_a_file_dropped_on_the_import_tab_is_opened(qtbot, make_window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    window = make_window([])
    tab = window.import_tab
    path = write_leads(tmp_path / "dropped.csv", [("Dee Dropped", "Perth", "0892345678")])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(tab.rect().center())
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tab, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(tab.controller.fileLoaded, timeout=5000):
        QApplication.sendEvent(tab, drop)
    assert tab.model.sheet.path == path and tab.model.rowCount() == 1
    assert "dropped.csv" in window.findChild(QLabel, "fileLabel").text()
