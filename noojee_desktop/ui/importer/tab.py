"""The Import spreadsheet screen: its parts, laid out and wired to one controller.

    SampleBanner / ResumeBanner   (sandbox sample offer, interrupted upload)
    FileBar  [+ search, filter]   (open, recent, drop, sheet chooser, reading progress)
    notice  [Contact hours by state...]
    TablePart.table  |  UploadPanel + ResultsPanel      (in a vertical splitter)

Parts never talk to each other: each asks the controller (or the resume flow) through its
signals and shows what they emit (see docs/architecture.md). The session (connection,
choice, field store, journal) comes from the main window.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QSplitter, QVBoxLayout, QWidget

from noojee_desktop.ui import job_dialogs
from noojee_desktop.ui.contact_hours import ContactHoursPart
from noojee_desktop.ui.errors import show_error, show_exception
from noojee_desktop.ui.importer.banners import FieldsBanner, FixesBanner, ResumeBanner, SampleBanner
from noojee_desktop.ui.importer.controller import RUNNING, ImportController, State
from noojee_desktop.ui.importer.dialogs import ask_resume, ask_stop_then
from noojee_desktop.ui.importer.editing import EditingPart
from noojee_desktop.ui.importer.file_bar import FileBar
from noojee_desktop.ui.importer.fix_keeping import FixKeeping
from noojee_desktop.ui.importer.resume import ResumeFlow
from noojee_desktop.ui.importer.results_panel import ResultsPanel
from noojee_desktop.ui.importer.table import TablePart
from noojee_desktop.ui.importer.upload_panel import UploadPanel
from noojee_desktop.ui.importer.upload_run import results_about

log = logging.getLogger(__name__)


class ImportTab(QWidget):
    """Public: ``controller`` (state, ``finished(summary)``, ``last_summary``, ``progress``),
    ``model``, ``resume`` (the resume flow) and the parts: ``file_bar``, ``table_part``, ``editing``,
    ``keeping`` (kept fixes, corrected copy), ``fixes_banner``,
    ``upload_panel``, ``results``, ``resume_banner``, ``sample_banner``."""

    uploadFinished = Signal(object)   # the engine's summary (or None after an error)

    def __init__(self, session, settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importTab")
        self.session = session
        c = self.controller = ImportController(
            session, settings, self, ask_already_loaded=lambda sentence: job_dialogs.ask_already_loaded(self, sentence),
            ask_unknown_phones=self._ask_unknown_phones,
            ask_allocation_size=lambda sentence: job_dialogs.ask_allocation_size(self, sentence))
        self.model = c.model
        self.resume = ResumeFlow(session, c, self)

        self.sample_banner = SampleBanner()
        self.resume_banner = ResumeBanner()
        self.fields_banner = FieldsBanner()
        self.file_bar = FileBar(settings)
        self.table_part = TablePart(c.model, session.store, self)
        self.editing = EditingPart(c.model, self.table_part.table, self)
        self.keeping = FixKeeping(c.model, parent=self)
        self.fixes_banner = FixesBanner()
        self.upload_panel = UploadPanel(c.options["allow_duplicates"], c.options["generate_external_ids"])
        self.upload_panel.show_mode(c.mode, c.opts.disposition)
        self.results = ResultsPanel(c.model, c.rejected_count, about=lambda: results_about(session, c.last_summary))

        layout = QVBoxLayout(self)
        layout.addWidget(self.sample_banner)
        layout.addWidget(self.resume_banner)
        layout.addWidget(self.fixes_banner)
        layout.addWidget(self.fields_banner)
        self.file_bar.extra_row.addWidget(self.editing.bar)
        self.editing.bar.layout().addWidget(self.keeping.save_button)
        self.file_bar.extra_row.addWidget(self.table_part.search_edit)
        self.file_bar.extra_row.addWidget(self.table_part.filter_combo)
        layout.addWidget(self.file_bar)
        # above the table, by the column mapping: which Contact Hours set each state's leads get
        self.contact_hours = ContactHoursPart(session.hours_store.names)
        above = QHBoxLayout()
        above.addWidget(self.table_part.notice, 1)
        above.addWidget(self.contact_hours, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout.addLayout(above)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.keeping.status)
        lower_layout.addWidget(self.upload_panel)
        lower_layout.addWidget(self.results)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table_part.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        self.file_bar.drop_target.watch(self)
        self._last_state = c.state
        self._wire()
        c.actionsChanged.emit(c.actions())

        # the widgets tests and the window address directly (all also findable by object name)
        fb, up, rs, rb, tp = self.file_bar, self.upload_panel, self.results, self.resume_banner, self.table_part
        self.recent_menu, self.header, self.table, self.notice = fb.recent_menu, tp.header, tp.table, tp.notice
        self.search_edit, self.chart = tp.search_edit, rs.chart
        self.upload_button, self.pause_button, self.rate_label = up.upload_button, up.pause_button, up.rate_label
        self.safe_ids_check, self.safe_ids_note = up.safe_ids_check, up.safe_ids_note
        self.retry_button, self.export_failed_button = rs.retry_button, rs.export_failed_button
        self.resume_bar, self.resume_title, self.resume_label = rb, rb.title, rb.label
        self.resume_interrupted_button, self.discard_interrupted_button = rb.resume_button, rb.discard_button
        self.sample_bar, self.sample_button = self.sample_banner, self.sample_banner.button
        self.store = session.store

    def _wire(self) -> None:
        c, fb, tp, up, rs = self.controller, self.file_bar, self.table_part, self.upload_panel, self.results
        # the file bar and the sample offer ask for files; the controller reads them
        fb.openRequested.connect(c.load)
        fb.stopRequested.connect(c.cancel_load)
        self.sample_banner.openRequested.connect(c.load)
        c.fileLoading.connect(fb.show_reading)
        c.loadProgress.connect(fb.show_progress)
        c.loadStopped.connect(fb.show_stopped)
        c.loadEnded.connect(lambda _ok: fb.hide_progress())
        c.fileLoaded.connect(fb.show_sheet)
        c.fileLoaded.connect(lambda _s: rs.clear_status())
        c.fileLoaded.connect(lambda _s: up.clear_progress())
        c.fileLoaded.connect(lambda _s: self.sample_banner.hide())
        c.fileLoaded.connect(tp.show_sheet)
        # the table
        tp.mappingEdited.connect(c.edit_mapping)
        tp.phoneToggled.connect(c.toggle_phone)
        self.contact_hours.edited.connect(c.set_contact_hours)
        c.contactHoursChanged.connect(self.contact_hours.show_setting)
        c.checked.connect(lambda mapping, rebuild: tp.show_checked(mapping, self.session.ids[0], rebuild))
        c.checked.connect(self._show_fields_check)
        self.fields_banner.teachRequested.connect(self.teach_fields)
        c.resultsChanged.connect(rs.refresh_counts)
        c.finished.connect(lambda _s: tp.update_notice())
        c.model.fixesChanged.connect(tp.update_notice)
        # the upload panel
        up.uploadRequested.connect(self.start_upload)
        up.pauseToggled.connect(c.set_paused)
        up.stopRequested.connect(c.cancel_upload)
        up.optionsEdited.connect(c.set_options)
        up.modeEdited.connect(c.set_mode)
        up.dispositionEdited.connect(c.set_disposition)
        c.optionsChanged.connect(up.show_options)
        c.modeChanged.connect(up.show_mode)
        c.modeChanged.connect(tp.show_mode)
        c.stateChanged.connect(up.show_state)
        c.stateChanged.connect(self._state_changed)
        c.uploadStarted.connect(up.show_started)
        c.progressed.connect(up.show_progress)
        c.statusChanged.connect(up.show_status)
        c.halted.connect(rs.show_note)
        c.actionsChanged.connect(up.show_actions)
        c.actionsChanged.connect(rs.show_actions)
        c.actionsChanged.connect(lambda a: fb.set_open_enabled(a.options))
        # results
        rs.retryRequested.connect(c.retry)
        c.problem.connect(self._problem)
        c.busy.connect(lambda sentence: job_dialogs.show_busy(self, sentence))
        c.journalProblem.connect(lambda sentence: job_dialogs.show_journal_problem(self, sentence))
        c.finished.connect(self.uploadFinished)
        # fixes kept per file: offered again, saved as a corrected copy
        k, fx = self.keeping, self.fixes_banner
        c.fileLoaded.connect(k.file_opened)
        k.offered.connect(fx.offer)
        k.cleared.connect(fx.hide)
        k.problem.connect(self._problem)
        fx.applyRequested.connect(k.apply_offer)
        fx.discardRequested.connect(k.discard_offer)
        # the interrupted-upload banner and its flow
        r, rb = self.resume, self.resume_banner
        rb.resumeRequested.connect(r.resume_interrupted)
        rb.discardRequested.connect(r.discard)
        r.offered.connect(rb.offer)
        r.working.connect(rb.working)
        r.failed.connect(rb.failed)
        r.cleared.connect(rb.hide)
        r.error.connect(self._problem)

    @Slot(object)
    def _state_changed(self, state: State) -> None:
        if state is State.UPLOADING and self._last_state not in RUNNING:
            self.results.clear_status()
            self.editing.forget_history()       # what is sent now can no longer be undone here
        self.editing.set_enabled(state in (State.CHECKED, State.FINISHED))
        self._last_state = state

    def _show_fields_check(self, mapping, _rebuild=True) -> None:
        """The template's fields unknown: said above the table before anything is sent."""
        from noojee_desktop.core.sheet import phone_check

        template = self.session.ids[0]
        unknown = phone_check(mapping) if template is not None and not self.controller.opts.update else None
        self.fields_banner.show_check(unknown, self.session.names[0])

    @Slot()
    def teach_fields(self):
        """The teach dialog for the chosen template, offering the open file's headings."""
        from noojee_desktop.ui.teach_fields import teach

        sheet = self.model.sheet
        return teach(self, self.session, list(sheet.headers) if sheet is not None else None)

    async def _ask_unknown_phones(self, sentence: str):
        answer = await job_dialogs.ask_unknown_phones(self, sentence)
        if answer == job_dialogs.TEACH:
            self.teach_fields()
        return answer

    def _problem(self, title: str, what) -> None:
        if isinstance(what, BaseException):
            show_exception(self, title, what)
        else:
            show_error(self, title, str(what))

    # what the main window and the app use --------------------------------------------------
    @property
    def uploading(self) -> bool:
        return self.controller.uploading

    @property
    def loading(self) -> bool:
        return self.controller.loading

    @property
    def last_export(self) -> Path | None:
        return self.results.last_export

    def journal(self):
        return self.session.journal()

    def open_dialog(self):
        return self.file_bar.open_dialog()

    def load(self, path: Path, sheet_name: str | None = None) -> None:
        self.controller.load(Path(path), sheet_name)

    def focus_search(self) -> None:
        """Ctrl+F: the cursor in the search box, its text selected to type over."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def offer_sample(self, path: Path) -> None:
        self.sample_banner.offer(path)

    def check_interrupted(self) -> bool:
        """Offer the newest interrupted upload in the banner; True when it shows."""
        return self.resume.check_interrupted()

    @Slot()
    def start_upload(self) -> None:
        """Upload (after asking, when this file's upload to the same place was interrupted)."""
        c = self.controller
        if c.uploading or c.model.sheet is None:
            return
        job = self.resume.find_resumable()
        if job is not None:
            owner = self.resume.running_elsewhere(job)
            if owner is not None:
                job_dialogs.show_busy(self, owner.sentence())
                return
            ask_resume(self, job, on_resume=lambda: c.tasks.add(self.resume.resume_with_options(job)),
                       on_fresh=lambda: self.resume.start_again(job))
            return
        c.tasks.add(c.upload())

    def ask_stop_then(self, then) -> QMessageBox:
        """Closing during an upload: ask; "Stop and close" stops it, then calls ``then()``."""
        def stop() -> None:
            self.controller.cancel_upload()
            self.controller.finished.connect(lambda *_: then())
            if not self.controller.uploading:
                then()

        return ask_stop_then(self, stop)

    async def shutdown(self) -> None:
        """Stop reading and uploading; the upload thread and its client are closed."""
        await self.controller.shutdown()
