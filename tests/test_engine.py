"""UploadEngine against a scripted in-memory dialler: every failure path ends each row in the
right final state, and no lead is stored twice."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from noojee_desktop.core import journal as jr
from noojee_desktop.core.api import AuthError, ConnectFailed, ConnectionDropped, LeadReply, RequestTimeout
from noojee_desktop.core.codes import Category, lookup
from noojee_desktop.core.engine import (
    NOTE_CONFIRMED,
    NOTE_PROBABLY,
    JobSpec,
    RetryPolicy,
    UploadEngine,
    generated_external_id,
)
from noojee_desktop.core.journal import Journal
from noojee_desktop.core.ratecontrol import RateSettings
from helpers.sandbox import SOLAR

FAST = RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.01, outage_tolerance=0.3,
                   probe_base=0.01, probe_max=0.02, busy_limit=5.0)
FAST_RATE = RateSettings(busy_pause=0.005, error_pause=0.001)


@dataclass
class Issue:
    column: str | None
    severity: str
    message: str


@dataclass
class Row:  # the spreadsheet core's PreparedRow interface
    index: int
    row_number: int
    lead: dict
    issues: list = field(default_factory=list)

    @property
    def sendable(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def rows(n, *, ext=False, start=0):
    out = []
    for i in range(start, start + n):
        lead = {"Name": f"Lead {i}", "FirstPhone": f"03{i:08d}"}
        if ext:
            lead["njExternalLeadId"] = f"ACC-{i}"
        out.append(Row(i, i + 2, lead))
    return out


class FakeDialler:
    """Stores leads like the contract says; ``script[name]`` is a list of actions for that lead's
    successive calls: "ok" (normal), "drop" (store, then lose the reply), "lost" (lose the request),
    101, 109, 103, 110, "refused" (connection refused), "auth"."""

    def __init__(self, script=None, *, down_calls=0):
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.stored: list[dict] = []
        self.calls = 0
        self.down_calls = down_calls     # the first N calls (and probes) are refused
        self.probes = 0
        self.gate: asyncio.Event | None = None
        self.down_after_stored: int | None = None
        self.hold_after = 0               # calls after this many wait for ``gate``
        self.order: list[str] = []        # lead names in the order the calls came
        self.active = 0
        self.peak = 0                     # calls in progress at once, at most
        self.contact_hours = {"Standard"}
        self.tick = None                  # called at each call (a test's fake clock)

    def _reply(self, code):
        info = lookup(code)
        return LeadReply(code, info.name, 200 if code == 0 else 400, info, 0.001)

    async def list_templates(self):
        self.probes += 1
        if self.down_calls > 0:
            self.down_calls -= 1
            raise ConnectFailed("Could not connect to the dialler.", retryable=True)
        return []

    async def insert_lead(self, t, c, a, lead, *, allow_duplicates=False):
        self.calls += 1
        if self.tick is not None:
            self.tick()
        self.order.append(lead.get("Name"))
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            if self.gate is not None and self.calls > self.hold_after:
                await self.gate.wait()
            await asyncio.sleep(0)
            return self._insert(lead, allow_duplicates)
        finally:
            self.active -= 1

    def _insert(self, lead, allow_duplicates):
        if self.down_calls > 0:
            self.down_calls -= 1
            raise ConnectFailed("Could not connect to the dialler.", retryable=True)
        actions = self.script.get(lead.get("Name"))
        action = actions.pop(0) if actions else "ok"
        if action == "refused":
            raise ConnectFailed("Could not connect to the dialler.", retryable=True)
        if action == "auth":
            raise AuthError("The dialler refused the API key.")
        if action == "lost":
            raise RequestTimeout("No answer in time.", may_have_landed=True, retryable=True)
        if action in (101, 109, 103, 110):
            return self._reply(action)
        if not lead.get("FirstPhone"):          # the template's only phone field
            return self._reply(102)
        if lead.get("njContactHours") and lead["njContactHours"] not in self.contact_hours:
            return self._reply(111)
        ext = lead.get("njExternalLeadId")
        if ext and any(s.get("njExternalLeadId") == ext for s in self.stored):
            return self._reply(112)
        if not allow_duplicates and any(s["FirstPhone"] == lead["FirstPhone"] for s in self.stored):
            return self._reply(105)
        self.stored.append(dict(lead))
        if self.down_after_stored is not None and len(self.stored) >= self.down_after_stored:
            self.down_calls = 10**9
            self.down_after_stored = None
        if action == "drop":
            raise ConnectionDropped("The connection closed before the reply came.", may_have_landed=True,
                                    retryable=True)
        return self._reply(0)

    def count(self, name):
        return sum(1 for s in self.stored if s["Name"] == name)


def spec(**kw):
    base = dict(server="https://dialler.example.com", template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                allocation=(111, "VIC Week 1"), file_path="/tmp/leads.csv", fingerprint="fp")
    base.update(kw)
    return JobSpec(**base)


def engine(client, the_rows, *, journal=None, concurrency="auto", **kw):
    return UploadEngine(client, spec(**kw), the_rows, journal, concurrency=concurrency, policy=FAST,
                        rate=FAST_RATE, progress_interval=0.01)


async def test_all_rows_inserted_once_with_batched_progress():
    client = FakeDialler()
    batches = []
    j = Journal()
    eng = UploadEngine(client, spec(), rows(200), j, on_progress=batches.append, policy=FAST, rate=FAST_RATE,
                       progress_interval=0.05)
    summary = await eng.run()
    assert summary.all_inserted and summary.counts == {Category.INSERTED: 200}
    assert len(client.stored) == 200 and client.calls == 200
    assert all(o.attempts == 1 and o.code == 0 and o.sent_at is not None for o in summary.outcomes)
    reported = [i for b in batches for i, _ in b]
    assert sorted(reported) == list(range(200))
    assert len(batches) < 200           # batched, not one call per row
    assert j.job(summary.job_id).status == jr.FINISHED
    assert all(r.state == jr.DONE for r in j.rows(summary.job_id))
    p = eng.progress()
    assert p.done == 200 and p.total == 200


async def test_invalid_rows_are_reported_and_never_sent():
    rs = rows(3)
    rs[1].issues.append(Issue("FirstPhone", "error", "no phone number"))
    rs[2].issues.append(Issue("Email", "warning", "looks odd"))
    client = FakeDialler()
    summary = await engine(client, rs).run()
    assert summary.outcomes[1].category is Category.INVALID
    assert "no phone number" in summary.outcomes[1].message and summary.outcomes[1].attempts == 0
    assert summary.outcomes[2].category is Category.INSERTED
    assert client.count("Lead 1") == 0 and client.calls == 2


async def test_lost_reply_with_external_id_is_retried_and_confirmed_by_112():
    client = FakeDialler({"Lead 0": ["drop"], "Lead 1": ["lost", "ok"]})
    summary = await engine(client, rows(3, ext=True)).run()
    o0, o1 = summary.outcomes[0], summary.outcomes[1]
    assert (o0.category, o0.code, o0.note, o0.attempts) == (Category.INSERTED, 112, NOTE_CONFIRMED, 2)
    assert (o1.category, o1.code, o1.attempts) == (Category.INSERTED, 0, 2)
    assert [client.count(f"Lead {i}") for i in range(3)] == [1, 1, 1]


async def test_lost_reply_without_external_id_is_not_resent_when_duplicates_are_allowed():
    client = FakeDialler({"Lead 0": ["drop"]})
    summary = await engine(client, rows(2), allow_duplicates=True).run()
    o = summary.outcomes[0]
    assert o.category is Category.UNCERTAIN and o.attempts == 1
    assert client.count("Lead 0") == 1       # not a second copy
    assert summary.outcomes[1].category is Category.INSERTED


async def test_lost_reply_without_external_id_retried_and_105_means_probably_inserted():
    client = FakeDialler({"Lead 0": ["drop"]})
    summary = await engine(client, rows(2)).run()
    o = summary.outcomes[0]
    assert (o.category, o.code, o.note, o.attempts) == (Category.INSERTED, 105, NOTE_PROBABLY, 2)
    assert client.count("Lead 0") == 1


async def test_generated_external_ids_make_retries_safe_even_with_duplicates_allowed():
    client = FakeDialler({"Lead 0": ["drop"]})
    the_rows = rows(2)
    summary = await engine(client, the_rows, allow_duplicates=True, generate_external_ids=True).run()
    assert summary.outcomes[0].category is Category.INSERTED and summary.outcomes[0].note == NOTE_CONFIRMED
    assert client.count("Lead 0") == 1
    ids = [s["njExternalLeadId"] for s in client.stored]
    assert all(i.startswith("NJL-") and len(i) == 20 for i in ids) and len(set(ids)) == 2
    # stable: the same file and row content give the same id; another file another id
    assert generated_external_id("fp", the_rows[1].lead) == client.stored[-1]["njExternalLeadId"]
    assert generated_external_id("other", the_rows[1].lead) != client.stored[-1]["njExternalLeadId"]


async def test_retry_policy_per_code():
    client = FakeDialler({
        "Lead 0": [109, 109, "ok"],          # busy: retried
        "Lead 1": [103, 103, "ok"],          # server error: retried with backoff
        "Lead 2": [103, 103, 103, 103, 103],  # gives up after 4 attempts
        "Lead 3": [110, "ok"],                # conflict: never retried
    })
    summary = await engine(client, rows(4)).run()
    o = summary.outcomes
    assert (o[0].category, o[0].attempts) == (Category.INSERTED, 3)
    assert (o[1].category, o[1].attempts) == (Category.INSERTED, 3)
    assert (o[2].category, o[2].code, o[2].attempts) == (Category.SERVER_ERROR, 103, 4)
    assert (o[3].category, o[3].code, o[3].attempts) == (Category.REJECTED, 110, 1)
    assert client.count("Lead 3") == 0
    assert summary.busy_replies == 2


@pytest.mark.allow_log(r"dialler unreachable", logger="noojee_desktop.core.engine")
async def test_server_down_for_a_while_then_back_loses_nothing():
    client = FakeDialler(down_calls=5)
    summary = await engine(client, rows(20)).run()
    assert summary.all_inserted
    assert all(client.count(f"Lead {i}") == 1 for i in range(20))
    assert client.probes >= 1
    assert all(o.attempts == 1 for o in summary.outcomes)   # refused calls were never sent


@pytest.mark.allow_log(r"dialler unreachable", logger="noojee_desktop.core.engine")
async def test_server_down_too_long_keeps_rows_for_resume_then_resume_sends_them_once():
    j = Journal()
    client = FakeDialler()
    client.down_after_stored = 3          # goes down for good after storing 3 leads
    summary = await engine(client, rows(10), journal=j, concurrency=2).run()
    assert summary.stopped == "unreachable"
    assert "could not be reached" in summary.message
    unsent = [o for o in summary.outcomes if o.category is Category.SERVER_ERROR]
    assert unsent and all(o.message == "server unreachable" for o in unsent)
    assert summary.inserted + len(unsent) == 10
    job = j.job(summary.job_id)
    assert job.status == jr.STOPPED and job.unfinished == len(unsent)
    assert [x.id for x in j.list_interrupted()] == [summary.job_id]

    client.down_calls = 0
    found = j.find_resumable("fp", "https://dialler.example.com", *SOLAR)
    assert found.id == summary.job_id
    second = engine(client, rows(10), journal=j, resume_job_id=found.id)
    summary2 = await second.run()
    assert summary2.all_inserted
    assert all(client.count(f"Lead {i}") == 1 for i in range(10))
    assert j.job(found.id).status == jr.FINISHED and j.list_interrupted() == []


async def test_key_refused_stops_the_job_and_keeps_rows_pending():
    j = Journal()
    client = FakeDialler({"Lead 0": ["auth"]})
    summary = await engine(client, rows(5), journal=j, concurrency=1).run()
    assert summary.stopped == "refused" and "refused the API key" in summary.message
    assert summary.inserted == 0
    assert all(o.category is Category.PENDING for o in summary.outcomes)
    assert all(r.state == jr.PENDING for r in j.rows(summary.job_id))
    assert client.calls == 1


async def test_resume_after_a_kill_follows_the_unknown_landing_rule():
    """The journal says: row 0 done, row 1 in flight (the process died mid-call), row 2 pending."""
    j = Journal()
    for allow_dups, ext, expect in [(False, True, (Category.INSERTED, NOTE_CONFIRMED)),
                                    (True, False, (Category.UNCERTAIN, "")),
                                    (False, False, (Category.INSERTED, NOTE_PROBABLY))]:
        the_rows = rows(3, ext=ext)
        client = FakeDialler()
        client.stored = [dict(the_rows[0].lead), dict(the_rows[1].lead)]   # both had landed
        jid = j.create_job(file_path="/tmp/leads.csv", fingerprint="fp", server="https://dialler.example.com",
                           template=(1, ""), campaign=(11, ""), allocation=(111, ""))
        j.add_rows(jid, [(r.index, r.row_number, r.lead, r.lead.get("njExternalLeadId"), None) for r in the_rows])
        from datetime import datetime

        from noojee_desktop.core.outcome import RowOutcome
        j.mark_inflight(jid, 0, 1, datetime.now())
        j.record(jid, 0, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)
        j.mark_inflight(jid, 1, 1, datetime.now())
        summary = await engine(client, the_rows, journal=j, resume_job_id=jid, allow_duplicates=allow_dups).run()
        o = summary.outcomes
        assert o[0].category is Category.INSERTED and o[0].attempts == 1
        assert (o[1].category, o[1].note) == expect
        assert o[2].category is Category.INSERTED
        assert [client.count(f"Lead {i}") for i in range(3)] == [1, 1, 1]
        assert client.calls == (1 if expect[0] is Category.UNCERTAIN else 2)


async def test_pause_sends_nothing_until_resumed_and_cancel_keeps_unsent_rows():
    client = FakeDialler()
    j = Journal()
    client.gate = asyncio.Event()          # calls after the 10th are held in flight
    client.hold_after = 10
    eng = engine(client, rows(50), journal=j, concurrency=2)
    eng.pause()
    task = asyncio.create_task(eng.run())
    for _ in range(20):
        await asyncio.sleep(0)
    assert client.calls == 0 and eng.progress().paused
    eng.resume()
    while eng.controller.inflight < 2 or client.calls < 12:
        await asyncio.sleep(0.001)
    eng.cancel()
    await asyncio.sleep(0.01)
    assert not task.done()                 # cancel waits for the calls in flight
    client.gate.set()
    summary = await task
    assert summary.stopped == "cancelled"
    cats = [o.category for o in summary.outcomes]
    assert set(cats) == {Category.INSERTED, Category.CANCELLED}
    assert cats.count(Category.INSERTED) == len(client.stored) == 12
    assert len({s["Name"] for s in client.stored}) == len(client.stored)
    job = j.job(summary.job_id)
    assert job.status == jr.CANCELLED and job.unfinished == cats.count(Category.CANCELLED)


async def test_retry_failed_resends_failures_but_not_rejections_unless_asked():
    # 101 is a rejection that may be sent again on request; 110 (someone was editing the lead) never is
    client = FakeDialler({"Lead 0": [103, 103, 103, 103], "Lead 1": [101], "Lead 3": [110]})
    the_rows = rows(4)
    the_rows[2].lead["FirstPhone"] = "0399999999"
    client.stored = [{"Name": "someone else", "FirstPhone": "0399999999"}]
    eng = engine(client, the_rows, journal=Journal())
    summary = await eng.run()
    assert [o.category for o in summary.outcomes] == [Category.SERVER_ERROR, Category.REJECTED,
                                                      Category.DUPLICATE, Category.REJECTED]
    again = await eng.retry_failed()
    assert [o.category for o in again.outcomes] == [Category.INSERTED, Category.REJECTED, Category.DUPLICATE,
                                                    Category.REJECTED]
    assert again.outcomes[0].attempts == 5
    assert client.count("Lead 1") == 0
    calls = client.calls
    again = await eng.retry_failed(include_rejections=True)
    assert again.outcomes[1].category is Category.INSERTED
    assert again.outcomes[2].category is Category.DUPLICATE and again.outcomes[2].attempts == 2
    assert client.count("Lead 0") == 1 and client.count("Lead 1") == 1
    assert (again.outcomes[3].code, again.outcomes[3].attempts) == (110, 1) and client.count("Lead 3") == 0
    assert client.calls == calls + 2   # Lead 1 and Lead 2 only


async def test_fixed_concurrency_is_respected_after_a_cautious_start():
    client = FakeDialler()
    client.gate = asyncio.Event()          # every call held in flight
    eng = engine(client, rows(30), concurrency=3)
    task = asyncio.create_task(eng.run())
    for _ in range(50):
        await asyncio.sleep(0)
    assert client.calls == 2               # no reply yet: at most CAUTIOUS_START in flight
    client.gate.set()
    summary = await task
    assert summary.all_inserted and eng.controller.limit == 3
    assert client.peak == 3                # once replies came back OK: the 3 asked for, never more
