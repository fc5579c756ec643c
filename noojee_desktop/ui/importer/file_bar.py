"""The file bar: Open..., Recent, the file's name, the sheet chooser, the reading progress,
and dropping a file on the screen. It asks for files with ``openRequested(path, sheet)``
and shows what the controller says about reading them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QProgressBar, QPushButton, QVBoxLayout, QWidget,
)

from noojee_desktop.ui.widgets import fill_recent_menu, name

FILE_FILTER = "Lead lists (*.xlsx *.xlsm *.xls *.xlsb *.ods *.csv *.txt);;All files (*)"


class FileBar(QWidget):
    """Emits ``openRequested(Path, sheet name or None)`` and ``stopRequested()`` (Stop reading).

    ``extra_row``: a layout at the right end of the bar for others' widgets (search, filter)."""

    openRequested = Signal(object, object)
    stopRequested = Signal()

    def __init__(self, settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._sheet = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.open_button = QPushButton("&Open\u2026")
        name(self.open_button, "openFileButton")
        self.open_button.setToolTip("Open a lead list (Ctrl+O); you can also drop a file here")
        self.open_button.clicked.connect(self.open_dialog)
        self.recent_button = QPushButton("Recent")
        name(self.recent_button, "recentFilesButton")
        self.recent_menu = QMenu(self.recent_button)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.recent_button.setMenu(self.recent_menu)
        self.file_label = QLabel("No file open. Open a lead list or drop it here.")
        name(self.file_label, "fileLabel")
        self.file_label.setWordWrap(True)        # a long file name wraps rather than widen the window
        self.sheet_combo = QComboBox()
        name(self.sheet_combo, "sheetCombo")
        self.sheet_combo.hide()
        self.sheet_combo.activated.connect(self._sheet_chosen)
        top.addWidget(self.open_button)
        top.addWidget(self.recent_button)
        top.addWidget(self.file_label, 1)
        top.addWidget(self.sheet_combo)
        self.extra_row = QHBoxLayout()
        top.addLayout(self.extra_row)
        outer.addLayout(top)

        load_row = QHBoxLayout()
        self.load_progress = QProgressBar()
        name(self.load_progress, "loadProgress")
        self.load_progress.setFormat("Reading\u2026 %p%")
        self.load_cancel = QPushButton("Stop reading")
        name(self.load_cancel, "loadCancelButton")
        self.load_cancel.clicked.connect(self.stopRequested)
        load_row.addWidget(self.load_progress, 1)
        load_row.addWidget(self.load_cancel)
        self.load_widget = QWidget()
        self.load_widget.setLayout(load_row)
        self.load_widget.hide()
        outer.addWidget(self.load_widget)
        self.drop_target = FileDropTarget(self.request, self)

    # asking for a file -------------------------------------------------------------------
    def request(self, path: Path, sheet_name: str | None = None) -> None:
        self.openRequested.emit(Path(path), sheet_name)

    @Slot()
    def open_dialog(self) -> QFileDialog:
        recent = self._settings.recent_files()
        start = recent[0] if recent else str(Path.home())
        dialog = QFileDialog(self, "Open a lead list", str(Path(start).parent if Path(start).is_file() else start),
                             FILE_FILTER)
        name(dialog, "openFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda p: self.request(Path(p)))
        dialog.open()
        return dialog

    @Slot()
    def _fill_recent(self) -> None:
        fill_recent_menu(self.recent_menu, self._settings.recent_files(), lambda p: self.request(Path(p)))

    @Slot(int)
    def _sheet_chosen(self, _index: int) -> None:
        if self._sheet is not None:
            self.request(self._sheet.path, self.sheet_combo.currentText())

    # what the controller says --------------------------------------------------------------
    def set_open_enabled(self, on: bool) -> None:
        self.open_button.setEnabled(on)

    def show_reading(self, path: Path) -> None:
        self.load_widget.show()
        self.load_progress.setRange(0, 0)
        self.file_label.setText(f"Reading {Path(path).name}\u2026")

    def show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.load_progress.setRange(0, total)
            self.load_progress.setValue(min(done, total))

    def show_stopped(self, text: str) -> None:
        self.load_widget.hide()
        self.file_label.setText(text)

    def show_sheet(self, sheet) -> None:
        self._sheet = sheet
        self.load_widget.hide()
        label = sheet.path.name + (f" \u2014 sheet '{sheet.sheet_name}'" if sheet.sheet_name else "")
        self.file_label.setText(f"{label}: {len(sheet.rows):,} rows")
        self.file_label.setToolTip(str(sheet.path))
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(sheet.sheet_names)
        self.sheet_combo.setCurrentText(sheet.sheet_name)
        self.sheet_combo.blockSignals(False)
        self.sheet_combo.setVisible(len(sheet.sheet_names) > 1)

    def hide_progress(self) -> None:
        self.load_widget.hide()


class FileDropTarget(QObject):
    """An event filter: a local file dropped on the watched widget is asked for with ``request(path)``."""

    def __init__(self, request, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request = request

    def watch(self, widget: QWidget) -> None:
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt)
        kind = event.type()
        if kind == QEvent.Type.DragEnter:
            if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            for url in event.mimeData().urls():
                if url.isLocalFile():
                    self._request(Path(url.toLocalFile()))
                    event.acceptProposedAction()
                    return True
        return False
