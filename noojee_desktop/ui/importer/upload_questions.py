"""What is settled before an upload sends anything: who owns the list, whether the template's
phone fields may be unknown, and whether rows an earlier job loaded are sent again. The
controller asks these in this order; each question's dialog is handed in (``ask``), so the
rules can be driven by tests without a window.
"""

from __future__ import annotations

from noojee_desktop.core import jobs
from noojee_desktop.core.sheet import phone_check
from noojee_desktop.ui.importer.upload_run import already_loaded, job_lock
from noojee_desktop.ui.job_dialogs import SEND_AGAIN, SKIP
from noojee_desktop.ui.workers import run_in_background


def hold_job(session, spec, busy):
    """The job's lock (core.jobs.JobLock) before anything is written or sent; None (and
    ``busy(message)`` called) when another window or process runs this list."""
    try:
        return job_lock(session, spec).acquire()
    except jobs.JobBusy as e:
        busy(str(e))
        return None


async def phones_confirmed(mapping, ask) -> bool:
    """The template's phone fields are known, or the user chose to send anyway."""
    unknown = phone_check(mapping)
    if unknown is None or ask is None:
        return True
    return await ask(unknown) == SEND_AGAIN


async def already_loaded_choice(session, model, ask, parent):
    """Rows an earlier job inserted into this campaign: {} to send everything, their outcomes
    to skip them, None when the user cancelled. Checked on a pool thread."""
    found = await run_in_background(already_loaded(session, model), parent=parent)
    if not found:
        return {}
    answer = await ask(found.sentence()) if ask else SKIP
    if answer is None:
        return None
    return found.outcomes if answer == SKIP else {}
