"""The import screen's state and its work: reading and checking a file, mapping changes, the
upload options, running an upload. No widgets: the parts observe it through its signals.

States (``State``): IDLE (no file), LOADING (a file is being read, or checked again after a
mapping or option change), CHECKED (a checked file, nothing uploaded since it was opened),
UPLOADING, PAUSED, FINISHED (an upload of this file ended: Retry is possible). What each
button may do follows from the state and the model's running counts (``actions()``); both
are defined in ``states.py``. A bulk edit of the table (``bulk_edit.py``) is LOADING too.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import replace
from functools import partial
from pathlib import Path

import qasync
import shiboken6
from PySide6.QtCore import QObject, Signal

from noojee_desktop.core.journal import JournalError
from noojee_desktop.ui.import_model import ImportModel, prepare_rows
from noojee_desktop.ui.importer.bulk_edit import BulkEdits
from noojee_desktop.ui.importer.options import OPT_ALLOW_DUPLICATES, UploadOptions, check_rows, row_checker
from noojee_desktop.ui.importer.states import RUNNING, Actions, State, rows_to_load
from noojee_desktop.ui.importer.upload_questions import already_loaded_choice, hold_job, phones_confirmed
from noojee_desktop.ui.importer.upload_run import (
    HALTED_TEXT, UploadRunner, allocation_size_ok, finish_text, job_spec, make_engine, retry_job,
)
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.workers import run_in_background

log = logging.getLogger(__name__)

__all__ = ["Actions", "ImportController", "OPT_ALLOW_DUPLICATES", "RUNNING", "State"]


class ImportController(QObject):
    stateChanged = Signal(object)          # State
    actionsChanged = Signal(object)        # Actions (after any change of state or counts)
    fileLoading = Signal(object)           # Path being read
    loadProgress = Signal(int, int)        # rows read, rows in the file
    fileLoaded = Signal(object)            # the Sheet now shown (mapping: model.mapping)
    loadStopped = Signal(str)              # reading ended without a new file shown: what to say
    loadEnded = Signal(bool)               # any read or check ended: True shown, False failed or stopped
    checked = Signal(object, bool)         # rows checked with this Mapping; True: rebuild the header
    resultsChanged = Signal()              # outcomes arrived (model.counts changed)
    progressed = Signal(object)            # the engine's Progress, about ten times a second
    uploadStarted = Signal(int, bool)      # an upload's engine starts: rows in the job (a retry: rows retried), retrying
    statusChanged = Signal(str)            # the upload's status line ("Preparing...", "Finished in ...")
    optionsChanged = Signal(bool, bool)    # (allow duplicates, generate external ids)
    modeChanged = Signal(str, str)         # (insert or update, an update's disposition for every row or "")
    contactHoursChanged = Signal(object)   # {state: Contact Hours set} now in use ({}: the template's default)
    problem = Signal(str, object)          # (title, exception or message): to show in a box
    halted = Signal(str)                   # the engine paused itself: why, and what to change
    busy = Signal(str)                     # the list is being uploaded elsewhere (who, since when): nothing sent
    journalProblem = Signal(str)           # the journal cannot be written: nothing sent
    finished = Signal(object)              # an upload ended: its JobSummary, or None (error / stopped early)

    def __init__(self, session, settings, parent: QObject | None = None, *, ask_already_loaded=None,
                 ask_unknown_phones=None, ask_allocation_size=None) -> None:
        """``ask_unknown_phones(sentence)``: an awaitable answer, job_dialogs.SEND_AGAIN (send anyway)
        or None (nothing is sent), before uploading to a template whose phone fields are not known;
        without it the upload goes ahead. ``ask_already_loaded(sentence)``: an awaitable answer,
        job_dialogs.SKIP / SEND_AGAIN / None
        (cancel), when rows of the file were inserted into the campaign by an earlier upload;
        without it they are skipped. ``ask_allocation_size``: see upload_run.allocation_size_ok."""
        super().__init__(parent)
        self.session = session
        self._ask_already_loaded = ask_already_loaded
        self._ask_unknown_phones = ask_unknown_phones
        self._ask_allocation_size = ask_allocation_size
        self._settings = settings
        self.model = ImportModel(self)
        self.bulk = BulkEdits(self.model, lambda: self.opts.check_with(), self)   # many cells: state LOADING
        self.bulk.started.connect(self._settle)
        self.bulk.ended.connect(self._bulk_ended)
        self.model.fixesChanged.connect(self._results_applied)     # a fix changes the counts and Upload
        self._upload_edits = 0          # model.edit_count when the last upload started
        self.tasks = TaskSet()
        self.runner = UploadRunner(self.model, self)
        self.runner.resultsApplied.connect(self._results_applied)
        self.runner.progressed.connect(self.progressed)
        self.runner.halted.connect(self._halted)
        self._state = State.IDLE
        self._job = None               # the background read/check job
        self.load_path: Path | None = None   # the file being read, or last read
        self._running = False           # an upload is being prepared or runs
        self._paused = False
        self._engine = None             # the engine running now
        self._engine_done = None        # the last finished engine: "Retry failed rows" uses it
        self._upload_mapping = None     # the mapping the last upload's leads were built with
        self._stop_requested = False    # Stop pressed while the upload was still preparing
        self._validated = None          # the options.CheckWith the rows shown were checked with
        self.last_summary = None        # the last upload's JobSummary (None: none, or it failed)
        self.opts = UploadOptions(settings, self)
        self._template = None           # the template the file was last mapped for
        session.clientChanged.connect(self._client_changed)
        session.choiceChanged.connect(self._choice_changed)
        session.fieldsChanged.connect(self._fields_changed)

    # state -----------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self._state

    @property
    def uploading(self) -> bool:
        return self._running

    @property
    def loading(self) -> bool:
        return self._job is not None or self.bulk.busy

    @property
    def progress(self):
        """The engine's latest Progress during and after an upload (None before the first)."""
        return self.runner.progress

    def _settle(self) -> None:
        if self._running:
            state = State.PAUSED if self._paused else State.UPLOADING
        elif self._job is not None or self.bulk.busy:
            state = State.LOADING
        elif self._engine_done is not None:
            state = State.FINISHED
        elif self.model.sheet is not None:
            state = State.CHECKED
        else:
            state = State.IDLE
        self.model.editing_enabled = state in (State.CHECKED, State.FINISHED)
        if state is not self._state:
            self._state = state
            self.stateChanged.emit(state)
        self.actionsChanged.emit(self.actions())

    def _client_changed(self, _client) -> None:
        self._settle()

    def actions(self) -> Actions:
        """From the state and O(1) running counts (this runs during uploads)."""
        s, m, session = self._state, self.model, self.session
        has_rows = m.sheet is not None and bool(m.prepared)
        running = s in RUNNING
        ready = session.connected and session.chosen and has_rows and s in (State.CHECKED, State.FINISHED)
        if not session.connected:
            tip = "Connect to a dialler first"
        elif not session.chosen:
            tip = "Choose a template, campaign and allocation first"
        elif self.opts.update:
            tip = "Send every row that passed the checks as an update of the lead with its external id"
        else:
            tip = "Send every row that passed the checks"
        retry = ready and s is State.FINISHED
        return Actions(upload=ready and m.unsent_sendable > 0, upload_tip=tip, control=running,
                       export=has_rows and not running, export_failed=has_rows and not running and rows_to_load(m),
                       retry=retry and m.has_failed, retry_rejections=retry and (m.has_failed or m.has_rejections),
                       options=not running)

    # options ---------------------------------------------------------------------------
    @property
    def options(self) -> dict[str, bool]:
        """The two upload boxes as ticked now (an update journals both off: ``opts.flags()``)."""
        o = self.opts
        return {"allow_duplicates": o.allow_duplicates, "generate_external_ids": o.generate_external_ids}

    @property
    def mode(self) -> str:
        """insert (add new leads) or update (change leads found by their external id)."""
        return self.opts.mode

    def set_options(self, allow_duplicates: bool, generate_external_ids: bool) -> None:
        """The upload options (remembered; a resumed job shows those it was journaled with)."""
        if self.opts.set_flags(allow_duplicates, generate_external_ids):
            self.optionsChanged.emit(self.opts.allow_duplicates, self.opts.generate_external_ids)
            self._options_edited()

    def set_mode(self, mode: str, disposition: str | None = None) -> None:
        """Add new leads or update existing ones; ``disposition``: an update's one disposition
        for every row ("" = from the column; None = keep the template's remembered one)."""
        changed = self.opts.set_mode(mode)
        if disposition is not None:
            changed = self.opts.set_disposition(disposition) or changed
        if changed:
            self.modeChanged.emit(self.opts.mode, self.opts.disposition)
            self._options_edited()

    def set_disposition(self, text: str) -> None:
        self.set_mode(self.opts.mode, text)

    def set_contact_hours(self, names: dict[str, str]) -> None:
        """The Contact Hours set of each state's leads (saved for the template); rows checked again."""
        if self.opts.set_contact_hours(names, save=self.session.save_contact_hours):
            self.contactHoursChanged.emit(dict(self.opts.contact_hours))
            self._options_edited()

    def _options_edited(self) -> None:
        if self._job is None:        # (a read or check running now re-checks when it ends)
            self._recheck_if_options_changed()
        self._settle()

    # loading ---------------------------------------------------------------------------
    def load(self, path: Path, sheet_name: str | None = None) -> None:
        """Read and check ``path`` on a pool thread; the table fills when it is done."""
        if self._running:
            self.problem.emit("Upload running", "Stop the upload before opening another file.")
            return
        self.cancel_load()
        from noojee_desktop.core.sheet import read_sheet

        template = self.session.ids[0]
        store = self.session.store
        how = self.opts.check_with()

        def work(progress, cancel):
            sheet = read_sheet(path, sheet_name, progress=progress, cancel=cancel)
            mapping = store.suggest(template, sheet.headers)
            return sheet, mapping, prepare_rows(sheet, check_rows(sheet, mapping, how), mapping), how

        self.load_path = Path(path)
        self.fileLoading.emit(self.load_path)
        self._job = run_in_background(work, on_success=self._loaded, on_failure=self._load_failed,
                                      on_progress=self.loadProgress.emit, parent=self)
        self._settle()

    def cancel_load(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
            self.loadStopped.emit("Reading stopped.")
            self.loadEnded.emit(False)
            self._settle()

    def _loaded(self, result) -> None:
        self._job = None
        sheet, mapping, view, how = result
        self._validated = how
        self.model.make_checker = partial(row_checker, how=how)
        self.model.set_data(sheet, view, mapping)
        self._engine_done = None
        self._settings.add_recent_file(str(sheet.path))
        self.fileLoaded.emit(sheet)
        self.checked.emit(mapping, True)
        self.resultsChanged.emit()
        self._settle()
        self.loadEnded.emit(True)
        self._recheck_if_options_changed()

    def _load_failed(self, exc: BaseException) -> None:
        from noojee_desktop.core.sheet import ReadCancelled

        self._job = None
        self._settle()
        self.loadEnded.emit(False)
        if isinstance(exc, ReadCancelled):
            self.loadStopped.emit("Reading stopped.")
            return
        self.loadStopped.emit("The file could not be opened.")
        self.problem.emit("Cannot open the file", exc)

    # mapping ---------------------------------------------------------------------------
    def _choice_changed(self, template, _campaign, _allocation) -> None:
        old, self._template = self._template, template
        if template != old and self.opts.set_contact_hours(self.session.contact_hours(template)):
            self.contactHoursChanged.emit(dict(self.opts.contact_hours))
        if template != old and not self._running and self.opts.for_template(template):
            self.optionsChanged.emit(self.opts.allow_duplicates, self.opts.generate_external_ids)
            self.modeChanged.emit(self.opts.mode, self.opts.disposition)
        if template != old and self.model.sheet is not None and not self._running:
            self.remap(self.session.store.suggest(template, self.model.sheet.headers))
        self._settle()

    def _fields_changed(self, template) -> None:
        """The template's fields were taught: map the file onto them (a saved mapping is kept
        where it goes to one of them)."""
        current = self.session.ids[0]
        if template in (None, current) and self.model.sheet is not None and not self._running:
            self.remap(self.session.store.suggest(current, self.model.sheet.headers))

    def edit_mapping(self, header: str, field) -> None:
        """The user chose ``field`` (None: ignore) for the column ``header``."""
        from noojee_desktop.core.sheet import is_phone_name

        mapping = self.model.mapping
        columns = dict(mapping.columns)
        columns[header] = field
        phones = set(mapping.phone_fields)
        if field and not mapping.phones_known and is_phone_name(field):
            phones.add(field)        # (a guess, like the others, while the phone fields are unknown)
        self.remap(replace(mapping, columns=columns, phone_fields=phones), rebuild_header=False)

    def toggle_phone(self, field: str, on: bool) -> None:
        mapping = self.model.mapping
        phones = set(mapping.phone_fields)
        (phones.add if on else phones.discard)(field)
        self.remap(replace(mapping, columns=dict(mapping.columns), phone_fields=phones))

    def remap(self, mapping, rebuild_header: bool = True) -> None:
        """Check the file again with a new mapping (off the GUI thread); saved per template."""
        sheet = self.model.sheet
        if sheet is None:
            return
        template = self.session.ids[0]
        if template is not None:
            try:
                self.session.store.save_mapping(template, sheet.headers, mapping)
            except OSError:
                log.warning("could not save the column mapping", exc_info=True)
        if self.bulk.busy:      # (the cells being written are checked first)
            return self.bulk.then(lambda: self.remap(mapping, rebuild_header))
        if self._job is not None:
            self._job.cancel()
        outcomes = list(self.model.outcomes)
        how = self.opts.check_with()

        def work(progress, cancel):
            return prepare_rows(sheet, check_rows(sheet, mapping, how), mapping, outcomes)

        def done(view):
            self.model.set_prepared(view, mapping)
            self._checked_again(how, mapping, rebuild_header)

        self._job = run_in_background(work, on_success=done, on_failure=self._load_failed, parent=self)
        self._settle()

    def _checked_again(self, how, mapping, rebuild_header: bool) -> None:
        """A check on a pool thread ended (a mapping or option change, a bulk edit): rows shown."""
        self._job = None
        self._validated = how
        self.model.make_checker = partial(row_checker, how=how)
        self.checked.emit(mapping, rebuild_header)
        self.resultsChanged.emit()
        self._settle()
        self.loadEnded.emit(True)
        self._recheck_if_options_changed()

    def _bulk_ended(self, how, exc) -> None:
        """A bulk edit ended: written and checked with ``how``, or it failed with ``exc``."""
        if exc is None:
            return self._checked_again(how, self.model.mapping, False)
        self._settle()
        self.loadEnded.emit(False)
        self.problem.emit("Cannot change those cells", exc)

    def _recheck_if_options_changed(self) -> None:
        """Duplicate phones in the file are errors or warnings depending on "Allow duplicates", and
        an update is checked by other rules: check the file again (off the GUI thread) when the
        options no longer match the last check."""
        if (self.model.sheet is not None and self.model.mapping is not None and not self._running
                and self._validated != self.opts.check_with()):
            self.remap(self.model.mapping, rebuild_header=False)

    # upload ----------------------------------------------------------------------------
    @property
    def can_retry(self) -> bool:
        return not self._running and self._engine_done is not None

    def retry(self, include_rejections: bool = False) -> None:
        """Send the failed rows again (and the refused ones with ``include_rejections``)."""
        if not self.can_retry:
            return
        if not self.model.failed_rows(include_rejections):
            # (what is left are leads someone was editing (110): never sent again by the app)
            self.statusChanged.emit("Nothing to send again: a lead someone was editing (code 110) is never "
                                    "sent again by the app; check it in Noojee.")
            return
        self.tasks.add(self.upload(retry=True, include_rejections=include_rejections))

    def rejected_count(self) -> int:
        return len(self.model.failed_rows(include_rejections=True)) - len(self.model.failed_rows())

    @qasync.asyncSlot()
    async def upload(self, retry: bool = False, resume_job_id: int | None = None,
                     include_rejections: bool = False) -> None:
        if self._running:
            return
        self._running = True
        self._paused = False
        self._stop_requested = False
        self.statusChanged.emit("Preparing\u2026")
        self._settle()
        engine = None
        summary = None
        started = False
        froze = False
        model = self.model
        lock = None
        try:
            spec = (self._engine_done.job if retry and self._engine_done is not None
                    else job_spec(self.session, model, self.opts.flags(), resume_job_id))
            lock = hold_job(self.session, spec, self.busy.emit)     # one owner per list
            done = self._engine_done
            # rows fixed since the last upload: sent (with any retried) by a job continuing the last one
            fixed = done is not None and resume_job_id is None and model.edit_count != self._upload_edits
            skip = {}
            fresh = lock is not None and not retry and resume_job_id is None and not self.opts.update
            if fresh and not await phones_confirmed(model.mapping, self._ask_unknown_phones):      # (a resume was decided on before)
                skip = None
            elif fresh and not fixed:
                skip = await already_loaded_choice(self.session, model, self._ask_already_loaded, self)
                if skip is not None and not await allocation_size_ok(self, skip, self._ask_allocation_size):
                    skip = None     # the user chooses another allocation: nothing sent
            if lock is None or skip is None or self._stop_requested:
                self._stop_requested = True      # "Stopped before sending anything."
                return
            retry_rows = model.failed_rows(include_rejections) if retry else []
            if fixed or retry and done is not None and (
                    model.mapping != self._upload_mapping or done.job.settings() != self.opts.job_settings()):
                # leads rebuilt with the new mapping, options and fixes, journaled on a pool thread
                options, journal = self.opts.flags(), self.session.journal()
                resume_job_id = await run_in_background(
                    lambda _p, _c: retry_job(journal, done, model, retry_rows, options), parent=self)
                retry = False
            if self._stop_requested:
                return
            engine = self._engine_done if retry else make_engine(
                self.session, model, self.opts.flags(), resume_job_id, self.runner.engine_client(self.session), skip,
                mode=self.opts.mode, extra=self.opts.extra())
            if retry:
                model.reset_outcomes(retry_rows)
            # (a resumed job: the engine reports the rows finished before)
            self._upload_mapping = model.mapping
            self._upload_edits = model.edit_count
            self._engine = engine
            self.uploadStarted.emit(len(retry_rows) if retry else len(model.prepared), retry)
            self.statusChanged.emit("Starting\u2026")
            started = True
            # The objects alive now (the sheet, its rows, Qt wrappers) are not garbage: keep the
            # cyclic GC from walking them during the upload (a full pass held the GIL ~40 ms).
            froze = not gc.get_freeze_count()
            if froze:
                gc.freeze()
            summary = await self.runner.run(engine, retry, include_rejections)
        except JournalError as exc:     # the data folder cannot be written: nothing is sent
            self.journalProblem.emit(str(exc))
        except Exception as exc:
            self.problem.emit("The upload stopped" if started else "Cannot start the upload", exc)
        finally:
            if lock is not None:
                lock.release()
            if froze:
                gc.unfreeze()
            if shiboken6.isValid(self):    # not when the window was torn down mid-upload
                self._upload_ended(engine, summary)

    def _upload_ended(self, engine, summary) -> None:
        self.runner.finish(summary)
        if self.model.filtering or self.model.sorted:
            self.model.refilter()    # rows whose result changed may now (not) match the filter
        self._running = False
        self._paused = False
        self._engine = None
        if engine is not None:
            self._engine_done = engine
        self.last_summary = summary
        if engine is None and summary is None and self._stop_requested:
            self.statusChanged.emit("Stopped before sending anything.")
        else:
            self._finish_text(summary)
        self.resultsChanged.emit()
        self._settle()
        self.finished.emit(summary)

    def _finish_text(self, summary) -> None:
        if summary is not None and summary.stopped and summary.stopped != "cancelled":
            self.problem.emit("The upload stopped", summary.message or "The dialler stopped answering.")
        self.statusChanged.emit(finish_text(summary))

    def _results_applied(self) -> None:
        self.resultsChanged.emit()
        if not self._running:        # (mid-upload no action changes: spare the GUI thread)
            self.actionsChanged.emit(self.actions())

    def set_paused(self, paused: bool) -> None:
        if self._engine is None or paused == self._paused:
            return
        self._paused = paused
        if paused:
            self.runner.pause(self._engine)
            self.statusChanged.emit("Paused")
        else:
            self.runner.resume(self._engine)
        self._settle()

    def _halted(self, reason: str) -> None:
        """The engine paused itself on a refusal every row would get: Resume goes on, Stop stops."""
        if self._engine is None:
            return
        self.set_paused(True)
        self.statusChanged.emit(HALTED_TEXT)
        self.halted.emit(reason)

    def cancel_upload(self) -> None:
        self._stop_requested = True
        if self._engine is not None:
            self.runner.cancel(self._engine)
            self.statusChanged.emit("Stopping\u2026 (waiting for replies already on their way)")

    async def shutdown(self) -> None:
        self.cancel_load()
        if self._engine is not None:
            self.runner.cancel(self._engine)
        await self.tasks.cancel_all()
        await self.runner.close()

