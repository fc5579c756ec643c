"""UploadEngine: send many leads as fast as the dialler allows, lose none, send none twice.

Qt-free asyncio, on one event loop: the desktop app runs it on its upload thread's own loop
(``ui/upload_thread.py``, never on qasync's GUI loop), the headless command with ``asyncio.run``.

* One :class:`NoojeeClient` (one connection pool, keep-alive); worker tasks take rows from a queue
  and go through an :class:`AsyncGate` whose :class:`RateController` decides how many calls may be
  in flight (adaptive, or fixed).
* Retry policy, from ``codes.Retry``: 109 (SLOW_DOWN) -> the window shrinks, all sending pauses
  briefly, the row is sent again (bounded by ``busy_limit`` seconds); 103/5xx (BACKOFF) -> a few
  attempts with exponential backoff and jitter, then SERVER_ERROR; 110 and every other code -> final.
* Connection refused / server down -> all sending pauses; one probe (the template list) retries with
  backoff for ``outage_tolerance`` seconds; after that the rows still to send end as SERVER_ERROR
  "server unreachable" but stay pending in the journal, so a resume sends them.
* Key refused or not a Noojee server -> the job stops with that message; unsent rows stay pending.
* Unknown landing (timeout or connection dropped after sending):
  - the lead has an ``njExternalLeadId``: send again; 112 then means the first try landed
    -> INSERTED, note "confirmed on retry";
  - no external id, duplicates allowed: never resent automatically -> UNCERTAIN;
  - no external id, duplicates not allowed: send again; 105 then -> INSERTED, note
    "probably inserted by the earlier attempt".
* Journal: "inflight, attempt n" is written before each call and the result after it.
* Order: free slots go to rows by their index (``AsyncGate`` priority), so rows reach the dialler
  in file order within the concurrency window, and a row sent again (109, 103, lost reply) goes
  ahead of rows not sent yet. New leads are dialled first come, first served: file order is the
  user's dialling order.
* Refusals that will repeat on every row (102, 115, 116, 117, the same unknown 111 Contact Hours
  name; 401/403): each run starts cautiously (at most ``CAUTIOUS_START`` calls in flight until a
  reply shows the rows get past those checks). ``HALT_AFTER`` such replies with nothing proving
  the contrary halt the job: with an ``on_halt`` callback the engine pauses, calls
  ``on_halt(reason)`` and shows ``Progress.halted`` until the user decides (``resume()`` goes on
  and that refusal no longer halts; ``cancel()`` stops); without one the run stops
  (``JobSummary.stopped == "halted"``). Either way the rows not sent, and the rows that got the
  refusal (nothing was applied), stay pending in the journal: a resume sends them, with leads
  built from the mapping given then.
* Mode (``JobSpec.mode``): ``insert`` sends ``insertLeadFast``; ``update`` and ``withdraw`` send
  ``updateLeadFast`` (every row has an external id). A lost reply of an update is simply sent again
  (updating a lead to the same values twice is harmless); 110 (someone was editing the lead) is
  final and never sent again, not even by ``retry_failed``.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from noojee_desktop.core import journal as jr
from noojee_desktop.core.api import (
    ApiError,
    AuthError,
    ConnectFailed,
    InsecureUrlError,
    NotNoojeeReply,
    TlsError,
)
from noojee_desktop.core.codes import (
    FAILED_CATEGORIES,
    REJECTION_CATEGORIES,
    UPDATE_CODES,
    Category,
    Retry,
    never_resend,
)
from noojee_desktop.core.outcome import RowOutcome
from noojee_desktop.core.ratecontrol import AsyncGate, RateController, RateSettings, RecentRate
from noojee_desktop.core.secrets import mask

log = logging.getLogger(__name__)

EXTERNAL_ID = "njExternalLeadId"
NOTE_CONFIRMED = "confirmed on retry: the first try had landed (112 on the retry)"
NOTE_PROBABLY = "probably inserted by the earlier attempt (105 on the retry after a lost reply)"
MSG_UNREACHABLE = "server unreachable"

MODE_INSERT = "insert"
MODE_UPDATE = "update"       # change leads already in the dialler, found by external id
MODE_WITHDRAW = "withdraw"   # an update of every lead an earlier job inserted: a disposition, nothing else
MODES = (MODE_INSERT, MODE_UPDATE, MODE_WITHDRAW)
#: calls in flight at most at the start of a run, until a reply shows rows are not refused outright
CAUTIOUS_START = 2
#: replies with the same job-wide refusal (and none showing otherwise) that halt the job
HALT_AFTER = 3
#: codes that, on the first rows, will repeat on every row
_IDS_CODES = (115, 116, 117)
_HALT_CODES = frozenset({102, 111, *_IDS_CODES})
CONTACT_HOURS = "njContactHours"
DISPOSITION = "njDisposition"


def generated_external_id(fingerprint: str, lead: dict[str, str]) -> str:
    """A stable id from the file and the row's content: the same row of the same file always gets
    the same id, so every retry (and a later re-run) is safe."""
    content = json.dumps({k: v for k, v in lead.items() if k != EXTERNAL_ID}, sort_keys=True, ensure_ascii=False)
    return "NJL-" + hashlib.sha1((fingerprint + "\x1f" + content).encode("utf-8")).hexdigest()[:16]


def issues_text(issues: Iterable[Any]) -> str:
    """A row's errors (warnings left out) as one line: "column: message; message"."""
    return "; ".join(f"{i.column}: {i.message}" if i.column else i.message
                     for i in issues if getattr(i, "severity", "error") == "error")


