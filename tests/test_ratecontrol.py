"""Adaptive concurrency against a simulated dialler (discrete events on a virtual clock, no sleeps).

The model is the contract's: ``slots`` calls served at once, each ``service`` seconds, the rest
queue FIFO; a call queued longer than ``queue_timeout`` is answered 109 and not applied.
"""

from __future__ import annotations

import asyncio
import heapq
import random

import pytest

from noojee_desktop.core.ratecontrol import AsyncGate, RateController, RateSettings


class SimServer:
    def __init__(self, slots, service, *, queue_timeout=60.0, net=0.001, jitter=0.0, seed=1):
        self.slots, self.service, self.queue_timeout, self.net = slots, service, queue_timeout, net
        self.jitter = jitter
        self.rng = random.Random(seed)
        self.busy = 0
        self.queue: list[int] = []          # request ids waiting
        self.waits: list[float] = []        # server-side queue wait of served calls
        self.served = 0
        self.busy_replies = 0
        self.max_concurrent_seen = 0


def simulate(controller: RateController, server: SimServer, *, duration: float, warmup: float = 0.0):
    """Closed loop with an endless backlog; returns (throughput after warm-up, mean queue wait)."""
    now = 0.0
    events: list = []
    seq = 0
    sent_at: dict[int, float] = {}
    arrived: dict[int, float] = {}
    state: dict[int, str] = {}
    served_after_warmup = 0
    waits_after_warmup: list[float] = []
    wake_pending = False
    busy_after_warmup = 0

    def push(t, kind, rid):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, rid))

    def clock():
        return now

    controller._clock = clock
    controller._last_probe = 0.0
    next_id = 0

    def try_send():
        nonlocal next_id, wake_pending
        while controller.can_send():
            controller.on_send()
            rid = next_id
            next_id += 1
            sent_at[rid] = now
            push(now + server.net / 2, "arrive", rid)
        pause = controller.pause_remaining()
        if pause > 0 and not wake_pending:
            wake_pending = True
            push(now + pause, "wake", -1)

    def start(rid):
        server.busy += 1
        server.max_concurrent_seen = max(server.max_concurrent_seen, server.busy)
        state[rid] = "serving"
        wait = now - arrived[rid]
        server.waits.append(wait)
        if now >= warmup:
            waits_after_warmup.append(wait)
        t = server.service * (1 + server.rng.uniform(0, server.jitter))
        push(now + t, "done", rid)

    try_send()
    while events:
        t, _, kind, rid = heapq.heappop(events)
        if t > duration:
            break
        now = t
        if kind == "arrive":
            arrived[rid] = now
            if server.busy < server.slots:
                start(rid)
            else:
                state[rid] = "queued"
                server.queue.append(rid)
                push(now + server.queue_timeout, "timeout", rid)
        elif kind == "timeout":
            if state.get(rid) == "queued":
                server.queue.remove(rid)
                state[rid] = "109"
                server.busy_replies += 1
                if now >= warmup:
                    busy_after_warmup += 1
                push(now + server.net / 2, "reply109", rid)
        elif kind == "done":
            server.busy -= 1
            server.served += 1
            if now >= warmup:
                served_after_warmup += 1
            if server.queue:
                start(server.queue.pop(0))
            push(now + server.net / 2, "reply", rid)
        elif kind == "reply":
            controller.on_success(now - sent_at.pop(rid))
            try_send()
        elif kind == "reply109":
            sent_at.pop(rid)
            controller.on_busy()
            try_send()
        elif kind == "wake":
            wake_pending = False
            try_send()
    span = duration - warmup
    mean_wait = sum(waits_after_warmup) / max(1, len(waits_after_warmup))
    server.busy_after_warmup = busy_after_warmup
    return served_after_warmup / span, mean_wait


