"""The main window: connection bar, Template -> Campaign -> Allocation, and two tabs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog, QFrame, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget,
)

from noojee_desktop import APP_NAME, __version__, resources_path
from noojee_desktop.core.secrets import register_key
from noojee_desktop.ui.chooser import Chooser
from noojee_desktop.ui.connection import ConnectionBar, ConnectionDialog
from noojee_desktop.ui.errors import describe_exception, log_dir, show_error
from noojee_desktop.ui.importer import ImportTab
from noojee_desktop.ui.lead_form import LeadForm
from noojee_desktop.ui.session import Session
from noojee_desktop.ui.settings import AppSettings, load_key, save_key, server_host
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.widgets import FitScrollArea, ScreenFit, fill_recent_menu, fit_title, fit_to_screen, name

log = logging.getLogger(__name__)

PREFERRED_SIZE = (1180, 780)    # smaller when the screen's available area is


def default_client_factory(server: str, api_key: str):
    from noojee_desktop.core.api import NoojeeClient, is_loopback_host
    from urllib.parse import urlsplit

    text = server if "://" in server else f"https://{server}"
    loopback = is_loopback_host(urlsplit(text).hostname or "")
    return NoojeeClient(server, api_key, allow_insecure_http=loopback)


def sandbox_fields(sandbox) -> dict | None:
    """The built-in sandbox's own templates' fields ({id: (fields, phone fields)}), from its data."""
    if sandbox is None:
        return None
    return {t["id"]: (list(t["fields"]), set(t["phone_fields"])) for t in sandbox.data["templates"]}


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        path = resources_path(f"icons/noojee-desktop-{size}.png")
        if path.exists():
            icon.addFile(str(path))
    return icon


class MainWindow(QMainWindow):
    """Owns the session (the one NoojeeClient of the current connection, the choice, the field
    store and journal), hands it to the parts, and owns the sandbox if started."""

    shutDown = Signal()   # emitted once the client is closed and the window may go

    def __init__(self, *, make_client: Callable[[str, str], object] = default_client_factory,
                 sandbox=None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        name(self, "mainWindow")
        self.settings = AppSettings()
        self.make_client = make_client
        self.sandbox = sandbox
        self.session = Session(make_client, self)
        self._server_shown = ""      # the address the connection bar and dialog offer (may be unconnected)
        self._first_start = False
        self._shown_once = False
        self._shutting_down = False
        self.is_shut_down = False
        self.tasks = TaskSet()
        self._dialog: ConnectionDialog | None = None
        self._screen_fit = ScreenFit(self)     # every dialog of the window stays on the screen
        self._history = None        # the Upload history dialog, once opened

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 6)
        self.connection_bar = ConnectionBar()
        self.connection_bar.settingsRequested.connect(self.open_connection_dialog)
        layout.addWidget(self.connection_bar)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        self.chooser = Chooser(self.settings)
        layout.addWidget(self.chooser)
        self.tabs = QTabWidget()
        name(self.tabs, "tabs")
        self.lead_form = LeadForm()
        self.tabs.addTab(self.lead_form, "&Single lead")
        self.import_tab = ImportTab(self.session, self.settings, self)
        self.tabs.addTab(self.import_tab, "&Import spreadsheet")
        layout.addWidget(self.tabs, 1)
        # on a small screen (or a large scale factor) the window may be smaller than what it
        # holds: it scrolls then, so nothing is out of reach
        scroll = FitScrollArea()
        name(scroll, "windowScroll")
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(central)
        self.setCentralWidget(scroll)
        self.statusBar().showMessage("Ready")

        self.chooser.selectionChanged.connect(self._selection_changed)
        self.chooser.listFailed.connect(self._list_failed)
        self.session.selectRequested.connect(self.chooser.select)
        self.session.connectionRequested.connect(self.open_connection_dialog)
        self.lead_form.teachRequested.connect(self.teach_fields)
        self.session.fieldsChanged.connect(self._show_template_fields)
        self._make_menu()
        self._show_template_fields()
        fit_to_screen(self, *PREFERRED_SIZE)

    def childEvent(self, event) -> None:  # noqa: N802 (Qt)
        """A dialog of this window (anyone's) is kept inside the screen whenever it shows."""
        super().childEvent(event)
        child = event.child()
        fit = getattr(self, "_screen_fit", None)
        if fit is not None and event.polished() and isinstance(child, QWidget) and child.isWindow():
            child.installEventFilter(fit)

    # menu ------------------------------------------------------------------------------
    def _make_menu(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = QAction("&Open spreadsheet\u2026", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._open_file)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.history_action = QAction("Upload &history…", self)
        self.history_action.setObjectName("historyAction")
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.setToolTip("What this computer loaded; write a results file again; withdraw an upload")
        self.history_action.triggered.connect(self.open_history)
        file_menu.addAction(self.history_action)
        file_menu.addSeparator()
        conn = QAction("&Connection\u2026", self)
        conn.triggered.connect(self.open_connection_dialog)
        file_menu.addAction(conn)
        file_menu.addSeparator()
        quit_ = QAction("&Quit", self)
        quit_.setShortcut(QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        file_menu.addAction(quit_)

        lead_menu = bar.addMenu("&Lead")
        self.send_action = QAction("&Send lead", self)
        self.send_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.send_action.triggered.connect(self._send_shortcut)
        lead_menu.addAction(self.send_action)
        self.refresh_action = QAction("&Refresh lists", self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.chooser.refresh)
        lead_menu.addAction(self.refresh_action)
        lead_menu.addSeparator()
        self.teach_action = QAction("&Teach this template's fields\u2026", self)
        self.teach_action.setObjectName("teachFieldsAction")
        self.teach_action.triggered.connect(self.teach_fields)
        lead_menu.addAction(self.teach_action)
        imp = QAction("I&mport a field file\u2026", self)
        imp.setToolTip("Fields an administrator exported for this dialler's templates")
        imp.triggered.connect(self._import_fields_dialog)
        lead_menu.addAction(imp)
        exp = QAction("E&xport the taught fields\u2026", self)
        exp.triggered.connect(self._export_fields_dialog)
        lead_menu.addAction(exp)

        self.find_action = QAction("Search rows", self)
        self.find_action.setObjectName("findAction")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._find)
        self.addAction(self.find_action)     # Ctrl+F from anywhere in the window

        help_menu = bar.addMenu("&Help")
        about = QAction("&About", self)
        about.setObjectName("aboutAction")
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        logs = QAction("Show &log folder", self)
        logs.triggered.connect(lambda: self.statusBar().showMessage(f"Log files: {log_dir()}", 10000))
        help_menu.addAction(logs)

    @Slot()
    def _send_shortcut(self) -> None:
        if self.tabs.currentWidget() is self.lead_form:
            self.lead_form.send()

    @Slot()
    def _find(self) -> None:
        self.tabs.setCurrentWidget(self.import_tab)
        self.import_tab.focus_search()

    @Slot()
    def _open_file(self) -> None:
        self.tabs.setCurrentWidget(self.import_tab)
        self.import_tab.open_dialog()

    @Slot()
    def open_history(self):
        """The Upload history dialog (one per window), read afresh from the journal."""
        from noojee_desktop.ui.history import HistoryDialog

        if self._history is None:
            self._history = HistoryDialog(self.session, self)
            self.import_tab.uploadFinished.connect(lambda _s: self._history.isVisible() and self._history.refresh())
        if self._history.isVisible():
            self._history.raise_()
            self._history.refresh()
        self._history.show()
        return self._history

    @Slot()
    def _fill_recent(self) -> None:
        fill_recent_menu(self.recent_menu, self.settings.recent_files(), self.open_path)

    def open_path(self, path: str | Path) -> None:
        self.tabs.setCurrentWidget(self.import_tab)
        self.import_tab.load(Path(path))

    @Slot()
    def _about(self) -> None:
        box = QMessageBox(self)
        name(box, "aboutBox")
        box.setWindowTitle(f"About {APP_NAME}")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setText(f"<b>{APP_NAME}</b> {__version__}")
        box.setInformativeText("Puts sales leads into a Noojee Contact dialler, one by one or from a "
                               f"spreadsheet.<br>Log files: {log_dir()}")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fit_title(box)
        box.open()

    # connection ------------------------------------------------------------------------
    def connect_to(self, server: str, api_key: str, *, sandbox: bool = False) -> bool:
        """Use a new connection (closes the previous client). False with a message if impossible."""
        try:
            client = self.make_client(server, api_key)
        except Exception as exc:
            message, details = describe_exception(exc)
            self.connection_bar.set_server(server_host(server), sandbox)
            self.connection_bar.set_status(message.split("\n")[0], ok=False)
            show_error(self, "Cannot connect", message, details)
            return False
        register_key(api_key)
        old = self.session.adopt(server, api_key, client,
                                 known_fields=sandbox_fields(self.sandbox) if sandbox else None)
        self._server_shown = server
        if old is not None:
            self.tasks.add(old.aclose())
        self.connection_bar.set_server(server_host(server) if not sandbox else f"{server_host(server)} (sandbox)",
                                       sandbox)
        self.connection_bar.set_status("Connecting\u2026")
        self.lead_form.set_client(client)
        self.chooser.set_client(client, server)
        return True

    @property
    def client(self):
        """The client of the current connection (None: not connected)."""
        return self.session.client

    @property
    def server(self) -> str:
        """The dialler address as typed (shown in the Connection dialog)."""
        return self._server_shown

    def expect_connection(self, server: str) -> None:
        """Start-up with an address but no key: the Connection dialog opens with it when shown."""
        self._server_shown = server
        self.session.expected_server = server
        self._first_start = True

    def needs_first_start_dialog(self) -> bool:
        return self._first_start

    def connection_dialog(self) -> ConnectionDialog | None:
        """The Connection dialog while it is open (None otherwise)."""
        return self._dialog

    @Slot()
    def open_connection_dialog(self) -> ConnectionDialog:
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.raise_()
            return self._dialog
        dialog = ConnectionDialog(self.make_client, self.server or self.settings.server,
                                  self.session.api_key, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda d=dialog: self._dialog_accepted(d))
        dialog.destroyed.connect(lambda *_: setattr(self, "_dialog", None))
        self._dialog = dialog
        dialog.open()
        return dialog

    def _dialog_accepted(self, dialog: ConnectionDialog) -> None:
        server, key = dialog.server(), dialog.api_key()
        if not self.connect_to(server, key):
            return
        self.settings.set_server(server)
        if dialog.remember_key():
            try:
                save_key(server, key)
            except RuntimeError as exc:
                show_error(self, "Key not saved", f"{exc} It is used for this session only.",
                           describe_exception(exc)[1])
        self.statusBar().showMessage(f"Connected to {server_host(server)}", 5000)

    def start_saved_connection(self) -> None:
        """At start-up: saved server + keyring key, or mark that the first-start dialog is due."""
        server = self.settings.server
        key = load_key(server) if server else None
        if server and key:
            self.connect_to(server, key)
        else:
            self.session.expected_server = server
            self._first_start = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self._first_start:
                QTimer.singleShot(0, self.open_connection_dialog)

    # selection -------------------------------------------------------------------------
    @Slot(object, object, object)
    def _selection_changed(self, template, campaign, allocation) -> None:
        self.lead_form.set_ids(template, campaign, allocation)
        self.session.set_choice((template, campaign, allocation), self.chooser.current_names())
        if self.client is not None:
            combo = self.chooser.combo("template")
            if combo.isEnabled() or combo.count():
                count = combo.count() - 1 if combo.isEnabled() else 0
                problem = self.chooser.status_text("template")
                self.connection_bar.set_status(
                    f"\u2714 Connected \u00b7 {max(count, 0)} template(s)" if combo.isEnabled()
                    else problem or "Connecting\u2026",
                    ok=True if combo.isEnabled() else (False if problem else None))
        self._show_template_fields()

    @Slot(str, str)
    def _list_failed(self, level: str, message: str) -> None:
        """The dialler refused or could not be reached: the header says so, never "Connecting…"."""
        if level == "template":
            first = message.split("\n")[0]
            self.connection_bar.set_status(f"\u2716 {first}", ok=False)
            self.connection_bar.status_label.setToolTip(message)
            self.statusBar().showMessage(f"Not connected to {server_host(self.server)}: {first}", 15000)

    @Slot()
    def _show_template_fields(self, *_args) -> None:
        """The single-lead form shows the chosen template's known fields (none: it says so)."""
        tf = self.session.template_fields()
        self.lead_form.set_fields(tf.fields, tf.phone_fields, self.session.names[0])

    @Slot()
    def teach_fields(self):
        """The teach dialog for the chosen template (the open file's headings offered)."""
        return self.import_tab.teach_fields()

    def import_fields(self, path: str | Path) -> list[str]:
        """Teach this dialler the field lists of an exported field file; says what it taught."""
        from noojee_desktop.core.sheet import FieldFileError

        try:
            taught = self.session.import_fields(path)
        except (FieldFileError, OSError) as exc:
            show_error(self, "Field file not imported", str(exc))
            return []
        self.statusBar().showMessage(f"Fields imported for: {', '.join(taught) or 'no template'}", 10000)
        return taught

    def export_fields(self, path: str | Path) -> int:
        """Write the field lists taught for this dialler to a small file others can import."""
        try:
            n = self.session.store.export_file(path, names={self.session.ids[0]: self.session.names[0]})
        except OSError as exc:
            show_error(self, "Field file not saved", f"{Path(path).name} could not be written: {exc.strerror or exc}.")
            return 0
        self.statusBar().showMessage(f"{n} template(s) saved in {path}", 10000)
        return n

    @Slot()
    def _import_fields_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a field file", "", "Field files (*.json);;All files (*)")
        if path:
            self.import_fields(path)

    @Slot()
    def _export_fields_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the taught fields", "template fields.json",
                                              "Field files (*.json)")
        if path:
            self.export_fields(path)

    # closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt)
        if self.is_shut_down:
            event.accept()
            return
        event.ignore()
        if self._shutting_down:
            return
        if self.import_tab.uploading:
            self.import_tab.ask_stop_then(self.begin_shutdown)
            return
        self.begin_shutdown()

    def begin_shutdown(self) -> None:
        """Close without asking: stops reading and uploading, closes the connection (and the
        sandbox); ``shutDown`` is emitted and ``is_shut_down`` set when it is done."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self.tasks.add(self._shutdown())

    async def _shutdown(self) -> None:
        try:
            await self.import_tab.shutdown()
            if self._history is not None:
                await self._history.shutdown()
            self.session.close()
            await self.chooser.tasks.cancel_all()
            await self.lead_form.tasks.cancel_all()
            if self._dialog is not None:
                await self._dialog.tasks.cancel_all()
            if self.client is not None:
                await self.client.aclose()
            self.settings.sync()
            if self.sandbox is not None:
                self.sandbox.stop()
        except Exception:
            log.exception("error while closing")
        finally:
            self.is_shut_down = True
            if shiboken6.isValid(self):   # the C++ window may be gone already (app teardown)
                self.shutDown.emit()
                self.close()
