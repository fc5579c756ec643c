"""What this computer loaded, and taking an upload back: the job history and the withdraw plan.

The Campaign API cannot list a campaign's leads or delete one, so the journal is the only record
of what was loaded, and withdrawing an upload means sending ``updateLeadFast`` for each lead it
inserted with a (finalising) disposition and every other field ``<No Change>``. The dialler finds
a lead only by its external id: leads inserted without one cannot be reached.

Qt-free; the ``jobs`` and ``withdraw`` commands and the app's history view read from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from noojee_desktop.core import journal as jr
from noojee_desktop.core.codes import Category

EXTERNAL_ID = "njExternalLeadId"
DISPOSITION = "njDisposition"
NO_CHANGE = "<No Change>"
ROW_IN_FILE = "Row in file"

WITHDRAW_WARNING = (
    "The disposition's actions fire on the dialler for every lead, as if an agent had set it "
    "(a callback, a Do Not Call entry, an email ...), and cannot be taken back by this app. "
    "A lead may already have been called: the dialler picks up new leads within about two minutes.")


@dataclass
class JobEntry:
    """One job of the history, as a team leader reads it."""

    id: int
    when: datetime
    file_path: str
    server: str
    template: tuple[int, str]
    campaign: tuple[int, str]
    allocation: tuple[int, str]
    mode: str                       # insert, update or withdraw
    status: str                     # the journal's job status
    finished: bool                  # every row has a final answer
    counts: dict[Category, int] = field(default_factory=dict)
    results_path: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def file_name(self) -> str:
        return Path(self.file_path).name

    @property
    def mode_label(self) -> str:
        if self.mode == "withdraw":
            return f"withdraw of job {self.settings.get('withdraws_job', '?')}"
        return {"insert": "upload", "update": "update"}.get(self.mode, self.mode)

    @property
    def state_label(self) -> str:
        if self.finished:
            return "finished"
        return {jr.RUNNING: "interrupted", jr.CANCELLED: "cancelled", jr.STOPPED: "stopped",
                jr.ABANDONED: "abandoned"}.get(self.status, self.status)

    def target(self) -> str:
        def name(pair: tuple[int, str]) -> str:
            return pair[1] or str(pair[0])
        return f"{name(self.template)} / {name(self.campaign)} / {name(self.allocation)}"

    def counts_text(self) -> str:
        return ", ".join(f"{cat.label} {n}" for cat in Category if (n := self.counts.get(cat, 0)))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "when": self.when.isoformat(timespec="seconds"), "file": self.file_path,
            "server": self.server,
            "template": {"id": self.template[0], "name": self.template[1]},
            "campaign": {"id": self.campaign[0], "name": self.campaign[1]},
            "allocation": {"id": self.allocation[0], "name": self.allocation[1]},
            "mode": self.mode, "status": self.status, "finished": self.finished,
            "counts": {cat.value: n for cat, n in self.counts.items()}, "total": self.total,
            "results_path": self.results_path,
            "withdraws_job": self.settings.get("withdraws_job"),
            "disposition": self.settings.get("disposition"),
        }


def _entry(journal: jr.Journal, job: jr.JobRecord) -> JobEntry:
    settings = dict(job.settings or {})
    return JobEntry(
        id=job.id, when=job.created, file_path=job.file_path, server=job.server, template=job.template,
        campaign=job.campaign, allocation=job.allocation, mode=str(settings.get("mode") or "insert"),
        status=job.status, finished=job.status == jr.FINISHED or (job.total > 0 and job.unfinished == 0),
        counts=journal.result_counts(job.id), results_path=settings.get("results_path"), settings=settings)


def history(journal: jr.Journal, limit: int | None = None) -> list[JobEntry]:
    """The journal's jobs, newest first."""
    return [_entry(journal, job) for job in journal.list_jobs(limit)]


def job_entry(journal: jr.Journal, job_id: int) -> JobEntry | None:
    job = journal.job(job_id)
    return _entry(journal, job) if job is not None else None


