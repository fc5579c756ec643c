"""The real main window against the sandbox on 127.0.0.1: connection, dropdowns, one lead."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QWidget

from noojee_desktop.core.codes import Category
from helpers.sandbox import SOLAR, teach_sandbox_fields
from helpers.ui import pick, pick_choice

pytestmark = pytest.mark.usefixtures("qloop")


def combo(window, name) -> QComboBox:
    found = window.findChild(QComboBox, name)
    assert found is not None, name
    assert found.accessibleName() == name
    return found


def pick_solar(qtbot, window) -> None:
    pick_choice(qtbot, window)
    assert window.chooser.current_ids() == SOLAR


@pytest.fixture
def connected(make_window, sandbox, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    teach_sandbox_fields(sandbox)
    return make_window(["--server", sandbox.url])


def test_preset_connection_fills_the_cascade_without_a_dialog(qtbot, connected, sandbox):
    window = connected
    pick_solar(qtbot, window)
    # campaigns follow the template: another template shows its own campaigns
    pick(qtbot, window, "template", "Insurance Renewals")
    qtbot.waitUntil(lambda: combo(window, "campaignCombo").findText("Home Insurance 2025") >= 0, timeout=5000)
    assert combo(window, "campaignCombo").findText("Solar VIC") < 0
    assert combo(window, "allocationCombo").currentData() is None
    # no first-start dialog, and the preset was not saved
    assert window.connection_dialog() is None
    assert window.settings.server == ""
    assert "Connected" in window.connection_bar.status_label.text()


def test_last_choice_is_remembered_per_server(qtbot, make_window, sandbox, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    first = make_window(["--server", sandbox.url])
    pick_solar(qtbot, first)
    first.begin_shutdown()
    qtbot.waitUntil(lambda: first.is_shut_down, timeout=5000)
    second = make_window(["--server", sandbox.url])
    qtbot.waitUntil(lambda: second.chooser.current_ids() == SOLAR, timeout=5000)


def test_send_one_lead_shows_green_result_and_lands(qtbot, connected, sandbox):
    window = connected
    pick_solar(qtbot, window)
    form = window.lead_form
    assert window.findChild(QWidget, "leadForm").accessibleName() == "leadForm"
    form.edits["Name"].setText("Alice Example")
    form.edits["FirstPhone"].setText("0383218199")
    send = window.findChild(QPushButton, "sendLeadButton")
    assert send.isEnabled()
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: Category.INSERTED.label in form.result_label.text(), timeout=5000)
    assert Category.INSERTED.colour in form.result_label.styleSheet()
    leads = [r["lead"] for r in sandbox.leads(11)]
    assert [(lead.get("Name"), lead.get("FirstPhone")) for lead in leads] == [("Alice Example", "0383218199")]
    assert str(leads[0].get("njPriority")) == "10"
    assert form.history.count() == 1
    assert QColor(Category.INSERTED.colour) == form.history.item(0).background().color()
    assert form.edits["Name"].text() == ""   # cleared after success (keep values is off)

    # the same phone again: a duplicate, in words and its own colour
    form.edits["Name"].setText("Alice Again")
    form.edits["FirstPhone"].setText("0383218199")
    qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: Category.DUPLICATE.label in form.result_label.text(), timeout=5000)
    assert "105" in form.result_label.text()
    assert form.edits["Name"].text() == "Alice Again"   # kept, so it can be corrected
    assert form.history.count() == 2


def test_form_checks_phone_before_sending(qtbot, connected, sandbox):
    window = connected
    pick_solar(qtbot, window)
    form = window.lead_form
    form.edits["Name"].setText("No Phone")
    qtbot.mouseClick(window.findChild(QPushButton, "sendLeadButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "phone" in form.result_label.text().lower(), timeout=2000)
    assert sandbox.leads() == []


def test_form_fixes_and_refuses_phones_like_a_spreadsheet_row(qtbot, connected, sandbox):
    window = connected
    pick_solar(qtbot, window)
    form = window.lead_form
    form.keep_values.setChecked(False)
    form.edits["FirstPhone"].setText("12345")
    form.send()
    qtbot.waitUntil(lambda: "FirstPhone" in form.result_label.text(), timeout=2000)
    assert "digits" in form.result_label.text() and sandbox.leads() == []

    form.edits["FirstPhone"].setText("383218199")          # Excel ate the leading 0
    assert form.validate() == []                             # a warning, not a refusal
    warning = window.findChild(QLabel, "fieldError_FirstPhone")
    assert "0383218199" in warning.text()
    assert "#8a4b00" in warning.styleSheet()   # amber: a warning, not an error
    form.send()
    qtbot.waitUntil(lambda: Category.INSERTED.label in form.result_label.text(), timeout=5000)
    form.edits["FirstPhone"].setText("+61 2 9876 5432")
    form.send()
    qtbot.waitUntil(lambda: form.history.count() == 2, timeout=5000)    # the reply is back
    assert [r["lead"]["FirstPhone"] for r in sandbox.leads()] == ["0383218199", "0298765432"]


def test_callback_and_priority_are_sent_in_contract_format(qtbot, connected, sandbox):
    from PySide6.QtCore import QDate, QDateTime, QTime

    window = connected
    pick_solar(qtbot, window)
    form = window.lead_form
    form.edits["FirstPhone"].setText("0398765432")
    form.callback_check.setChecked(True)
    form.callback.setDateTime(QDateTime(QDate(2031, 3, 4), QTime(14, 5)))
    form.priority.setValue(3)
    form.external_id.setText("ACC-77")
    form.send()
    qtbot.waitUntil(lambda: Category.INSERTED.label in form.result_label.text(), timeout=5000)
    lead = sandbox.leads(11)[-1]["lead"]
    assert lead["njCallBackDate"] == "2031/03/04 14:05"
    assert str(lead["njPriority"]) == "3"
    assert lead["njExternalLeadId"] == "ACC-77"


def test_first_start_opens_connection_dialog_and_saves_key_in_keyring(qtbot, make_window, sandbox):
    import keyring

    window = make_window([])
    qtbot.waitUntil(lambda: window.connection_dialog() is not None and window.connection_dialog().isVisible(),
                    timeout=3000)
    dialog = window.connection_dialog()
    server_edit = dialog.findChild(QLineEdit, "serverEdit")
    key_edit = dialog.findChild(QLineEdit, "apiKeyEdit")
    assert key_edit.echoMode() == QLineEdit.EchoMode.Password
    server_edit.setText(sandbox.url)
    key_edit.setText(sandbox.api_key)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected" in dialog.test_status.text(), timeout=5000)
    assert dialog.template_list.count() == 3
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: combo(window, "templateCombo").findText("Solar Leads") >= 0, timeout=5000)
    assert window.settings.server == sandbox.url
    host = sandbox.url.split("://")[1]
    assert keyring.get_password("noojee-desktop", host) == sandbox.api_key
    # the key is nowhere in the settings file
    from noojee_desktop.ui.settings import qsettings

    settings_file = qsettings().fileName()
    with open(settings_file, encoding="utf-8") as fh:
        assert sandbox.api_key not in fh.read()


@pytest.mark.allow_log(r"loading template list failed: .* refused access", logger="noojee_desktop.ui.chooser")
def test_wrong_key_is_explained_inline_with_retry(qtbot, make_window, sandbox, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", "not-the-key")
    window = make_window(["--server", sandbox.url])
    status = window.findChild(QLabel, "templateStatus")
    qtbot.waitUntil(lambda: bool(status.text()), timeout=5000)
    assert "key" in status.text().lower()
    assert window.findChild(QPushButton, "templateRetryButton").isVisibleTo(window)
    assert "not-the-key" not in status.text()


def test_about_box_shows_version(qtbot, connected):
    from noojee_desktop import __version__

    from PySide6.QtGui import QAction

    connected.findChild(QAction, "aboutAction").trigger()     # Help > About
    box = connected.findChild(QMessageBox, "aboutBox")
    assert box is not None and __version__ in box.text()
    box.close()


def test_sandbox_flag_starts_local_dialler_with_badge_and_sample(qtbot, make_window):
    from PySide6.QtWidgets import QLabel

    window = make_window(["--sandbox"])
    assert window.sandbox is not None and window.sandbox.url.startswith("http://127.0.0.1:")
    badge = window.findChild(QLabel, "sandboxBadge")
    assert badge.isVisible() and "SANDBOX" in badge.text()
    qtbot.waitUntil(lambda: combo(window, "templateCombo").findText("Solar Leads") >= 0, timeout=5000)
    assert window.import_tab.sample_bar.isVisible()
    window.import_tab.sample_button.click()
    assert window.import_tab.controller.load_path.name == "sample-leads.csv"
    qtbot.waitUntil(lambda: not window.import_tab.loading, timeout=5000)
    assert window.connection_dialog() is None
    sandbox = window.sandbox
    window.begin_shutdown()
    qtbot.waitUntil(lambda: window.is_shut_down, timeout=5000)
    import socket

    with pytest.raises(OSError):   # stopped with the window: nothing listens any more
        socket.create_connection(("127.0.0.1", sandbox.port), timeout=2).close()


def test_no_keyring_backend_warns_and_keeps_key_for_session_only(qtbot, make_window, sandbox, monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    window = make_window([])
    qtbot.waitUntil(lambda: window.connection_dialog() is not None and window.connection_dialog().isVisible(),
                    timeout=3000)
    dialog = window.connection_dialog()
    assert dialog.keyring_warning.isVisible()
    assert not dialog.remember.isEnabled() and not dialog.remember_key()
    dialog.server_edit.setText(sandbox.url)
    dialog.key_edit.setText(sandbox.api_key)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: combo(window, "templateCombo").findText("Solar Leads") >= 0, timeout=5000)




def test_recent_files_are_listed_in_both_menus_and_reopen_the_file(qtbot, make_window, tmp_path):
    window = make_window([])
    tab = window.import_tab
    for menu in (window.recent_menu, tab.recent_menu):
        menu.aboutToShow.emit()
        assert [a.text() for a in menu.actions()] == ["(none yet)"]
        assert not menu.actions()[0].isEnabled()
    a, b, c = (tmp_path / f"{n}.csv" for n in "abc")
    for path in (a, b, c):
        path.write_text("Name,FirstPhone\nAnn,0398765432\n", encoding="utf-8")
        window.open_path(path)
        qtbot.waitUntil(lambda: not tab.loading and tab.model.sheet is not None, timeout=5000)
    # newest first, in the File menu and behind the tab's Recent button; picking one opens it
    for menu, listed, path in ((window.recent_menu, [c, b, a], b), (tab.recent_menu, [b, c, a], c)):
        window.tabs.setCurrentWidget(window.lead_form)
        menu.aboutToShow.emit()
        assert [x.text() for x in menu.actions()] == [str(p) for p in listed]
        next(x for x in menu.actions() if x.text() == str(path)).trigger()
        qtbot.waitUntil(lambda: not tab.loading and tab.model.sheet.path == path, timeout=5000)
        if menu is window.recent_menu:
            assert window.tabs.currentWidget() is tab
