"""Running one upload for the import screen: the engine is built here and runs only on the
upload thread (``ui/upload_thread.py``, its own asyncio loop and client); its batched results
come back by a queued signal and are applied to the table at most every ``FLUSH_MS``, one
``dataChanged`` per run of rows. Benchmark: ``bench/ui_stall.py``.
"""

from __future__ import annotations

import logging
import time

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from noojee_desktop.ui.upload_thread import UploadThread

log = logging.getLogger(__name__)

FLUSH_MS = 100
REFILTER_SHARE = 10   # a filtered table is filtered again after 10x the time the last pass took
HALTED_TEXT = "Paused: the dialler refuses these rows (see why on the right)"


def fmt_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def finish_text(summary) -> str:
    """The status line after a job ended (``summary`` None: it stopped before a summary)."""
    from noojee_desktop.core.codes import Category

    if summary is None:
        return "Stopped."
    elapsed = fmt_duration(summary.elapsed)
    if summary.stopped == "cancelled":
        return f"Stopped after {elapsed}; unsent rows can be sent with Retry."
    if summary.stopped:
        return f"Stopped: {summary.message}"
    updated = summary.counts.get(Category.UPDATED, 0)
    if updated and not summary.inserted:
        return f"Finished in {elapsed}: {updated:,} of {summary.total:,} updated."
    return f"Finished in {elapsed}: {summary.inserted:,} of {summary.total:,} inserted."


def job_spec(session, model, options: dict[str, bool], resume_job_id: int | None = None, skip=None, *,
             mode: str = "insert", extra: dict | None = None):
    """The job (core.jobs): to the current choice with ``options`` (rows in ``skip`` end with
    their outcome instead of being sent) in ``mode`` (insert, update), or a resumed journal job,
    which goes where it went before with its own options and mode."""
    from noojee_desktop.core import jobs

    sheet = model.sheet
    record = session.journal().job(resume_job_id) if resume_job_id is not None else None
    if record is not None:
        return jobs.resume_spec(record, session.journal_server, sheet.path, sheet.fingerprint)
    (t, c, a), names = session.ids, session.names
    return jobs.new_spec(session.journal_server, (t, names[0]), (c, names[1]), (a, names[2]), sheet.path,
                         sheet.fingerprint, options, skip, mode=mode, extra=extra)


def make_engine(session, model, options: dict[str, bool], resume_job_id: int | None, client, skip=None, *,
                mode: str = "insert", extra: dict | None = None):
    """The engine for the file shown in ``model`` (see ``job_spec``), for the upload thread."""
    from noojee_desktop.core.engine import UploadEngine

    job = job_spec(session, model, options, resume_job_id, skip, mode=mode, extra=extra)
    job.name_mapping(model.mapping)      # names for a halt message
    job.fixes = model.fixes.edits()      # journaled: a resume after a crash sends the fixed values
    return UploadEngine(client, job, model.prepared, session.journal(), concurrency="auto")


def job_lock(session, spec):
    """The lock that makes this window the one owner of ``spec``'s list (core.jobs.JobLock)."""
    from noojee_desktop.core import jobs

    return jobs.job_lock(session.journal(), spec.fingerprint, spec.server, spec.template[0], spec.campaign[0],
                         spec.allocation[0])


def already_loaded(session, model):
    """A pool-thread job: the file's rows an earlier job inserted into the chosen campaign
    (core.jobs.AlreadyLoaded; false when none)."""
    from noojee_desktop.core import jobs

    journal, server, prepared = session.journal(), session.journal_server, model.prepared
    campaign = (session.ids[1], session.names[1])
    return lambda _progress, _cancel: jobs.check_already_loaded(journal, server, campaign, prepared)


async def allocation_size_ok(controller, skip, ask) -> bool:
    """Before sending: False when this file plus what the journal shows in the chosen allocation
    passes the vendor's advised size and ``ask(sentence)`` (awaitable True: send anyway) said no."""
    from noojee_desktop.core import jobs
    from noojee_desktop.ui.workers import run_in_background

    session, model = controller.session, controller.model
    journal, server = session.journal(), session.journal_server
    (_t, c, a), names = session.ids, session.names
    adding = sum(1 for p in model.prepared if p.sendable and p.index not in (skip or {}))
    size = await run_in_background(lambda _p, _c: jobs.check_allocation_size(
        journal, server, (c, names[1]), (a, names[2]), adding), parent=controller)
    return not size.too_big or ask is None or bool(await ask(size.sentence()))


