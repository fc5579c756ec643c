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
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator
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
    PRIMARY KEY (job_id, row_index)
) WITHOUT ROWID;
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
    """One SQLite file; safe to use from one thread at a time (the engine's loop thread)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _x(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, tuple(args))

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
                       ext, json.dumps(lead) if lead is not None else None)
        with self._transaction():
            self._db.executemany(
                "INSERT INTO rows (job_id, row_index, row_number, state, attempts, category, code, message,"
                " note, sent_at, external_id, lead) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", values())

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing: a failure half-way (disk full, a bad row) leaves the journal as it was
        and the connection usable."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def replace_leads(self, job_id: int, rows: Iterable[tuple[int, dict[str, str] | None, str | None]]) -> None:
        """(row_index, lead, external_id): rows that were never applied get the lead built now (a
        resume after the mapping was fixed). One transaction for all."""
        with self._transaction():
            self._db.executemany(
                "UPDATE rows SET lead=?, external_id=? WHERE job_id=? AND row_index=?",
                ((json.dumps(lead) if lead is not None else None, ext, job_id, index) for index, lead, ext in rows))

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