# -- withdraw ------------------------------------------------------------------------------------

class WithdrawError(ValueError):
    """This job cannot be withdrawn; the message says why."""


@dataclass
class WithdrawLead:
    """One lead to withdraw, as the engine takes a prepared row (``index``, ``row_number``,
    ``lead``, ``issues``, ``sendable``)."""

    index: int
    row_number: int | None
    lead: dict[str, str]
    original: dict[str, str]
    issues: list = field(default_factory=list)
    sendable: bool = True


@dataclass
class WithdrawPlan:
    job: JobEntry
    disposition: str
    leads: list[WithdrawLead]
    no_external_id: int = 0          # inserted, but without an external id: cannot be found
    not_inserted: int = 0            # rows this job did not insert (rejected, invalid, not sent)
    uncertain: int = 0               # no answer came: may have landed; sent (101 if it had not)

    @property
    def fingerprint(self) -> str:
        """A withdraw is resumable like any job: one identity per job withdrawn and disposition."""
        digest = hashlib.sha1(self.disposition.encode("utf-8")).hexdigest()[:10]
        return f"withdraw-of-job-{self.job.id}-{digest}"

    @property
    def file_path(self) -> str:
        src = Path(self.job.file_path)
        return str(src.with_name(f"{src.stem} - withdraw of job {self.job.id}{src.suffix or '.csv'}"))

    def sentences(self) -> list[str]:
        out = [f"Job {self.job.id} ({self.job.file_name}, {self.job.when:%Y-%m-%d %H:%M}, to "
               f"{self.job.target()}) inserted {len(self.leads) - self.uncertain + self.no_external_id} lead(s)."]
        if self.no_external_id:
            out.append(f"{self.no_external_id} of them cannot be withdrawn: they were inserted without an external "
                       "id, and the dialler can only find a lead by its external id. Remove them in Noojee "
                       "itself. (Uploads that give rows a safe external id avoid this.)")
        if self.uncertain:
            out.append(f"{self.uncertain} lead(s) got no answer when they were sent and may or may not be in the "
                       "dialler; they are included (\"Not found\" then means they never landed).")
        if self.not_inserted:
            out.append(f"{self.not_inserted} row(s) of that job were not inserted (rejected, invalid or never sent); "
                       "there is nothing to withdraw for them.")
        out.append(f"{len(self.leads)} lead(s) will get the disposition '{self.disposition}'; every other field "
                   "is sent as <No Change>.")
        return out

    def headers(self) -> list[str]:
        names: dict[str, None] = {}
        for w in self.leads:
            for k in w.original:
                if k != EXTERNAL_ID:
                    names.setdefault(k, None)
        return [ROW_IN_FILE, EXTERNAL_ID, *names]

    def sheet(self):
        """The leads as a sheet, for the results file (each lead's values as loaded)."""
        from noojee_desktop.core.sheet import Sheet

        headers = self.headers()
        rows = [[str(w.row_number or ""), w.original.get(EXTERNAL_ID, "")]
                + [w.original.get(h, "") for h in headers[2:]] for w in self.leads]
        return Sheet(path=Path(self.file_path), sheet_name="", sheet_names=[], headers=headers,
                     source_headers=list(headers), rows=rows,
                     row_numbers=[i + 2 for i in range(len(rows))], fingerprint=self.fingerprint)


