"""Withdrawing an upload, without widgets: the plan (core.history.plan_withdraw: which leads can
be reached, which cannot and why), then the withdraw as a job like any other: one owner
(core.jobs.JobLock), journaled with ``mode: withdraw`` and resumable (an interrupted withdraw of
the same job with the same disposition goes on where it stopped), run by the import screen's
machinery (``UploadRunner``: the engine on the upload thread), its results in an ImportModel
(colours), then a results file next to the upload's file. Leads someone was editing (110) are
listed for a person to handle; they are never sent again.

The dialog (ui/withdraw_dialog.py) shows what this emits; everything it needs comes from the
Session (connection, journal).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import qasync
import shiboken6
from PySide6.QtCore import QObject, Signal

from noojee_desktop.ui.import_model import ImportModel, prepare_rows
from noojee_desktop.ui.importer.upload_run import UploadRunner, finish_text
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.workers import run_in_background

log = logging.getLogger(__name__)

MODE = "withdraw"


def conflicts(plan, summary) -> list[str]:
    """The leads that got 110 (someone was editing them), one line each, for a person to check."""
    from noojee_desktop.core.codes import never_resend

    out = []
    for i, o in enumerate(summary.outcomes if summary is not None else ()):
        if o is not None and never_resend(o.code) and i < len(plan.leads):
            w = plan.leads[i]
            out.append(f"row {w.row_number} of {plan.job.file_name}: external id {w.lead['njExternalLeadId']}")
    return out


class WithdrawRun(QObject):
    planned = Signal(object)          # the WithdrawPlan for the disposition typed (what can and cannot be reached)
    planFailed = Signal(str)          # the job cannot be withdrawn: why
    started = Signal(int)             # leads being sent
    progressed = Signal(object)       # the engine's Progress
    statusChanged = Signal(str)
    finished = Signal(object)         # the JobSummary (None: stopped before sending or an error)
    problem = Signal(str)             # what went wrong, in words

    def __init__(self, session, job_id: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.job_id = job_id
        self.plan = None
        self.model = ImportModel(self)
        self.runner = UploadRunner(self.model, self)
        self.runner.progressed.connect(self.progressed)
        self.tasks = TaskSet()
        self.running = False
        self.summary = None
        self.results_path = None
        self.conflicts: list[str] = []
        self._engine = None
        self._planning = None

    # planning ----------------------------------------------------------------------------
    def make_plan(self, disposition: str) -> None:
        """Which leads ``disposition`` would go to (a journal read on a pool thread): ``planned``."""
        from noojee_desktop.core.history import WithdrawError, plan_withdraw

        if self.running:
            return
        if self._planning is not None:
            self._planning.cancel()
        journal, job_id = self.session.journal(), self.job_id

        def done(plan) -> None:
            self._planning = None
            self.plan = plan
            self.planned.emit(plan)

        def failed(exc) -> None:
            self._planning = None
            self.plan = None
            self.planFailed.emit(str(exc) if isinstance(exc, WithdrawError)
                                 else f"The journal of this computer's uploads cannot be read: {exc}")

        self._planning = run_in_background(lambda _p, _c: plan_withdraw(journal, job_id, disposition),
                                           on_success=done, on_failure=failed, parent=self)

    def cannot_send(self) -> str | None:
        """Why the plan cannot be sent from this window now (None: it can)."""
        from noojee_desktop.core.journal import server_id

        plan, session = self.plan, self.session
        if plan is None or not plan.leads:
            return "There is no lead to withdraw."
        if not session.connected:
            return f"Connect to {plan.job.server} first (Connection\u2026)."
        try:
            same = server_id(plan.job.server) in session.server_ids()
        except ValueError:
            same = False
        if not same:
            return (f"That upload went to {plan.job.server}, but this window is connected to "
                    f"{session.journal_server}: connect to {plan.job.server} to withdraw it.")
        return None

    # running -----------------------------------------------------------------------------
    @qasync.asyncSlot()
    async def run(self) -> None:
        """Send the plan (the one made for the disposition shown). One owner; resumes an
        interrupted withdraw of the same job and disposition."""
        from noojee_desktop.core import jobs
        from noojee_desktop.core.engine import JobSpec, UploadEngine
        from noojee_desktop.core.journal import JournalError

        plan = self.plan
        if self.running or plan is None or self.cannot_send() is not None:
            return
        self.running = True
        self.summary = None
        session, job = self.session, plan.job
        lock = None
        try:
            journal = session.journal()
            lock = jobs.job_lock(journal, plan.fingerprint, session.journal_server, job.template[0],
                                 job.campaign[0], job.allocation[0]).acquire()
            resumable = jobs.find_resumable(journal, plan.fingerprint, session.server_ids(), job.template[0],
                                            job.campaign[0], job.allocation[0], MODE)
            sheet = replace(plan.sheet(), row_numbers=[w.row_number or i + 2 for i, w in enumerate(plan.leads)])
            self.model.set_data(sheet, prepare_rows(sheet, plan.leads, None), None)
            spec = JobSpec(server=session.journal_server, template=job.template, campaign=job.campaign,
                           allocation=job.allocation, file_path=plan.file_path, fingerprint=plan.fingerprint,
                           mode=MODE, extra={"withdraws_job": job.id, "disposition": plan.disposition},
                           resume_job_id=resumable.id if resumable is not None else None)
            self._engine = UploadEngine(self.runner.engine_client(session), spec, plan.leads, journal,
                                        concurrency="auto")
            self.started.emit(len(plan.leads))
            self.statusChanged.emit("Starting\u2026")
            self.summary = await self.runner.run(self._engine)
        except jobs.JobBusy as e:
            self.problem.emit(f"{e} Nothing was sent.")
        except JournalError as e:
            self.problem.emit(f"{e} Nothing was sent.")
        except Exception as e:  # noqa: BLE001 - said in words, logged with details
            log.warning("the withdraw stopped", exc_info=True)
            self.problem.emit(f"The withdraw stopped: {e}")
        finally:
            if lock is not None:
                lock.release()
            if shiboken6.isValid(self):
                await self._ended()

    async def _ended(self) -> None:
        summary, plan = self.summary, self.plan
        self.runner.finish(summary)
        self._engine = None
        self.conflicts = conflicts(plan, summary)
        text = finish_text(summary)
        if summary is not None and summary.job_id is not None:
            from noojee_desktop.core.history import write_job_results

            journal, job_id = self.session.journal(), summary.job_id
            try:
                self.results_path = await run_in_background(
                    lambda _p, _c: write_job_results(journal, job_id), parent=self)
                text += f" Results: {self.results_path}"
            except Exception as e:  # noqa: BLE001 - the withdraw itself is done; say so
                log.warning("could not write the withdraw's results file", exc_info=True)
                text += f" The results file could not be written: {e}"
        self.running = False
        self.statusChanged.emit(text)
        self.finished.emit(summary)

    def cancel(self) -> None:
        if self._engine is not None:
            self.runner.cancel(self._engine)
            self.statusChanged.emit("Stopping\u2026 (waiting for replies already on their way)")

    async def shutdown(self) -> None:
        """Stop planning and sending; the upload thread and its client are closed (idempotent)."""
        if self._planning is not None:
            self._planning.cancel()
            self._planning = None
        self.cancel()
        await self.runner.close()
