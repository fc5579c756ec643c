"""The Import spreadsheet tab: open a file, map its columns, check it, upload it, export results.

Reading and checking run on a pool thread (the window never freezes), which also builds the
table's per-row display data. The core's UploadEngine runs on its own asyncio loop in the
upload thread (``upload_thread.py``); its batched results come back by a queued signal and
are applied to the table at most every 100 ms, one ``dataChanged`` per run of rows.
Benchmark: ``bench/ui_stall.py``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import Counter
from pathlib import Path

import qasync
import shiboken6
from PySide6.QtCore import QTimer, Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit,
    QMenu, QMessageBox, QProgressBar, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from noojee_desktop.ui.symbols import result_text
from noojee_desktop.core import jobs
from noojee_desktop.core.codes import FAILED_CATEGORIES, REJECTION_CATEGORIES, Category
from noojee_desktop.core.jobs import journaled_options
from noojee_desktop.core.journal import JournalError
from noojee_desktop.ui import job_dialogs
from noojee_desktop.ui.chart import ResultChart
from noojee_desktop.ui.errors import describe_exception, show_error, show_exception
from noojee_desktop.ui.import_model import ImportModel, prepare_rows
from noojee_desktop.ui.mapping_header import MappingHeader
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.upload_thread import UploadThread, gui_painting
from noojee_desktop.ui.widgets import fill_recent_menu, name
from noojee_desktop.ui.workers import run_in_background

log = logging.getLogger(__name__)

FILE_FILTER = "Lead lists (*.xlsx *.xlsm *.xls *.xlsb *.ods *.csv *.txt);;All files (*)"
FLUSH_MS = 100

# upload options remembered across sessions (AppSettings.flag keys)
OPT_ALLOW_DUPLICATES = "import/allow_duplicates"
OPT_GENERATE_IDS = "import/generate_external_ids"
SAFE_IDS_TIP = ("Rows without an external id get one made from the file and the row's content "
                "(starting NJL-), the same every time. If a reply is lost, the row can then be sent "
                "again safely: the dialler recognises it instead of inserting it twice.")
SAFE_IDS_HINT = ("\n\nRecommended with duplicate phone numbers allowed: without an id, a row whose "
                 "reply was lost cannot be retried automatically (it might be inserted twice).")


def result_filters() -> list[tuple[str, set[Category] | None]]:
    return [
        ("All rows", None),
        ("Failed or not sent", set(FAILED_CATEGORIES) | {Category.PENDING}),
        ("Rejected (duplicate, DNC, other)", set(REJECTION_CATEGORIES)),
    ] + [(result_text(c), {c}) for c in Category]


def _fmt_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _banner(object_name: str, background: str, border: str) -> tuple[QFrame, QHBoxLayout]:
    """A hidden coloured bar across the tab (the sandbox offer, the interrupted-upload offer)."""
    bar = QFrame()
    name(bar, object_name)
    bar.setStyleSheet(f"#{object_name} {{ background: {background}; border: 1px solid {border};"
                      " border-radius: 4px; }")
    row = QHBoxLayout(bar)
    row.setContentsMargins(8, 4, 8, 4)
    bar.hide()
    return bar, row


HALTED_TEXT = "Paused: the dialler refuses these rows (see why on the right)"


class _ImportTable(QTableView):
    """The import table; empty, it says what to do instead of showing a blank grid."""

    PLACEHOLDER = "Open a lead list (Ctrl+O), pick a recent one, or drop the file here."

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        with gui_painting():         # the upload thread pauses between iterations meanwhile
            super().paintEvent(event)
        model = self.model()
        if model is not None and getattr(model, "sheet", None) is None:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.PLACEHOLDER)
            painter.end()


class ImportTab(QWidget):
    uploadFinished = Signal(object)   # the engine's summary (or None after an error)

    def __init__(self, settings, window=None) -> None:
        super().__init__(window)
        from noojee_desktop.core.sheet import TemplateFieldStore

        self._settings = settings
        self._window = window
        self.store = TemplateFieldStore()
        self.tasks = TaskSet()
        self._client = None
        self._ids: tuple[int | None, int | None, int | None] = (None, None, None)
        self._job = None              # the background read/validate job
        self._load_path: Path | None = None
        self.engine = None
        self.uploading = False
        self._pending: list = []
        self._last_summary = None
        self._engine_done = None      # the last finished engine: "Retry failed rows" uses it
        self._upload_mapping = None   # the mapping the last upload's leads were built with
        self._stop_requested = False  # Stop pressed while the upload was still preparing
        self._load_waiters: list = []  # futures resolved when the file being read is shown (or not)
        self._journal = None
        self._validated_allow_dup = False   # the "Allow duplicates" state the table was checked with
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        # sandbox offer ------------------------------------------------------------------
        self.sample_bar, sb = _banner("sampleBar", "#fff0e0", "#e66100")
        sb.addWidget(QLabel("Sandbox: try it with the sample lead file."), 1)
        self.sample_button = QPushButton("Open sample leads")
        name(self.sample_button, "openSampleButton")
        sb.addWidget(self.sample_button)
        layout.addWidget(self.sample_bar)

        # interrupted upload (journal) -----------------------------------------------------
        self.resume_bar, rb = _banner("resumeBar", "#e8f1fb", "#3d7cc9")
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.resume_title = QLabel("A previous upload was interrupted: resume?")
        name(self.resume_title, "resumeTitle")
        bold = self.resume_title.font()
        bold.setBold(True)
        self.resume_title.setFont(bold)
        self.resume_label = QLabel("")
        name(self.resume_label, "resumeLabel")
        self.resume_label.setWordWrap(True)
        self.resume_label.setTextFormat(Qt.TextFormat.PlainText)
        texts.addWidget(self.resume_title)
        texts.addWidget(self.resume_label)
        rb.addLayout(texts, 1)
        self.resume_interrupted_button = QPushButton("Resume")
        name(self.resume_interrupted_button, "resumeInterruptedButton")
        self.resume_interrupted_button.setToolTip("Reopen the file and send only the rows that have no answer yet")
        self.resume_interrupted_button.clicked.connect(self.resume_interrupted)
        self.discard_interrupted_button = QPushButton("Discard")
        name(self.discard_interrupted_button, "discardInterruptedButton")
        self.discard_interrupted_button.setToolTip("Forget this upload; the rows it did send stay in the dialler")
        self.discard_interrupted_button.clicked.connect(self.discard_interrupted)
        rb.addWidget(self.resume_interrupted_button)
        rb.addWidget(self.discard_interrupted_button)
        self._interrupted = None      # the JobRecord the banner offers
        layout.addWidget(self.resume_bar)

        # file row -----------------------------------------------------------------------
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
        self.sheet_combo = QComboBox()
        name(self.sheet_combo, "sheetCombo")
        self.sheet_combo.hide()
        self.sheet_combo.activated.connect(self._sheet_chosen)
        self.search_edit = QLineEdit()
        name(self.search_edit, "searchEdit")
        self.search_edit.setPlaceholderText("Search rows\u2026")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaximumWidth(220)
        self.filter_combo = QComboBox()
        name(self.filter_combo, "resultFilterCombo")
        self.filter_combo.setToolTip("Show only rows with this result")
        for label, cats in result_filters():
            self.filter_combo.addItem(label, cats)
        top.addWidget(self.open_button)
        top.addWidget(self.recent_button)
        top.addWidget(self.file_label, 1)
        top.addWidget(self.sheet_combo)
        top.addWidget(self.search_edit)
        top.addWidget(self.filter_combo)
        layout.addLayout(top)

        # load progress ------------------------------------------------------------------
        load_row = QHBoxLayout()
        self.load_progress = QProgressBar()
        name(self.load_progress, "loadProgress")
        self.load_progress.setFormat("Reading\u2026 %p%")
        self.load_cancel = QPushButton("Stop reading")
        name(self.load_cancel, "loadCancelButton")
        self.load_cancel.clicked.connect(self.cancel_load)
        load_row.addWidget(self.load_progress, 1)
        load_row.addWidget(self.load_cancel)
        self.load_widget = QWidget()
        self.load_widget.setLayout(load_row)
        self.load_widget.hide()
        layout.addWidget(self.load_widget)

        self.notice = QLabel("")
        name(self.notice, "importNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        # table ----------------------------------------------------------------------------
        self.model = ImportModel(self)
        self.table = _ImportTable()
        name(self.table, "importTable")
        self.header = MappingHeader(self.table)
        self.table.setHorizontalHeader(self.header)
        # QHeaderView.setOffset is not virtual: follow horizontal scrolling explicitly
        self.table.horizontalScrollBar().valueChanged.connect(self.header._schedule)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.header.mappingEdited.connect(self._mapping_edited)
        self.header.phoneToggled.connect(self._phone_toggled)
        self.filter_combo.currentIndexChanged.connect(self._filter_changed)
        self.search_edit.textChanged.connect(self.model.set_search)

        # upload panel ---------------------------------------------------------------------
        panel = QWidget()
        pl = QVBoxLayout(panel)
        pl.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.upload_button = QPushButton("&Upload")
        name(self.upload_button, "uploadButton")
        self.upload_button.clicked.connect(self.start_upload)
        self.pause_button = QPushButton("&Pause")
        name(self.pause_button, "pauseButton")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_button = QPushButton("Stop upload")
        name(self.cancel_button, "cancelButton")
        self.cancel_button.clicked.connect(self.cancel_upload)
        self.progress = QProgressBar()
        name(self.progress, "progressBar")
        self.progress.setFormat("%v of %m rows")
        self.rate_label = QLabel("")
        name(self.rate_label, "rateLabel")
        self.rate_label.setMinimumWidth(200)
        buttons.addWidget(self.upload_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.rate_label)
        pl.addLayout(buttons)
        options = QHBoxLayout()
        self.allow_dup_check = QCheckBox("Allow duplicate phone numbers")
        name(self.allow_dup_check, "allowDuplicatesCheck")
        self.allow_dup_check.setToolTip(
            "Send leads even when their phone number is already in the campaign or appears twice "
            "in this file. Off: the dialler refuses them as duplicates.")
        self.safe_ids_check = QCheckBox("Give rows without an external id a safe one "
                                        "(lets a lost reply be retried without inserting twice)")
        name(self.safe_ids_check, "generateExternalIdsCheck")
        self.safe_ids_note = QLabel("recommended with duplicates allowed")
        name(self.safe_ids_note, "safeIdsNote")
        self.safe_ids_note.setStyleSheet("color: #8a5a00; font-style: italic;")
        self.allow_dup_check.setChecked(self._settings.flag(OPT_ALLOW_DUPLICATES))
        self.safe_ids_check.setChecked(self._settings.flag(OPT_GENERATE_IDS))
        self.allow_dup_check.toggled.connect(self._allow_dup_toggled)
        self.safe_ids_check.toggled.connect(self._safe_ids_toggled)
        options.addWidget(self.allow_dup_check)
        options.addSpacing(16)
        options.addWidget(self.safe_ids_check)
        options.addWidget(self.safe_ids_note)
        options.addStretch(1)
        pl.addLayout(options)
        self._options_hint()
        lower = QHBoxLayout()
        self.chart = ResultChart()
        lower.addWidget(self.chart, 1)
        side = QVBoxLayout()
        self.export_button = QPushButton("&Export results")
        name(self.export_button, "exportResultsButton")
        self.export_button.setToolTip("Save every row with its result next to the original file")
        self.export_button.clicked.connect(lambda: self.export(failed_only=False))
        self.export_failed_button = QPushButton("Export &failed rows")
        name(self.export_failed_button, "exportFailedButton")
        self.export_failed_button.setToolTip("Save the rows still to load, to fix and load again")
        self.export_failed_button.clicked.connect(lambda: self.export(failed_only=True))
        self.retry_button = QPushButton("&Retry failed rows")
        name(self.retry_button, "retryFailedButton")
        self.retry_button.setToolTip("Send the rows that failed or were not sent again")
        self.retry_button.clicked.connect(self.retry_failed)
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
        pl.addLayout(lower)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(panel)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)

        self.upload_thread = UploadThread(self._on_progress, self, on_halt=self._on_halt)
        self._progress = None          # the engine's latest Progress (from the upload thread)
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._update_buttons()

    # wiring ----------------------------------------------------------------------------
    def set_client(self, client) -> None:
        self._client = client
        self._update_buttons()

    def set_ids(self, template, campaign, allocation) -> None:
        old_template = self._ids[0]
        self._ids = (template, campaign, allocation)
        if template != old_template and self.model.sheet is not None and not self.uploading:
            self._remap(self.store.suggest(template, self.model.sheet.headers) if template is not None
                        else self._auto_mapping(self.model.sheet.headers))
        self._update_buttons()

    def offer_sample(self, path: Path) -> None:
        self.sample_bar.show()
        self.sample_button.clicked.connect(lambda: self.load(path))

    def template_fields(self, template_id: int) -> tuple[list[str], set[str]]:
        from noojee_desktop.ui.main_window import DEFAULT_FIELDS, DEFAULT_PHONES

        tf = self.store.get(template_id)
        if tf.fields:
            return list(tf.fields), set(tf.phone_fields)
        return list(DEFAULT_FIELDS), set(DEFAULT_PHONES)

    def save_template_fields(self, template_id: int, fields: list[str], phones: set[str]) -> None:
        self.store.remember(template_id, fields, phones)

    # opening -----------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> QFileDialog:
        start = self._settings.recent_files()[0] if self._settings.recent_files() else str(Path.home())
        dialog = QFileDialog(self, "Open a lead list", str(Path(start).parent if Path(start).is_file() else start),
                             FILE_FILTER)
        name(dialog, "openFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda p: self.load(Path(p)))
        dialog.open()
        return dialog

    @Slot()
    def _fill_recent(self) -> None:
        fill_recent_menu(self.recent_menu, self._settings.recent_files(), lambda p: self.load(Path(p)))

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.load(Path(url.toLocalFile()))
                event.acceptProposedAction()
                return

    @property
    def loading(self) -> bool:
        return self._job is not None

    def load(self, path: Path, sheet_name: str | None = None) -> None:
        """Read and check ``path`` on a pool thread; the table fills when it is done."""
        if self.uploading:
            show_error(self, "Upload running", "Stop the upload before opening another file.")
            return
        self.cancel_load()
        from noojee_desktop.core.sheet import read_sheet, validate

        template = self._ids[0]
        store = self.store
        auto = self._auto_mapping
        allow = self.allow_dup_check.isChecked()

        def work(progress, cancel):
            sheet = read_sheet(path, sheet_name, progress=progress, cancel=cancel)
            mapping = store.suggest(template, sheet.headers) if template is not None else auto(sheet.headers)
            prepared = validate(sheet, mapping, allow_duplicates=allow)
            return sheet, mapping, prepare_rows(sheet, prepared, mapping), allow

        self._load_path = Path(path)
        self.load_widget.show()
        self.load_progress.setRange(0, 0)
        self.file_label.setText(f"Reading {Path(path).name}\u2026")
        self._job = run_in_background(work, on_success=self._loaded, on_failure=self._load_failed,
                                      on_progress=self._load_progress, parent=self)
        self._update_buttons()

    def _auto_mapping(self, headers):
        from noojee_desktop.core.sheet import auto_map

        return auto_map(headers)

    @Slot()
    def cancel_load(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
            self._wake_load_waiters(False)
            self.load_widget.hide()
            self.file_label.setText("Reading stopped.")
            self._update_buttons()

    def _load_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.load_progress.setRange(0, total)
            self.load_progress.setValue(min(done, total))

    def _wake_load_waiters(self, ok: bool) -> None:
        waiters, self._load_waiters = self._load_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(ok)

    def _loaded(self, result) -> None:
        self._job = None
        self.load_widget.hide()
        sheet, mapping, view, allow = result
        self._validated_allow_dup = allow
        self.model.set_data(sheet, view, mapping)
        self._engine_done = None
        self._set_header(mapping)
        self._settings.add_recent_file(str(sheet.path))
        label = sheet.path.name + (f" \u2014 sheet '{sheet.sheet_name}'" if sheet.sheet_name else "")
        self.file_label.setText(f"{label}: {len(sheet.rows):,} rows")
        self.file_label.setToolTip(str(sheet.path))
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(sheet.sheet_names)
        self.sheet_combo.setCurrentText(sheet.sheet_name)
        self.sheet_combo.blockSignals(False)
        self.sheet_combo.setVisible(len(sheet.sheet_names) > 1)
        self.export_status.clear()
        self.sample_bar.hide()
        self._after_validation()
        self.table.setColumnWidth(0, max(48, self.fontMetrics().horizontalAdvance("99999") + 16))
        self.table.setColumnWidth(1, self.fontMetrics().horizontalAdvance("\u2714 Unknown if inserted") + 30)
        self.table.setColumnWidth(2, max(52, self.fontMetrics().horizontalAdvance("Code") + 24))
        self.table.setColumnWidth(3, 200)
        self._wake_load_waiters(True)
        self._recheck_if_options_changed()

    def _load_failed(self, exc: BaseException) -> None:
        from noojee_desktop.core.sheet import ReadCancelled

        self._job = None
        self.load_widget.hide()
        self._update_buttons()
        self._wake_load_waiters(False)
        if isinstance(exc, ReadCancelled):
            self.file_label.setText("Reading stopped.")
            return
        self.file_label.setText("The file could not be opened.")
        show_exception(self, "Cannot open the file", exc)

    @Slot(int)
    def _sheet_chosen(self, _index: int) -> None:
        if self.model.sheet is not None:
            self.load(self.model.sheet.path, self.sheet_combo.currentText())

    # mapping ----------------------------------------------------------------------------
    def _set_header(self, mapping) -> None:
        from noojee_desktop.core.sheet import SYSTEM_FIELD_LABELS, SYSTEM_FIELDS

        sheet = self.model.sheet
        template = self._ids[0]
        fields = self.store.get(template).fields if template is not None else []
        system = [(f, f"{SYSTEM_FIELD_LABELS.get(f, f)} ({f})") for f in SYSTEM_FIELDS]
        self.header.set_mapping(sheet.headers, list(fields), dict(mapping.columns), set(mapping.phone_fields), system)
        self.header.updateGeometry()
        self.table.updateGeometries()

    def _mapping_edited(self, header: str, field) -> None:
        mapping = self.model.mapping
        from noojee_desktop.core.sheet import Mapping, is_phone_name

        columns = dict(mapping.columns)
        columns[header] = field
        phones = set(mapping.phone_fields)
        if field and is_phone_name(field):
            phones.add(field)
        self._remap(Mapping(columns, phones), rebuild_header=False)

    def _phone_toggled(self, field: str, on: bool) -> None:
        from noojee_desktop.core.sheet import Mapping

        mapping = self.model.mapping
        phones = set(mapping.phone_fields)
        (phones.add if on else phones.discard)(field)
        self._remap(Mapping(dict(mapping.columns), phones))

    def _remap(self, mapping, rebuild_header: bool = True) -> None:
        """Check the file again with a new mapping (off the GUI thread); saved per template."""
        from noojee_desktop.core.sheet import validate

        sheet = self.model.sheet
        if sheet is None:
            return
        template = self._ids[0]
        if template is not None:
            try:
                self.store.save_mapping(template, sheet.headers, mapping)
            except OSError:
                log.warning("could not save the column mapping", exc_info=True)
        if self._job is not None:
            self._job.cancel()

        outcomes = list(self.model.outcomes)
        allow = self.allow_dup_check.isChecked()

        def work(progress, cancel):
            return prepare_rows(sheet, validate(sheet, mapping, allow_duplicates=allow), mapping, outcomes)

        def done(view):
            self._job = None
            self._validated_allow_dup = allow
            self.model.set_prepared(view, mapping)
            if rebuild_header:
                self._set_header(mapping)
            else:
                self.header._phones = set(mapping.phone_fields)
                self.header.viewport().update()
            self._after_validation()
            self._recheck_if_options_changed()

        self._job = run_in_background(work, on_success=done, on_failure=self._load_failed, parent=self)
        self._update_buttons()

    # upload options ---------------------------------------------------------------------
    @Slot(bool)
    def _allow_dup_toggled(self, on: bool) -> None:
        self._settings.set_flag(OPT_ALLOW_DUPLICATES, on)
        self._options_hint()
        if self._job is None:        # (a read or check running now re-checks when it ends)
            self._recheck_if_options_changed()

    @Slot(bool)
    def _safe_ids_toggled(self, on: bool) -> None:
        self._settings.set_flag(OPT_GENERATE_IDS, on)
        self._options_hint()

    def _options_hint(self) -> None:
        hint = self.allow_dup_check.isChecked() and not self.safe_ids_check.isChecked()
        self.safe_ids_note.setVisible(hint)
        self.safe_ids_check.setToolTip(SAFE_IDS_TIP + (SAFE_IDS_HINT if hint else ""))

    def _recheck_if_options_changed(self) -> None:
        """Duplicate phones in the file are errors or warnings depending on "Allow duplicates":
        check the file again (off the GUI thread) when the box no longer matches the last check."""
        if (self.model.sheet is not None and self.model.mapping is not None and not self.uploading
                and self._validated_allow_dup != self.allow_dup_check.isChecked()):
            self._remap(self.model.mapping, rebuild_header=False)

    def set_upload_options(self, allow_duplicates: bool, generate_external_ids: bool) -> None:
        """Show the options an upload runs with (a resumed job keeps those it was journaled with)."""
        self.safe_ids_check.setChecked(generate_external_ids)
        self.allow_dup_check.setChecked(allow_duplicates)

    def _after_validation(self) -> None:
        self._update_notice()
        self._refresh_counts()
        self._update_buttons()

    def _update_notice(self) -> None:
        sheet = self.model.sheet
        if sheet is None:
            return
        problems = self.model.mapping.problems(sheet.headers) if self.model.mapping is not None else []
        invalid = self.model.counts.get(Category.INVALID, 0)
        lines = list(sheet.notes[:3]) + problems
        if invalid:
            one = invalid == 1
            it, they_are = ("it", "it is") if one else ("they", "they are")
            rows = "1 row needs" if one else f"{invalid:,} rows need"
            if self.model.has_outcomes:
                them = "it" if one else "them"
                lines.append(f"\u270e {rows} fixing and {'was' if one else 'were'} not sent: fix {them} in the "
                             f"file and load it again (Export failed rows saves {them} with any other rows "
                             "still to load).")
            else:
                lines.append(f"\u270e {rows} fixing before {it} can be sent; {they_are} marked in red (hover a "
                             "cell to see why). The other rows can be uploaded.")
        self.notice.setText("\n".join(lines))
        self.notice.setStyleSheet("color: #8a1c1c;" if problems or invalid else "")
        self.notice.setVisible(bool(lines))

    # filtering -------------------------------------------------------------------------
    @Slot(int)
    def _filter_changed(self, index: int) -> None:
        self.model.set_categories(self.filter_combo.itemData(index))

    # upload ----------------------------------------------------------------------------
    def sendable_rows(self) -> list[int]:
        return [r for r, p in enumerate(self.model.prepared)
                if p.sendable and self.model.outcomes[r] is None]

    # _update_buttons runs during uploads: only O(1) checks from the model's running counts

    def _update_buttons(self) -> None:
        has_rows = self.model.sheet is not None and bool(self.model.prepared)
        ready = (self._client is not None and all(i is not None for i in self._ids) and has_rows
                 and not self.uploading and self._job is None)
        self.upload_button.setEnabled(ready and self.model.unsent_sendable > 0)
        if self._client is None:
            self.upload_button.setToolTip("Connect to a dialler first")
        elif not all(i is not None for i in self._ids):
            self.upload_button.setToolTip("Choose a template, campaign and allocation first")
        else:
            self.upload_button.setToolTip("Send every row that passed the checks")
        self.pause_button.setEnabled(self.uploading)
        self.cancel_button.setEnabled(self.uploading)
        done_any = self.model.has_outcomes
        self.export_button.setEnabled(has_rows and not self.uploading)
        self.export_failed_button.setEnabled(has_rows and not self.uploading and done_any)
        self.retry_button.setEnabled(ready and self._engine_done is not None and self.model.has_failed)
        self.retry_rejected_button.setEnabled(ready and self._engine_done is not None
                                              and (self.model.has_failed or self.model.has_rejections))
        self.allow_dup_check.setEnabled(not self.uploading)
        self.safe_ids_check.setEnabled(not self.uploading)
        self.open_button.setEnabled(not self.uploading)

    @Slot()
    def start_upload(self) -> None:
        if self.uploading or self.model.sheet is None:
            return
        job = self._find_resumable()
        if job is not None:
            owner = jobs.running_elsewhere(self.journal(), job)
            if owner is not None:
                job_dialogs.show_busy(self, owner.sentence())
            else:
                self._ask_resume(job)
            return
        self.tasks.add(self.upload())

    @Slot()
    def retry_failed(self) -> None:
        if not self.uploading and self._engine_done is not None:
            self.tasks.add(self.upload(retry=True))

    @Slot()
    def ask_retry_rejections(self) -> QMessageBox | None:
        """"Retry incl. DNC/duplicates": the rejected rows too, after saying what that means."""
        if self.uploading or self._engine_done is None:
            return None
        rejected = len(self.model.failed_rows(include_rejections=True)) - len(self.model.failed_rows())
        box = QMessageBox(self)
        name(box, "retryRejectionsBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Send refused rows again?")
        rows = "1 row" if rejected == 1 else f"{rejected:,} rows"
        box.setText(f"Send again the {rows} the dialler refused (Do Not Call, duplicate or other "
                    "rejection), together with the rows that failed?")
        box.setInformativeText(
            "The dialler checks them again: a number still on the Do Not Call list is refused again. "
            "Only do this if something changed, for example a number was taken off the Do Not Call "
            "list or a duplicate was removed from the campaign. With \"Allow duplicate phone numbers\" "
            "on, a lead refused as a duplicate is inserted this time, so the number is dialled twice.")
        go = box.addButton("Send them again", QMessageBox.ButtonRole.AcceptRole)
        name(go, "retryRejectionsConfirmButton")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button) -> None:
            if button is go and not self.uploading and self._engine_done is not None:
                self.tasks.add(self.upload(retry=True, include_rejections=True))

        box.buttonClicked.connect(clicked)
        box.open()
        return box

    def journal(self):
        if self._journal is None:
            from noojee_desktop.core.journal import Journal

            self._journal = Journal()
        return self._journal

    def _find_resumable(self):
        t, c, a = self._ids
        sheet = self.model.sheet
        if None in (t, c, a) or sheet is None or not sheet.fingerprint or self._window is None:
            return None
        try:
            return jobs.find_resumable(self.journal(), sheet.fingerprint, self._server_ids(), t, c, a)
        except Exception:
            log.warning("could not read the upload journal", exc_info=True)
            return None

    def _ask_resume(self, job) -> QMessageBox:
        box = QMessageBox(self)
        name(box, "resumeBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Resume upload?")
        box.setText("A previous upload of this file was interrupted. Resume it?")
        box.setInformativeText(job.describe() + ".\n\nResuming sends only the rows that have no answer yet.")
        resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        name(resume, "resumeButton")
        fresh = box.addButton("Start again", QMessageBox.ButtonRole.DestructiveRole)
        name(fresh, "startAgainButton")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(resume)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button) -> None:
            if button is resume:
                self.tasks.add(self._resume_with_options(job))
            elif button is fresh:
                try:
                    self.journal().abandon(job.id)
                except Exception:
                    log.warning("could not mark the old upload as abandoned", exc_info=True)
                self.tasks.add(self.upload())

        box.buttonClicked.connect(clicked)
        box.open()
        return box

    async def _resume_with_options(self, job) -> None:
        """Resume ``job`` with the options it was journaled with; the table is checked with them first."""
        self.set_upload_options(**journaled_options(job.settings))
        await self._until(lambda: self._job is None, 20.0)
        await self.upload(resume_job_id=job.id)

    # interrupted upload at start-up ---------------------------------------------------------
    def check_interrupted(self) -> bool:
        """Offer the newest upload the journal says was interrupted; True when the banner shows.

        Jobs to another sandbox (a loopback server other than the current one) are left out:
        that practice dialler and its leads are gone."""
        try:
            offered = jobs.interrupted_jobs(self.journal(), self._server_ids())  # none another window runs
        except Exception:
            log.warning("could not read the upload journal", exc_info=True)
            return False
        for job in offered:
            self._interrupted = job
            self.resume_label.setText(f"{job.describe()}. Resume sends only the rows without an answer.")
            self.resume_label.setStyleSheet("")
            self.resume_interrupted_button.setEnabled(True)
            self.discard_interrupted_button.setEnabled(True)
            self.resume_bar.show()
            return True
        self._interrupted = None
        self.resume_bar.hide()
        return False

    @Slot()
    def discard_interrupted(self) -> None:
        job = self._interrupted
        if job is not None:
            try:
                self.journal().abandon(job.id)
            except Exception:
                log.warning("could not mark the old upload as abandoned", exc_info=True)
        self.check_interrupted()

    def _resume_problem(self, text: str) -> None:
        self.resume_label.setText(text)
        self.resume_label.setStyleSheet("color: #8a1c1c;")
        self.resume_interrupted_button.setEnabled(True)
        self.discard_interrupted_button.setEnabled(True)

    async def _until(self, cond, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.05)
        return True

    @qasync.asyncSlot()
    async def resume_interrupted(self) -> None:
        """Reopen the file, check it is the same, restore the dropdowns, resume the job."""
        from noojee_desktop.core.journal import server_id

        job = self._interrupted
        if job is None or self.uploading:
            return
        path = Path(job.file_path)
        window = self._window
        if not path.is_file():
            self._resume_problem(f"Cannot resume: the file {path} is not there any more. Put it back in the "
                                 "same place (unchanged), then press Resume again, or Discard this upload.")
            return
        if window is None or self._client is None or not window.server:
            self._resume_problem("Cannot resume yet: not connected to a dialler. Connect (Connection\u2026) "
                                 f"to {job.server}, then press Resume again.")
            return
        if job.server not in self._server_ids():
            self._resume_problem(f"Cannot resume here: that upload went to {job.server}, but this window is "
                                 f"connected to {server_id(self._server())}. Connect to {job.server} to resume it.")
            return
        # the upload continues with the options it was journaled with (and the file is checked with them)
        self.set_upload_options(**journaled_options(job.settings))
        self.resume_interrupted_button.setEnabled(False)
        self.discard_interrupted_button.setEnabled(False)
        self.resume_label.setStyleSheet("")
        self.resume_label.setText(f"Reopening {path.name} and choosing {job.campaign[1] or job.campaign[0]} / "
                                  f"{job.allocation[1] or job.allocation[0]}\u2026")
        ids = (job.template[0], job.campaign[0], job.allocation[0])
        if tuple(self._ids) != ids:
            window.chooser.select(*ids)
            await self._until(lambda: tuple(self._ids) == ids, 20.0)
        fut = asyncio.get_running_loop().create_future()
        self.load(path)                   # (stops any other reading first, then starts this one)
        self._load_waiters.append(fut)
        if not await fut:
            self._resume_problem(f"Cannot resume: {path.name} could not be read again. Fix it (same content), "
                                 "then press Resume, or Discard this upload.")
            return
        if self.model.sheet is None or self.model.sheet.fingerprint != job.fingerprint:
            self._resume_problem(f"Cannot resume: {path.name} has changed since that upload, so its rows may "
                                 "not be the same ones. Discard this upload, then upload the file again "
                                 "(rows already in the dialler will come back as duplicates).")
            return
        await self._until(lambda: self._job is None, 20.0)   # a re-check after the template change
        self.resume_bar.hide()
        self._interrupted = None
        await self.tasks.add(self.upload(resume_job_id=job.id))

    def _make_engine(self, resume_job_id: int | None = None, skip=None):
        from noojee_desktop.core.engine import UploadEngine

        job = self._job_spec(resume_job_id, skip)
        job.name_mapping(self.model.mapping)      # names for a halt message
        return UploadEngine(self._engine_client(), job, self.model.prepared, self.journal(), concurrency="auto",
                            on_progress=self._on_progress)

    def _job_spec(self, resume_job_id: int | None = None, skip=None):
        """The job (core.jobs): a resumed one goes where it went before, with its own options."""
        sheet = self.model.sheet
        record = self.journal().job(resume_job_id) if resume_job_id is not None else None
        if record is not None:
            return jobs.resume_spec(record, self._server(), sheet.path, sheet.fingerprint)
        t, c, a = self._ids
        names = self._window.chooser.current_names() if self._window is not None else ("", "", "")
        return jobs.new_spec(self._server(), (t, names[0]), (c, names[1]), (a, names[2]), sheet.path,
                             sheet.fingerprint, self._options(), skip)

    def _hold_job(self, retry: bool, resume_job_id: int | None):
        """The job's lock (core.jobs.JobLock) before anything is written or sent; None (and the
        user told) when another window runs this list."""
        spec = self._engine_done.job if retry and self._engine_done is not None else self._job_spec(resume_job_id)
        lock = jobs.job_lock(self.journal(), spec.fingerprint, spec.server, spec.template[0], spec.campaign[0],
                             spec.allocation[0])
        try:
            return lock.acquire()
        except jobs.JobBusy as e:
            job_dialogs.show_busy(self, str(e))
            return None

    async def _already_loaded_choice(self):
        """Rows an earlier job inserted into this campaign: {} to send everything, their outcomes to
        skip them, None when the user cancelled. Checked on a pool thread."""
        t, c, a = self._ids
        names = self._window.chooser.current_names() if self._window is not None else ("", "", "")
        journal, server, prepared = self.journal(), self._server(), self.model.prepared
        found = await self._in_background(lambda: jobs.check_already_loaded(journal, server, (c, names[1]), prepared))
        if not found:
            return {}
        answer = await job_dialogs.ask_already_loaded(self, found.sentence())
        if answer is None:
            return None
        return found.outcomes if answer == job_dialogs.SKIP else {}

    def _options(self) -> dict[str, bool]:
        return {"allow_duplicates": self.allow_dup_check.isChecked(),
                "generate_external_ids": self.safe_ids_check.isChecked()}

    def _server(self) -> str:
        """The server as journal jobs name it: the client's normalised API base (the headless
        command uses the same, so a job interrupted in one is found by the other)."""
        base = getattr(self._client, "base_url", None)
        if base:
            return str(base)
        return self._window.server if self._window is not None else ""

    def _server_ids(self) -> set[str]:
        """This connection's server as a journal may have it: the API base, and (jobs journaled
        by earlier versions) the address as typed."""
        from noojee_desktop.core.journal import server_id

        ids = set()
        for s in (getattr(self._client, "base_url", None), self._window.server if self._window else None):
            if s:
                try:
                    ids.add(server_id(str(s)))
                except ValueError:
                    pass
        return ids

    def _engine_client(self):
        """The client the engine uses: its own, for the upload thread's loop (see upload_thread)."""
        window = self._window
        if window is None or not hasattr(window, "new_client"):
            return self._client
        return self.upload_thread.client((window.server, id(self._client)), window.new_client)

    def _in_background(self, fn) -> asyncio.Future:
        """Run ``fn()`` on a pool thread; a future the upload can await on the GUI loop."""
        fut = asyncio.get_running_loop().create_future()

        def ok(result) -> None:
            if not fut.done():
                fut.set_result(result)

        def bad(exc) -> None:
            if not fut.done():
                fut.set_exception(exc)

        run_in_background(lambda _progress, _cancel: fn(), on_success=ok, on_failure=bad, parent=self)
        return fut

    def _retry_job(self, rows: list[int]) -> int:
        """"Retry failed rows" after the mapping or options changed: core.jobs.create_retry_job."""
        sheet = self.model.sheet
        return jobs.create_retry_job(self.journal(), self._engine_done.job, self._engine_done.job_id, sheet.path,
                                     sheet.fingerprint, self.model.prepared, self.model.outcomes, rows,
                                     self._options())

    @qasync.asyncSlot()
    async def upload(self, retry: bool = False, resume_job_id: int | None = None,
                     include_rejections: bool = False) -> None:
        if self.uploading:
            return
        self.uploading = True
        self._stop_requested = False
        self.rate_label.setText("Preparing\u2026")
        self.export_status.clear()
        self._update_buttons()
        engine = None
        summary = None
        started = False
        froze = False
        lock = None
        try:
            lock = self._hold_job(retry, resume_job_id)     # one owner per list
            skip = {}
            if lock is not None and not retry and resume_job_id is None:
                skip = await self._already_loaded_choice()
            if lock is None or skip is None or self._stop_requested:
                self._stop_requested = True      # "Stopped before sending anything."
                return
            retry_rows = self.model.failed_rows(include_rejections) if retry else []
            if retry and self._engine_done is not None and (
                    self.model.mapping != self._upload_mapping
                    or self._engine_done.job.settings() != self._options()):
                # leads rebuilt with the new mapping and options, journaled on a pool thread
                resume_job_id = await self._in_background(lambda: self._retry_job(retry_rows))
                retry = False
            if self._stop_requested:
                return
            engine = self._engine_done if retry else self._make_engine(resume_job_id, skip)
            if retry:
                self.model.reset_outcomes(retry_rows)
            # (a resumed job: the engine reports the rows finished before)
            self._upload_mapping = self.model.mapping
            self.engine = engine
            self._progress = None
            total = len(self.model.prepared)
            self.progress.setRange(0, total)
            self.progress.setValue(0)
            self.pause_button.setChecked(False)
            self.rate_label.setText("Starting\u2026")
            self._update_buttons()
            self._flush_timer.start()
            started = True
            # The objects alive now (the sheet, its rows, Qt wrappers) are not garbage: keep the
            # cyclic GC from walking them during the upload (a full pass held the GIL ~40 ms).
            froze = not gc.get_freeze_count()
            if froze:
                gc.freeze()
            if engine.client is self._client:     # no window to make an engine client: GUI loop
                summary = await (engine.retry_failed(include_rejections) if retry else engine.run())
            else:
                summary = await self.upload_thread.run(engine, retry, include_rejections)
        except JournalError as exc:     # the data folder cannot be written: nothing is sent
            job_dialogs.show_journal_problem(self, str(exc))
        except Exception as exc:
            show_exception(self, "The upload stopped" if started else "Cannot start the upload", exc)
        finally:
            if lock is not None:
                lock.release()
            if froze:
                gc.unfreeze()
            if shiboken6.isValid(self):    # not when the window was torn down mid-upload
                self._upload_ended(engine, summary)

    def _upload_ended(self, engine, summary) -> None:
        self._flush()
        self._flush_timer.stop()
        if summary is not None and len(summary.outcomes) == len(self.model.outcomes):
            # the engine's last batch travels by a queued signal and may arrive after its summary
            shown = self.model.outcomes
            late = [(i, o) for i, o in enumerate(summary.outcomes) if o is not None and o is not shown[i]]
            if late:
                self.model.apply_outcomes(late)
                self._refresh_counts()
        if self.model.filtering or self.model._sort[0] >= 0:
            self.model.refilter()    # rows whose result changed may now (not) match the filter
        self.uploading = False
        self.engine = None
        if engine is not None:
            self._engine_done = engine
        self._last_summary = summary
        if engine is None and summary is None and self._stop_requested:
            self.rate_label.setText("Stopped before sending anything.")
        else:
            self._finish_text(summary)
        self._update_notice()
        self._update_buttons()
        self.uploadFinished.emit(summary)

    def _finish_text(self, summary) -> None:
        if summary is None:
            self.rate_label.setText("Stopped.")
            return
        elapsed = _fmt_duration(summary.elapsed)
        if summary.stopped == "cancelled":
            text = f"Stopped after {elapsed}; unsent rows can be sent with Retry."
        elif summary.stopped:
            text = f"Stopped: {summary.message}"
            show_error(self, "The upload stopped", summary.message or "The dialler stopped answering.")
        else:
            text = f"Finished in {elapsed}: {summary.inserted:,} of {summary.total:,} inserted."
        self.rate_label.setText(text)

    def _on_progress(self, batch, progress=None) -> None:
        """Results from the engine (queued from the upload thread): applied by the flush timer."""
        if progress is not None:
            self._progress = progress
        if batch and not self.uploading:      # a straggler after the upload ended: show it now
            self.model.apply_outcomes(batch)
            self._refresh_counts()
            return
        self._pending.extend(batch)

    @Slot()
    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.model.apply_outcomes(batch)
            self._refresh_counts()
        engine = self.engine
        if engine is None:
            return
        p = self._progress if engine.client is not self._client else engine.progress()
        if p is None:
            return
        # QProgressBar.setValue repaints synchronously whenever its text changes (every batch
        # here); with updates off it only schedules a paint, which Qt merges with the table's
        self.progress.setUpdatesEnabled(False)
        self.progress.setMaximum(max(1, p.total))
        self.progress.setValue(min(p.done, p.total))
        self.progress.setUpdatesEnabled(True)
        if p.halted:
            text = HALTED_TEXT
        elif p.paused:
            text = "Paused"
        elif p.waiting_for_server:
            text = "Waiting for the dialler to come back\u2026"
        else:
            eta = _fmt_duration(p.eta) if p.eta is not None else "\u2014"
            text = f"{p.rate:.1f} leads/s \u00b7 about {eta} left \u00b7 {p.concurrency}"
        self.rate_label.setText(text)

    @Slot(str)
    def _on_halt(self, reason: str) -> None:
        """The engine paused itself on a refusal every row would get: Resume goes on, Stop stops."""
        self.pause_button.setChecked(True)
        self.rate_label.setText(HALTED_TEXT)
        self.export_status.setText(reason)       # wraps; the reason says what to change

    def _refresh_counts(self) -> None:
        self.chart.set_counts(Counter({k: v for k, v in self.model.counts.items() if v > 0}))

    @Slot(bool)
    def _pause_toggled(self, paused: bool) -> None:
        if self.engine is None:
            return
        if paused:
            self._engine_call(self.engine.pause)
            self.pause_button.setText("&Resume")
            self.rate_label.setText("Paused")
        else:
            self._engine_call(self.engine.resume)
            self.pause_button.setText("&Pause")

    def _engine_call(self, fn) -> None:
        """Pause/resume/cancel on the loop the engine runs on."""
        if self.engine is not None and self.engine.client is not self._client:
            self.upload_thread.call(fn)
        else:
            fn()

    @Slot()
    def cancel_upload(self) -> None:
        self._stop_requested = True
        if self.engine is not None:
            self._engine_call(self.engine.cancel)
            self.rate_label.setText("Stopping\u2026 (waiting for replies already on their way)")

    def ask_stop_then(self, then) -> QMessageBox:
        box = QMessageBox(self)
        name(box, "confirmCloseBox")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Upload running")
        box.setText("An upload is still running. Stop it and close?")
        box.setInformativeText("Rows not sent yet can be sent later: the upload can be resumed next time.")
        stop = box.addButton("Stop and close", QMessageBox.ButtonRole.AcceptRole)
        name(stop, "stopAndCloseButton")
        keep = box.addButton("Keep uploading", QMessageBox.ButtonRole.RejectRole)
        name(keep, "keepUploadingButton")
        box.setDefaultButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button) -> None:
            if button is stop:
                self.cancel_upload()
                self.uploadFinished.connect(lambda *_: then())
                if not self.uploading:
                    then()

        box.buttonClicked.connect(clicked)
        box.open()
        return box

    async def shutdown(self) -> None:
        self.cancel_load()
        if self.engine is not None:
            self._engine_call(self.engine.cancel)
        await self.tasks.cancel_all()
        self._flush_timer.stop()
        try:
            await self.upload_thread.close()
        except Exception:
            log.warning("stopping the upload thread failed", exc_info=True)
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # export ------------------------------------------------------------------------------
    def export(self, failed_only: bool = False) -> Path | None:
        from noojee_desktop.core.sheet import default_results_path, write_results

        sheet = self.model.sheet
        if sheet is None:
            return None
        path = default_results_path(sheet.path, "failed" if failed_only else "results")
        try:
            write_results(path, sheet, list(self.model.outcomes), failed_only=failed_only)
        except Exception as exc:
            message, details = describe_exception(exc)
            show_error(self, "Results not saved", message, details)
            return None
        what = "Rows still to load" if failed_only else "Results"
        self.export_status.setText(f"{what} saved as <a href='{path.as_uri()}'>{path.name}</a>")
        self.export_status.setOpenExternalLinks(True)
        self.export_status.setToolTip(str(path))
        self.last_export = path
        return path