def plan_withdraw(journal: jr.Journal, job_id: int, disposition: str) -> WithdrawPlan:
    """Which leads of upload ``job_id`` can be withdrawn with ``disposition``, and which cannot."""
    disposition = (disposition or "").strip()
    if not disposition or disposition.casefold() == NO_CHANGE.casefold():
        raise WithdrawError("Withdrawing needs a disposition to give the leads (for example one that "
                            "finalises them, such as 'Do Not Call' or 'Wrong List').")
    entry = job_entry(journal, job_id)
    if entry is None:
        raise WithdrawError(f"There is no job {job_id} in this computer's journal. "
                            "`noojee-desktop jobs` lists the jobs it has.")
    if entry.mode != "insert":
        raise WithdrawError(f"Job {job_id} is an {entry.mode_label}, not an upload: only the leads an upload "
                            "inserted can be withdrawn.")
    plan = WithdrawPlan(entry, disposition, [])
    for rec in journal.rows(job_id):
        o = rec.outcome
        inserted = rec.state == jr.DONE and o is not None and o.category is Category.INSERTED
        maybe = rec.lead is not None and (rec.maybe_landed or rec.state == jr.INFLIGHT
                                          or (o is not None and o.category is Category.UNCERTAIN))
        if not inserted and not maybe:
            plan.not_inserted += 1
            continue
        lead = dict(rec.lead or {})
        ext = str(rec.external_id or lead.get(EXTERNAL_ID) or "").strip()
        if not ext:
            if inserted:
                plan.no_external_id += 1
            else:
                plan.not_inserted += 1
            continue
        if not inserted:
            plan.uncertain += 1
        body = {k: NO_CHANGE for k in lead if k not in (EXTERNAL_ID, DISPOSITION)}
        body[EXTERNAL_ID] = ext
        body[DISPOSITION] = disposition
        lead[EXTERNAL_ID] = ext
        plan.leads.append(WithdrawLead(len(plan.leads), rec.row_number, body, lead))
    return plan


# -- results file, written again ---------------------------------------------------------------

def job_sheet(journal: jr.Journal, entry: JobEntry):
    """The sheet a job's results file shows and its outcomes (one per row, None: no answer yet).

    The job's own file when it is still there unchanged (same content, same number of rows);
    otherwise (moved, edited, a withdraw) the leads as the journal keeps them."""
    from noojee_desktop.core.sheet import Sheet, SpreadsheetError, read_sheet

    records = journal.rows(entry.id)
    outcomes = [r.outcome for r in records]
    path = Path(entry.file_path)
    job = journal.job(entry.id)
    if path.is_file() and job is not None and job.fingerprint:
        try:
            sheet = read_sheet(path)
        except SpreadsheetError:
            sheet = None
        if sheet is not None and sheet.fingerprint == job.fingerprint and len(sheet.rows) == len(records):
            return sheet, outcomes
    leads = [dict(r.lead or {}) for r in records]
    withdrawn = entry.settings.get("withdraws_job") if entry.mode == "withdraw" else None
    if withdrawn is not None:   # a withdraw's leads say <No Change>: show them as they were loaded
        loaded = {str(r.external_id or (r.lead or {}).get(EXTERNAL_ID) or ""): r.lead
                  for r in journal.rows(int(withdrawn)) if r.lead}
        leads = [dict(loaded.get(str(lead.get(EXTERNAL_ID, "")), lead)) for lead in leads]
    names: dict[str, None] = {}
    for lead in leads:
        for k in lead:
            names.setdefault(k, None)
    headers = [ROW_IN_FILE, *names]
    rows = [[str(r.row_number or "")] + [str(lead.get(h, "")) for h in headers[1:]] for r, lead in zip(records, leads)]
    sheet = Sheet(path=path, sheet_name="", sheet_names=[], headers=headers, source_headers=list(headers),
                  rows=rows, row_numbers=[i + 2 for i in range(len(rows))], fingerprint=job.fingerprint if job else "")
    return sheet, outcomes


def write_job_results(journal: jr.Journal, job_id: int, path: str | Path | None = None) -> Path:
    """Write job ``job_id``'s results file again (next to its file unless ``path``); the journal
    remembers where. Raises WithdrawError (no such job) or OSError (cannot be written)."""
    from noojee_desktop.core.sheet import default_results_path, write_results

    entry = job_entry(journal, job_id)
    if entry is None:
        raise WithdrawError(f"There is no job {job_id} in this computer's journal.")
    sheet, outcomes = job_sheet(journal, entry)
    target = Path(path) if path is not None else default_results_path(entry.file_path)
    write_results(target, sheet, outcomes)
    journal.update_settings(job_id, results_path=str(target))
    return target
