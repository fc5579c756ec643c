"""The connection bar (server, status, sandbox badge) and the connection settings dialog."""

from __future__ import annotations

import logging
from collections.abc import Callable

import qasync
import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QPushButton, QVBoxLayout, QWidget,
)

from noojee_desktop.ui.errors import describe_exception
from noojee_desktop.ui.settings import keyring_usable
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.widgets import name

log = logging.getLogger(__name__)


class ConnectionBar(QWidget):
    """Server and status at the top of the window; a Sandbox badge when on the sandbox."""

    settingsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.badge = QLabel("SANDBOX")
        name(self.badge, "sandboxBadge", "Sandbox: not the live dialler")
        self.badge.setToolTip("Connected to the built-in practice dialler, not a live one.")
        self.badge.setStyleSheet(
            "QLabel { background: #e66100; color: white; font-weight: bold; padding: 3px 10px;"
            " border-radius: 4px; }")
        self.badge.hide()
        self.server_label = QLabel("Not connected")
        name(self.server_label, "serverLabel")
        self.server_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.server_label.font()
        font.setBold(True)
        self.server_label.setFont(font)
        self.status_label = QLabel("")
        name(self.status_label, "connectionStatus")
        self.settings_button = QPushButton("Connection\u2026")
        name(self.settings_button, "connectionButton")
        self.settings_button.setToolTip("Server address and API key")
        self.settings_button.clicked.connect(self.settingsRequested)
        row.addWidget(self.badge)
        row.addWidget(QLabel("Server:"))
        row.addWidget(self.server_label)
        row.addSpacing(12)
        row.addWidget(self.status_label, 1)
        row.addWidget(self.settings_button)

    def set_server(self, text: str, sandbox: bool = False) -> None:
        self.server_label.setText(text or "Not connected")
        self.badge.setVisible(sandbox)

    def set_status(self, text: str, ok: bool | None = None) -> None:
        colour = {True: "#1a6e1a", False: "#8a1c1c", None: "palette(window-text)"}[ok]
        self.status_label.setStyleSheet(f"color: {colour};")
        self.status_label.setText(text)


class ConnectionDialog(QDialog):
    """Server host and API key; "Test connection" lists the templates the key sees.

    Opened with ``open()`` (never ``exec()``), so nothing waits on it. After ``accepted``,
    read :meth:`server`, :meth:`api_key` and :meth:`remember_key`.
    """

    def __init__(self, make_client: Callable[[str, str], object], server: str = "", api_key: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connection")
        name(self, "connectionDialog")
        self._make_client = make_client
        self.tasks = TaskSet()
        layout = QVBoxLayout(self)
        intro = QLabel("Enter your dialler's address and the API key from Noojee Administration.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.server_edit = QLineEdit(server)
        name(self.server_edit, "serverEdit")
        self.server_edit.setPlaceholderText("dialler.example.com")
        self.key_edit = QLineEdit(api_key)
        name(self.key_edit, "apiKeyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("API key")
        form.addRow("&Server:", self.server_edit)
        form.addRow("API &key:", self.key_edit)
        layout.addLayout(form)

        self.remember = QCheckBox("Remember the key in the system keyring")
        name(self.remember, "rememberKeyCheck")
        self.keyring_warning = QLabel(
            "\u26a0 This computer has no system keyring, so the key cannot be stored safely. "
            "It will be used for this session only; you will be asked again next time.")
        name(self.keyring_warning, "keyringWarning")
        self.keyring_warning.setWordWrap(True)
        self.keyring_warning.setStyleSheet("color: #8a4b00;")
        usable = keyring_usable()
        self.remember.setChecked(usable)
        self.remember.setEnabled(usable)
        self.keyring_warning.setVisible(not usable)
        layout.addWidget(self.remember)
        layout.addWidget(self.keyring_warning)

        test_row = QHBoxLayout()
        self.test_button = QPushButton("&Test connection")
        name(self.test_button, "testConnectionButton")
        self.test_status = QLabel("")
        name(self.test_status, "testStatus")
        self.test_status.setWordWrap(True)
        self.test_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        layout.addWidget(self.test_status)     # its own line, the dialog's whole width: long reasons wrap
        self.template_list = QListWidget()
        name(self.template_list, "testTemplateList")
        self.template_list.setMaximumHeight(110)
        self.template_list.hide()
        layout.addWidget(self.template_list)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Connect")
        name(ok, "connectButton")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.test_button.clicked.connect(self._test)
        self.server_edit.textChanged.connect(self._update_ok)
        self.key_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        self.resize(460, self.sizeHint().height())
        # the cursor where typing is due: the key when the address is known (no keyring, a new key)
        (self.key_edit if self.server() and not self.api_key() else self.server_edit).setFocus()

    def fit_height(self) -> None:
        """Taller when a message wrapped onto more lines than there is room for: never clipped."""
        layout = self.layout()
        layout.activate()
        need = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                else layout.totalMinimumSize().height())
        if need > self.height():
            self.resize(self.width(), need)

    def server(self) -> str:
        return self.server_edit.text().strip()

    def api_key(self) -> str:
        return self.key_edit.text().strip()

    def remember_key(self) -> bool:
        return self.remember.isChecked() and self.remember.isEnabled()

    @Slot()
    def _update_ok(self) -> None:
        ready = bool(self.server() and self.api_key())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)
        self.test_button.setEnabled(ready)

    @Slot()
    def _accept(self) -> None:
        if self.server() and self.api_key():
            self.accept()

    @qasync.asyncSlot()
    async def _test(self) -> None:
        self.test_button.setEnabled(False)
        self.test_status.setStyleSheet("")
        self.test_status.setText("Connecting\u2026")
        self.template_list.clear()
        client = None
        try:
            client = self._make_client(self.server(), self.api_key())
            templates = await client.list_templates()
        except Exception as exc:
            message, details = describe_exception(exc)
            log.warning("connection test failed: %s\n%s", message, details)
            self.test_status.setStyleSheet("color: #8a1c1c;")
            self.test_status.setText(message)
            self.template_list.hide()
            self.fit_height()
        else:
            self.test_status.setStyleSheet("color: #1a6e1a;")
            self.test_status.setText(f"\u2714 Connected: {len(templates)} template(s) visible to this key.")
            for t in templates:
                self.template_list.addItem(f"{t.name}  (id {t.id})")
            self.template_list.setVisible(bool(templates))
            self.fit_height()
        finally:
            if client is not None:
                await client.aclose()
            if shiboken6.isValid(self):    # not when OK closed (and deleted) the dialog meanwhile
                self._update_ok()
