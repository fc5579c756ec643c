"""Running one upload for the import screen: the engine is built here and runs only on the
upload thread (``ui/upload_thread.py``, its own asyncio loop and client); its batched results
come back by a queued signal and are applied to the table at most every ``FLUSH_MS``, one
``dataChanged`` per run of rows. Benchmark: ``bench/ui_stall.py``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from noojee_desktop.ui.upload_thread import UploadThread

log = logging.getLogger(__name__)

FLUSH_MS = 100
HALTED_TEXT = "Paused: the dialler refuses these rows (see why on the right)"


def fmt_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def journaled_options(settings: dict) -> dict[str, bool]:
    """The upload options a journal job was started with (jobs from before the options: both off)."""
    return {"allow_duplicates": bool(settings.get("allow_duplicates", False)),
            "generate_external_ids": bool(settings.get("generate_external_ids", False))}


def make_engine(session, model, options: dict[str, bool], resume_job_id: int | None, client):
    """The engine for the file shown in ``model``: to the current choice with ``options``, or a
    resumed journal job, which goes where it went before with its own settings."""
    from noojee_desktop.core.engine import JobSpec, UploadEngine

    sheet = model.sheet
    server = session.journal_server
    journal = session.journal()
    record = journal.job(resume_job_id) if resume_job_id is not None else None
    if record is not None:
        job = JobSpec(server=server, template=record.template, campaign=record.campaign,
                      allocation=record.allocation, file_path=str(sheet.path), fingerprint=sheet.fingerprint,
                      resume_job_id=resume_job_id, **journaled_options(record.settings))
    else:
        (t, c, a), names = session.ids, session.names
        job = JobSpec(server=server, template=(t, names[0]), campaign=(c, names[1]),
                      allocation=(a, names[2]), file_path=str(sheet.path), fingerprint=sheet.fingerprint,
                      **options)
    job.name_mapping(model.mapping)      # names for a halt message
    return UploadEngine(client, job, model.prepared, journal, concurrency="auto")


def retry_job(journal, done_engine, model, rows: list[int], settings: dict[str, bool]) -> int:
    """A new journal job for "Retry failed rows" after the mapping changed: the retried rows
    carry leads built with the *current* mapping; every other row is finished already, with
    the result it has. The engine then resumes that job, so only the retried rows are sent.
    Blocking (journal writes): run it on a pool thread."""
    from noojee_desktop.core.engine import journal_entry

    old = done_engine.job
    sheet = model.sheet
    prepared, outcomes = model.prepared, model.outcomes
    wanted = set(rows)
    entries = []
    for r, prep in enumerate(prepared):
        o = outcomes[r]
        if r in wanted or o is None:
            entries.append(journal_entry(prep, sheet.fingerprint, settings["generate_external_ids"]))
        else:
            entries.append((r, prep.row_number, None, None, o))
    job_id = journal.create_job(file_path=str(sheet.path), fingerprint=sheet.fingerprint, server=old.server,
                                template=old.template, campaign=old.campaign, allocation=old.allocation,
                                settings=settings)
    journal.add_rows(job_id, entries)
    if done_engine.job_id is not None:
        journal.abandon(done_engine.job_id)
    return job_id


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
        if self._running and self.progress is not None:
            self.progressed.emit(self.progress)

    async def close(self) -> None:
        self._timer.stop()
        try:
            await self.thread.close()
        except Exception:
            log.warning("stopping the upload thread failed", exc_info=True)