def journal_entry(prepared: Any, fingerprint: str, generate_external_ids: bool
                  ) -> tuple[int, int | None, dict[str, str] | None, str | None, RowOutcome | None]:
    """How a prepared row enters the journal, as ``Journal.add_rows`` takes it: a sendable row
    with its lead exactly as it will be sent (a generated external id added when asked), a row
    that cannot be sent with its INVALID outcome."""
    if not prepared.sendable:
        text = issues_text(prepared.issues) or "This row cannot be sent."
        return prepared.index, prepared.row_number, None, None, RowOutcome(Category.INVALID, None, text)
    lead = dict(prepared.lead)
    if generate_external_ids and not str(lead.get(EXTERNAL_ID) or "").strip():
        lead[EXTERNAL_ID] = generated_external_id(fingerprint, lead)
    return prepared.index, prepared.row_number, lead, lead.get(EXTERNAL_ID) or None, None


@dataclass
class JobSpec:
    server: str
    template: tuple[int, str]          # (id, name)
    campaign: tuple[int, str]
    allocation: tuple[int, str]
    file_path: str = ""
    fingerprint: str = ""
    allow_duplicates: bool = False
    generate_external_ids: bool = False
    resume_job_id: int | None = None   # continue this journaled job instead of starting one
    mode: str = MODE_INSERT            # MODE_INSERT, MODE_UPDATE or MODE_WITHDRAW
    extra: dict[str, Any] | None = None  # journaled with the settings (e.g. withdraw: the job withdrawn)
    skip: dict[int, RowOutcome] = field(default_factory=dict)  # row index -> outcome instead of sending
    #                                  (rows an earlier job already inserted: core.jobs.check_already_loaded)
    #: the fields the mapping sends as phone numbers, and the column each field comes from:
    #: only for the words of a halt message (102 names them)
    phone_fields: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)   # field -> column
    #: cells fixed in the table, (row_index, column, value), journaled with the job so that a resume
    #: applies them to the file read again (None: leave what the journal has)
    fixes: list[tuple[int, int, str]] | None = None

    @property
    def is_update(self) -> bool:
        return self.mode in (MODE_UPDATE, MODE_WITHDRAW)

    def settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allow_duplicates": self.allow_duplicates,
                               "generate_external_ids": self.generate_external_ids}
        if self.mode != MODE_INSERT:   # no mode in the journal: an insert, as every job before modes
            out["mode"] = self.mode
        out.update(self.extra or {})
        return out

    def name_mapping(self, mapping: Any) -> None:
        """Take the names a halt message needs from a ``sheet.Mapping`` (columns, phone fields)."""
        self.columns = {f: c for c, f in mapping.columns.items() if f}
        self.phone_fields = tuple(f for f in sorted(mapping.phone_fields) if f in self.columns)


@dataclass
class RetryPolicy:
    max_attempts: int = 4             # sends per row for 103/5xx and for lost replies
    backoff_base: float = 1.0         # first backoff (s), doubled each time, +-50% jitter
    backoff_max: float = 30.0
    busy_limit: float = 1800.0        # how long a row may keep getting 109 before it is given up
    outage_tolerance: float = 600.0   # how long to wait for a server that is down
    probe_base: float = 1.0           # first probe delay while down, doubled up to probe_max
    probe_max: float = 30.0


@dataclass
class Progress:
    total: int
    done: int
    counts: dict[Category, int]
    inflight: int
    rate: float                  # rows per second, recent
    eta: float | None            # seconds
    concurrency: str             # e.g. "5 at once (auto)"
    paused: bool
    waiting_for_server: bool
    elapsed: float
    run_total: int = 0           # rows this run sends (a resume: the rows left; a retry: the rows retried)
    run_done: int = 0            # of those, finished
    retrying: bool = False       # this run is "Retry failed rows"
    halted: str | None = None    # why the engine paused itself, with what to change (see on_halt)


