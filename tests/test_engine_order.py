"""Rows reach the dialler in file order (within the concurrency window), a Stop never leaves a
row unsent ahead of inserted ones, and rate/ETA tell the truth after a pause and during a retry."""

from __future__ import annotations

import asyncio

from test_engine import FAST, FAST_RATE, FakeDialler, rows, spec

from noojee_desktop.core.api import NoojeeClient
from noojee_desktop.core.codes import Category
from noojee_desktop.core.engine import JobSpec, RetryPolicy, UploadEngine
from noojee_desktop.core.journal import Journal
from noojee_desktop.core.ratecontrol import RateSettings
from noojee_desktop.core.sheet import auto_map, read_sheet, validate

POLICY = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=0.02)
RATE = RateSettings(busy_pause=0.02, error_pause=0.01)


def _prepare(path):
    sheet = read_sheet(path)
    return sheet, validate(sheet, auto_map(sheet.headers, None, {"FirstPhone"}))


def _row_of(stored_lead) -> int:
    return int(stored_lead["lead"]["FirstPhone"][2:])     # lead_csv: phone 03 + the row index


async def _poll(condition, what: str, limit: float = 20.0) -> None:
    """A bounded wait on the loop; fails with a message."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.002)


class RecordingClient(NoojeeClient):
    """The real client, noting the order in which rows are handed to it."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.sent: list[int] = []

    async def insert_lead(self, template_id, campaign_id, allocation_id, lead, **kw):
        self.sent.append(int(lead["FirstPhone"][2:]))
        return await super().insert_lead(template_id, campaign_id, allocation_id, lead, **kw)


def _stray(order) -> int:
    return max(abs(pos - row) for pos, row in enumerate(order))


async def test_leads_arrive_in_file_order_and_retried_rows_go_ahead(sandbox_factory, lead_csv):
    server = sandbox_factory(slots=4, service_time=0.005)
    n = 300
    sheet, prepared = _prepare(lead_csv(n))
    server.fail_next(3, code=109)          # the first calls are told "too busy": sent again, first
    async with RecordingClient(server.url, server.api_key) as client:
        job = JobSpec(server=client.base_url, template=(1, ""), campaign=(11, ""), allocation=(111, ""),
                      file_path=str(sheet.path), fingerprint=sheet.fingerprint)
        engine = UploadEngine(client, job, prepared, Journal(), policy=POLICY, rate=RATE)
        summary = await engine.run()
    assert summary.all_inserted
    window = engine.controller.max_cwnd
    # sent in file order: a row only overtakes rows already given a slot (at most the window)
    first_sends = list(dict.fromkeys(client.sent))
    assert sorted(first_sends) == list(range(n))
    assert _stray(first_sends) <= window, f"sent {first_sends}, window {window}"
    # the rows told 109 were sent again before any row not sent yet
    retried = [i for i, o in enumerate(summary.outcomes) if o.attempts > 1]
    assert sum(o.attempts - 1 for o in summary.outcomes) == 3 and retried
    for i in retried:
        again = len(client.sent) - 1 - client.sent[::-1].index(i)       # its last send
        assert max(client.sent[:again]) <= i + window, f"row {i} resent behind unsent rows"
    # and so they arrived: the dialler stored them in file order, give or take the calls in
    # flight together (the old engine had row 0 arrive 296 places late)
    arrival = [_row_of(r) for r in server.leads()]
    assert sorted(arrival) == list(range(n))
    assert _stray(arrival) <= 2 * window, f"arrival order {arrival}, window {window}"


