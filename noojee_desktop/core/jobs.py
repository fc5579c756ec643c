"""Upload jobs: the rules the app and ``noojee-desktop upload`` share (Qt-free).

* Which journal job an upload of a file to a server/template/campaign/allocation resumes
  (:func:`find_resumable`), the options it was started with (:func:`journaled_options`), the
  job spec for a new or resumed upload (:func:`new_spec`, :func:`resume_spec`), the job for
  "Retry failed rows" after the mapping changed (:func:`create_retry_job`), the interrupted
  uploads to offer (:func:`interrupted_jobs`).
* One owner at a time (:class:`JobLock`): the process that runs a job holds an operating-system
  lock (``filelock``: flock on Unix, released by the OS when the process dies, kill -9 too). It is
  keyed by the job's identity (file content + server + template + campaign + allocation), not
  only its id, so both a resume of the running job and a fresh start of the same list are
  refused while it runs: :class:`JobBusy`, "This list is being uploaded in another window
  (since 10:14)." Who holds it and since when is kept next to the lock.
* Already loaded (:func:`check_already_loaded`): rows whose lead an earlier job on this computer
  inserted into the same campaign of the same server, matched by content (``journal.lead_hash``)
  or by the user's own external id, so it holds after the file was edited, re-sorted or exported
  again. They end ``Category.ALREADY_LOADED`` unless the user asks to send them again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from filelock import FileLock, Timeout

from noojee_desktop.core.codes import Category, never_resend
from noojee_desktop.core.engine import JobSpec, journal_entry
from noojee_desktop.core.journal import (
    Journal,
    JobRecord,
    journal_error,
    lead_hash,
    own_external_id,
    server_id,
)
from noojee_desktop.core.outcome import RowOutcome

log = logging.getLogger(__name__)

APP = "app"                  # who holds a job: the desktop app ...
COMMAND = "upload command"   # ... or `noojee-desktop upload`

_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


# -- options and specs ---------------------------------------------------------------------------
def journaled_options(settings: dict[str, Any]) -> dict[str, bool]:
    """The upload options a journal job was started with (jobs from before the options: both off)."""
    return {"allow_duplicates": bool(settings.get("allow_duplicates", False)),
            "generate_external_ids": bool(settings.get("generate_external_ids", False))}


def new_spec(server: str, template: tuple[int, str], campaign: tuple[int, str], allocation: tuple[int, str],
             file_path: str | Path, fingerprint: str, options: dict[str, bool],
             already_loaded: dict[int, RowOutcome] | None = None, *, mode: str = "insert",
             extra: dict[str, Any] | None = None) -> JobSpec:
    """A new job of the file in ``mode`` (insert, update, withdraw), with the options picked now;
    rows in ``already_loaded`` end with that outcome instead of being sent."""
    return JobSpec(server=server, template=template, campaign=campaign, allocation=allocation,
                   file_path=str(file_path), fingerprint=fingerprint, mode=mode, extra=extra,
                   skip=dict(already_loaded or {}), **journaled_options(options))


def resume_spec(record: JobRecord, server: str, file_path: str | Path, fingerprint: str) -> JobSpec:
    """A resumed job goes where it went before, with its own options, whatever is picked now."""
    return JobSpec(server=server, template=record.template, campaign=record.campaign,
                   allocation=record.allocation, file_path=str(file_path), fingerprint=fingerprint,
                   resume_job_id=record.id, **journaled_options(record.settings))


def job_mode(record: JobRecord) -> str:
    """insert, update or withdraw (jobs from before modes: insert)."""
    return str((record.settings or {}).get("mode") or "insert")


def find_resumable(journal: Journal, fingerprint: str, servers: Iterable[str], template_id: int,
                   campaign_id: int, allocation_id: int, mode: str = "insert") -> JobRecord | None:
    """The newest unfinished job of this very file to this template/campaign/allocation on any of
    ``servers`` (the same server as the app and the command may have spelt it), sent in ``mode``."""
    found = []
    for server in sorted({s for s in servers if s}):
        try:
            job = journal.find_resumable(fingerprint, server, template_id, campaign_id, allocation_id)
        except ValueError:     # not an address
            continue
        if job is not None and job_mode(job) == mode:
            found.append(job)
    return max(found, key=lambda j: j.id) if found else None


def interrupted_jobs(journal: Journal, current_servers: Iterable[str] = ()) -> list[JobRecord]:
    """Uploads and updates to offer for resuming, newest first. Left out: withdrawals (resumed from
    the history's Withdraw dialog, or `withdraw --resume`), jobs another process (or window) is
    running now, and jobs to a sandbox other than the current server (that practice dialler and
    its leads are gone)."""
    current = set()
    for s in current_servers:
        try:
            current.add(server_id(s))
        except ValueError:
            pass
    out = []
    for job in journal.list_interrupted():
        if job_mode(job) not in ("insert", "update"):
            continue   # a withdraw is resumed by withdrawing the same job with the same disposition again
        host = job.server.split("://", 1)[-1].rsplit(":", 1)[0]
        if host in _LOOPBACK and job.server not in current:
            continue
        if running_elsewhere(journal, job) is not None:
            continue
        out.append(job)
    return out


def create_retry_job(journal: Journal, old: JobSpec, old_job_id: int | None, file_path: str | Path,
                     fingerprint: str, prepared: Sequence[Any], outcomes: Sequence[RowOutcome | None],
                     rows: Iterable[int], options: dict[str, bool],
                     fixes: Iterable[tuple[int, int, str]] = ()) -> int:
    """A new journal job for "Retry failed rows" after the mapping or the options changed: the
    retried rows carry leads built with the *current* mapping and options (and the rows without a
    result, such as rows fixed in the table since, are sent too); every other row is finished
    already, with the result it has. ``fixes``: the cells fixed in the table, journaled with the
    job. The engine then resumes that job, so only those rows are sent. The old job is marked
    abandoned."""
    options = journaled_options(options)
    settings = {**old.settings(), **options}    # an update stays an update (mode, disposition)
    generate = options["generate_external_ids"] and not old.is_update
    wanted = set(rows)
    entries = []
    for r, prep in enumerate(prepared):
        o = outcomes[r]
        if (r in wanted or o is None) and not (o is not None and never_resend(o.code)):
            entries.append(journal_entry(prep, fingerprint, generate))
        else:
            entries.append((r, prep.row_number, None, None, o))
    job_id = journal.create_job(file_path=str(file_path), fingerprint=fingerprint, server=old.server,
                                template=old.template, campaign=old.campaign, allocation=old.allocation,
                                settings=settings)
    journal.add_rows(job_id, entries)
    journal.set_fixes(job_id, fixes)
    if old_job_id is not None:
        journal.abandon(old_job_id)
    return job_id


def with_job_fixes(journal: Journal, spec: JobSpec, sheet: Any, prepared: Sequence[Any], mapping: Any) -> list:
    """The rows of a resumed insert job (``spec.resume_job_id``) with the cells fixed in the table
    before it was sent (journal ``fixes``) put back on ``sheet``, read again from the file, and
    those rows checked again: a resume sends the fixed values, not the file's."""
    from noojee_desktop.core.sheet.fixes import Fixes, RowChecker

    out = list(prepared)
    cells = journal.fixes(spec.resume_job_id) if spec.resume_job_id is not None else []
    previous, before = Fixes(sheet).write(cells)
    if previous:
        checker = RowChecker(sheet, mapping, allow_duplicates=spec.allow_duplicates)
        for r, p in checker.recheck(before).items():
            out[r] = p
    return out


def all_done(summary: Any) -> bool:
    """Every row went in, now or by an earlier upload, or (update, withdraw) every lead was updated
    (exit status 0 of the commands)."""
    counts = summary.counts
    return sum(counts.get(c, 0) for c in (Category.INSERTED, Category.ALREADY_LOADED, Category.UPDATED)) \
        == summary.total


# -- one owner at a time -------------------------------------------------------------------------
@dataclass(frozen=True)
class Owner:
    """Who runs a job: the process, what it is (the app or the upload command), since when."""

    pid: int
    since: datetime
    kind: str = APP

    def sentence(self, now: datetime | None = None) -> str:
        now = now or datetime.now()
        when = f"{self.since:%H:%M}" if self.since.date() == now.date() else \
            f"{self.since.day} {self.since:%b} {self.since:%H:%M}"
        text = f"This list is being uploaded in another window (since {when})."
        if self.kind == COMMAND:
            text += f" It is a noojee-desktop upload command (process {self.pid})."
        return text


class JobBusy(Exception):
    """Another process is running this job (or the same list to the same allocation)."""

    def __init__(self, owner: Owner | None) -> None:
        self.owner = owner
        text = owner.sentence() if owner else "This list is being uploaded in another window."
        super().__init__(text)
        self.user_message = text


def job_key(fingerprint: str, server: str, template_id: int, campaign_id: int, allocation_id: int) -> str:
    """A job's identity: the same list (by content) to the same place."""
    return "\x1f".join((fingerprint, server_id(server), str(int(template_id)), str(int(campaign_id)),
                        str(int(allocation_id))))


class JobLock:
    """The operating-system lock a process holds while it runs a job. ``acquire()`` raises
    :class:`JobBusy` (with who holds it) when another process, or another window of this one,
    holds it; the OS releases it when the holder dies."""

    def __init__(self, lock_dir: str | Path, key: str, kind: str = APP) -> None:
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
        self.dir = Path(lock_dir)
        self.path = self.dir / f"{name}.lock"
        self.owner_path = self.dir / f"{name}.owner.json"
        self.kind = kind
        self._lock = FileLock(self.path, thread_local=False)
        self.held = False

    def acquire(self) -> JobLock:
        if self.held:
            return self
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=0)
        except Timeout:
            raise JobBusy(self.owner()) from None
        except OSError as e:
            raise journal_error(e, self.path) from None
        self.held = True
        self._write_owner()
        return self

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            self.owner_path.unlink(missing_ok=True)
        except OSError:
            pass
        self._lock.release()

    def __enter__(self) -> JobLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _write_owner(self) -> None:
        tmp = self.owner_path.with_name(f"{self.owner_path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"pid": os.getpid(), "kind": self.kind,
                                       "since": datetime.now().isoformat(timespec="seconds")}), "utf-8")
            os.replace(tmp, self.owner_path)
        except OSError:   # (a full disk) the lock holds anyway; the refusal then says less
            log.warning("could not note who runs the upload", exc_info=True)

    def owner(self) -> Owner | None:
        """What the holder noted about itself (None when it could not be read)."""
        try:
            data = json.loads(self.owner_path.read_text("utf-8"))
            return Owner(int(data["pid"]), datetime.fromisoformat(data["since"]), str(data.get("kind", APP)))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def holder(self) -> Owner | None:
        """Who else holds it now (None: nobody; an Owner, maybe with unknown details, otherwise)."""
        if self.held:
            return None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=0)
        except Timeout:
            return self.owner() or Owner(0, datetime.now(), APP)
        except OSError:
            return None
        self._lock.release()
        return None


