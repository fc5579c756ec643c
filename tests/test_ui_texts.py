"""Small texts a user reads: what a failed connection says (dialog and header), messages that
wrap, titles that fit, "Choose an allocation…", whole entries, a filter that keeps its word."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from noojee_desktop.core.codes import Category
from noojee_desktop.ui.import_model import CategoryRole
from noojee_desktop.ui.importer.controller import State
from helpers.leads import write_leads
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick_solar

pytestmark = pytest.mark.usefixtures("qloop")


def first_start_dialog(qtbot, make_window):
    win = make_window([])
    qtbot.waitUntil(lambda: win.connection_dialog() is not None and win.connection_dialog().isVisible(),
                    timeout=3000)
    return win, win.connection_dialog()


@pytest.mark.allow_log(r"(connection test|loading template list) failed: .* refused access",
                       logger="noojee_desktop.ui")
def test_connect_after_a_failed_test_says_what_is_wrong_in_the_header(qtbot, make_window, sandbox):
    win, dialog = first_start_dialog(qtbot, make_window)
    dialog.server_edit.setText(sandbox.url)
    dialog.key_edit.setText("not-the-key")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "key" in dialog.test_status.text().lower(), timeout=5000)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()      # Connect anyway
    status = win.findChild(QLabel, "connectionStatus")
    qtbot.waitUntil(lambda: "key" in status.text().lower(), timeout=5000)
    assert "Connecting" not in status.text()
    assert "#8a1c1c" in status.styleSheet()                      # in the colour of a problem
    assert "key" in win.statusBar().currentMessage().lower()
    assert "not-the-key" not in status.text() + status.toolTip() + win.statusBar().currentMessage()


@pytest.mark.allow_log(r"connection test failed: .* refused the connection", logger="noojee_desktop.ui.connection")
def test_a_long_connection_failure_wraps_and_is_never_clipped(qtbot, make_window):
    win, dialog = first_start_dialog(qtbot, make_window)
    dialog.server_edit.setText("http://127.0.0.1:9")          # nothing listens there
    dialog.key_edit.setText("some-key")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    label = dialog.test_status
    qtbot.waitUntil(lambda: "#8a1c1c" in label.styleSheet() and len(label.text()) > 60, timeout=10000)
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=2000)
    bottom = label.mapTo(dialog, label.rect().bottomLeft()).y()
    assert bottom <= dialog.height(), "the end of the message is inside the dialog"
    assert label.width() > dialog.width() * 0.8, "the message has the dialog's whole width"


def test_message_box_titles_fit(qtbot, make_window):
    from noojee_desktop.ui import job_dialogs

    win = make_window([])
    box = job_dialogs.show_journal_problem(win, "The disk is full.")
    qtbot.waitExposed(box)
    font = box.font()
    font.setBold(True)
    assert box.width() >= QFontMetrics(font).horizontalAdvance(box.windowTitle()) + 120
    box.close()


def test_choose_an_allocation_and_whole_entries_in_the_session_list(qtbot, make_window, sandbox, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    win = make_window(["--server", sandbox.url])
    pick_solar(qtbot, win)
    assert win.findChild(QComboBox, "allocationCombo").itemText(0) == "Choose an allocation\u2026"
    assert win.findChild(QComboBox, "templateCombo").itemText(0) == "Choose a template\u2026"
    history = win.lead_form.history
    win.tabs.setCurrentWidget(win.lead_form)
    history.resize(180, 200)
    from PySide6.QtWidgets import QListWidgetItem

    history.insertItem(0, QListWidgetItem("09:15  Charlotte Williamson-Smythe  0383218199  \u2192 \u2714 Inserted"))
    item = history.item(0)
    qtbot.waitUntil(lambda: history.visualItemRect(item).width() <= history.viewport().width(), timeout=2000)
    rect = history.visualItemRect(item)
    needed = history.fontMetrics().horizontalAdvance(item.text())
    assert needed > history.viewport().width()
    assert rect.height() >= 2 * history.fontMetrics().height(), "a long entry wraps instead of being cut"


def test_the_failed_or_not_sent_filter_hides_rows_inserted_during_the_upload(qtbot, make_window, sandbox_factory,
                                                                             monkeypatch, tmp_path):
    server = sandbox_factory(service_time=0.05, slots=2)
    teach_sandbox_fields(server)
    monkeypatch.setenv("NOOJEE_API_KEY", server.api_key)
    n = 80
    path = write_leads(tmp_path / "filter.csv", [(f"Lead {i}", "Melbourne", f"03{8800000 + i:08d}") for i in range(n)])
    win = make_window(["--server", server.url, str(path)])
    pick_solar(qtbot, win)
    tab = win.import_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == n and tab.upload_button.isEnabled(), timeout=5000)
    combo = win.findChild(QComboBox, "resultFilterCombo")
    combo.setCurrentIndex(combo.findText("Failed or not sent"))
    model = tab.model
    qtbot.mouseClick(win.findChild(QPushButton, "uploadButton"), Qt.MouseButton.LeftButton)

    def inserted_ones_hidden_mid_upload() -> bool:
        shown = [model.index(r, 0).data(CategoryRole) for r in range(model.rowCount())]
        return (tab.controller.state is State.UPLOADING and model.counts.get(Category.INSERTED, 0) >= 10
                and Category.INSERTED not in shown and 0 < len(shown) < n)

    qtbot.waitUntil(inserted_ones_hidden_mid_upload, timeout=10000)
    qtbot.waitUntil(lambda: tab.controller.state is State.FINISHED, timeout=15000)
    assert model.rowCount() == 0
