"""Upload history and Withdraw, through the real window against the sandbox: an upload, an update
of some of its leads, both listed newest first; the upload withdrawn by typing the number of leads."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QRadioButton

from noojee_desktop.core.codes import Category
from noojee_desktop.ui.history import MODE, RESULTS, STATE
from test_ui_update import column, load, upload, write
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")

WITH_IDS = [[f"ACC-{i}", f"Lead {i}", f"03832180{i:02d}", "Melbourne"] for i in range(6)]
WITHOUT_IDS = [["", f"No Id {i}", f"03832190{i:02d}", "Geelong"] for i in range(2)]


def workbook_rows(path) -> list[tuple]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def by_name(win, cls, object_name):
    found = win.findChild(cls, object_name)
    assert found is not None, object_name
    return found


def test_history_lists_both_jobs_and_a_withdraw_reaches_every_lead_with_an_id(
        qtbot, make_window, sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    first = write(tmp_path / "leads.csv", ["ExternalLeadId", "Name", "FirstPhone", "City"], WITH_IDS + WITHOUT_IDS)
    teach_sandbox_fields(sandbox)
    win = make_window(["--server", sandbox.url, str(first)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 8 and tab.upload_button.isEnabled(), timeout=10000)
    qtbot.mouseClick(tab.safe_ids_check, Qt.MouseButton.LeftButton)      # turned off: 2 leads without an id
    assert not tab.safe_ids_check.isChecked()
    first_job = upload(qtbot, tab)
    assert first_job.counts[Category.INSERTED] == 8

    changes = write(tmp_path / "changes.csv", ["External ID", "Disposition", "FirstPhone"],
                    [["ACC-0", "Sale", "<No Change>"], ["ACC-1", "Call Back", "<No Change>"]])
    load(qtbot, tab, changes, 2)
    qtbot.mouseClick(by_name(win, QRadioButton, "updateModeRadio"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.loading and tab.upload_button.isEnabled(), timeout=10000)
    assert upload(qtbot, tab).counts[Category.UPDATED] == 2

    # the history: newest first, with mode, state and counts
    history = win.open_history()
    qtbot.waitExposed(history)
    model = history.model
    assert [e.id for e in model.entries] == [2, 1]
    assert column(model, MODE) == ["update", "upload"]
    assert column(model, STATE) == ["finished", "finished"]
    assert column(model, RESULTS) == ["Updated 2", "Inserted 8"]

    # write the upload's results file again, from the journal
    assert history.select_job(1)
    assert not history.open_button.isEnabled()           # none written yet
    with qtbot.waitSignal(history.resultsWritten, timeout=10000):
        qtbot.mouseClick(history.write_button, Qt.MouseButton.LeftButton)
    written = history.model.entries[1].results_path
    assert written and Path(written).is_file() and written in history.status.text()
    assert history.open_button.isEnabled()
    opened = []
    monkeypatch.setattr("noojee_desktop.ui.history.QDesktopServices.openUrl", lambda url: opened.append(url))
    qtbot.mouseClick(history.open_button, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [written]
    rows = workbook_rows(written)
    assert len(rows) == 9 and rows[0][:4] == ("ExternalLeadId", "Name", "FirstPhone", "City")
    assert all("Inserted" in str(r) for r in rows[1:])

    # an update cannot be withdrawn; the upload can
    assert history.select_job(2) and not history.withdraw_button.isEnabled()
    assert history.select_job(1) and history.withdraw_button.isEnabled()
    qtbot.mouseClick(history.withdraw_button, Qt.MouseButton.LeftButton)
    plan_label = by_name(history, QLabel, "withdrawPlanLabel")
    qtbot.waitUntil(lambda: "cannot be withdrawn" in plan_label.text(), timeout=5000)
    # before anything is sent: how many cannot be reached, and why; the warning
    assert "2 of them cannot be withdrawn: they were inserted without an external id" in plan_label.text()
    warning = by_name(history, QLabel, "withdrawWarning").text()
    assert "actions fire on the dialler" in warning and "may already have been called" in warning
    assert "two minutes" in warning
    send = by_name(history, QPushButton, "withdrawButton")
    confirm = by_name(history, QLineEdit, "withdrawConfirmEdit")
    combo = by_name(history, QComboBox, "withdrawDispositionCombo")
    assert not send.isEnabled()
    combo.lineEdit().clear()
    qtbot.keyClicks(combo.lineEdit(), "Wrong Number")
    qtbot.waitUntil(lambda: "'Wrong Number'" in plan_label.text(), timeout=5000)
    qtbot.keyClicks(confirm, "8")                       # every row, not the leads it can reach
    assert not send.isEnabled() and "Type 6" in send.toolTip()
    confirm.clear()
    qtbot.keyClicks(confirm, "6")
    qtbot.waitUntil(send.isEnabled, timeout=5000)
    before = {lead["external_id"]: lead["disposition"] for lead in sandbox.leads(11)}
    assert before["ACC-0"] == "Sale" and before["ACC-2"] is None      # nothing sent before the click
    with qtbot.waitSignal(history.withdrawn, timeout=20000) as done:
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    summary = done.args[0]
    assert summary.counts[Category.UPDATED] == 6

    leads = sandbox.leads(11)
    assert len(leads) == 8
    assert sorted(lead["lead"]["Name"] for lead in leads if lead["disposition"] == "Wrong Number") == \
        [f"Lead {i}" for i in range(6)]
    assert [lead["disposition"] for lead in leads if lead["lead"]["Name"].startswith("No Id")] == [None, None]
    status = by_name(history, QLabel, "withdrawStatus").text()
    assert "6 of 6 updated" in status and "Results:" in status

    # the withdraw is a job of the history too, with its results file
    qtbot.waitUntil(lambda: len(history.model.entries) == 3, timeout=5000)
    assert history.model.entries[0].mode_label == "withdraw of job 1"
    withdrawn = history.model.entries[0].results_path
    assert withdrawn and Path(withdrawn).is_file()
    rows = workbook_rows(withdrawn)
    assert len(rows) == 7 and "Lead 0" in rows[1] and "Updated" in rows[1]      # the leads as loaded


def test_a_withdraw_lists_the_leads_someone_was_editing(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    first = write(tmp_path / "few.csv", ["ExternalLeadId", "Name", "FirstPhone", "City"], WITH_IDS[:3])
    teach_sandbox_fields(sandbox)
    win = make_window(["--server", sandbox.url, str(first)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3 and tab.upload_button.isEnabled(), timeout=10000)
    upload(qtbot, tab)
    sandbox.agent_editing("ACC-1")
    history = win.open_history()
    assert history.select_job(1)
    dialog = history.withdraw()
    combo = by_name(dialog, QComboBox, "withdrawDispositionCombo")
    combo.setCurrentText("Not Interested")
    plan_label = by_name(dialog, QLabel, "withdrawPlanLabel")
    qtbot.waitUntil(lambda: "'Not Interested'" in plan_label.text(), timeout=5000)
    qtbot.keyClicks(by_name(dialog, QLineEdit, "withdrawConfirmEdit"), "3")
    send = by_name(dialog, QPushButton, "withdrawButton")
    qtbot.waitUntil(send.isEnabled, timeout=5000)
    with qtbot.waitSignal(dialog.withdrawn, timeout=20000):
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    conflicts = by_name(dialog, QLabel, "withdrawConflicts")
    assert conflicts.isVisible()
    assert "1 lead(s) were not changed because someone was editing them" in conflicts.text()
    assert "row 3 of few.csv: external id ACC-1" in conflicts.text()
    codes = [dialog.run.model.data(dialog.run.model.index(r, 2)) for r in range(3)]
    assert codes == ["0", "110", "0"]
    # the sandbox keeps leads in the order they arrived, which concurrency may change: match by id
    by_id = {lead["external_id"]: lead["disposition"] for lead in sandbox.leads(11)}
    assert by_id == {"ACC-0": "Not Interested", "ACC-1": None, "ACC-2": "Not Interested"}


def test_a_stopped_withdraw_goes_on_where_it_stopped(qtbot, make_window, sandbox_factory, monkeypatch, tmp_path):
    slow = sandbox_factory(service_time=0.25, slots=1)
    teach_sandbox_fields(slow)
    monkeypatch.setenv("NOOJEE_API_KEY", slow.api_key)
    first = write(tmp_path / "six.csv", ["ExternalLeadId", "Name", "FirstPhone", "City"], WITH_IDS)
    win = make_window(["--server", slow.url, str(first)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 6 and tab.upload_button.isEnabled(), timeout=10000)
    upload(qtbot, tab)
    history = win.open_history()
    assert history.select_job(1)
    dialog = history.withdraw()
    by_name(dialog, QComboBox, "withdrawDispositionCombo").setCurrentText("Not Interested")
    plan_label = by_name(dialog, QLabel, "withdrawPlanLabel")
    qtbot.waitUntil(lambda: "'Not Interested'" in plan_label.text(), timeout=5000)
    qtbot.keyClicks(by_name(dialog, QLineEdit, "withdrawConfirmEdit"), "6")
    send = by_name(dialog, QPushButton, "withdrawButton")
    qtbot.waitUntil(send.isEnabled, timeout=5000)

    def withdrawn():
        return [x["external_id"] for x in slow.leads(11) if x["disposition"] == "Not Interested"]

    with qtbot.waitSignal(dialog.withdrawn, timeout=20000) as stopped:
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(withdrawn()) >= 2, timeout=10000)
        qtbot.mouseClick(by_name(dialog, QPushButton, "withdrawStopButton"), Qt.MouseButton.LeftButton)
    assert stopped.args[0].stopped == "cancelled"
    assert 2 <= len(withdrawn()) < 6
    # Withdraw again: the same job goes on (journaled); no lead is sent twice
    qtbot.waitUntil(send.isEnabled, timeout=5000)
    with qtbot.waitSignal(dialog.withdrawn, timeout=20000) as done:
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    assert done.args[0].counts[Category.UPDATED] == 6 and not done.args[0].stopped
    assert sorted(withdrawn()) == [f"ACC-{i}" for i in range(6)]
    assert sum(1 for r in slow.request_log() if "updateLeadFast" in r["path"]) == 6
    history.refresh()
    assert [e.mode for e in history.model.entries] == ["withdraw", "insert"]     # one withdraw job