def lock_dir(journal: Journal) -> Path:
    return journal.path.parent / "locks"


def job_lock(journal: Journal, fingerprint: str, server: str, template_id: int, campaign_id: int,
             allocation_id: int, kind: str = APP) -> JobLock:
    return JobLock(lock_dir(journal), job_key(fingerprint, server, template_id, campaign_id, allocation_id), kind)


def record_lock(journal: Journal, record: JobRecord, kind: str = APP) -> JobLock:
    return job_lock(journal, record.fingerprint, record.server, record.template[0], record.campaign[0],
                    record.allocation[0], kind)


def running_elsewhere(journal: Journal, record: JobRecord) -> Owner | None:
    """Who is running this journal job (or the same list to the same place) now, if anyone."""
    return record_lock(journal, record).holder()


# -- already loaded ------------------------------------------------------------------------------
@dataclass
class AlreadyLoaded:
    """The rows an earlier job inserted into this campaign: their outcome if not sent again."""

    campaign: str
    outcomes: dict[int, RowOutcome] = field(default_factory=dict)   # row index -> ALREADY_LOADED
    jobs: dict[int, datetime | None] = field(default_factory=dict)  # earlier job id -> last insert

    @property
    def count(self) -> int:
        return len(self.outcomes)

    def __bool__(self) -> bool:
        return bool(self.outcomes)

    @property
    def latest(self) -> datetime | None:
        times = [t for t in self.jobs.values() if t is not None]
        return max(times) if times else None

    def sentence(self) -> str:
        """"312 of these rows were inserted into Solar VIC on 2 Dec at 10:14." """
        n = self.count
        rows = "1 of these rows was" if n == 1 else f"{n:,} of these rows were"
        when = self.latest
        if len(self.jobs) > 1:
            by = f" by {len(self.jobs)} earlier uploads" + (f", the last on {_when(when)}" if when else "")
        else:
            by = f" on {_when(when)}" if when else " by an earlier upload"
        return f"{rows} inserted into {self.campaign}{by}."


