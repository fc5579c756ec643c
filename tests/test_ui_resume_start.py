"""After a crash or a quit mid-upload, the next start offers the resume at once: against a
dialler at a fixed address (a sandbox on a fixed port, as `noojee-desktop sandbox --port N`
runs it), with the key in the system keyring or, with no keyring, typed in at start."""

from __future__ import annotations

import socket
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from noojee_desktop.core.codes import Category
from helpers.leads import write_leads

pytestmark = pytest.mark.usefixtures("qloop")

N = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fixed_server(sandbox_factory):
    return sandbox_factory(port=free_port(), service_time=0.01)


@pytest.fixture
def interrupted(fixed_server, tmp_path):
    """A lead list and the journal as a crash leaves it: 8 rows answered, one in flight, the job
    "running"; the server as the app journals it (scheme://host:port)."""
    from datetime import datetime

    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.outcome import RowOutcome
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    path = write_leads(tmp_path / "crash-leads.csv",
                       [(f"Crash {i:02d}", "Melbourne", f"03{8700000 + i:08d}") for i in range(N)])
    sheet = read_sheet(path)
    prepared = validate(sheet, auto_map(sheet.headers))
    with Journal() as journal:
        job = journal.create_job(file_path=str(path), fingerprint=sheet.fingerprint,
                                 server=fixed_server.url + "/servicemanager/rest/CampaignAPI",
                                 template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                                 allocation=(111, "VIC Week 1"))
        journal.add_rows(job, [(p.index, p.row_number, dict(p.lead), None, None) for p in prepared])
        for p in prepared[:8]:
            journal.record(job, p.index, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)
        journal.mark_inflight(job, 8, 1, datetime.now())
    return path, {p.lead["Name"] for p in prepared[:8]}


def saved_connection(server: str) -> None:
    from noojee_desktop.ui.settings import AppSettings

    AppSettings().set_server(server)


def resume_and_check(qtbot, win, server, done_names) -> None:
    tab = win.import_tab
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    c = tab.controller
    qtbot.waitUntil(lambda: c.last_summary is not None and not c.uploading, timeout=15000)
    stored = Counter(r["lead"].get("Name") for r in server.leads())
    assert not set(stored) & done_names, "rows answered before the crash are not sent again"
    assert len(stored) == N - len(done_names) and set(stored.values()) == {1}
    assert tab.model.counts[Category.INSERTED] == N
    assert not tab.resume_bar.isVisible()


def test_resume_is_offered_at_start_with_the_key_in_the_keyring(qtbot, make_window, fixed_server, interrupted):
    from noojee_desktop.ui.settings import save_key

    path, done = interrupted
    saved_connection(fixed_server.url)
    save_key(fixed_server.url, fixed_server.api_key)
    win = make_window([])
    tab = win.import_tab
    assert tab.resume_bar.isVisible() and path.name in tab.resume_label.text()
    assert win.tabs.currentWidget() is tab
    assert win.connection_dialog() is None
    resume_and_check(qtbot, win, fixed_server, done)


def test_resume_is_offered_at_start_without_a_keyring_and_goes_on_once_connected(
        qtbot, make_window, fixed_server, interrupted, monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    path, done = interrupted
    saved_connection(fixed_server.url)
    win = make_window([])
    tab = win.import_tab
    # at once: the banner, and the Connection dialog asking for the key, the cursor in it
    assert tab.resume_bar.isVisible() and path.name in tab.resume_label.text()
    qtbot.waitUntil(lambda: win.connection_dialog() is not None and win.connection_dialog().isVisible(),
                    timeout=3000)
    dialog = win.connection_dialog()
    key = dialog.findChild(QLineEdit, "apiKeyEdit")
    assert dialog.server() == fixed_server.url and key.text() == ""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is key, timeout=3000)

    # closed without a key, Resume says what is missing and asks for it; connecting goes on with it
    dialog.reject()
    qtbot.waitUntil(lambda: win.connection_dialog() is None, timeout=3000)
    qtbot.mouseClick(tab.resume_interrupted_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not connected" in tab.resume_label.text(), timeout=3000)
    qtbot.waitUntil(lambda: win.connection_dialog() is not None and win.connection_dialog().isVisible(),
                    timeout=3000)
    dialog = win.connection_dialog()
    key = dialog.findChild(QLineEdit, "apiKeyEdit")
    assert dialog.server() == fixed_server.url
    key.setText(fixed_server.api_key)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    c = tab.controller
    qtbot.waitUntil(lambda: c.last_summary is not None and not c.uploading, timeout=15000)
    stored = Counter(r["lead"].get("Name") for r in fixed_server.leads())
    assert not set(stored) & done and len(stored) == N - len(done) and set(stored.values()) == {1}
    assert tab.model.counts[Category.INSERTED] == N
    assert not tab.resume_bar.isVisible()
