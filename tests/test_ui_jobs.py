"""The window and upload jobs: a list uploading elsewhere is refused and never offered, rows an
earlier upload inserted are asked about, and a journal that cannot be written stops the upload."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from noojee_desktop.core import jobs
from noojee_desktop.core.codes import Category
from noojee_desktop.core.journal import Journal
from helpers.leads import write_leads

pytestmark = pytest.mark.usefixtures("qloop")

N = 20


def _leads(i0: int = 0, n: int = N) -> list[tuple[str, str, str]]:
    return [(f"Person {i:02d}", "Melbourne", f"03{8600000 + i:08d}") for i in range(i0, i0 + n)]


def _box(qtbot, win, object_name: str) -> QMessageBox:
    found = []

    def shown() -> bool:
        box = win.findChild(QMessageBox, object_name)
        if box is not None and box.isVisible():
            found.append(box)
            return True
        return False

    qtbot.waitUntil(shown, timeout=10000)
    return found[-1]


def _upload(qtbot, tab, *, then_click: tuple[str, str] | None = None, win=None):
    with qtbot.waitSignal(tab.uploadFinished, timeout=20000) as finished:
        qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
        if then_click:
            box = _box(qtbot, win, then_click[0])
            qtbot.mouseClick(box.findChild(QPushButton, then_click[1]), Qt.MouseButton.LeftButton)
    return finished.args[0]


def test_a_list_uploading_in_another_window_is_refused_and_not_offered(qtbot, open_window, sandbox, tmp_path):
    path = write_leads(tmp_path / "busy.csv", _leads())
    from noojee_desktop.core.sheet import read_sheet

    sheet = read_sheet(path)
    with Journal() as journal:
        # another process started this very list to this allocation and is still at it
        job = journal.create_job(file_path=str(path), fingerprint=sheet.fingerprint, server=sandbox.url,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"))
        journal.add_rows(job, [(i, i + 2, {"Name": n, "FirstPhone": p}, None, None)
                               for i, (n, _c, p) in enumerate(_leads())])
        started = datetime.now()
        other = jobs.record_lock(journal, journal.job(job), jobs.COMMAND).acquire()
        try:
            win = open_window(sandbox, path, rows=N)
            tab = win.import_tab
            assert not tab.resume_bar.isVisible()          # the banner never offers a running job
            qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
            box = _box(qtbot, win, "jobBusyBox")
            # the minute the other upload took the list (the clock may pass a minute meanwhile)
            assert any(box.text().startswith(f"This list is being uploaded in another window (since {t:%H:%M}).")
                       for t in (started, datetime.now()))
            assert sandbox.leads() == []
            box.close()
        finally:
            other.release()
    # once that upload is gone (its process ended), the job is offered again
    assert tab.check_interrupted() and tab.resume_bar.isVisible()


def test_rows_already_loaded_are_asked_about_then_skipped_or_sent_again(qtbot, open_window, sandbox, tmp_path):
    path = write_leads(tmp_path / "list.csv", _leads())
    win = open_window(sandbox, path, rows=N)
    tab = win.import_tab
    summary = _upload(qtbot, tab)
    assert summary is not None and summary.inserted == N and len(sandbox.leads()) == N

    # the list comes back edited: two new people at the top, the rest sorted the other way
    write_leads(path, _leads(100, 2) + _leads()[::-1])
    win.open_path(path)
    qtbot.waitUntil(lambda: tab.model.rowCount() == N + 2 and tab.upload_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(tab.uploadFinished, timeout=20000):
        qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
        box = _box(qtbot, win, "alreadyLoadedBox")
        assert box.text().startswith(f"{N} of these rows were inserted into Solar VIC on {datetime.now().day} ")
        qtbot.mouseClick(box.findChild(QPushButton, "skipAlreadyLoadedButton"), Qt.MouseButton.LeftButton)
    assert len(sandbox.leads()) == N + 2                       # only the two new ones went
    assert tab.model.counts[Category.ALREADY_LOADED] == N and tab.model.counts[Category.INSERTED] == 2

    # asked to, it sends them again: the dialler sees them (and refuses them as duplicates)
    win.open_path(path)
    qtbot.waitUntil(lambda: tab.model.rowCount() == N + 2 and tab.upload_button.isEnabled(), timeout=10000)
    before = len(sandbox.request_log())
    _upload(qtbot, tab, then_click=("alreadyLoadedBox", "sendAgainButton"), win=win)
    assert len(sandbox.request_log()) - before >= N + 2
    assert tab.model.counts[Category.DUPLICATE] == N + 2 and len(sandbox.leads()) == N + 2


@pytest.mark.allow_log(r"Cannot read the saved field lists .* Not a directory", logger="noojee_desktop.core.sheet.fields")
@pytest.mark.allow_log(r"Cannot read the saved contact hours .* Not a directory", logger="noojee_desktop.core.hours")
@pytest.mark.allow_log(r"could not (read the upload journal|save the column mapping)", logger="noojee_desktop.ui.importer")
def test_a_data_folder_that_cannot_be_written_stops_the_upload_with_a_message(qtbot, open_window, sandbox, tmp_path):
    path = write_leads(tmp_path / "list.csv", _leads(n=3))
    data = Path(os.environ["XDG_DATA_HOME"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "noojee-desktop").write_text("in the way")
    win = open_window(sandbox, path, rows=3, teach=False)     # (nothing can be kept there)
    tab = win.import_tab
    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    box = _box(qtbot, win, "journalProblemBox")
    assert box.text().startswith(f"The upload journal in {data / 'noojee-desktop'} could not be opened")
    assert sandbox.leads() == []
    box.close()
