"""The upload panel: Upload / Pause / Stop upload, the progress bar and status line, the mode
(add new leads / update existing leads) and the options of each: allow duplicate phones and
safe external ids when adding, one disposition for every row when updating.

It asks with signals (``uploadRequested``, ``pauseToggled(bool)``, ``stopRequested``,
``optionsEdited(allow, safe)``, ``modeEdited(mode)``, ``dispositionEdited(text)``) and shows the
controller's state, actions, mode and progress.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QRadioButton, QVBoxLayout,
    QWidget,
)

from noojee_desktop.ui.importer.controller import Actions, State
from noojee_desktop.ui.importer.options import INSERT, UPDATE
from noojee_desktop.ui.importer.upload_run import HALTED_TEXT, fmt_duration
from noojee_desktop.ui.widgets import name

SAFE_IDS_TIP = ("Rows without an external id get one made from the file and the row's content "
                "(starting NJL-), the same every time. The dialler finds a lead only by its external id, "
                "so only leads that have one can be updated or withdrawn later (Upload history). If a "
                "reply is lost, the row can also be sent again safely: the dialler recognises it instead "
                "of inserting it twice. Remembered for each template.")
UPDATE_TIP = ("Change leads that are already in the dialler: each row is found by its external id "
              "(njExternalLeadId, needed on every row). A cell that says <No Change> keeps that field "
              "as it is. The disposition's actions fire on the dialler as if an agent had set it.")
DISPOSITION_TIP = ("The disposition every row gets, exactly as spelt in the template (the dialler cannot "
                   "list them; an unknown one comes back as 'Unknown disposition'). Empty: each row's own, "
                   "from the column mapped to njDisposition. <No Change> keeps each lead's. Remembered for "
                   "each template.")
ROWS_FORMAT = "%v of %m rows"
RETRY_FORMAT = "%v of %m rows sent again"
SAFE_IDS_HINT = ("\n\nRecommended with duplicate phone numbers allowed: without an id, a row whose "
                 "reply was lost cannot be retried automatically (it might be inserted twice).")


def progress_text(p) -> str:
    """The status line for an engine Progress."""
    if p.halted:
        return HALTED_TEXT
    if p.paused:
        return "Paused"
    if p.waiting_for_server:
        return "Waiting for the dialler to come back\u2026"
    if p.rate <= 0:      # (the first half second of a run or after a resume)
        text = f"Sending\u2026 measuring the rate \u00b7 {p.concurrency}"
    else:
        eta = fmt_duration(p.eta) if p.eta is not None else "\u2014"
        text = f"{p.rate:.1f} leads/s \u00b7 about {eta} left \u00b7 {p.concurrency}"
    return f"Retrying {p.run_total:,} rows \u00b7 {text}" if p.retrying else text


def bar_values(p) -> tuple[int, int, str]:
    """(value, maximum, format) of the progress bar for an engine Progress: a retry counts the
    rows it sends again, never the whole file's (which would show a full bar at once)."""
    if p.retrying:
        return min(p.run_done, p.run_total), max(1, p.run_total), RETRY_FORMAT
    return min(p.done, p.total), max(1, p.total), ROWS_FORMAT