async def test_stop_leaves_no_unsent_row_ahead_of_inserted_ones(sandbox_factory, lead_csv):
    server = sandbox_factory(slots=2, service_time=0.01)
    sheet, prepared = _prepare(lead_csv(400))
    async with NoojeeClient(server.url, server.api_key) as client:
        job = JobSpec(server=client.base_url, template=(1, ""), campaign=(11, ""), allocation=(111, ""),
                      file_path=str(sheet.path), fingerprint=sheet.fingerprint)
        engine = UploadEngine(client, job, prepared, Journal(), policy=POLICY, rate=RATE)
        task = asyncio.create_task(engine.run())
        await _poll(lambda: len(server.leads()) >= 60, "60 leads stored")
        engine.cancel()
        summary = await task
    assert summary.stopped == "cancelled"
    cats = [o.category for o in summary.outcomes]
    inserted = [i for i, c in enumerate(cats) if c is Category.INSERTED]
    cancelled = [i for i, c in enumerate(cats) if c is Category.CANCELLED]
    assert inserted and cancelled and len(inserted) + len(cancelled) == 400
    window = engine.controller.max_cwnd
    assert max(inserted) - min(cancelled) < window, (
        f"row {min(cancelled)} was cancelled while row {max(inserted)} was inserted (window {window})")
    assert sorted(_row_of(r) for r in server.leads()) == inserted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_and_eta_come_from_recent_calls_and_restart_after_a_pause():
    clock = Clock()
    client = FakeDialler()
    pause_at = {50}

    def tick():                            # each call takes 0.1 s: 10 leads/s; pause at set call counts
        clock.now += 0.1
        if client.calls in pause_at:
            eng.pause()

    client.tick = tick
    eng = UploadEngine(client, spec(), rows(200), None, concurrency=1, policy=FAST, rate=FAST_RATE, clock=clock)
    task = asyncio.create_task(eng.run())
    await _poll(lambda: eng.paused and eng.controller.inflight == 0, "the pause after 50 calls")
    p = eng.progress()
    assert p.run_done == 50 and 9.0 <= p.rate <= 11.0 and p.paused
    clock.now += 300.0                     # five minutes on the pause
    pause_at.add(80)
    eng.resume()
    await _poll(lambda: eng.paused and eng.controller.inflight == 0, "the pause after 80 calls")
    q = eng.progress()
    assert q.run_done == 80
    # not diluted by the pause (30 leads over 5 min 3 s would be 0.1/s, an ETA of half an hour)
    assert 9.0 <= q.rate <= 11.0
    assert q.eta is not None and abs(q.eta - 120 / 10.0) <= 1.5
    eng.resume()
    summary = await task
    assert summary.all_inserted


async def test_retry_failed_rows_has_its_own_totals_and_rate():
    clock = Clock()
    client = FakeDialler({f"Lead {i}": [103] * 4 for i in range(0, 100, 10)})    # 10 of 100 fail
    eng = UploadEngine(client, spec(), rows(100), Journal(), concurrency=1, policy=FAST, rate=FAST_RATE,
                       clock=clock)
    first = await eng.run()
    assert first.counts[Category.SERVER_ERROR] == 10
    seen = []

    def tick():                            # at each call of the retry: 0.1 s pass; what does it show?
        clock.now += 0.1
        seen.append(eng.progress())

    client.tick = tick
    again = await eng.retry_failed()
    assert again.all_inserted
    last = eng.progress()
    assert (last.run_total, last.run_done, last.retrying) == (10, 10, True)
    assert last.total == 100                             # the file's figures stay the file's
    assert seen and all(p.run_total == 10 and p.retrying for p in seen)
    assert any(0 < p.run_done < 10 for p in seen)        # the bar moves through the retry's own rows
    assert 9.0 <= last.rate <= 11.0                      # the retry's rate, not the first run's


async def test_a_resumed_run_counts_its_own_rows():
    client = FakeDialler()
    client.gate = asyncio.Event()
    client.hold_after = 30                 # the 31st call and later are held in flight
    j = Journal()
    first = UploadEngine(client, spec(), rows(100), j, concurrency=2, policy=FAST, rate=FAST_RATE)
    task = asyncio.create_task(first.run())
    await _poll(lambda: client.calls >= 32, "32 calls")
    first.cancel()
    client.gate.set()
    summary = await task
    unsent = summary.counts[Category.CANCELLED]
    assert summary.inserted + unsent == 100 and unsent >= 60
    seen = []
    client.tick = lambda: seen.append(resumed.progress())
    resumed = UploadEngine(client, spec(resume_job_id=summary.job_id), rows(100), j, concurrency=2, policy=FAST,
                           rate=FAST_RATE)
    again = await resumed.run()
    assert again.all_inserted and len(client.stored) == 100
    assert seen and all(p.run_total == unsent and p.total == 100 and not p.retrying for p in seen)
    assert seen[0].done == 100 - unsent and seen[0].run_done == 0