def _when(t: datetime) -> str:
    return f"{t.day} {t:%b} at {t:%H:%M}"


def check_already_loaded(journal: Journal, server: str, campaign: tuple[int, str],
                         prepared: Sequence[Any]) -> AlreadyLoaded:
    """Which sendable rows an earlier job on this computer already inserted into this campaign of
    this server, by content or by the user's own external id. One indexed lookup per row."""
    hashes: dict[int, str] = {}
    ext_ids: dict[int, str] = {}
    for p in prepared:
        if not p.sendable:
            continue
        lead = p.lead      # (built on each access)
        hashes[p.index] = lead_hash(lead)
        ext = own_external_id(lead)
        if ext:
            ext_ids[p.index] = ext
    found = journal.already_inserted(server, campaign[0], hashes, ext_ids)
    result = AlreadyLoaded(campaign[1] or str(campaign[0]))
    made: dict[tuple[int, str | None, str], RowOutcome] = {}   # one outcome per job and minute
    for index, match in found.items():
        outcome = made.get(match)
        if outcome is None:
            job_id, sent_at, cname = match
            when = datetime.fromisoformat(sent_at) if sent_at else None
            where = cname or campaign[1] or f"campaign {campaign[0]}"
            at = f" on {when.day} {when:%b %Y} at {when:%H:%M}" if when else ""
            outcome = made[match] = RowOutcome(
                Category.ALREADY_LOADED, None,
                f"Already inserted into {where}{at} by upload #{job_id}; not sent again.", 0, when, "")
            old = result.jobs.get(job_id)
            if job_id not in result.jobs or (when and (old is None or when > old)):
                result.jobs[job_id] = when
        result.outcomes[index] = outcome
    return result