@pytest.mark.parametrize("slots", [2, 4, 8, 16])
def test_auto_finds_the_capacity_without_flooding(slots):
    service = 0.05
    server = SimServer(slots, service, jitter=0.2)
    rc = RateController()
    throughput, mean_wait = simulate(rc, server, duration=120.0, warmup=10.0)
    mean_service = service * 1.1  # with the jitter
    assert throughput >= 0.9 * slots / mean_service
    assert mean_wait < mean_service
    assert server.busy_replies == 0
    # it settles a little above the slot count, not at the cap
    assert rc.cwnd <= slots + max(3, slots // 3)


def test_single_slot_server_is_kept_busy_without_109():
    server = SimServer(1, 0.1, queue_timeout=1.0)
    rc = RateController()
    throughput, _ = simulate(rc, server, duration=120.0, warmup=10.0)
    assert throughput >= 0.9 * 1 / 0.1
    assert server.busy_replies == 0
    assert rc.cwnd <= 3


def test_window_does_not_creep_up_over_a_long_job():
    """A closed loop that always keeps a call queued would see its base latency drift upwards;
    the periodic probe keeps the window where it belongs after many minutes."""
    server = SimServer(4, 0.1, jitter=0.1)
    rc = RateController()
    _, mean_wait = simulate(rc, server, duration=900.0, warmup=600.0)
    assert rc.cwnd <= 4 + 3
    assert mean_wait < 0.1


@pytest.mark.parametrize("slots", [8, 16])
def test_slow_start_fills_a_big_dialler_within_the_first_second(slots):
    """The window doubles while calls do not queue, so the first second is not spent creeping
    up one call a round; then it settles near the slots, without 109s."""
    capacity = slots / (0.05 * 1.1)
    early = {}
    for slow_start in (False, True):
        server = SimServer(slots, 0.05, jitter=0.2)
        rc = RateController(RateSettings(slow_start=slow_start))
        early[slow_start], _ = simulate(rc, server, duration=1.0)
        assert server.busy_replies == 0
    assert early[True] >= 0.75 * capacity
    assert early[True] > early[False] * 1.05
    server = SimServer(slots, 0.05, jitter=0.2)
    rc = RateController()
    _, mean_wait = simulate(rc, server, duration=30.0, warmup=5.0)
    assert slots <= rc.cwnd <= slots + max(3, slots // 3) and mean_wait < 0.05


def test_a_cap_holds_the_window_and_it_does_not_grow_behind_it():
    server = SimServer(8, 0.05)
    rc = RateController()
    rc.cap = 2
    simulate(rc, server, duration=5.0)
    assert server.max_concurrent_seen == 2 and rc.cwnd == 2
    assert rc.limit == 2


def test_busy_replies_halve_the_window_and_pause():
    clock = [100.0]
    rc = RateController(RateSettings(initial=16, busy_pause=2.0), clock=lambda: clock[0])
    for _ in range(16):
        rc.on_send()
    rc.on_busy()
    assert rc.cwnd == 8
    assert not rc.can_send()          # paused
    rc.on_busy()                      # same round: no second halving
    assert rc.cwnd == 8
    clock[0] += 2.5
    assert rc.pause_remaining() == 0
    assert rc.busy_count == 2


def test_recovers_after_starting_far_too_high():
    """A server with 2 slots and a short queue timeout: starting at 32 produces 109s, then the
    window comes down and the 109s stop while the server stays fully used."""
    server = SimServer(2, 0.05, queue_timeout=0.3)
    rc = RateController(RateSettings(initial=32))
    throughput, mean_wait = simulate(rc, server, duration=100.0, warmup=40.0)
    assert server.busy_replies > 0         # it did start too high
    assert server.busy_after_warmup == 0   # none once it settled
    assert throughput >= 0.9 * 2 / 0.05
    assert rc.cwnd < 16


def test_fixed_concurrency_never_adapts():
    server = SimServer(2, 0.05, queue_timeout=0.2)
    rc = RateController(fixed=12)
    simulate(rc, server, duration=10.0)
    assert rc.cwnd == 12 and rc.limit == 12
    assert server.max_concurrent_seen == 2
    assert server.busy_replies > 0


def test_fixed_concurrency_must_be_positive():
    with pytest.raises(ValueError):
        RateController(fixed=0)


async def test_async_gate_limits_tasks_and_pauses():
    rc = RateController(fixed=3)
    gate = AsyncGate(rc)
    peak = 0
    running = 0
    done = 0

    async def task():
        nonlocal peak, running, done
        assert await gate.acquire()
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        running -= 1
        done += 1
        gate.success(0.01)

    gate.pause()
    tasks = [asyncio.create_task(task()) for _ in range(10)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert done == 0          # nothing goes out while paused
    gate.resume()
    await asyncio.gather(*tasks)
    assert done == 10
    assert peak == 3
    assert rc.inflight == 0


async def test_async_gate_acquire_gives_up_when_stopped():
    rc = RateController(fixed=1)
    gate = AsyncGate(rc)
    assert await gate.acquire()
    stop = False

    async def waiter():
        return await gate.acquire(lambda: stop)

    t = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    stop = True
    gate.wake()
    assert await t is False
    assert rc.inflight == 1
