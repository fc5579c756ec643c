"""The results part: the result chart, Export results / Export failed rows, Retry failed rows
and Retry incl. DNC/duplicates (which asks first). Exporting is done here; retrying is asked
for with ``retryRequested(include_rejections)``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from noojee_desktop.ui.chart import ResultChart
from noojee_desktop.ui.errors import describe_exception, show_error
from noojee_desktop.ui.importer.controller import Actions
from noojee_desktop.ui.importer.dialogs import ask_retry_rejections
from noojee_desktop.ui.widgets import name


class ResultsPanel(QWidget):
    """Shows ``model``'s counts; ``last_export`` is the file the last export wrote."""

    retryRequested = Signal(bool)      # include rejections (DNC, duplicates, ...)
    exported = Signal(object)          # the Path written

    def __init__(self, model, rejected_count, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._rejected_count = rejected_count    # () -> rows a retry with rejections adds
        self._actions: Actions | None = None
        self.last_export: Path | None = None
        lower = QHBoxLayout(self)
        lower.setContentsMargins(0, 0, 0, 0)
        self.chart = ResultChart()
        lower.addWidget(self.chart, 1)
        side = QVBoxLayout()
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
        for b in (self.export_button, self.export_failed_button, self.retry_button, self.retry_rejected_button):
            side.addWidget(b)
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
        path = default_results_path(sheet.path, "failed" if failed_only else "results")
        prepared = self.model.prepared      # their warnings (a restored 0, default contact hours...) go along
        warnings = warnings_text(prepared) if len(prepared) == len(sheet.rows) else None
        try:
            write_results(path, sheet, list(self.model.outcomes), failed_only=failed_only, warnings=warnings)
        except Exception as exc:
            message, details = describe_exception(exc)
            show_error(self, "Results not saved", message, details)
            return None
        what = "Rows still to load" if failed_only else "Results"
        self.export_status.setText(f"{what} saved as <a href='{path.as_uri()}'>{path.name}</a>")
        self.export_status.setOpenExternalLinks(True)
        self.export_status.setToolTip(str(path))
        self.last_export = path
        self.exported.emit(path)
        return path