# -- allocation size -----------------------------------------------------------------------------
#: The vendor advises keeping an allocation under about this many leads.
ALLOCATION_ADVICE = 10_000


@dataclass(frozen=True)
class AllocationSize:
    """Leads the journal shows in an allocation already, and how many this upload adds."""

    allocation: str
    already: int
    adding: int

    @property
    def total(self) -> int:
        return self.already + self.adding

    @property
    def too_big(self) -> bool:
        return self.adding > 0 and self.total > ALLOCATION_ADVICE

    def sentence(self) -> str:
        had = (f"already has {self.already:,} leads loaded from this computer and this file adds "
               f"{self.adding:,}" if self.already else f"would get {self.adding:,} leads from this file")
        return (f"Allocation {self.allocation} {had}: {self.total:,} in all. The vendor advises keeping an "
                f"allocation under about {ALLOCATION_ADVICE:,} leads; consider choosing another allocation "
                "(or making a new one in Noojee) for some of them.")


def check_allocation_size(journal: Journal, server: str, campaign: tuple[int, str], allocation: tuple[int, str],
                          adding: int) -> AllocationSize:
    """What the journal shows loaded into this allocation, plus ``adding`` (the rows about to be
    sent); ``too_big`` when that passes the vendor's advice."""
    already = journal.inserted_count(server, campaign[0], allocation[0])
    name = f"'{allocation[1]}'" if allocation[1] else f"#{allocation[0]}"
    return AllocationSize(name, already, adding)
