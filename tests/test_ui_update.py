"""Update mode of the Import tab, driven through the real window against the sandbox: a second
sheet changes leads a first upload inserted; 0 / 101 / 106 / 110 per row; 110 never sent again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton, QRadioButton

from helpers.leads import write_leads
from noojee_desktop.core.codes import Category
from noojee_desktop.ui.import_model import CODE, MESSAGE, RESULT
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")


def write(path, header, rows):
    return write_leads(path, rows, header=header)

FIRST = [[f"ACC-{i}", f"Lead {i}", f"03832180{i:02d}", "Melbourne"] for i in range(6)]
CHANGES = [
    ["ACC-0", "Sale", "<No Change>", "2030/05/01 10:30"],
    ["ACC-1", "Call Back", "0383219991", "<no change>"],
    ["NOPE", "Sale", "0383218002", ""],
    ["ACC-3", "Sale", "<NO CHANGE>", ""],
    ["ACC-4", "Maybe Later", "<No Change>", ""],
]


def upload(qtbot, tab, button=None):
    """Press Upload once the file is checked (a re-check after the choice may still run) and wait."""
    qtbot.waitUntil(lambda: (button or tab.upload_button).isEnabled() and not tab.loading, timeout=10000)
    with qtbot.waitSignal(tab.uploadFinished, timeout=20000) as done:
        qtbot.mouseClick(button or tab.upload_button, Qt.MouseButton.LeftButton)
    return done.args[0]


def load(qtbot, tab, path, rows):
    tab.load(path)
    qtbot.waitUntil(lambda: tab.model.sheet is not None and tab.model.sheet.path == path
                    and tab.model.rowCount() == rows and not tab.loading, timeout=10000)


def column(model, col) -> list[str]:
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def first_upload(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    """The window, with the first list (external ids) inserted into Solar VIC / VIC Week 1."""
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    first = write(tmp_path / "leads.csv", ["ExternalLeadId", "Name", "FirstPhone", "City"], FIRST)
    teach_sandbox_fields(sandbox)
    win = make_window(["--server", sandbox.url, str(first)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == len(FIRST) and tab.upload_button.isEnabled(), timeout=10000)
    summary = upload(qtbot, tab)
    assert summary.counts[Category.INSERTED] == len(FIRST)
    return win, tab, summary


def test_update_mode_changes_the_leads_of_a_first_upload(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    win, tab, _first = first_upload(qtbot, make_window, sandbox, monkeypatch, tmp_path)
    sandbox.agent_editing("ACC-3")
    changes = write(tmp_path / "changes.csv", ["External ID", "Disposition", "FirstPhone", "Call Back Date"], CHANGES)
    load(qtbot, tab, changes, len(CHANGES))
    # added as new leads, the <No Change> cells cannot be sent
    assert tab.model.counts[Category.INVALID] == 4

    update_radio = win.findChild(QRadioButton, "updateModeRadio")
    qtbot.mouseClick(update_radio, Qt.MouseButton.LeftButton)
    assert update_radio.isChecked() and tab.controller.mode == "update"
    assert win.findChild(QLineEdit, "dispositionEdit").isVisible()
    assert not tab.safe_ids_check.isVisible()          # an insert option: hidden when updating
    qtbot.waitUntil(lambda: not tab.loading and tab.model.counts.get(Category.INVALID, 0) == 0
                    and tab.upload_button.isEnabled(), timeout=10000)

    summary = upload(qtbot, tab)
    assert summary.job_id is not None
    model = tab.model
    assert column(model, CODE) == ["0", "0", "101", "110", "106"]
    results = column(model, RESULT)
    assert results[0].endswith("Updated") and results[1].endswith("Updated")
    messages = column(model, MESSAGE)
    assert messages[2].startswith("Not found (no lead with this external id)")
    assert messages[3].startswith("Someone was editing this lead: check it in Noojee")
    assert messages[4].startswith("Unknown disposition")
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color().name() == Category.UPDATED.colour
    assert "2 of 5 updated" in tab.rate_label.text()

    leads = {lead["external_id"]: lead for lead in sandbox.leads(11)}
    assert len(leads) == len(FIRST)                   # nothing inserted by an update
    assert leads["ACC-0"]["disposition"] == "Sale"
    assert leads["ACC-0"]["lead"]["FirstPhone"] == "0383218000"                 # <No Change> kept
    assert leads["ACC-0"]["lead"]["njCallBackDate"] == "2030/05/01 10:30"
    assert leads["ACC-1"]["lead"]["FirstPhone"] == "0383219991" and leads["ACC-1"]["disposition"] == "Call Back"
    assert leads["ACC-3"]["disposition"] is None and leads["ACC-4"]["disposition"] is None

    # the journal knows it as an update
    job = tab.journal().job(summary.job_id)
    assert job.settings["mode"] == "update"

    # Retry incl. rejections sends the not-found row again, never the lead someone was editing
    def update_replies(code):
        return sum(1 for r in sandbox.request_log() if "updateLeadFast" in r["path"] and r["code"] == code)

    assert [update_replies(c) for c in (0, 101, 106, 110)] == [2, 1, 1, 1]
    sandbox.agent_editing("ACC-3", editing=False)
    rs = tab.results
    assert rs.retry_rejected_button.isEnabled()
    with qtbot.waitSignal(tab.uploadFinished, timeout=20000):
        qtbot.mouseClick(rs.retry_rejected_button, Qt.MouseButton.LeftButton)
        box = []
        qtbot.waitUntil(lambda: box.extend(b for b in win.findChildren(QMessageBox, "retryRejectionsBox")
                                           if b.isVisible()) or bool(box), timeout=5000)
        qtbot.mouseClick(box[0].findChild(QPushButton, "retryRejectionsConfirmButton"), Qt.MouseButton.LeftButton)
    assert column(model, CODE) == ["0", "0", "101", "110", "106"]
    # the not-found and unknown-disposition rows went again; the 110 did not (the agent is done
    # now, so a resend would have answered 0 and set the disposition)
    assert [update_replies(c) for c in (0, 101, 106, 110)] == [2, 2, 2, 1]
    assert {lead["external_id"]: lead for lead in sandbox.leads(11)}["ACC-3"]["disposition"] is None


def test_disposition_for_every_row_is_remembered_per_template(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    win, tab, _first = first_upload(qtbot, make_window, sandbox, monkeypatch, tmp_path)
    wrong = write(tmp_path / "wrong.csv", ["njExternalLeadId", "FirstPhone"],
                  [[f"ACC-{i}", "<No Change>"] for i in range(3)])
    load(qtbot, tab, wrong, 3)
    qtbot.mouseClick(win.findChild(QRadioButton, "updateModeRadio"), Qt.MouseButton.LeftButton)
    # no disposition column and none typed: the rows cannot be sent, and the notice says why
    qtbot.waitUntil(lambda: not tab.loading and tab.model.counts.get(Category.INVALID, 0) == 3, timeout=10000)
    assert "disposition" in tab.notice.text()
    assert not tab.upload_button.isEnabled()
    edit = win.findChild(QLineEdit, "dispositionEdit")
    edit.setFocus()
    qtbot.keyClicks(edit, "Wrong Number")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.loading and tab.model.counts.get(Category.INVALID, 0) == 0
                    and tab.upload_button.isEnabled(), timeout=10000)
    summary = upload(qtbot, tab)
    assert summary.counts[Category.UPDATED] == 3
    assert [lead["disposition"] for lead in sandbox.leads(11)] == ["Wrong Number"] * 3 + [None] * 3
    assert tab.journal().job(summary.job_id).settings["disposition"] == "Wrong Number"

    # remembered for Solar Leads in the next session
    win.begin_shutdown()
    qtbot.waitUntil(lambda: win.is_shut_down, timeout=10000)
    again = make_window(["--server", sandbox.url])
    pick_solar(qtbot, again)
    qtbot.waitUntil(lambda: again.findChild(QLineEdit, "dispositionEdit").text() == "Wrong Number", timeout=5000)


def test_an_interrupted_update_is_offered_and_resumed_as_an_update(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    from noojee_desktop.commands import main as dispatch
    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.outcome import RowOutcome
    from noojee_desktop.core.sheet import read_sheet

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    first = write(tmp_path / "leads.csv", ["ExternalLeadId", "Name", "FirstPhone", "City"], FIRST[:3])
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:    # the headless command, off this test's running loop
        assert pool.submit(dispatch, ["upload", str(first), "--server", sandbox.url, "--template", "1",
                                      "--campaign", "11", "--allocation", "111"]).result(30) == 0
    changes = write(tmp_path / "later.csv", ["njExternalLeadId", "FirstPhone"], [[f"ACC-{i}", "<No Change>"]
                                                                             for i in range(3)])
    with Journal() as journal:   # an update of that file, cut off after its first row
        job = journal.create_job(file_path=str(changes), fingerprint=read_sheet(changes).fingerprint,
                                 server=sandbox.url, template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"),
                                 settings={"mode": "update", "disposition": "Call Back"})
        journal.add_rows(job, [(0, 2, {"njExternalLeadId": "ACC-0"}, "ACC-0",
                                RowOutcome(Category.UPDATED, 0, "OK", 1))]
                         + [(i, i + 2, {"njExternalLeadId": f"ACC-{i}"}, f"ACC-{i}", None) for i in (1, 2)])
    win = make_window(["--server", sandbox.url])
    tab = win.import_tab
    qtbot.waitUntil(tab.resume_bar.isVisible, timeout=5000)
    assert tab.resume_title.text() == "A previous update was interrupted: resume?"
    with qtbot.waitSignal(tab.uploadFinished, timeout=20000) as done:
        qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    assert done.args[0].counts[Category.UPDATED] == 3
    assert tab.controller.mode == "update" and win.findChild(QRadioButton, "updateModeRadio").isChecked()
    assert win.findChild(QLineEdit, "dispositionEdit").text() == "Call Back"
    # only the two rows without an answer were sent, with the job's disposition
    assert sum(1 for r in sandbox.request_log() if "updateLeadFast" in r["path"]) == 2
    assert {lead["external_id"]: lead["disposition"] for lead in sandbox.leads(11)} == \
        {"ACC-0": None, "ACC-1": "Call Back", "ACC-2": "Call Back"}


def test_the_single_lead_form_updates_only_the_fields_filled_in(qtbot, make_window, sandbox, monkeypatch, tmp_path):
    teach_sandbox_fields(sandbox)       # the form shows the template's fields once they are known
    win, _tab, _first = first_upload(qtbot, make_window, sandbox, monkeypatch, tmp_path)
    form = win.lead_form
    win.tabs.setCurrentWidget(form)
    qtbot.mouseClick(win.findChild(QRadioButton, "leadUpdateRadio"), Qt.MouseButton.LeftButton)
    assert form.updating and form.send_button.text() == "Se&nd update"
    assert not form.allow_duplicates.isVisible()
    result = form.result_label

    # without an external id nothing is sent
    form.send()
    qtbot.waitUntil(lambda: "external id" in result.text(), timeout=5000)
    assert not any("updateLeadFast" in r["path"] for r in sandbox.request_log())

    form.external_id.setText("ACC-2")
    form.disposition.setText("Sale")
    form.edits["City"].setText("Ballarat")
    with qtbot.waitSignal(form.leadSent, timeout=10000) as sent:
        qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    assert sent.args[0].ok and result.text().startswith(f"{Category.UPDATED.symbol} Updated")
    lead = next(x for x in sandbox.leads(11) if x["external_id"] == "ACC-2")
    assert lead["disposition"] == "Sale" and lead["lead"]["City"] == "Ballarat"
    assert lead["lead"]["Name"] == "Lead 2" and lead["lead"]["FirstPhone"] == "0383218002"   # <No Change>
    assert "update of external id ACC-2" in form.history.item(0).text() and "Updated" in form.history.item(0).text()

    form.external_id.setText("NOPE")
    with qtbot.waitSignal(form.leadSent, timeout=10000):
        qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    assert "Not found (no lead with this external id)" in result.text()
    assert len(sandbox.leads(11)) == len(FIRST)
