"""Upload history: what this computer loaded (uploads, updates, withdrawals), newest first, from
the journal (core.history; the dialler itself cannot list what was loaded).

Per job: when, file, template / campaign / allocation, mode, the rows per result, finished or
not. Open its results file, write it again (from the journal, next to the file), or withdraw an
upload (ui/withdraw_dialog.py). Everything comes from the Session (journal, connection).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from noojee_desktop.ui.widgets import name

log = logging.getLogger(__name__)

HEADERS = ["Job", "When", "Mode", "State", "File", "Template / campaign / allocation", "Results"]
JOB, WHEN, MODE, STATE, FILE, TARGET, RESULTS = range(len(HEADERS))
EntryRole = Qt.ItemDataRole.UserRole + 1
LIMIT = 500
UNFINISHED = QColor("#fff4c2")


class HistoryModel(QAbstractTableModel):
    """The journal's jobs (core.history.JobEntry), newest first; ``EntryRole`` gives the entry."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list = []

    def set_entries(self, entries: list) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        c = index.column()
        if role == EntryRole:
            return e
        if role == Qt.ItemDataRole.DisplayRole:
            return [str(e.id), f"{e.when:%Y-%m-%d %H:%M}", e.mode_label, e.state_label, e.file_name, e.target(),
                    e.counts_text() or "no rows"][c]
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == FILE:
                return e.file_path
            if c == RESULTS:
                return f"{e.total:,} row(s)" + (f"\nResults file: {e.results_path}" if e.results_path else "")
            if c == TARGET:
                return f"on {e.server}"
        if role == Qt.ItemDataRole.BackgroundRole and not e.finished:
            return UNFINISHED
        return None


class HistoryDialog(QDialog):
    """Upload history; ``withdrawn(summary)`` after a withdraw it started has ended,
    ``resultsWritten(path)`` after a results file was written again."""

    withdrawn = Signal(object)
    resultsWritten = Signal(object)     # the Path of a results file written again

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Upload history")
        name(self, "historyDialog")
        self.resize(1000, 480)
        layout = QVBoxLayout(self)
        about = QLabel("What this computer loaded, newest first (the dialler cannot list it). A job shaded "
                       "yellow did not finish. Only an upload's leads that have an external id can be "
                       "withdrawn.")
        about.setWordWrap(True)
        layout.addWidget(about)
        self.model = HistoryModel(self)
        self.table = QTableView()
        name(self.table, "historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.status = QLabel("")
        name(self.status, "historyStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("&Open results file")
        name(self.open_button, "historyOpenButton")
        self.write_button = QPushButton("&Write results file")
        name(self.write_button, "historyWriteButton")
        self.write_button.setToolTip("Write the job's results file again, from the journal, next to its file")
        self.withdraw_button = QPushButton("With&draw\u2026")
        name(self.withdraw_button, "historyWithdrawButton")
        self.withdraw_button.setToolTip("Give every lead this upload inserted a disposition (asks first)")
        self.refresh_button = QPushButton("&Refresh")
        name(self.refresh_button, "historyRefreshButton")
        close = QPushButton("&Close")
        name(close, "historyCloseButton")
        for b in (self.open_button, self.write_button, self.withdraw_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        for b in (self.open_button, self.write_button, self.withdraw_button, self.refresh_button, close):
            b.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_results)
        self.write_button.clicked.connect(self.write_results)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.refresh_button.clicked.connect(self.refresh)
        close.clicked.connect(self.close)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self._withdraw_dialogs: list = []
        self._update()

    # the list ----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Read the journal again (keeps the selected job selected)."""
        from noojee_desktop.core.history import history

        keep = self.selected()
        try:
            entries = history(self.session.journal(), LIMIT)
        except Exception as e:  # noqa: BLE001 - an unreadable journal is said, not raised
            log.warning("could not read the journal", exc_info=True)
            self.status.setText(f"The journal of this computer's uploads cannot be read: {e}")
            entries = []
        self.model.set_entries(entries)
        if not entries:
            self.status.setText("No jobs yet: nothing has been loaded from this computer (under this user).")
        self.table.resizeColumnsToContents()
        row = next((i for i, e in enumerate(entries) if keep is not None and e.id == keep.id), 0 if entries else -1)
        if row >= 0:
            self.table.selectRow(row)
        self._update()

    def select_job(self, job_id: int) -> bool:
        for i, e in enumerate(self.model.entries):
            if e.id == job_id:
                self.table.selectRow(i)
                return True
        return False

    def selected(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.entries[rows[0].row()] if rows else None

    def _update(self) -> None:
        e = self.selected()
        has_file = e is not None and bool(e.results_path) and Path(e.results_path).is_file()
        self.open_button.setEnabled(has_file)
        self.open_button.setToolTip(e.results_path if has_file else "No results file written for this job yet "
                                    "(Write results file makes one)")
        self.write_button.setEnabled(e is not None and e.total > 0)
        self.withdraw_button.setEnabled(e is not None and e.mode == "insert")
        if e is not None and e.mode != "insert":
            self.withdraw_button.setToolTip("Only an upload (not an update or a withdraw) can be withdrawn")
        else:
            self.withdraw_button.setToolTip("Give every lead this upload inserted a disposition (asks first)")

    # actions -----------------------------------------------------------------------------
    @Slot()
    def open_results(self) -> None:
        e = self.selected()
        if e is not None and e.results_path and Path(e.results_path).is_file():
            QDesktopServices.openUrl(QUrl.fromLocalFile(e.results_path))

    @Slot()
    def write_results(self) -> None:
        """Write the selected job's results file again (on a pool thread: a big job takes a while);
        ``resultsWritten(path)`` and the status line say where."""
        from noojee_desktop.core.history import write_job_results
        from noojee_desktop.ui.workers import run_in_background

        e = self.selected()
        if e is None:
            return
        journal, job_id = self.session.journal(), e.id

        def done(path) -> None:
            self.write_button.setEnabled(True)
            self.status.setText(f"Results of job {job_id} written to {path}")
            self.refresh()
            self.resultsWritten.emit(path)

        def failed(exc) -> None:   # a folder that cannot be written is said, not raised
            log.warning("could not write the results file: %s", exc)
            self.write_button.setEnabled(True)
            self.status.setText(f"The results file of job {job_id} could not be written: {exc}")

        self.write_button.setEnabled(False)
        self.status.setText(f"Writing the results of job {job_id}\u2026")
        run_in_background(lambda _p, _c: write_job_results(journal, job_id), on_success=done, on_failure=failed,
                          parent=self)

    @Slot()
    def withdraw(self):
        """The Withdraw dialog for the selected upload (nothing is sent before it is confirmed there)."""
        from noojee_desktop.ui.withdraw_dialog import WithdrawDialog

        e = self.selected()
        if e is None or e.mode != "insert":
            return None
        dialog = WithdrawDialog(self.session, e, self)
        dialog.withdrawn.connect(lambda _s: self.refresh())
        dialog.withdrawn.connect(self.withdrawn)
        self._withdraw_dialogs.append(dialog)
        dialog.open()
        return dialog

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        self.refresh()

    async def shutdown(self) -> None:
        """Stop the withdraws this dialog started (the window is closing)."""
        for d in self._withdraw_dialogs:
            await d.run.shutdown()
        self._withdraw_dialogs.clear()
