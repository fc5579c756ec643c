"""The Withdraw dialog: take back an upload by giving every lead it inserted a disposition.

Before anything is sent it says how many leads can be reached and how many cannot (no external
id), and why; it warns that the disposition's actions fire on the dialler and that a lead may
already have been called; the user types the number of leads to confirm. Then the withdraw runs
as a job (ui/withdraw_run.py): progress, each lead's result in colour, a results file, and the
leads someone was editing (110) listed for a person to handle.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
    QPushButton, QTableView, QVBoxLayout, QWidget,
)

from noojee_desktop.ui.importer.upload_panel import progress_text
from noojee_desktop.ui.table_columns import CODE, FIXED, MESSAGE, RESULT, ROW
from noojee_desktop.ui.widgets import keep_on_screen, name
from noojee_desktop.ui.withdraw_run import WithdrawRun

SUGGESTED = ("Do Not Call", "Wrong List")
PLAN_DELAY_MS = 300     # typing a disposition: plan again once the typing pauses


class WithdrawDialog(QDialog):
    """``withdrawn(summary)`` once a withdraw ended (None: stopped before sending)."""

    withdrawn = Signal(object)

    def __init__(self, session, entry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from noojee_desktop.core.history import WITHDRAW_WARNING

        self.entry = entry
        self.setWindowTitle(f"Withdraw job {entry.id}")
        name(self, "withdrawDialog")
        self.setModal(True)
        self.resize(780, 440)
        self.run = WithdrawRun(session, entry.id, self)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>Withdraw job {entry.id}</b>: {entry.file_name}, {entry.when:%Y-%m-%d %H:%M}, to "
                       f"{entry.target()}.<br>The dialler cannot delete leads: withdrawing gives every lead this "
                       "upload inserted a disposition (for example one that finalises it, such as Do Not Call "
                       "or Wrong List); every other field is left as it is.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.disposition = QComboBox()
        name(self.disposition, "withdrawDispositionCombo")
        self.disposition.setEditable(True)
        self.disposition.addItems(SUGGESTED)
        self.disposition.setCurrentIndex(-1)
        self.disposition.lineEdit().setPlaceholderText("type the disposition, exactly as spelt in the template")
        self.disposition.setToolTip("The dialler has no list of a template's dispositions: type it as spelt in "
                                    "the template. An unknown one comes back as 'Unknown disposition'.")
        label = QLabel("&Disposition:")
        label.setBuddy(self.disposition)
        form.addRow(label, self.disposition)
        layout.addLayout(form)

        self.plan_label = QLabel("Reading the journal\u2026")
        name(self.plan_label, "withdrawPlanLabel")
        self.plan_label.setWordWrap(True)
        layout.addWidget(self.plan_label)
        self.warning = QLabel("\u26a0 " + WITHDRAW_WARNING)
        name(self.warning, "withdrawWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("QLabel { background: #fff4c2; color: black; padding: 6px; "
                                   "border: 1px solid #d08a00; border-radius: 4px; }")
        layout.addWidget(self.warning)

        confirm_row = QHBoxLayout()
        self.confirm_label = QLabel("")
        self.confirm = QLineEdit()
        name(self.confirm, "withdrawConfirmEdit")
        self.confirm.setMaximumWidth(120)
        self.confirm_label.setBuddy(self.confirm)
        confirm_row.addWidget(self.confirm_label)
        confirm_row.addWidget(self.confirm)
        confirm_row.addStretch(1)
        layout.addLayout(confirm_row)

        self.table = QTableView()
        name(self.table, "withdrawTable")
        self.table.setModel(self.run.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.hide()
        layout.addWidget(self.table, 1)
        self.progress = QProgressBar()
        name(self.progress, "withdrawProgress")
        self.progress.setFormat("%v of %m leads")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel("")
        name(self.status, "withdrawStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.conflicts = QLabel("")
        name(self.conflicts, "withdrawConflicts")
        self.conflicts.setWordWrap(True)
        self.conflicts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conflicts.setStyleSheet("color: #8a1c1c;")
        self.conflicts.hide()
        layout.addWidget(self.conflicts)

        self._filler = layout.count()     # the room the table takes once it shows
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.send_button = QPushButton("&Withdraw")
        name(self.send_button, "withdrawButton")
        self.stop_button = QPushButton("&Stop")
        name(self.stop_button, "withdrawStopButton")
        self.stop_button.setEnabled(False)
        self.close_button = QPushButton("&Close")
        name(self.close_button, "withdrawCloseButton")
        buttons.addStretch(1)
        for b in (self.send_button, self.stop_button, self.close_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.send_button.setAutoDefault(False)
        self.close_button.setAutoDefault(False)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PLAN_DELAY_MS)
        self._timer.timeout.connect(self._plan)
        self.disposition.currentTextChanged.connect(lambda _t: self._timer.start())
        self.disposition.currentTextChanged.connect(lambda _t: self._update())
        self.confirm.textChanged.connect(lambda _t: self._update())
        self.send_button.clicked.connect(self._send)
        self.stop_button.clicked.connect(self.run.cancel)
        self.close_button.clicked.connect(self.close)
        r = self.run
        r.planned.connect(self._show_plan)
        r.planFailed.connect(self._plan_failed)
        r.started.connect(self._started)
        r.progressed.connect(self._progressed)
        r.statusChanged.connect(self.status.setText)
        r.problem.connect(self._problem)
        r.finished.connect(self._finished)
        self._done = False
        r.make_plan(SUGGESTED[0])   # the counts do not depend on the disposition
        self._update()

    # planning ----------------------------------------------------------------------------
    def typed_disposition(self) -> str:
        return self.disposition.currentText().strip()

    @Slot()
    def _plan(self) -> None:
        if self.typed_disposition():
            self.run.make_plan(self.typed_disposition())

    def _show_plan(self, plan) -> None:
        sentences = plan.sentences()
        if not self.typed_disposition():
            sentences = sentences[:-1] + [f"{len(plan.leads)} lead(s) can be withdrawn: type the disposition "
                                          "they get."]
        self.plan_label.setText("\n".join(sentences))
        n = len(plan.leads)
        self.confirm_label.setText(f"To confirm, type the number of leads to withdraw ({n}):")
        self.confirm.setEnabled(n > 0)
        self._update()

    def _plan_failed(self, text: str) -> None:
        self.plan_label.setText(text)
        self.confirm.setEnabled(False)
        self._update()

    def _ready(self) -> str | None:
        """Why Withdraw cannot be pressed now (None: it can)."""
        plan = self.run.plan
        if self.run.running or self._done:
            return "The withdraw has run."
        if plan is None:
            return "Reading the journal\u2026"
        if not self.typed_disposition():
            return "Type the disposition the leads get."
        if plan.disposition != self.typed_disposition():
            return "Checking\u2026"
        why = self.run.cannot_send()
        if why is not None:
            return why
        if self.confirm.text().strip() != str(len(plan.leads)):
            return f"Type {len(plan.leads)} (the number of leads) to confirm."
        return None

    def _update(self) -> None:
        why = self._ready()
        plan = self.run.plan
        self.send_button.setEnabled(why is None)
        self.send_button.setToolTip(why or "Send the disposition to every lead listed")
        if plan is not None and not self._done and not self.run.running:
            self.send_button.setText(f"&Withdraw {len(plan.leads)} lead(s)")

    # running -----------------------------------------------------------------------------
    @Slot()
    def _send(self) -> None:
        if self._ready() is None:
            self.disposition.setEnabled(False)
            self.confirm.setEnabled(False)
            self.send_button.setEnabled(False)
            self.run.tasks.add(self.run.run())

    def _started(self, total: int) -> None:
        # the row in the upload's file is the Row column already; each lead's result, code and message
        fm = self.table.fontMetrics()
        self.table.setColumnHidden(FIXED, True)
        for col, text in ((ROW, "99999"), (RESULT, "\u2714 Server trouble"), (CODE, "Code")):
            self.table.setColumnWidth(col, fm.horizontalAdvance(text) + 28)
        self.table.setColumnWidth(MESSAGE, 220)
        self.table.show()
        self.layout().setStretch(self._filler, 0)
        self.resize(self.width(), max(self.height(), 640))
        keep_on_screen(self)              # (640 is more than a small or scaled screen has)
        self.progress.show()
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        self.stop_button.setEnabled(True)
        self.close_button.setEnabled(False)

    def _progressed(self, p) -> None:
        self.progress.setMaximum(max(1, p.total))
        self.progress.setValue(min(p.done, p.total))
        self.status.setText(progress_text(p))

    def _problem(self, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #8a1c1c;")

    def _finished(self, summary) -> None:
        self._done = summary is not None and not summary.stopped   # stopped: Withdraw goes on where it stopped
        self.stop_button.setEnabled(False)
        self.close_button.setEnabled(True)
        if not self._done:      # nothing was sent: the user may try again
            self.disposition.setEnabled(True)
            self.confirm.setEnabled(True)
        if self.run.conflicts:
            lines = self.run.conflicts
            more = f"\n\u2026 and {len(lines) - 20} more (see the results file)" if len(lines) > 20 else ""
            self.conflicts.setText(f"{len(lines)} lead(s) were not changed because someone was editing them. They "
                                   "are not sent again: check each one in Noojee.\n" + "\n".join(lines[:20]) + more)
            self.conflicts.show()
        self._update()
        self.withdrawn.emit(summary)

    # closing -----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt)
        if self.run.running:
            self.status.setText("The withdraw is running: press Stop first (what was sent stays sent).")
            event.ignore()
            return
        self.run.tasks.add(self.run.shutdown())
        super().closeEvent(event)

    def reject(self) -> None:   # Escape
        if not self.run.running:
            self.close()