@dataclass
class JobSummary:
    job_id: int | None
    total: int
    counts: dict[Category, int]
    outcomes: list[RowOutcome | None]
    elapsed: float
    stopped: str | None = None      # None, "cancelled", "unreachable", "refused", "halted", "journal" (cannot be written)
    message: str = ""
    busy_replies: int = 0

    @property
    def inserted(self) -> int:
        return self.counts.get(Category.INSERTED, 0)

    @property
    def all_inserted(self) -> bool:
        return self.inserted == self.total

    @property
    def all_succeeded(self) -> bool:
        """Every row inserted (an upload) or updated (an update or withdraw job)."""
        return self.inserted + self.counts.get(Category.UPDATED, 0) == self.total


@dataclass(eq=False)
class _Row:
    index: int
    row_number: int | None
    lead: dict[str, str]
    attempts: int = 0
    maybe_landed: bool = False
    errors: int = 0                       # 103/5xx and lost replies so far
    busy_since: float | None = None
    force: bool = False                   # sent on explicit request ("Retry failed rows")

    @property
    def has_external_id(self) -> bool:
        return bool(str(self.lead.get(EXTERNAL_ID) or "").strip())


class _Stop(Exception):
    pass


_FATAL = (AuthError, NotNoojeeReply, TlsError, InsecureUrlError)


