"""Upload options in the Import tab, "Retry incl. DNC/duplicates", the single-lead duplicate box,
and journal jobs shared with the headless command -- the real window against the sandbox."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QPushButton

from noojee_desktop.core.codes import Category
from helpers.leads import write_leads
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick

pytestmark = pytest.mark.usefixtures("qloop")

GOOD = [(f"Option {i}", f"03{8700000 + i:08d}") for i in range(6)]
TWIN_PHONE = "0387001234"
DNC_PHONE = "0299999999"


def in_melbourne(rows):
    """(name, phone) rows as lead rows, everyone in Melbourne."""
    return [(name, "Melbourne", phone) for name, phone in rows]


def upload_and_wait(qtbot, tab, button=None):
    qtbot.mouseClick(button or tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.uploading, timeout=5000)
    qtbot.waitUntil(lambda: not tab.uploading and tab.controller.last_summary is not None, timeout=15000)


def stored_phones(server) -> Counter:
    return Counter(r["lead"].get("FirstPhone") for r in server.leads())


def check(qtbot, box: QCheckBox, on: bool) -> None:
    if box.isChecked() != on:
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked() == on


def test_allow_duplicates_rechecks_the_file_and_inserts_the_same_phone_twice(
        qtbot, open_window, sandbox_factory, tmp_path):
    server = sandbox_factory(service_time=0.05, slots=2)
    path = write_leads(tmp_path / "twins.csv", in_melbourne(GOOD[:3] + [("Twin A", TWIN_PHONE), ("Twin B", TWIN_PHONE)]))
    win = open_window(server, path, rows=5)
    tab = win.import_tab
    allow = win.findChild(QCheckBox, "allowDuplicatesCheck")
    safe = win.findChild(QCheckBox, "generateExternalIdsCheck")
    assert allow.accessibleName() == "allowDuplicatesCheck"
    assert not allow.isChecked()                                 # off by default
    assert safe.isChecked()            # on by default: leads can be updated or withdrawn later
    assert "updated or withdrawn later" in safe.text()
    # off: the second row with the same phone needs fixing before it can be sent
    assert tab.model.counts[Category.INVALID] == 1
    assert not tab.safe_ids_note.isVisible()
    check(qtbot, safe, False)          # easy to turn off (for this template)

    check(qtbot, allow, True)
    qtbot.waitUntil(lambda: tab.model.counts[Category.INVALID] == 0 and not tab.loading, timeout=5000)
    # duplicates allowed without safe ids: the safe-id box says why it matters
    assert tab.safe_ids_note.isVisible() and "recommended" in tab.safe_ids_note.text()
    assert "Recommended with duplicate" in safe.toolTip()

    qtbot.mouseClick(tab.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.uploading, timeout=5000)
    assert not allow.isEnabled() and not safe.isEnabled()        # not changeable mid-upload
    qtbot.waitUntil(lambda: not tab.uploading and tab.controller.last_summary is not None, timeout=15000)
    assert allow.isEnabled() and safe.isEnabled()
    assert stored_phones(server)[TWIN_PHONE] == 2
    assert tab.model.counts[Category.INSERTED] == 5

    # remembered for the next session: duplicates for every template, safe ids per template
    win.begin_shutdown()
    qtbot.waitUntil(lambda: win.is_shut_down, timeout=10000)
    again = open_window(server, rows=0)
    again_safe = again.findChild(QCheckBox, "generateExternalIdsCheck")
    assert again.findChild(QCheckBox, "allowDuplicatesCheck").isChecked()
    qtbot.waitUntil(lambda: not again_safe.isChecked(), timeout=5000)      # Solar Leads: turned off
    pick(qtbot, again, "template", "Insurance Renewals")
    qtbot.waitUntil(lambda: again_safe.isChecked(), timeout=5000)          # another template: on


def test_generated_ids_give_every_sent_lead_a_safe_external_id(qtbot, open_window, sandbox, tmp_path):
    path = write_leads(tmp_path / "ids.csv", in_melbourne(GOOD))
    win = open_window(sandbox, path, rows=len(GOOD))
    tab = win.import_tab
    check(qtbot, win.findChild(QCheckBox, "generateExternalIdsCheck"), True)
    upload_and_wait(qtbot, tab)
    leads = sandbox.leads()
    assert len(leads) == len(GOOD)
    ids = [r["lead"].get("njExternalLeadId", "") for r in leads]
    assert all(i.startswith("NJL-") for i in ids) and len(set(ids)) == len(GOOD)
    # the journal keeps the options, so a resume goes on with them
    job = tab.journal().job(tab.controller.last_summary.job_id)
    assert job.settings == {"allow_duplicates": False, "generate_external_ids": True}


def test_retry_including_rejections_resends_the_dnc_row_only_when_asked(qtbot, open_window, sandbox, tmp_path):
    path = write_leads(tmp_path / "dnc.csv", in_melbourne(GOOD + [("Do Not Ring", DNC_PHONE)]))
    win = open_window(sandbox, path, rows=len(GOOD) + 1)
    tab = win.import_tab
    model = tab.model
    dnc_row = len(GOOD)
    sandbox.fail_next(1, 102)            # one early row fails (bad data, never retried by itself)
    upload_and_wait(qtbot, tab)
    assert model.counts[Category.DATA_ERROR] == 1 and model.category(dnc_row) is Category.DNC

    def dnc_calls() -> int:
        return sum(1 for r in sandbox.request_log() if r.get("code") == 104)

    # plain retry: the failed row goes again, the DNC row does not
    assert tab.retry_button.isEnabled()
    upload_and_wait(qtbot, tab, tab.retry_button)
    assert model.counts[Category.INSERTED] == len(GOOD)
    assert dnc_calls() == 1 and model.outcomes[dnc_row].attempts == 1
    assert not tab.retry_button.isEnabled()

    # "Retry incl. DNC/duplicates" asks first; Cancel sends nothing
    button = win.findChild(QPushButton, "retryRejectedButton")
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    box = win.findChild(QMessageBox, "retryRejectionsBox")
    qtbot.waitUntil(lambda: box.isVisible(), timeout=5000)
    assert "1 row" in box.text() and "Do Not Call" in box.informativeText()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    assert not tab.uploading and dnc_calls() == 1

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    box = None
    qtbot.waitUntil(lambda: any(b.isVisible() for b in win.findChildren(QMessageBox, "retryRejectionsBox")),
                    timeout=5000)
    box = next(b for b in win.findChildren(QMessageBox, "retryRejectionsBox") if b.isVisible())
    qtbot.mouseClick(box.findChild(QPushButton, "retryRejectionsConfirmButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.uploading, timeout=5000)
    qtbot.waitUntil(lambda: not tab.uploading, timeout=15000)
    assert dnc_calls() == 2
    assert model.category(dnc_row) is Category.DNC and model.outcomes[dnc_row].attempts == 2
    assert Counter(r["lead"]["Name"] for r in sandbox.leads()) == Counter(n for n, _ in GOOD)   # none twice


def test_single_lead_allow_duplicate_inserts_the_same_phone_again(qtbot, make_window, open_window, sandbox):
    teach_sandbox_fields(sandbox)
    win = open_window(sandbox, rows=0)
    form = win.lead_form
    allow = win.findChild(QCheckBox, "leadAllowDuplicatesCheck")
    assert not allow.isChecked()
    send = win.findChild(QPushButton, "sendLeadButton")
    for name, expected in (("Bob First", Category.INSERTED), ("Bob Refused", Category.DUPLICATE)):
        form.edits["Name"].setText(name)
        form.edits["FirstPhone"].setText(TWIN_PHONE)
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda e=expected: e.label in form.result_label.text(), timeout=5000)
    check(qtbot, allow, True)
    form.edits["Name"].setText("Bob Again")
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.history.count() == 3 and send.isEnabled(), timeout=5000)
    assert Category.INSERTED.label in form.result_label.text()
    assert sorted(r["lead"]["Name"] for r in sandbox.leads()) == ["Bob Again", "Bob First"]
    # not remembered: the next session refuses duplicates again
    win.begin_shutdown()
    qtbot.waitUntil(lambda: win.is_shut_down, timeout=10000)
    again = make_window(["--server", sandbox.url])
    assert not again.findChild(QCheckBox, "leadAllowDuplicatesCheck").isChecked()


def test_job_journaled_by_the_headless_command_is_offered_and_resumed_by_the_window(
        qtbot, make_window, sandbox, monkeypatch, tmp_path):
    """The headless command names the server by ``client.base_url``; the window, connected with
    the address typed without a scheme, must still find that job."""
    from noojee_desktop.core.api import NoojeeClient
    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.outcome import RowOutcome
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    path = write_leads(tmp_path / "headless.csv", in_melbourne(GOOD))
    sheet = read_sheet(path)
    prepared = validate(sheet, auto_map(sheet.headers))
    client = NoojeeClient(sandbox.url, sandbox.api_key)      # as upload_cli builds it (never sends here)
    typed = sandbox.url.split("://", 1)[1]                     # "127.0.0.1:PORT", as a user types it
    with Journal() as journal:
        job = journal.create_job(file_path=str(path), fingerprint=sheet.fingerprint, server=client.base_url,
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"),
                                 settings={"allow_duplicates": False, "generate_external_ids": True})
        journal.add_rows(job, [(p.index, p.row_number, dict(p.lead), None, None) for p in prepared])
        journal.record(job, 0, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    teach_sandbox_fields(typed)
    win = make_window(["--server", typed])
    tab = win.import_tab
    assert tab.resume_bar.isVisible() and path.name in tab.resume_label.text()
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.controller.last_summary is not None and not tab.uploading, timeout=15000)
    # resumed with the job's own options: finished row not resent, the others sent once
    assert tab.safe_ids_check.isChecked()
    assert sorted(r["lead"]["Name"] for r in sandbox.leads()) == [n for n, _ in GOOD[1:]]
    assert tab.model.counts[Category.INSERTED] == len(GOOD)
    assert not tab.resume_bar.isVisible()

    # and a new upload from this window is journaled under the same name the headless command uses
    assert win.session.journal_server == client.base_url and "key" not in win.session.journal_server.lower()
