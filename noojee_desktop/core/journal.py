"""The upload journal: every job and every row's state in SQLite, written before and after each call.

Kill the process at any moment and the journal still says, for every row, whether it was
finished (``done``: a reply came back, or it was never sendable), never sent (``pending``), or
sent without a known outcome (``inflight``: "attempt n" was written before the call went out and
no result after it). A resumed job sends only ``pending`` and ``inflight`` rows, and treats
``inflight`` (and ``maybe_landed``) rows by the unknown-landing rule (see engine.py).

Location: ``platformdirs.user_data_dir("noojee-desktop")/journal.sqlite3`` (honours
``XDG_DATA_HOME``). The API key is never stored; the server is stored as its address only.
WAL mode with ``synchronous=NORMAL``: each write is one small transaction that survives the
process being killed (an operating-system crash may lose the last few).

Every sendable row also keeps ``lead_hash``, a stable hash of its lead's content (generated
external ids left out), indexed, so "was this lead already inserted into this campaign?" is one
indexed lookup per row (``already_inserted``). Journals from before it are migrated when opened
(``PRAGMA user_version`` 0 -> 2: the column, its index, and the hashes of the rows already inserted).

Anything that goes wrong with the file itself (the data folder cannot be created, is read-only,
the disk is full) is a :class:`JournalError` with a sentence for the user, never a bare
``sqlite3``/``OS`` error.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

import platformdirs

from noojee_desktop.core.codes import Category
from noojee_desktop.core.outcome import RowOutcome

APP_NAME = "noojee-desktop"

PENDING = "pending"
INFLIGHT = "inflight"
DONE = "done"

#: job statuses
RUNNING = "running"          # being sent (or the process died while sending)
CANCELLED = "cancelled"      # the user stopped it; unsent rows can be resumed
STOPPED = "stopped"          # stopped by the server (unreachable, key refused); resumable
FINISHED = "finished"        # every row has a final answer
ABANDONED = "abandoned"      # the user chose not to resume it

_RESUMABLE = (RUNNING, CANCELLED, STOPPED)

SCHEMA_VERSION = 2   # 2: rows.lead_hash (indexed) and an index on rows.external_id

#: the field the dialler keeps an external id in, and the form of the ids the engine generates
#: (engine.generated_external_id: "NJL-" + 16 hex digits, derived from the file and the row)
EXTERNAL_ID = "njExternalLeadId"
_GENERATED_ID = re.compile(r"NJL-[0-9a-f]{16}")
_blake2b = hashlib.blake2b


class JournalError(Exception):
    """The journal file cannot be created, opened or written. ``str()`` is a sentence for a user;
    ``reason`` is "blocked" (a file where the folder should be), "readonly", "full", "io" (a write
    failed: a size limit, a failing disk) or "other"."""

    def __init__(self, message: str, reason: str = "other") -> None:
        super().__init__(message)
        self.user_message = message
        self.reason = reason


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return "blocked"
    if isinstance(exc, PermissionError):
        return "readonly"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "full"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return "readonly"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return "io"
    text = str(exc).lower()
    if "full" in text:
        return "full"
    if "disk i/o error" in text:
        return "io"
    if "readonly" in text or "read-only" in text or "permission" in text:
        return "readonly"
    return "other"


_WHY = {
    "blocked": "something that is not a folder is in its place (a file with that name?); move it away",
    "readonly": "it cannot be written (read-only, or no permission); make it writable",
    "full": "the disk is full; free some space",
    "io": "writing to the disk failed (is it full, or the file too big for it?); free some space",
}


def journal_error(exc: BaseException, path: Path, writing: str = "opened") -> JournalError:
    """A :class:`JournalError` saying in plain words why the journal at ``path`` could not be
    ``writing`` ("opened", "written")."""
    reason = _reason(exc)
    why = _WHY.get(reason, f"{exc}")
    return JournalError(f"The upload journal in {path.parent} could not be {writing}: {why}.", reason)


def lead_hash(lead: dict[str, str]) -> str:
    """The lead's content as a stable hash: the same lead gives the same hash whatever row it is
    on, whatever file it came from and whatever column order. Empty fields and generated external
    ids (they derive from the file, which an edit changes) are left out; a user's own external id
    is part of the lead."""
    parts = []
    for k, v in sorted(lead.items()):
        if v:
            v = v.strip()
            if v and (k != EXTERNAL_ID or not _GENERATED_ID.fullmatch(v)):
                parts.append(k + "\x1f" + v)
    return _blake2b("\x1e".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def own_external_id(lead: dict[str, str]) -> str | None:
    """The lead's external id when it is the user's own (not one the engine generated)."""
    ext = str(lead.get(EXTERNAL_ID) or "").strip()
    return ext if ext and not _GENERATED_ID.fullmatch(ext) else None

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    file_path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    server TEXT NOT NULL,
    template_id INTEGER NOT NULL, template_name TEXT NOT NULL DEFAULT '',
    campaign_id INTEGER NOT NULL, campaign_name TEXT NOT NULL DEFAULT '',
    allocation_id INTEGER NOT NULL, allocation_name TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_lookup ON jobs (fingerprint, server, status);
CREATE TABLE IF NOT EXISTS rows (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_index INTEGER NOT NULL,
    row_number INTEGER,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    maybe_landed INTEGER NOT NULL DEFAULT 0,
    category TEXT, code INTEGER, message TEXT, note TEXT, sent_at TEXT,
    external_id TEXT,
    lead TEXT,
    lead_hash TEXT,
    PRIMARY KEY (job_id, row_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fixes (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_index INTEGER NOT NULL,
    col INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (job_id, row_index, col)
) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS rows_lead_hash ON rows (lead_hash) WHERE lead_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS rows_external_id ON rows (external_id) WHERE external_id IS NOT NULL;
"""