def retry_job(journal, done_engine, model, rows: list[int], options: dict[str, bool]) -> int:
    """"Retry failed rows" after the mapping or options changed: core.jobs.create_retry_job.
    Blocking (journal writes): run it on a pool thread."""
    from noojee_desktop.core import jobs

    sheet = model.sheet
    return jobs.create_retry_job(journal, done_engine.job, done_engine.job_id, sheet.path, sheet.fingerprint,
                                 model.prepared, model.outcomes, rows, options, model.fixes.edits())


def results_about(session, summary) -> list[tuple[str, str]]:
    """Where the rows of the results file went, when, and by what: the last upload's journal job
    (``summary`` its JobSummary), or the current choice when nothing was uploaded."""
    from noojee_desktop import __version__

    record = None
    if summary is not None and summary.job_id is not None:
        try:
            record = session.journal().job(summary.job_id)
        except Exception:
            log.warning("could not read the upload journal", exc_info=True)
    if record is not None:
        server, places = record.server, (record.template, record.campaign, record.allocation)
        when = f"{record.created:%Y/%m/%d %H:%M}"
    else:
        server, places = session.journal_server, tuple(zip(session.ids, session.names))
        when = "not uploaded"
    rows = [("Server", server)]
    for label, (pid, pname) in zip(("Template", "Campaign", "Allocation"), places):
        rows.append((label, f"{pname} (id {pid})" if pname and pid is not None else str(pname or pid or "")))
    return rows + [("Uploaded", when), ("App version", __version__)]


class UploadRunner(QObject):
    """Drives an engine on the upload thread and brings its results to ``model``."""

    resultsApplied = Signal()      # a batch of outcomes is in the model
    progressed = Signal(object)    # the engine's latest Progress (at most every FLUSH_MS)
    halted = Signal(str)           # the engine paused itself on a refusal every row would get: why

    def __init__(self, model, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.thread = UploadThread(self._on_progress, self, on_halt=self.halted.emit)
        self.progress = None           # the engine's latest Progress (from the upload thread)
        self._pending: list = []
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        self._refilter_at = 0.0

    def engine_client(self, session):
        """The engine's own client, for the upload thread's loop (made once per connection)."""
        return self.thread.client((session.server, id(session.client)), session.new_client)

    async def run(self, engine, retry: bool = False, include_rejections: bool = False):
        """The engine's ``run()`` (or ``retry_failed``) on the upload thread; its JobSummary."""
        self.progress = None
        self._running = True
        self._timer.start()
        return await self.thread.run(engine, retry, include_rejections)

    def finish(self, summary) -> None:
        """The upload ended: show what is still queued, and the results that raced the summary."""
        self._flush()
        self._timer.stop()
        self._running = False
        if summary is not None and len(summary.outcomes) == len(self.model.outcomes):
            # the engine's last batch travels by a queued signal and may arrive after its summary
            shown = self.model.outcomes
            late = [(i, o) for i, o in enumerate(summary.outcomes) if o is not None and o is not shown[i]]
            if late:
                self.model.apply_outcomes(late)
                self.resultsApplied.emit()

    def pause(self, engine) -> None:
        self.thread.call(engine.pause)

    def resume(self, engine) -> None:
        self.thread.call(engine.resume)

    def cancel(self, engine) -> None:
        self.thread.call(engine.cancel)

    def _on_progress(self, batch, progress=None) -> None:
        """Results from the engine (queued from the upload thread): applied by the flush timer."""
        if progress is not None:
            self.progress = progress
        if batch and not self._running:      # a straggler after the upload ended: show it now
            self.model.apply_outcomes(batch)
            self.resultsApplied.emit()
            return
        self._pending.extend(batch)

    @Slot()
    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.model.apply_outcomes(batch)
            self.resultsApplied.emit()
            now = time.monotonic()
            if self.model.filtering and now >= self._refilter_at:
                # a filter ("Failed or not sent") keeps meaning what it says while rows change: at
                # every flush when that is cheap, less often on a big file (at most ~10% of the time)
                self.model.refilter()
                self._refilter_at = now + REFILTER_SHARE * (time.monotonic() - now)
        if self._running and self.progress is not None:
            self.progressed.emit(self.progress)

    async def close(self) -> None:
        if shiboken6.isValid(self._timer):    # (its owner may be gone already: a window torn down)
            self._timer.stop()
        try:
            await self.thread.close()
        except Exception:
            log.warning("stopping the upload thread failed", exc_info=True)