class UploadEngine:
    def __init__(self, client: Any, job: JobSpec, rows: Sequence[Any], journal: jr.Journal | None, *,
                 concurrency: int | str = "auto",
                 on_progress: Callable[[list[tuple[int, RowOutcome]]], None] | None = None,
                 policy: RetryPolicy | None = None, rate: RateSettings | None = None,
                 progress_interval: float = 0.1, on_halt: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.job = job
        self.journal = journal
        self.policy = policy or RetryPolicy()
        fixed = None if concurrency in ("auto", None) else int(concurrency)
        self.controller = RateController(rate, fixed=fixed)
        self._workers = fixed if fixed is not None else self.controller.settings.maximum
        self.on_progress = on_progress
        self.progress_interval = progress_interval
        self._source_rows = list(rows)
        self.total = len(self._source_rows)
        self.outcomes: list[RowOutcome | None] = [None] * self.total
        self.counts: collections.Counter[Category] = collections.Counter()
        self.job_id: int | None = None
        self._gate: AsyncGate | None = None
        self._queue: collections.deque[_Row] = collections.deque()
        self._rows: dict[int, _Row] = {}
        self._batch: list[tuple[int, RowOutcome]] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._stop_reason: str | None = None
        self._stop_message = ""
        self._stop_event: asyncio.Event | None = None
        self._outage: asyncio.Task | None = None
        self._pause_requested = False
        self._started = 0.0
        self._clock = clock               # for progress figures (rate, ETA, elapsed)
        self._rate = RecentRate(clock=clock)
        self._done_this_run = 0
        self._todo_this_run = 0
        self._retrying = False
        # refusals that will repeat on every row (see the module doc)
        self.on_halt = on_halt
        self._halted: str | None = None
        self._halt_sig: tuple | None = None
        self._suspects: dict[tuple, list[tuple[_Row, RowOutcome]]] = {}
        self._accepted: set[tuple] = set()     # halts the user chose to go past
        self._ids_ok = False                   # a reply got past the template/campaign/allocation check
        self._phones_ok = False                # a reply got past the phone-field check
        self._hours_ok: set[str] = set()       # Contact Hours names the dialler took
        self._dispositions_ok: set[str] = set()  # updates: dispositions the dialler took
        self._rng = random.Random()
        self._ran = False

    # -- control (call on the engine's loop; the GUI posts them with call_soon_threadsafe) ----
    def pause(self) -> None:
        self._pause_requested = True
        if self._gate:
            self._gate.pause()

    def resume(self) -> None:
        if self._halted is not None:
            self._go_past_halt()
        if self._pause_requested:
            self._rate.restart()       # the rate of the time since, not diluted by the pause
        self._pause_requested = False
        if self._gate:
            self._gate.resume()

    def cancel(self) -> None:
        """Calls in flight finish; nothing new is sent; unsent rows end CANCELLED (resumable)."""
        self._stop("cancelled", "The upload was cancelled.")

    @property
    def paused(self) -> bool:
        return self._pause_requested

    def _stop(self, reason: str, message: str) -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
            self._stop_message = message
        if self._stop_event:
            self._stop_event.set()
        if self._gate:
            self._gate.wake()

    # -- progress -------------------------------------------------------------------------------
    def progress(self) -> Progress:
        """``total``/``done``: the file's rows; ``run_total``/``run_done``: this run's (a retry of 335
        failed rows counts 335); ``rate`` and ``eta``: from the last ~10 s of this run's completions,
        counted afresh after a resume."""
        now = self._clock()
        rate = self._rate.rate() if self._started else 0.0
        remaining = self._todo_this_run - self._done_this_run
        done = sum(self.counts.values())
        return Progress(
            total=self.total, done=done, counts=dict(self.counts), inflight=self.controller.inflight,
            rate=rate, eta=(remaining / rate) if rate > 0 else None,
            concurrency=self.controller.describe(), paused=self._pause_requested,
            waiting_for_server=self._outage is not None and not self._outage.done(),
            elapsed=(now - self._started) if self._started else 0.0,
            run_total=self._todo_this_run, run_done=self._done_this_run, retrying=self._retrying,
            halted=self._halted)

    def _emit(self, row: _Row | int, outcome: RowOutcome, *, journal_final: bool | None = True,
              maybe_landed: bool = False) -> None:
        index = row if isinstance(row, int) else row.index
        previous = self.outcomes[index]
        if previous is not None:
            self.counts[previous.category] -= 1
            if not self.counts[previous.category]:
                del self.counts[previous.category]
        self.outcomes[index] = outcome
        self.counts[outcome.category] += 1
        if journal_final is not None and self.journal is not None and self.job_id is not None:
            try:
                self.journal.record(self.job_id, index, outcome, final=journal_final, maybe_landed=maybe_landed)
            except jr.JournalError as e:
                self._journal_failed(e)
        if self.on_progress is None:
            return
        self._batch.append((index, outcome))
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_later(self.progress_interval, self._flush)

    def _count_done(self) -> None:
        self._done_this_run += 1
        self._rate.add()

    def _flush(self) -> None:
        self._flush_handle = None
        batch, self._batch = self._batch, []
        if batch and self.on_progress is not None:
            try:
                self.on_progress(batch)
            except Exception:  # a broken display must not lose the upload
                log.exception("progress callback failed")

    # -- set-up ---------------------------------------------------------------------------------
    def _prepare(self) -> list[_Row]:
        todo: list[_Row] = []
        if self.journal is not None and self.job.resume_job_id is not None:
            self.job_id = self.job.resume_job_id
            journaled = self.journal.job(self.job_id)
            if journaled is not None:   # a resumed job is sent as what it was: insert, update or withdraw
                self.job.mode = str(journaled.settings.get("mode") or MODE_INSERT)
            records = self.journal.rows(self.job_id)
            if len(records) != self.total:
                raise ValueError("The journal's job does not match these rows (different number of rows).")
            rebuilt = []
            for rec in records:
                r = _Row(rec.row_index, rec.row_number, dict(rec.lead or {}), attempts=rec.attempts,
                         maybe_landed=rec.maybe_landed or rec.state == jr.INFLIGHT)
                if rec.state != jr.DONE and not r.maybe_landed:
                    # never applied: send it as the mapping given now builds it (a resume after a
                    # halt on 102 or 111 is a resume after the mapping was fixed)
                    _i, _n, lead, ext, outcome = journal_entry(
                        self._source_rows[rec.row_index], self.job.fingerprint,
                        self.job.generate_external_ids and not self.job.is_update)
                    if outcome is not None:
                        self._emit(rec.row_index, outcome, journal_final=True)
                        continue
                    if lead != rec.lead:
                        rebuilt.append((rec.row_index, lead, ext))
                        r.lead = lead
                if rec.lead is not None or r.lead:
                    self._rows[r.index] = r
                if rec.state == jr.DONE:
                    if rec.outcome is not None:
                        self._emit(rec.row_index, rec.outcome, journal_final=None)
                    continue
                todo.append(r)
            if rebuilt:
                self.journal.replace_leads(self.job_id, rebuilt)
            if self.job.fixes is not None:
                self.journal.set_fixes(self.job_id, self.job.fixes)
            self.journal.set_status(self.job_id, jr.RUNNING)
            return todo

        entries = []
        for prepared in self._source_rows:
            entry = journal_entry(prepared, self.job.fingerprint,
                                  self.job.generate_external_ids and not self.job.is_update)
            if prepared.index in self.job.skip and entry[4] is None:
                entry = (entry[0], entry[1], None, None, self.job.skip[prepared.index])
            entries.append(entry)
            index, row_number, lead, _ext, outcome = entry
            if outcome is not None:
                self._emit(index, outcome, journal_final=None)   # journaled below, with the rows
                continue
            r = _Row(index, row_number, lead)
            self._rows[index] = r
            todo.append(r)
        if self.journal is not None:
            self.job_id = self.journal.create_job(
                file_path=self.job.file_path, fingerprint=self.job.fingerprint, server=self.job.server,
                template=self.job.template, campaign=self.job.campaign, allocation=self.job.allocation,
                settings=self.job.settings())
            self.journal.add_rows(self.job_id, entries)
            if self.job.fixes:
                self.journal.set_fixes(self.job_id, self.job.fixes)
        return todo

    # -- running --------------------------------------------------------------------------------
    async def run(self) -> JobSummary:
        if self._ran:
            raise RuntimeError("run() was already called; use retry_failed() to send rows again")
        self._ran = True
        self._setup_async()
        todo = self._prepare()
        return await self._send_all(todo)

    async def retry_failed(self, include_rejections: bool = False) -> JobSummary:
        """Send again the rows that ended retryable or in error (not invalid ones: their data have
        not changed), and business rejections (DNC, duplicate...) only when asked."""
        wanted = set(FAILED_CATEGORIES) - {Category.INVALID}
        wanted.add(Category.PENDING)
        if include_rejections:
            wanted |= REJECTION_CATEGORIES
        todo = []
        for index, outcome in enumerate(self.outcomes):
            if outcome is None or outcome.category not in wanted or never_resend(outcome.code):
                continue
            row = self._rows.get(index)
            if row is None:
                continue
            row.errors = 0
            row.busy_since = None
            row.force = True
            todo.append(row)
        self._stop_reason = None
        self._stop_message = ""
        self._setup_async()
        if self.journal is not None and self.job_id is not None and todo:
            self.journal.reopen(self.job_id, [r.index for r in todo])
        return await self._send_all(todo, retrying=True)

    def _setup_async(self) -> None:
        self._stop_event = asyncio.Event()
        if self._gate is None:
            self._gate = AsyncGate(self.controller)
            if self._pause_requested:
                self._gate.pause()

    async def _send_all(self, todo: list[_Row], retrying: bool = False) -> JobSummary:
        started = time.monotonic()
        self._started = self._clock()
        self._done_this_run = 0
        self._todo_this_run = len(todo)
        self._retrying = retrying
        self._rate.restart()
        self._halted = None
        self._halt_sig = None
        self._suspects.clear()
        self.controller.cap = CAUTIOUS_START
        self._queue = collections.deque(todo)
        workers = [asyncio.create_task(self._worker()) for _ in range(min(self._workers, max(1, len(todo))))]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
        finally:
            if self._outage is not None and not self._outage.done():
                self._outage.cancel()
                await asyncio.gather(self._outage, return_exceptions=True)
            self._outage = None
            if self._flush_handle is not None:
                self._flush_handle.cancel()
            self._flush()
        elapsed = time.monotonic() - started
        if self.journal is not None and self.job_id is not None:
            status = {None: jr.FINISHED, "cancelled": jr.CANCELLED}.get(self._stop_reason, jr.STOPPED)
            try:
                self.journal.set_status(self.job_id, status, self._stop_message)
            except jr.JournalError as e:   # it stays "running" there: still offered for resuming
                log.error("could not mark the job %s: %s", status, e)
        return JobSummary(self.job_id, self.total, dict(self.counts), list(self.outcomes), elapsed,
                          self._stop_reason, self._stop_message, self.controller.busy_count)

    async def _worker(self) -> None:
        while self._queue:
            row = self._queue.popleft()
            await self._send_row(row)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the job is stopped."""
        assert self._stop_event is not None
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self._stop_event.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def _backoff(self, n: int) -> float:
        p = self.policy
        return min(p.backoff_max, p.backoff_base * 2 ** max(0, n - 1)) * self._rng.uniform(0.5, 1.5)

    def _final(self, row: _Row, category: Category, code: int | None, message: str, note: str = "",
               sent_at: datetime | None = None) -> None:
        if len(message) <= 64:
            message = sys.intern(message)   # "OK", "DUPLICATE"...: one copy, not one per row
        self._emit(row, RowOutcome(category, code, message, row.attempts, sent_at, note),
                   journal_final=True, maybe_landed=row.maybe_landed)
        self._count_done()

    def _journal_retry(self, row: _Row, outcome: RowOutcome) -> None:
        """This attempt's outcome, while the row will still be sent: the journal keeps it pending."""
        if self.journal is not None and self.job_id is not None:
            try:
                self.journal.record(self.job_id, row.index, outcome, final=False, maybe_landed=row.maybe_landed)
            except jr.JournalError as e:
                self._journal_failed(e)

    def _journal_failed(self, error: jr.JournalError) -> None:
        """The journal cannot be written (disk full...): nothing more is sent without it. Calls in
        flight finish; what the journal could not record stays "in flight" there, which a resume
        treats by the unknown-landing rule, so nothing goes in twice."""
        if self._stop_reason != "journal":
            log.error("journal write failed: %s", error)
        self._stop("journal", f"{error} Sending stopped; the calls already on their way were finished. "
                   "Once that is fixed, resume the upload: rows already sent are not sent again.")

    def _unsent(self, row: _Row, sent_at: datetime | None) -> None:
        """The job stopped before this row got an answer: it stays pending (resumable)."""
        reason = self._stop_reason
        if reason == "cancelled":
            if row.maybe_landed:
                outcome = RowOutcome(Category.UNCERTAIN, None, "No answer came, and the upload was cancelled "
                                     "before it could be checked.", row.attempts, sent_at)
            else:
                outcome = RowOutcome(Category.CANCELLED, None, "Not sent: the upload was cancelled.",
                                     row.attempts, sent_at)
        elif reason == "unreachable":
            note = ("an earlier attempt got no answer and may have landed; resuming checks it safely"
                    if row.maybe_landed else "resume the upload to send this row")
            outcome = RowOutcome(Category.SERVER_ERROR, None, MSG_UNREACHABLE, row.attempts, sent_at, note)
        else:
            outcome = RowOutcome(Category.PENDING, None, "Not sent: " + self._stop_message, row.attempts, sent_at)
        self._emit(row, outcome, journal_final=False, maybe_landed=row.maybe_landed)
        self._count_done()

    async def _send_row(self, row: _Row) -> None:
        assert self._gate is not None
        gate = self._gate
        job = self.job
        sent_at: datetime | None = None
        if job.is_update and not row.has_external_id:
            self._final(row, Category.INVALID, None, "An update needs the lead's external id (njExternalLeadId).")
            return
        while True:
            if self._stop_reason is not None:
                self._unsent(row, sent_at)
                return
            if row.maybe_landed and not row.has_external_id and job.allow_duplicates and not row.force:
                self._final(row, Category.UNCERTAIN, None,
                            "No answer came from the dialler; it may or may not have inserted this lead. "
                            "Not sent again, because duplicates are allowed and the row has no external id "
                            "(that could insert it twice). Check the campaign, or use generated external ids.",
                            sent_at=sent_at)
                return
            if self._outage is not None and not await self._wait_outage():
                continue
            if not await gate.acquire(lambda: self._stop_reason is not None, row.index):
                continue
            row.attempts += 1
            sent_at = datetime.now()
            if self.journal is not None and self.job_id is not None:
                try:
                    self.journal.mark_inflight(self.job_id, row.index, row.attempts, sent_at)
                except jr.JournalError as e:   # never send a row the journal does not know is going
                    gate.abandon()
                    row.attempts -= 1
                    self._journal_failed(e)
                    continue
            t0 = time.monotonic()
            try:
                reply = await self._call(row)
            except _FATAL as e:
                gate.abandon()
                row.attempts -= 1          # refused before anything was applied
                if isinstance(e, AuthError) and self.on_halt is not None and ("auth",) not in self._accepted:
                    # the key or this workstation's address refused: the user may fix that on the
                    # dialler (whitelisting the IP) and go on; this row waits, unsent
                    self._halt(("auth",), f"{e} (Is this workstation's IP address whitelisted on the dialler?)")
                    continue
                self._stop("refused", str(e))
                continue
            except ApiError as e:
                gate.abandon()
                if e.may_have_landed:
                    row.maybe_landed = True
                    row.errors += 1
                    log.info("row %s: no answer (%s); may have landed", row.index, mask(e.user_message))
                    self._journal_retry(row, RowOutcome(Category.UNCERTAIN, None, e.user_message, row.attempts,
                                                        sent_at))
                    if row.errors >= self.policy.max_attempts:
                        self._final(row, Category.UNCERTAIN, None,
                                    f"No answer from the dialler after {row.attempts} attempts "
                                    f"({e.user_message}); it may or may not have inserted this lead.",
                                    sent_at=sent_at)
                        return
                    await self._sleep(self._backoff(row.errors))
                    continue
                if isinstance(e, ConnectFailed) or e.retryable:
                    # never reached the dialler: not an attempt; wait for it to come back
                    row.attempts -= 1
                    self._start_outage(e)
                    continue
                row.attempts -= 1
                self._stop("refused", str(e))
                continue
            except asyncio.CancelledError:
                gate.abandon()
                raise
            latency = reply.elapsed if getattr(reply, "elapsed", 0) else time.monotonic() - t0
            info = reply.info
            if info.retry is Retry.SLOW_DOWN:
                gate.busy()
                now = time.monotonic()
                row.busy_since = row.busy_since or now
                if now - row.busy_since >= self.policy.busy_limit:
                    self._final(row, info.category, reply.code, reply.message,
                                "the dialler stayed too busy; retry later", sent_at)
                    return
                self._journal_retry(row, RowOutcome(info.category, reply.code, reply.message, row.attempts, sent_at))
                continue
            if info.retry is Retry.BACKOFF:
                gate.error()
                row.errors += 1
                if row.errors >= self.policy.max_attempts:
                    self._final(row, info.category, reply.code, reply.message or info.meaning,
                                f"gave up after {row.attempts} attempts", sent_at)
                    return
                self._journal_retry(row, RowOutcome(info.category, reply.code, reply.message, row.attempts, sent_at))
                await self._sleep(self._backoff(row.errors))
                continue
            gate.success(latency)
            if job.is_update:
                self._final_update(row, info, reply, sent_at)
                self._watch(row, reply.code)
            elif row.maybe_landed and reply.code == 112 and row.has_external_id:
                self._final(row, Category.INSERTED, reply.code, reply.message, NOTE_CONFIRMED, sent_at)
            elif row.maybe_landed and reply.code == 105 and not row.has_external_id:
                self._final(row, Category.INSERTED, reply.code, reply.message, NOTE_PROBABLY, sent_at)
            else:
                note = "" if row.attempts <= 1 else f"sent {row.attempts} times"
                self._final(row, info.category, reply.code, reply.message, note, sent_at)
                self._watch(row, reply.code)
            return

    async def _call(self, row: _Row) -> Any:
        """The one call per attempt: an insert, or in update mode an update of the lead by its external id."""
        job = self.job
        ids = (job.template[0], job.campaign[0], job.allocation[0])
        if job.is_update:
            return await self.client.update_lead(*ids, row.lead)
        return await self.client.insert_lead(*ids, row.lead, allow_duplicates=job.allow_duplicates)

    def _final_update(self, row: _Row, info: Any, reply: Any, sent_at: datetime | None) -> None:
        """An update's answer: 0 is UPDATED; 101/106/107/110 in the app's words (the code stays)."""
        category = Category.UPDATED if reply.code == 0 else info.category
        message = info.meaning if reply.code in UPDATE_CODES else reply.message
        note = "" if row.attempts <= 1 else f"sent {row.attempts} times"
        if row.maybe_landed and reply.code == 0:
            note = f"sent {row.attempts} times (an earlier reply was lost; sending the same update again is harmless)"
        self._final(row, category, reply.code, message, note, sent_at)
    # -- refusals that will repeat on every row ------------------------------------------------------
    def _watch(self, row: _Row, code: int | None) -> None:
        """After a row's final reply: does it show a refusal that every row will get?"""
        hours = str(row.lead.get(CONTACT_HOURS) or "").strip()
        if code is None:
            return
        if code not in _IDS_CODES:
            self._ids_ok = True
        if code not in (102, 108, *_IDS_CODES):
            self._phones_ok = True
            if code != 111 and hours:
                self._hours_ok.add(hours)
        disposition = str(row.lead.get(DISPOSITION) or "").strip() if self.job.is_update else ""
        if disposition and code not in (101, 106, 107, *_IDS_CODES):
            self._dispositions_ok.add(disposition)
        sig: tuple | None = None
        if code in _IDS_CODES and not self._ids_ok:
            sig = ("ids", code)
        elif code == 102 and not self._phones_ok:
            sig = ("phone",)
        elif code == 111 and hours and hours not in self._hours_ok:
            sig = ("hours", hours)
        elif code == 106 and disposition and disposition not in self._dispositions_ok:
            sig = ("disposition", disposition)   # e.g. --disposition misspelt: every row would get 106
        if sig is None or sig in self._accepted:
            self._open_up()
            return
        rows = self._suspects.setdefault(sig, [])
        outcome = self.outcomes[row.index]
        assert outcome is not None
        rows.append((row, outcome))
        if self._halted is not None and sig == self._halt_sig:
            self._journal_retry(row, outcome)     # one more of the same, still in flight at the halt
        elif len(rows) >= HALT_AFTER:
            self._halt(sig, self._halt_text(sig))

    def _open_up(self) -> None:
        """Rows are getting through: the cautious start is over."""
        if self.controller.cap is not None:
            self.controller.cap = None
            if self._gate is not None:
                self._gate.limits_changed()

    def _halt_text(self, sig: tuple) -> str:
        job = self.job
        if sig[0] == "phone":
            def named(f: str) -> str:
                column = job.columns.get(f)
                return f"'{f}'" + (f" (column '{column}')" if column and column != f else "")
            first = f"The dialler found no phone field (code 102 on the first {len(self._suspects[sig])} rows): "
            fix = (" Map the phone column to one of the template's phone fields (your Noojee administrator "
                   "knows their names).")
            fields = list(job.phone_fields)
            if fields:
                verb = "is not one of" if len(fields) == 1 else "are not among"
                return first + f"{', '.join(named(f) for f in fields)} {verb} this template's phone fields." + fix
            sent = sorted({f for r, _ in self._suspects[sig] for f in r.lead if not f.startswith("nj")})
            return (first + f"none of the fields sent ({', '.join(named(f) for f in sent)}) is one of this "
                    "template's phone fields." + fix)
        if sig[0] == "disposition":
            return (f"The dialler does not know the disposition '{sig[1]}' (code 106 on the first "
                    f"{len(self._suspects[sig])} rows): check its spelling; dispositions belong to the template "
                    "(your Noojee administrator knows their names).")
        if sig[0] == "hours":
            return (f"The dialler does not know the Contact Hours '{sig[1]}' (code 111). Use the name of a "
                    "Contact Hours set that exists on the dialler, or leave it empty for the template's default.")
        what = {115: ("allocation", job.allocation), 116: ("template", job.template),
                117: ("campaign", job.campaign)}[sig[1]]
        kind, (ident, label) = what
        shown = f"'{label}' ({ident})" if label else str(ident)
        return (f"The dialler does not accept the {kind} {shown} (code {sig[1]}): choose the {kind} again "
                "from the dialler's list.")

    def _halt(self, sig: tuple, reason: str) -> None:
        if self._halted is not None or self._stop_reason is not None:
            return
        if self.on_halt is None:
            reason += " The upload stopped; the rows not sent are kept: fix this, then resume."
        else:
            reason += (" Nothing more is sent until you decide: stop, fix this and send the rest again, "
                       "or resume to send the rest as it is.")
        log.warning("halting the upload: %s", mask(reason))
        self._halted = reason
        self._halt_sig = sig
        for row, outcome in self._suspects.get(sig, ()):
            self._journal_retry(row, outcome)     # refused, not applied: a resume sends it again
        if self.on_halt is None:
            self._stop("halted", reason)
            return
        self.pause()
        try:
            self.on_halt(reason)
        except Exception:  # a broken display must not lose the upload
            log.exception("halt callback failed")

    def _go_past_halt(self) -> None:
        """The user resumed after a halt: that refusal no longer halts; the rows that got it keep it."""
        sig = self._halt_sig
        self._halted = None
        self._halt_sig = None
        if sig is None:
            return
        self._accepted.add(sig)
        for row, outcome in self._suspects.pop(sig, ()):
            if self.journal is not None and self.job_id is not None:
                try:
                    self.journal.record(self.job_id, row.index, outcome, final=True, maybe_landed=row.maybe_landed)
                except jr.JournalError as e:
                    self._journal_failed(e)
        self._open_up()

    # -- outage -----------------------------------------------------------------------------------
    def _start_outage(self, error: ApiError) -> None:
        if self._outage is None or self._outage.done():
            log.warning("dialler unreachable (%s); pausing and retrying", mask(error.user_message))
            self._outage = asyncio.get_running_loop().create_task(self._probe_until_up(error))

    async def _wait_outage(self) -> bool:
        """True when the server is back; False when the job stopped meanwhile."""
        task = self._outage
        if task is None:
            return True
        try:
            up = await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                return False
            raise
        if task is self._outage:
            self._outage = None
        return bool(up)

    async def _probe_until_up(self, error: ApiError) -> bool:
        p = self.policy
        started = time.monotonic()
        delay = p.probe_base
        while self._stop_reason is None:
            left = p.outage_tolerance - (time.monotonic() - started)
            if left <= 0:
                self._stop("unreachable", f"The dialler could not be reached for {p.outage_tolerance:g} seconds "
                           f"({error.user_message}). The rows not sent yet are kept: resume the upload later.")
                return False
            await self._sleep(min(delay * self._rng.uniform(0.8, 1.2), left))
            if self._stop_reason is not None:
                return False
            delay = min(p.probe_max, delay * 2)
            try:
                await self.client.list_templates()
            except _FATAL as e:
                self._stop("refused", str(e))
                return False
            except ApiError as e:
                if isinstance(e, ConnectFailed) or e.retryable:
                    continue
                return True   # it answered something: it is up
            except Exception:   # an unexpected failure of the probe itself: keep waiting
                log.warning("probing the dialler failed", exc_info=True)
                continue
            log.info("dialler reachable again after %.1f s", time.monotonic() - started)
            return True
        return False


def summarise(counts: dict[Category, int]) -> Iterable[tuple[Category, int]]:
    """Categories in display order with their counts (zero counts left out)."""
    for cat in Category:
        n = counts.get(cat, 0)
        if n:
            yield cat, n