def default_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "journal.sqlite3"


def server_id(url: str) -> str:
    """The server as the journal keeps it: scheme://host[:port], nothing that could hold a key."""
    parts = urlsplit(url.strip() if "://" in url else "https://" + url.strip())
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}"


@dataclass
class JobRecord:
    id: int
    created: datetime
    file_path: str
    fingerprint: str
    server: str
    template: tuple[int, str]
    campaign: tuple[int, str]
    allocation: tuple[int, str]
    settings: dict[str, Any]
    status: str
    message: str
    counts: dict[str, int] = field(default_factory=dict)   # rows per state

    @property
    def unfinished(self) -> int:
        return self.counts.get(PENDING, 0) + self.counts.get(INFLIGHT, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        name = Path(self.file_path).name
        return (f"{name} to {self.campaign[1] or self.campaign[0]} / {self.allocation[1] or self.allocation[0]}"
                f" on {self.server}, started {self.created:%Y-%m-%d %H:%M}: "
                f"{self.total - self.unfinished} of {self.total} rows finished")


@dataclass
class RowRecord:
    row_index: int
    row_number: int | None
    state: str
    attempts: int
    maybe_landed: bool
    outcome: RowOutcome | None
    external_id: str | None
    lead: dict[str, str] | None


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Journal:
    """One SQLite file; safe to use from one thread at a time (the engine's loop thread).

    ``connect`` opens the database (``sqlite3.connect``'s signature); tests hand in one that
    keeps the connection, to cap its size (``PRAGMA max_page_count``) like a full disk."""

    def __init__(self, path: str | Path | None = None, *,
                 connect: Callable[..., sqlite3.Connection] = sqlite3.connect) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = connect(self.path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise journal_error(e, self.path) from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            # room for the already-loaded lookups' index and table pages (grows only when used)
            self._db.execute("PRAGMA cache_size=-16384")
            self._db.execute("PRAGMA temp_store=MEMORY")
            self._db.executescript(_SCHEMA)
            self._migrate()
        except (OSError, sqlite3.Error) as e:
            self._db.close()
            raise journal_error(e, self.path) from None

    def _migrate(self) -> None:
        """Bring a journal written by an earlier version up to SCHEMA_VERSION (one transaction)."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(rows)")}
            if "lead_hash" not in columns:
                self._db.execute("ALTER TABLE rows ADD COLUMN lead_hash TEXT")
            # the leads an earlier version inserted count for "already loaded" too
            todo = self._db.execute(
                "SELECT job_id, row_index, lead FROM rows WHERE lead IS NOT NULL AND lead_hash IS NULL").fetchall()
            self._db.executemany("UPDATE rows SET lead_hash=? WHERE job_id=? AND row_index=?",
                                 ((lead_hash(json.loads(lead)), jid, index) for jid, index, lead in todo))
            for statement in filter(None, (x.strip() for x in _INDEXES.split(";"))):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _x(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self._db.execute(sql, tuple(args))
            except sqlite3.Error as e:
                raise journal_error(e, self.path, "written") from None

    # -- jobs -----------------------------------------------------------------------------------
    def create_job(self, *, file_path: str, fingerprint: str, server: str,
                   template: tuple[int, str], campaign: tuple[int, str], allocation: tuple[int, str],
                   settings: dict[str, Any] | None = None) -> int:
        now = _now()
        cur = self._x(
            "INSERT INTO jobs (created, updated, file_path, fingerprint, server, template_id, template_name,"
            " campaign_id, campaign_name, allocation_id, allocation_name, settings, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (now, now, str(file_path), fingerprint, server_id(server), int(template[0]), template[1] or "",
             int(campaign[0]), campaign[1] or "", int(allocation[0]), allocation[1] or "",
             json.dumps(settings or {}, sort_keys=True), RUNNING),
        )
        return int(cur.lastrowid)

    def add_rows(self, job_id: int, rows: Iterable[tuple[int, int | None, dict[str, str] | None,
                                                       str | None, RowOutcome | None]]) -> None:
        """(row_index, row_number, lead, external_id, outcome); rows with an outcome are done already
        (e.g. invalid ones), the others pending. One transaction for all."""
        def values():
            for index, number, lead, ext, outcome in rows:
                o = outcome
                yield (job_id, index, number, DONE if o else PENDING, o.attempts if o else 0,
                       o.category.value if o else None, o.code if o else None, o.message if o else None,
                       o.note if o else None, o.sent_at.isoformat() if o and o.sent_at else None,
                       ext, json.dumps(lead) if lead is not None else None,
                       lead_hash(lead) if lead is not None else None)
        with self._transaction():
            self._db.executemany(
                "INSERT INTO rows (job_id, row_index, row_number, state, attempts, category, code, message,"
                " note, sent_at, external_id, lead, lead_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", values())

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing: a failure half-way (disk full, a bad row) leaves the journal as it was
        and the connection usable."""
        with self._lock:
            try:
                self._db.execute("BEGIN")
                try:
                    yield
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise journal_error(e, self.path, "written") from None

    def replace_leads(self, job_id: int, rows: Iterable[tuple[int, dict[str, str] | None, str | None]]) -> None:
        """(row_index, lead, external_id): rows that were never applied get the lead built now (a
        resume after the mapping was fixed). One transaction for all."""
        with self._transaction():
            self._db.executemany(
                "UPDATE rows SET lead=?, external_id=?, lead_hash=? WHERE job_id=? AND row_index=?",
                ((json.dumps(lead) if lead is not None else None, ext, lead_hash(lead) if lead is not None else None,
                  job_id, index) for index, lead, ext in rows))

    def set_fixes(self, job_id: int, cells: Iterable[tuple[int, int, str]]) -> None:
        """The cells the user fixed in the table before this job was sent, (row_index, column,
        value), replacing those kept before: a resume applies them to the file read again, so the
        fixed values are sent, not the file's. One transaction."""
        with self._transaction():
            self._db.execute("DELETE FROM fixes WHERE job_id=?", (job_id,))
            self._db.executemany("INSERT INTO fixes (job_id, row_index, col, value) VALUES (?,?,?,?)",
                                 ((job_id, int(r), int(c), str(v)) for r, c, v in cells))

    def fixes(self, job_id: int) -> list[tuple[int, int, str]]:
        """The cells fixed for this job (see ``set_fixes``), in row order."""
        return [(r, c, v) for r, c, v in self._x(
            "SELECT row_index, col, value FROM fixes WHERE job_id=? ORDER BY row_index, col", (job_id,))]

    def set_status(self, job_id: int, status: str, message: str = "") -> None:
        self._x("UPDATE jobs SET status=?, message=?, updated=? WHERE id=?", (status, message, _now(), job_id))

    def abandon(self, job_id: int) -> None:
        self.set_status(job_id, ABANDONED, "not resumed")

    def job(self, job_id: int) -> JobRecord | None:
        row = self._x("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return self._job(row) if row else None

    def _job(self, r: tuple) -> JobRecord:
        (jid, created, _updated, path, fp, server, tid, tname, cid, cname, aid, aname, settings, status,
         message) = r
        counts = {state: n for state, n in self._x(
            "SELECT state, COUNT(*) FROM rows WHERE job_id=? GROUP BY state", (jid,))}
        return JobRecord(jid, datetime.fromisoformat(created), path, fp, server, (tid, tname), (cid, cname),
                         (aid, aname), json.loads(settings), status, message, counts)

    def find_resumable(self, fingerprint: str, server: str, template_id: int, campaign_id: int,
                       allocation_id: int) -> JobRecord | None:
        """The latest unfinished job of this very file to this server, template, campaign and allocation."""
        marks = ",".join("?" * len(_RESUMABLE))
        rows = self._x(
            f"SELECT * FROM jobs WHERE fingerprint=? AND server=? AND template_id=? AND campaign_id=?"
            f" AND allocation_id=? AND status IN ({marks}) ORDER BY id DESC",
            (fingerprint, server_id(server), int(template_id), int(campaign_id), int(allocation_id),
             *_RESUMABLE)).fetchall()
        for r in rows:
            job = self._job(r)
            if job.unfinished:
                return job
        return None

    def list_interrupted(self) -> list[JobRecord]:
        """Jobs that stopped before every row had an answer (process killed, cancelled, server gone),
        newest first -- for "A previous upload was interrupted: resume?"."""
        marks = ",".join("?" * len(_RESUMABLE))
        jobs = [self._job(r) for r in self._x(
            f"SELECT * FROM jobs WHERE status IN ({marks}) ORDER BY id DESC", _RESUMABLE).fetchall()]
        return [j for j in jobs if j.unfinished]

    # -- rows -----------------------------------------------------------------------------------
    def mark_inflight(self, job_id: int, row_index: int, attempt: int, sent_at: datetime) -> None:
        """Written (and committed) before the call goes out."""
        self._x("UPDATE rows SET state=?, attempts=?, sent_at=? WHERE job_id=? AND row_index=?",
                (INFLIGHT, attempt, sent_at.isoformat(), job_id, row_index))

    def record(self, job_id: int, row_index: int, outcome: RowOutcome, *, final: bool,
               maybe_landed: bool = False) -> None:
        """Written after the call. ``final=False``: the row will still be sent (retry, cancelled,
        server unreachable): it stays ``pending`` with its latest outcome."""
        o = outcome
        self._x(
            "UPDATE rows SET state=?, attempts=?, maybe_landed=?, category=?, code=?, message=?, note=?,"
            " sent_at=? WHERE job_id=? AND row_index=?",
            (DONE if final else PENDING, o.attempts, int(maybe_landed), o.category.value, o.code, o.message,
             o.note, o.sent_at.isoformat() if o.sent_at else None, job_id, row_index))

    def reopen(self, job_id: int, row_indexes: Iterable[int]) -> None:
        """Make finished rows pending again ("Retry failed rows")."""
        with self._transaction():
            self._db.executemany("UPDATE rows SET state=? WHERE job_id=? AND row_index=?",
                                 ((PENDING, job_id, i) for i in row_indexes))
            self._db.execute("UPDATE jobs SET status=?, updated=? WHERE id=?", (RUNNING, _now(), job_id))

    def rows(self, job_id: int) -> list[RowRecord]:
        out = []
        for (index, number, state, attempts, maybe, cat, code, message, note, sent_at, ext, lead) in self._x(
                "SELECT row_index, row_number, state, attempts, maybe_landed, category, code, message, note,"
                " sent_at, external_id, lead FROM rows WHERE job_id=? ORDER BY row_index", (job_id,)):
            outcome = None
            if cat is not None:
                outcome = RowOutcome(Category(cat), code, message or "", attempts,
                                     datetime.fromisoformat(sent_at) if sent_at else None, note or "")
            out.append(RowRecord(index, number, state, attempts, bool(maybe), outcome, ext,
                                 json.loads(lead) if lead is not None else None))
        return out

    # -- history --------------------------------------------------------------------------------
    def list_jobs(self, limit: int | None = None) -> list[JobRecord]:
        """Every job, newest first (``limit``: only that many)."""
        sql = "SELECT * FROM jobs ORDER BY id DESC" + (" LIMIT ?" if limit is not None else "")
        return [self._job(r) for r in self._x(sql, (int(limit),) if limit is not None else ()).fetchall()]

    def result_counts(self, job_id: int) -> dict[Category, int]:
        """Rows of the job per result category; rows without a result yet count as PENDING."""
        out: dict[Category, int] = {}
        for cat, n in self._x("SELECT category, COUNT(*) FROM rows WHERE job_id=? GROUP BY category", (job_id,)):
            c = Category(cat) if cat is not None else Category.PENDING
            out[c] = out.get(c, 0) + n
        return out

    def update_settings(self, job_id: int, **values: Any) -> None:
        """Add to a job's settings (e.g. ``results_path`` once the results file is written)."""
        with self._transaction():
            row = self._db.execute("SELECT settings FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is None:
                return
            settings = json.loads(row[0] or "{}")
            settings.update(values)
            self._db.execute("UPDATE jobs SET settings=? WHERE id=?", (json.dumps(settings, sort_keys=True), job_id))
    # -- already loaded -------------------------------------------------------------------------
    def inserted_count(self, server: str, campaign_id: int, allocation_id: int) -> int:
        """How many leads jobs on this computer inserted into this allocation of this server."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT COUNT(*) FROM rows r JOIN jobs j ON j.id = r.job_id WHERE j.server=? AND"
                    " j.campaign_id=? AND j.allocation_id=? AND r.category=?",
                    (server_id(server), int(campaign_id), int(allocation_id), Category.INSERTED.value)).fetchone()
            except sqlite3.Error as e:
                raise journal_error(e, self.path, "read") from None
        return int(row[0])

    def already_inserted(self, server: str, campaign_id: int, hashes: dict[int, str],
                         external_ids: dict[int, str] | None = None,
                         exclude_job: int | None = None) -> dict[int, tuple[int, str | None, str]]:
        """Which of these leads an earlier job inserted into this campaign on this server:
        {key: (job id, when as ISO text, campaign name)} for the keys of ``hashes`` (lead_hash per row)
        and of ``external_ids`` (the user's own external id per row) that match an inserted row (the
        latest, when several did). One probe of an index per lead, whatever the size of the journal."""
        found: dict[int, tuple[int, str | None, str]] = {}
        sid = server_id(server)
        with self._lock:
            try:
                db = self._db
                jobs = {jid: name or "" for jid, name in db.execute(
                    "SELECT id, campaign_name FROM jobs WHERE server=? AND campaign_id=? AND id != ?",
                    (sid, int(campaign_id), exclude_job or -1))}
                groups = []
                for column, wanted in (("lead_hash", hashes), ("external_id", external_ids or {})):
                    if not wanted or not jobs:
                        continue
                    # the file's leads drive the loop (CROSS JOIN keeps that order); the matches come
                    # back as one row per earlier job and minute, their keys joined by commas
                    groups += db.execute(
                        f"SELECT r.job_id, substr(r.sent_at, 1, 16) AS minute, group_concat(w.key)"
                        f" FROM json_each(?) w CROSS JOIN rows r INDEXED BY rows_{column} ON r.{column} = w.value"
                        f" WHERE r.{column} IS NOT NULL AND r.category = ? GROUP BY r.job_id, minute",
                        (json.dumps(wanted), Category.INSERTED.value)).fetchall()
            except sqlite3.Error as e:
                raise journal_error(e, self.path, "read") from None
        groups.sort(key=lambda g: g[1] or "")       # later inserts last: they win
        for jid, minute, keys in groups:
            if jid in jobs:
                found.update(dict.fromkeys(map(int, keys.split(",")), (jid, minute, jobs[jid])))
        return found
