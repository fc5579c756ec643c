"""Interrupted uploads offered at start-up, Retry/Export failed rows, and --self-test."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from noojee_desktop.core.codes import Category
from noojee_desktop.ui.importer.controller import State
from helpers.leads import write_leads

pytestmark = pytest.mark.usefixtures("qloop")

N = 24
NAMES = [f"Resume {i:02d}" for i in range(N)]
DNC_PHONE = "0299999999"


def phone(i: int) -> str:
    return f"03{8500000 + i:08d}"


@pytest.fixture
def lead_file(tmp_path):
    """N good leads, one row without a usable phone, one DNC number (first, so it is sent early)."""
    return write_leads(tmp_path / "campaign-leads.csv",
                       [("Do Not Ring", "Sydney", DNC_PHONE), ("No Phone", "Sydney", "call me maybe")]
                       + [(name, "Melbourne", phone(i)) for i, name in enumerate(NAMES)])


@pytest.fixture
def slow_server(sandbox_factory):
    """A sandbox slow enough (50 ms a lead, two at a time) to stop or pause an upload part-way."""
    return sandbox_factory(service_time=0.05, slots=2)


def stored_names(server) -> Counter:
    return Counter(r["lead"].get("Name") for r in server.leads())


def upload_then_stop(qtbot, win, server, at_least: int) -> None:
    tab = win.import_tab
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.leads()) >= at_least, timeout=10000)
    qtbot.mouseClick(win.findChild(QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.state is State.FINISHED, timeout=10000)
    assert len(server.leads()) < N, "the upload should have been stopped part-way"


def wait_finished(qtbot, tab) -> None:
    c = tab.controller
    qtbot.waitUntil(lambda: c.last_summary is not None and not c.uploading and c.last_summary.stopped is None,
                    timeout=15000)


def test_interrupted_upload_is_offered_at_start_and_resumed_without_resending(
        qtbot, open_window, slow_server, lead_file):
    server = slow_server
    first = open_window(server, lead_file, rows=N + 2)
    upload_then_stop(qtbot, first, server, at_least=4)
    sent_before = stored_names(server)
    first.begin_shutdown()
    qtbot.waitUntil(lambda: first.is_shut_down, timeout=10000)
    import threading
    assert not any(t.name == "noojee-upload" for t in threading.enumerate())   # the upload loop ended

    # next start: the banner says so, in the Import tab, without a modal box
    win = open_window(server)
    tab = win.import_tab
    assert win.tabs.currentWidget() is tab
    assert tab.resume_bar.isVisible()
    assert "interrupted" in tab.resume_title.text() and lead_file.name in tab.resume_label.text()
    assert tab.model.sheet is None
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, tab)

    # the file, the dropdowns and the results are back; every valid lead is stored exactly once
    assert tab.model.sheet is not None and tab.model.sheet.path == lead_file
    assert win.chooser.current_names() == ("Solar Leads", "Solar VIC", "VIC Week 1")
    stored = stored_names(server)
    assert set(stored) - {"Do Not Ring"} == set(NAMES)
    assert all(stored[n] == 1 for n in NAMES)
    assert all(stored[n] == sent_before[n] for n in sent_before)   # nothing finished was sent again
    assert tab.model.counts[Category.INSERTED] == N
    assert tab.model.counts[Category.INVALID] == 1
    assert not tab.resume_bar.isVisible()


def test_killed_upload_resumes_only_unfinished_rows(qtbot, open_window, sandbox, lead_file):
    """The journal as a killed process leaves it: some rows done, one in flight, status running."""
    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.outcome import RowOutcome
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    sheet = read_sheet(lead_file)
    prepared = validate(sheet, auto_map(sheet.headers))
    with Journal() as journal:
        job = journal.create_job(file_path=str(lead_file), fingerprint=sheet.fingerprint, server=sandbox.url,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"))
        journal.add_rows(job, [(p.index, p.row_number, dict(p.lead) if p.sendable else None, None,
                                None if p.sendable else RowOutcome(Category.INVALID, None, "no phone"))
                               for p in prepared])
        done = [p.index for p in prepared if p.sendable][:10]
        for i in done:    # "finished" before the kill (never really sent: so a resend would show)
            journal.record(job, i, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)
        from datetime import datetime
        journal.mark_inflight(job, done[-1] + 1, 1, datetime.now())

    win = open_window(sandbox)
    tab = win.import_tab
    assert tab.resume_bar.isVisible()
    assert f"{len(done) + 1} of {N + 2} rows finished" in tab.resume_label.text()
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, tab)
    stored = stored_names(sandbox)
    finished_names = {prepared[i].lead["Name"] for i in done}
    assert not finished_names & set(stored)                 # rows the journal had finished: not resent
    sendable = {p.lead["Name"] for p in prepared if p.sendable}
    assert set(stored) == sendable - finished_names and all(n == 1 for n in stored.values())
    assert tab.model.counts[Category.INSERTED] == len(sendable)   # done rows shown with their journal result


def test_resume_explains_a_missing_file_and_discard_forgets_it(qtbot, open_window, sandbox, tmp_path):
    from noojee_desktop.core.journal import ABANDONED, Journal

    with Journal() as journal:
        job = journal.create_job(file_path=str(tmp_path / "gone.xlsx"), fingerprint="x" * 64, server=sandbox.url,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"))
        journal.add_rows(job, [(0, 2, {"Name": "A", "FirstPhone": "0385000000"}, None, None)])
    win = open_window(sandbox)
    tab = win.import_tab
    assert tab.resume_bar.isVisible()
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not there any more" in tab.resume_label.text(), timeout=3000)
    assert "gone.xlsx" in tab.resume_label.text() and tab.resume_bar.isVisible()
    qtbot.mouseClick(tab.discard_interrupted_button, Qt.MouseButton.LeftButton)
    assert not tab.resume_bar.isVisible()
    with Journal() as journal:
        assert journal.job(job).status == ABANDONED
    assert sandbox.leads() == []


def test_retry_sends_only_failed_rows_and_export_failed_keeps_the_input_columns(
        qtbot, open_window, slow_server, lead_file):
    from noojee_desktop.core.sheet import read_sheet

    server = slow_server
    win = open_window(server, lead_file, rows=N + 2)
    tab = win.import_tab
    upload_then_stop(qtbot, win, server, at_least=4)
    model = tab.model
    failed = model.failed_rows()
    assert failed and all(model.category(r) is Category.CANCELLED for r in failed)
    dnc_row = next(r for r in range(model.rowCount()) if model.sheet.rows[r][0] == "Do Not Ring")
    assert model.category(dnc_row) is Category.DNC

    # export failed rows: only the rows still to load, in the file's own columns (no result columns)
    qtbot.mouseClick(tab.export_failed_button, Qt.MouseButton.LeftButton)
    back = read_sheet(tab.last_export)
    assert back.headers == ["Name", "City", "FirstPhone"]
    exported = {row[0] for row in back.rows}
    assert exported >= {model.sheet.rows[r][0] for r in failed}
    assert "Do Not Ring" not in exported
    assert not exported & {n for n, c in stored_names(server).items() if c}

    # retry: the cancelled rows go, the DNC row (a business rejection) does not go again
    dnc_calls = sum(1 for r in server.request_log() if r.get("code") == 104)
    assert dnc_calls == 1
    assert tab.retry_button.isEnabled()
    qtbot.mouseClick(tab.retry_button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, tab)
    stored = stored_names(server)
    assert set(NAMES) <= set(stored) and all(stored[n] == 1 for n in NAMES)
    assert sum(1 for r in server.request_log() if r.get("code") == 104) == dnc_calls
    assert model.category(dnc_row) is Category.DNC
    assert model.counts[Category.INSERTED] == N and not model.failed_rows()


def test_retry_after_a_mapping_change_sends_the_failed_rows_as_now_mapped(
        qtbot, open_window, slow_server, lead_file):
    server = slow_server
    win = open_window(server, lead_file, rows=N + 2)
    tab = win.import_tab
    upload_then_stop(qtbot, win, server, at_least=4)
    first = {r["lead"]["Name"]: r["lead"] for r in server.leads()}
    assert all(lead.get("City") == "Melbourne" for n, lead in first.items() if n in NAMES)

    city = tab.header.combo("City")           # the user now leaves City out
    city.setCurrentIndex(city.findText("(ignore)"))
    qtbot.waitUntil(lambda: tab.model.mapping.columns["City"] is None and not tab.loading, timeout=3000)
    qtbot.waitUntil(lambda: tab.retry_button.isEnabled(), timeout=3000)
    qtbot.mouseClick(tab.retry_button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, tab)
    leads = server.leads()
    names = Counter(r["lead"]["Name"] for r in leads)
    assert set(NAMES) <= set(names) and all(names[n] == 1 for n in NAMES)
    retried = [r["lead"] for r in leads if r["lead"]["Name"] not in first]
    assert retried and all("City" not in lead for lead in retried)
    assert tab.model.counts[Category.INSERTED] == N


def test_self_test_through_app_main_prints_the_checks_and_exits_0(capsys):
    from noojee_desktop.app import main

    assert main(["--self-test"]) == 0
    out = capsys.readouterr().out
    assert "self-test passed" in out
    for check in ("python modules", "qt platform", "resources", "data directory"):
        assert check in out


def test_self_test_through_the_command_line_entry_point(tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"),
           "XDG_CONFIG_HOME": str(tmp_path / "c"), "PATH": "/usr/bin:/bin",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run([sys.executable, "-c", "import sys; from noojee_desktop.commands import main; "
                           "sys.exit(main(['--self-test']))"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test passed" in done.stdout and "qt platform" in done.stdout
    assert "Traceback" not in done.stderr


def test_model_filter_sort_and_batched_results_stay_consistent(qapp, lead_file):
    """Sorting/filtering inside the model: results reach the right visible rows, counts stay exact."""
    from collections import Counter as C

    from noojee_desktop.core.outcome import RowOutcome
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate
    from noojee_desktop.ui.import_model import FIXED, ImportModel, prepare_rows

    sheet = read_sheet(lead_file)
    mapping = auto_map(sheet.headers)
    model = ImportModel()
    model.set_data(sheet, prepare_rows(sheet, validate(sheet, mapping), mapping), mapping)
    assert model.counts == {Category.PENDING: N + 1, Category.INVALID: 1}
    model.sort(FIXED, Qt.SortOrder.DescendingOrder)                      # by Name, Z..A
    names = [model.index(r, FIXED).data() for r in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold, reverse=True)
    model.set_categories({Category.PENDING})
    assert model.rowCount() == N + 1
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    target = next(r for r in range(len(sheet.rows)) if sheet.rows[r][0] == NAMES[5])
    view_row = next(r for r in range(model.rowCount()) if model.index(r, FIXED).data() == NAMES[5])
    model.apply_outcomes([(target, RowOutcome(Category.INSERTED, 0, "OK", 1))])
    assert changed == [(view_row, view_row)]
    assert "Inserted" in model.index(view_row, 1).data()
    assert model.counts == C({Category.PENDING: N, Category.INVALID: 1, Category.INSERTED: 1})
    assert model.counts == C(model.category(r) for r in range(len(sheet.rows)))
    model.refilter()                                                      # e.g. when the upload ends
    assert model.rowCount() == N
    model.set_search("resume 0")
    model.set_categories(None)
    assert model.rowCount() == 10


def test_pause_reaches_the_engine_thread_and_resume_finishes_the_job(
        qtbot, open_window, slow_server, lead_file):
    server = slow_server
    win = open_window(server, lead_file, rows=N + 2)
    tab = win.import_tab
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.leads()) >= 3, timeout=10000)
    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    c = tab.controller
    qtbot.waitUntil(lambda: c.progress is not None and c.progress.paused and c.progress.inflight == 0,
                    timeout=5000)
    assert c.state is State.PAUSED
    held = len(server.leads())
    qtbot.wait(500)                                   # paused: nothing new goes out meanwhile
    assert len(server.leads()) == held < N
    assert "Paused" in tab.rate_label.text()
    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, tab)
    stored = stored_names(server)
    assert all(stored[n] == 1 for n in NAMES)


def test_resume_whose_destination_never_appears_fails_clearly_and_sends_nothing(
        qtbot, open_window, sandbox, lead_file):
    """The dropdowns cannot show the job's allocation (gone from the dialler): once the wait's
    deadline passes, the banner says so; the upload does not go on as if it had worked."""
    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    sheet = read_sheet(lead_file)
    prepared = validate(sheet, auto_map(sheet.headers))
    with Journal() as journal:
        job = journal.create_job(file_path=str(lead_file), fingerprint=sheet.fingerprint, server=sandbox.url,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(999, "VIC Week 9"))
        journal.add_rows(job, [(p.index, p.row_number, dict(p.lead), None, None) for p in prepared if p.sendable])
    win = open_window(sandbox)
    tab = win.import_tab
    assert tab.resume_bar.isVisible()
    tab.resume.wait = 1.0                   # the deadline (20 s in the app)
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "did not offer" in tab.resume_label.text(), timeout=10000)
    assert "VIC Week 9" in tab.resume_label.text() and "within 1 s" in tab.resume_label.text()
    assert tab.resume_interrupted_button.isEnabled() and tab.resume_bar.isVisible()
    assert tab.controller.state is State.IDLE and tab.model.sheet is None
    assert sandbox.leads() == [] and not tab.uploading