class UploadPanel(QWidget):
    uploadRequested = Signal()
    pauseToggled = Signal(bool)
    stopRequested = Signal()
    optionsEdited = Signal(bool, bool)     # (allow duplicates, generate external ids)
    modeEdited = Signal(str)               # insert or update
    dispositionEdited = Signal(str)        # an update's disposition for every row ("" = the column's)

    def __init__(self, allow_duplicates: bool, generate_ids: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.upload_button = QPushButton("&Upload")
        name(self.upload_button, "uploadButton")
        self.upload_button.clicked.connect(self.uploadRequested)
        self.pause_button = QPushButton("&Pause")
        name(self.pause_button, "pauseButton")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.pauseToggled)
        self.cancel_button = QPushButton("Stop upload")
        name(self.cancel_button, "cancelButton")
        self.cancel_button.clicked.connect(self.stopRequested)
        self.progress = QProgressBar()
        name(self.progress, "progressBar")
        self.progress.setFormat(ROWS_FORMAT)
        self.rate_label = QLabel("")
        name(self.rate_label, "rateLabel")
        self.rate_label.setMinimumWidth(200)
        buttons.addWidget(self.upload_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.rate_label)
        layout.addLayout(buttons)

        mode_row = QHBoxLayout()
        self.add_radio = QRadioButton("Add ne&w leads")
        name(self.add_radio, "addModeRadio")
        self.add_radio.setToolTip("Insert every row as a new lead")
        self.update_radio = QRadioButton("Update existin&g leads")
        name(self.update_radio, "updateModeRadio")
        self.update_radio.setToolTip(UPDATE_TIP)
        self.add_radio.setChecked(True)
        self._mode_group = QButtonGroup(self)
        self._mode_group.addButton(self.add_radio)
        self._mode_group.addButton(self.update_radio)
        self.update_radio.toggled.connect(lambda on: self.modeEdited.emit(UPDATE if on else INSERT))
        self.disposition_label = QLabel("Dispositio&n for every row:")
        self.disposition_edit = QLineEdit()
        name(self.disposition_edit, "dispositionEdit")
        self.disposition_edit.setPlaceholderText("empty: from the njDisposition column")
        self.disposition_edit.setToolTip(DISPOSITION_TIP)
        self.disposition_edit.setMaximumWidth(260)
        self.disposition_label.setBuddy(self.disposition_edit)
        self.disposition_edit.editingFinished.connect(
            lambda: self.dispositionEdited.emit(self.disposition_edit.text().strip()))
        self.update_note = QLabel("Rows are found by their external id; <No Change> keeps a field as it is.")
        name(self.update_note, "updateNote")
        self.update_note.setStyleSheet("color: #555555; font-style: italic;")
        for w in (self.add_radio, self.update_radio):
            mode_row.addWidget(w)
        mode_row.addSpacing(16)
        for w in (self.disposition_label, self.disposition_edit, self.update_note):
            mode_row.addWidget(w)
        mode_row.addStretch(1)
        layout.addLayout(mode_row)

        options = QHBoxLayout()
        self.allow_dup_check = QCheckBox("Allow duplicate phone numbers")
        name(self.allow_dup_check, "allowDuplicatesCheck")
        self.allow_dup_check.setToolTip(
            "Send leads even when their phone number is already in the campaign or appears twice "
            "in this file. Off: the dialler refuses them as duplicates.")
        self.safe_ids_check = QCheckBox("Give rows without an external id a safe one\n"
                                        "(so they can be updated or withdrawn later)")
        name(self.safe_ids_check, "generateExternalIdsCheck")
        self.safe_ids_note = QLabel("recommended with duplicates allowed")
        name(self.safe_ids_note, "safeIdsNote")
        self.safe_ids_note.setStyleSheet("color: #8a5a00; font-style: italic;")
        self.allow_dup_check.setChecked(allow_duplicates)
        self.safe_ids_check.setChecked(generate_ids)
        self.allow_dup_check.toggled.connect(self._edited)
        self.safe_ids_check.toggled.connect(self._edited)
        options.addWidget(self.allow_dup_check)
        options.addSpacing(16)
        options.addWidget(self.safe_ids_check)
        options.addWidget(self.safe_ids_note)
        options.addStretch(1)
        layout.addLayout(options)
        self._options_row = [self.allow_dup_check, self.safe_ids_check]
        self._hint()
        self.show_mode(INSERT, "")

    # asking -----------------------------------------------------------------------------
    @Slot()
    def _edited(self, *_args) -> None:
        self._hint()
        self.optionsEdited.emit(self.allow_dup_check.isChecked(), self.safe_ids_check.isChecked())

    def _hint(self) -> None:
        hint = (self.allow_dup_check.isChecked() and not self.safe_ids_check.isChecked()
                and not self.update_radio.isChecked())
        self.safe_ids_note.setVisible(hint)
        self.safe_ids_check.setToolTip(SAFE_IDS_TIP + (SAFE_IDS_HINT if hint else ""))

    # showing ----------------------------------------------------------------------------
    def show_options(self, allow_duplicates: bool, generate_ids: bool) -> None:
        """The options the controller has now (a resume sets the job's own)."""
        for box, on in ((self.safe_ids_check, generate_ids), (self.allow_dup_check, allow_duplicates)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self._hint()

    def show_mode(self, mode: str, disposition: str) -> None:
        """Adding: the insert options; updating: the disposition for every row."""
        update = mode == UPDATE
        for radio, on in ((self.update_radio, update), (self.add_radio, not update)):
            radio.blockSignals(True)
            radio.setChecked(on)
            radio.blockSignals(False)
        if self.disposition_edit.text().strip() != disposition:
            self.disposition_edit.setText(disposition)
        for w in (self.disposition_label, self.disposition_edit, self.update_note):
            w.setVisible(update)
        for w in self._options_row:
            w.setVisible(not update)
        self._hint()

    def show_actions(self, a: Actions) -> None:
        self.upload_button.setEnabled(a.upload)
        self.upload_button.setToolTip(a.upload_tip)
        self.pause_button.setEnabled(a.control)
        self.cancel_button.setEnabled(a.control)
        self.allow_dup_check.setEnabled(a.options)
        self.safe_ids_check.setEnabled(a.options)
        for w in (self.add_radio, self.update_radio, self.disposition_edit):
            w.setEnabled(a.options)

    def show_state(self, state: State) -> None:
        paused = state is State.PAUSED
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setText("&Resume" if paused else "&Pause")

    def show_started(self, total: int, retrying: bool = False) -> None:
        """An upload starts: ``total`` rows in the file, or the rows a retry sends again."""
        self.progress.setFormat(RETRY_FORMAT if retrying else ROWS_FORMAT)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)

    def clear_progress(self) -> None:
        """Another file: nothing of the previous file's upload stays on show."""
        self.progress.setFormat(ROWS_FORMAT)
        self.progress.setRange(0, 1)
        self.progress.reset()
        self.rate_label.clear()

    def show_progress(self, p) -> None:
        # QProgressBar.setValue repaints synchronously whenever its text changes (every batch
        # here); with updates off it only schedules a paint, which Qt merges with the table's
        self.progress.setUpdatesEnabled(False)
        value, maximum, text = bar_values(p)
        if self.progress.format() != text:
            self.progress.setFormat(text)
        self.progress.setMaximum(maximum)
        self.progress.setValue(value)
        self.progress.setUpdatesEnabled(True)
        self.rate_label.setText(progress_text(p))

    def show_status(self, text: str) -> None:
        self.rate_label.setText(text)
