"""The results part: the result chart, Export results / Export failed rows, Retry failed rows
and Retry incl. DNC/duplicates (which asks first). Exporting is done here; retrying is asked
for with ``retryRequested(include_rejections)``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from noojee_desktop.ui.chart import ResultChart
from noojee_desktop.ui.errors import describe_exception, show_error
from noojee_desktop.ui.importer.controller import Actions
from noojee_desktop.ui.importer.dialogs import ask_retry_rejections
from noojee_desktop.ui.widgets import ElidedLabel, name


class ResultsPanel(QWidget):
    """Shows ``model``'s counts; ``last_export`` is the file the last export wrote (its path below
    the chart, shortened in the middle, with "Open folder"). ``about()``: (label, value) pairs
    for the results file's Summary sheet (where the rows went, when, the app version)."""

    retryRequested = Signal(bool)      # include rejections (DNC, duplicates, ...)
    exported = Signal(object)          # the Path written

    def __init__(self, model, rejected_count, parent: QWidget | None = None, *, about=None) -> None:
        super().__init__(parent)
        self.model = model
        self._rejected_count = rejected_count    # () -> rows a retry with rejections adds
        self._about = about or (lambda: [])
        self._actions: Actions | None = None
        self.last_export: Path | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        lower = QHBoxLayout()
        outer.addLayout(lower, 1)
        saved = QHBoxLayout()
        self.saved_label = QLabel("")
        name(self.saved_label, "savedLabel")
        self.saved_path = ElidedLabel()
        name(self.saved_path, "savedPath")
        self.saved_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = QPushButton("Open folder")
        name(self.open_folder_button, "openFolderButton")
        self.open_folder_button.setToolTip("Show the saved file's folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        saved.addWidget(self.saved_label)
        saved.addWidget(self.saved_path, 1)
        saved.addWidget(self.open_folder_button)
        self.saved_row = QWidget()
        self.saved_row.setLayout(saved)
        saved.setContentsMargins(0, 0, 0, 0)
        self.saved_row.hide()
        outer.addWidget(self.saved_row)
        self.chart = ResultChart()
        lower.addWidget(self.chart, 1)
        side = QVBoxLayout()
        grid = QGridLayout()      # two by two: the table keeps more of a small screen's height
        self.export_button = QPushButton("&Export results")
        name(self.export_button, "exportResultsButton")
        self.export_button.setToolTip("Save every row with its result next to the original file")
        self.export_button.clicked.connect(lambda: self.export(failed_only=False))
        self.export_failed_button = QPushButton("E&xport failed rows")
        name(self.export_failed_button, "exportFailedButton")
        self.export_failed_button.setToolTip("Save the rows still to load, to fix and load again")
        self.export_failed_button.clicked.connect(lambda: self.export(failed_only=True))
        self.retry_button = QPushButton("Retr&y failed rows")
        name(self.retry_button, "retryFailedButton")
        self.retry_button.setToolTip("Send the rows that failed or were not sent again")
        self.retry_button.clicked.connect(lambda: self._retry(False))
        self.retry_rejected_button = QPushButton("Retry incl. &DNC/duplicates\u2026")
        name(self.retry_rejected_button, "retryRejectedButton")
        self.retry_rejected_button.setToolTip(
            "Also send again the rows the dialler refused (Do Not Call, duplicate, other rejections); "
            "asks first")
        self.retry_rejected_button.clicked.connect(self.ask_retry_rejections)
        self.export_status = QLabel("")
        name(self.export_status, "exportStatus")
        self.export_status.setWordWrap(True)
        self.export_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = (self.export_button, self.export_failed_button, self.retry_button, self.retry_rejected_button)
        for i, b in enumerate(buttons):
            grid.addWidget(b, *divmod(i, 2))
        side.addLayout(grid)
        side.addWidget(self.export_status)
        side.addStretch(1)
        lower.addLayout(side)

    # showing ----------------------------------------------------------------------------
    def show_actions(self, a: Actions) -> None:
        self._actions = a
        self.export_button.setEnabled(a.export)
        self.export_failed_button.setEnabled(a.export_failed)
        self.retry_button.setEnabled(a.retry)
        self.retry_rejected_button.setEnabled(a.retry_rejections)

    def refresh_counts(self) -> None:
        self.chart.set_counts(Counter({k: v for k, v in self.model.counts.items() if v > 0}))

    def clear_status(self) -> None:
        self.export_status.clear()
        self.saved_row.hide()

    def show_note(self, text: str) -> None:
        """A longer message where the export status goes (why an upload paused itself); it wraps."""
        self.export_status.setText(text)

    # retry ------------------------------------------------------------------------------
    def _retry(self, include_rejections: bool) -> None:
        if self._actions is not None and (self._actions.retry or self._actions.retry_rejections):
            self.retryRequested.emit(include_rejections)

    @Slot()
    def ask_retry_rejections(self) -> QMessageBox | None:
        """"Retry incl. DNC/duplicates": the rejected rows too, after saying what that means."""
        if self._actions is None or not self._actions.retry_rejections:
            return None
        return ask_retry_rejections(self, self._rejected_count(), lambda: self._retry(True))

    # export -----------------------------------------------------------------------------
    def export(self, failed_only: bool = False) -> Path | None:
        from noojee_desktop.core.sheet import default_results_path, warnings_text, write_results

        sheet = self.model.sheet
        if sheet is None:
            return None
        try:
            path = default_results_path(sheet.path, "failed" if failed_only else "results")
            write_results(path, sheet, list(self.model.outcomes), failed_only=failed_only,
                          warnings=None if failed_only else warnings_text(self.model.prepared), about=self._about())
        except Exception as exc:
            message, details = describe_exception(exc)
            show_error(self, "Results not saved", message, details)
            return None
        what = "Rows still to load" if failed_only else "Results"
        moved = "" if path.parent == Path(sheet.path).resolve().parent else (
            f" in your Documents folder, not next to {Path(sheet.path).name}: that folder is the app's own "
            "or cannot be written to")
        self.export_status.setText(f"{what} saved{moved}.")
        self.saved_label.setText(f"{what} saved:")
        self.saved_path.set_full_text(str(path))
        self.saved_row.show()
        self.last_export = path
        self.exported.emit(path)
        return path

    @Slot()
    def open_folder(self) -> None:
        """The saved file's folder in the file manager."""
        if self.last_export is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_export.parent)))

