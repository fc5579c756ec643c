"""Uploads the journal says were interrupted: offered at start-up (the resume banner) and when
the same file is uploaded again to the same place (the "Resume upload?" question).

Resuming reopens the file, checks it is the same, puts back the cells fixed in the table
before the job was sent (journaled with it), restores the dropdowns through the session, and
resumes the job with the options it was journaled with. Every wait here is on a
signal with a deadline; a deadline that passes is a failure the banner explains.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import qasync
from PySide6.QtCore import QObject, Signal

from noojee_desktop.core import jobs
from noojee_desktop.core.jobs import journaled_options
from noojee_desktop.ui.tasks import disconnect, until_signal

log = logging.getLogger(__name__)

WAIT = 20.0   # seconds for the dropdowns to show the job's destination, or a re-check to end


class ResumeFlow(QObject):
    """Emits what the banner shows: ``offered(job)``, ``working(text)``, ``failed(text)``, ``cleared()``."""

    offered = Signal(object)     # a JobRecord to offer
    working = Signal(str)        # resuming: what happens now
    failed = Signal(str)         # resuming did not work: why, and what to do
    cleared = Signal()           # nothing to offer any more
    error = Signal(str, object)  # (title, message or exception) for a box (the question's resume)

    def __init__(self, session, controller, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = controller
        self.job = None          # the JobRecord the banner offers
        self.wait = WAIT         # seconds each step of a resume may wait
        self._after_connecting = False   # Resume was pressed before connecting: go on once connected
        self._resuming = False
        session.clientChanged.connect(self._client_changed)

    # offering --------------------------------------------------------------------------
    def check_interrupted(self) -> bool:
        """Offer the newest upload the journal says was interrupted; True when there is one.

        Jobs to another sandbox (a loopback server other than the current one, or the one the
        window is about to connect to) are left out: that practice dialler and its leads are gone;
        so are jobs running elsewhere now."""
        try:    # (none another window or the upload command is running now)
            offered = jobs.interrupted_jobs(self.session.journal(), self.session.known_servers())
        except Exception:
            log.warning("could not read the upload journal", exc_info=True)
            return False
        for job in offered:
            self.job = job
            self.offered.emit(job)
            return True
        self.job = None
        self.cleared.emit()
        return False

    def _client_changed(self, _client) -> None:
        """A new connection: go on with a resume that waited for it, or offer what it can resume."""
        if self._resuming or self.controller.uploading:
            return
        job = self.job
        if self._after_connecting and job is not None and job.server in self.session.server_ids():
            self._after_connecting = False
            self.resume_interrupted()
        elif not self._after_connecting:
            self.check_interrupted()

    def discard(self) -> None:
        job = self.job
        if job is not None:
            try:
                self.session.journal().abandon(job.id)
            except Exception:
                log.warning("could not mark the old upload as abandoned", exc_info=True)
        self.check_interrupted()

    def find_resumable(self):
        """An unfinished job of the file shown, to the place chosen now (None: none)."""
        t, c, a = self.session.ids
        sheet = self.controller.model.sheet
        if None in (t, c, a) or sheet is None or not sheet.fingerprint:
            return None
        try:
            return jobs.find_resumable(self.session.journal(), sheet.fingerprint, self.session.server_ids(), t, c, a,
                                       self.controller.mode)
        except Exception:
            log.warning("could not read the upload journal", exc_info=True)
            return None

    def running_elsewhere(self, job):
        """Who runs ``job`` now in another window or process (core.jobs.Owner), or None."""
        try:
            return jobs.running_elsewhere(self.session.journal(), job)
        except Exception:
            log.warning("could not read the upload journal", exc_info=True)
            return None

    def start_again(self, job) -> None:
        """"Start again": forget ``job`` and upload the file as a new job."""
        try:
            self.session.journal().abandon(job.id)
        except Exception:
            log.warning("could not mark the old upload as abandoned", exc_info=True)
        self.controller.tasks.add(self.controller.upload())

    # resuming --------------------------------------------------------------------------
    async def _checked(self) -> bool:
        """Wait for a re-check (after an option or template change) to end; False on the deadline."""
        c = self.controller
        return await until_signal(c.loadEnded, lambda: not c.loading, self.wait)

    async def _apply_fixes(self, job, keep_newer: bool = False) -> bool:
        """Put the cells fixed before ``job`` was sent back on the file (journal ``fixes``), so the
        resume sends the fixed values, not the file's; ``keep_newer``: not over cells fixed since.
        False when checking them took longer than the deadline."""
        try:
            cells = self.session.journal().fixes(job.id)
        except Exception:
            log.warning("could not read the fixes of the interrupted upload", exc_info=True)
            cells = []
        model = self.controller.model
        if keep_newer:
            cells = [(r, c, v) for r, c, v in cells if (r, c) not in model.fixes]
        if cells:
            model.write_cells(cells)
        return await self._checked()

    async def resume_with_options(self, job) -> None:
        """Resume ``job`` (the question's Resume) with its journaled options; the table is checked
        with them first (and the cells fixed before it was sent are put back)."""
        self.controller.set_options(**journaled_options(job.settings))
        self.controller.set_mode(jobs.job_mode(job), str(job.settings.get("disposition") or ""))
        if not await self._checked() or not await self._apply_fixes(job, keep_newer=True):
            self.error.emit("Cannot resume the upload",
                            f"Checking the file again took longer than {self.wait:g} s. Press Upload to try again.")
            return
        await self.controller.upload(resume_job_id=job.id)

    @qasync.asyncSlot()
    async def resume_interrupted(self) -> None:
        """Reopen the file, check it is the same, restore the dropdowns, resume the job."""
        job, controller = self.job, self.controller
        if job is None or controller.uploading or self._resuming:
            return
        self._after_connecting = False
        self._resuming = True
        try:
            await self._resume(job)
        finally:
            self._resuming = False

    async def _resume(self, job) -> None:
        from noojee_desktop.core.journal import server_id

        session, controller = self.session, self.controller
        path = Path(job.file_path)
        if not path.is_file():
            self.failed.emit(f"Cannot resume: the file {path} is not there any more. Put it back in the "
                             "same place (unchanged), then press Resume again, or Discard this upload.")
            return
        if not session.connected or not session.server:
            self.failed.emit(f"Cannot resume yet: not connected to a dialler. Connect to {job.server} in the "
                             "Connection dialog; the upload goes on once connected.")
            self._after_connecting = True
            session.request_connection()
            return
        if job.server not in session.server_ids():
            self.failed.emit(f"Cannot resume here: that upload went to {job.server}, but this window is "
                             f"connected to {server_id(session.journal_server)}. Connect to {job.server} to resume it.")
            return
        self.working.emit(f"Reopening {path.name} and choosing {job.campaign[1] or job.campaign[0]} / "
                          f"{job.allocation[1] or job.allocation[0]}\u2026")
        ids = (job.template[0], job.campaign[0], job.allocation[0])
        if tuple(session.ids) != ids:
            session.request_choice(*ids)
            if not await until_signal(session.choiceChanged, lambda: tuple(session.ids) == ids, self.wait):
                self.failed.emit(f"Cannot resume yet: the dialler did not offer {job.template[1] or job.template[0]} / "
                                 f"{job.campaign[1] or job.campaign[0]} / {job.allocation[1] or job.allocation[0]} "
                                 f"within {self.wait:g} s. Check the connection and that they still exist, then "
                                 "press Resume again, or Discard this upload.")
                return
        # the upload continues with the options it was journaled with (and the file is checked with
        # them); set after the choice, which brings the template's own
        controller.set_options(**journaled_options(job.settings))
        controller.set_mode(jobs.job_mode(job), str(job.settings.get("disposition") or ""))
        fut = asyncio.get_running_loop().create_future()

        def ended(ok: bool) -> None:
            if not fut.done():
                fut.set_result(ok)

        controller.load(path)                 # (stops any other reading first, then starts this one)
        controller.loadEnded.connect(ended)
        try:
            ok = await fut
        finally:
            disconnect(controller.loadEnded, ended)
        if not ok:
            self.failed.emit(f"Cannot resume: {path.name} could not be read again. Fix it (same content), "
                             "then press Resume, or Discard this upload.")
            return
        if controller.model.sheet is None or controller.model.sheet.fingerprint != job.fingerprint:
            self.failed.emit(f"Cannot resume: {path.name} has changed since that upload, so its rows may "
                             "not be the same ones. Discard this upload, then upload the file again "
                             "(rows already in the dialler will come back as duplicates).")
            return
        if not await self._checked() or not await self._apply_fixes(job):   # (a re-check after the template change)
            self.failed.emit(f"Cannot resume yet: checking {path.name} again took longer than {self.wait:g} s. "
                             "Press Resume again.")
            return
        self.job = None
        self.cleared.emit()
        await controller.tasks.add(controller.upload(resume_job_id=job.id))
