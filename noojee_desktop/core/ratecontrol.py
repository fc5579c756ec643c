"""Adaptive concurrency: find how many calls the dialler can take at once, without flooding it.

The dialler runs at most (hardware threads / 2) calls at once, each at least ~100 ms, queues the
rest and drops a call queued for over a minute with code 109. The client cannot learn that number,
so it measures it, the way TCP Vegas does for a network path:

* ``base_rtt``: the lowest recent round-mean latency -- calls that did not wait in the server's queue.
* A window ``cwnd`` of calls allowed in flight, starting at 2.
* Slow start, as in TCP: while a round shows no queueing the window doubles each round; the
  first round that shows calls queueing ends it, with the window set to the calls that were not
  queued plus one (``cwnd - queued + 1``). From there the Vegas rule below takes over. Without
  it a big dialler took many rounds at +1 each to reach its slots (measured: 80 % of capacity
  over a 2,000-lead job with 8 slots, start-up included).
* Once per *round* (about ``cwnd`` completions) the round's mean latency ``rtt`` gives the number of
  our calls waiting in the server's queue: ``queued = cwnd * (1 - base_rtt / rtt)``.
  Fewer than ``alpha`` queued: the server has idle slots, grow by one. More than ``beta``: we are
  only adding queueing delay, shrink by one. In between: hold. So the window settles at about
  (slots + 1) -- a little more for big servers, where alpha/beta scale with the window to absorb
  latency noise: every slot busy, and on average one or two calls waiting, i.e. a mean queue wait
  well under one service time.
* 109 (too busy) or a server error (103/5xx): halve the window (at most once per round) and pause
  new sends briefly.
* ``base_rtt`` is a windowed minimum. A closed loop that always keeps one call queued never sees an
  unqueued call again, so the window would drift upwards; every ``probe_interval`` seconds one round
  runs at half the window to re-measure the true base latency (cheap: one round in many).

``RateController`` is pure logic on an injectable clock, so it is unit-tested against a simulated
server without sleeping. ``AsyncGate`` puts it in front of asyncio tasks and hands free slots out
in priority order (the engine uses the row's index: rows go out in file order, and a row being
retried goes ahead of rows not sent yet). ``fixed=N`` turns the adaptation off (the user knows
the server's capacity); ``cap`` holds the window lower for a while whatever the mode (the engine's
cautious start). ``RecentRate`` is the rate of the last seconds of completions, for progress.
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class RateSettings:
    initial: int = 2
    minimum: int = 1
    maximum: int = 32
    alpha: float = 0.5
    beta: float = 1.5
    #: for big windows: alpha and beta as a fraction of the window, when that is larger
    alpha_per_call: float = 0.1
    beta_per_call: float = 0.3
    #: pause after a 109 (the server had a call queued for a minute: let it drain)
    busy_pause: float = 2.0
    #: pause after a 103/5xx
    error_pause: float = 0.5
    #: seconds of history for the base latency
    base_window: float = 60.0
    #: completions per round at least (a round's mean latency is one measurement)
    min_round: int = 3
    #: seconds between base-latency probes (one round at half the window)
    probe_interval: float = 20.0
    #: double the window each round until calls start to queue (TCP's slow start)
    slow_start: bool = True


class RateController:
    """How many calls may be in flight now. Call :meth:`on_send` when a call goes out and exactly
    one of :meth:`on_success` (any reply the server processed, with its latency),
    :meth:`on_busy` (109), :meth:`on_error` (103/5xx) or :meth:`on_abandon` (no usable reply:
    transport failure, cancelled) when it ends."""

    def __init__(self, settings: RateSettings | None = None, *, fixed: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = s = settings or RateSettings()
        self.fixed = fixed
        self._clock = clock
        if fixed is not None:
            if fixed < 1:
                raise ValueError("concurrency must be at least 1")
            self.cwnd = fixed
        else:
            self.cwnd = max(s.minimum, min(s.maximum, s.initial))
        self.inflight = 0
        self.base_rtt: float | None = None
        self._samples: collections.deque[tuple[float, float]] = collections.deque()  # (time, round mean)
        self.last_queued = 0.0
        self._round_latencies: list[float] = []
        self._round_had_reduction = False
        self._pause_until = 0.0
        self._last_probe = clock()
        self._probing = False
        self._probe_skip = 0
        self.slow_start = fixed is None and s.slow_start
        #: an upper bound on the calls in flight whatever the window (None: none)
        self.cap: int | None = None
        # statistics, for the progress line and the benchmark
        self.busy_count = 0
        self.error_count = 0
        self.max_cwnd = self.cwnd

    # -- gate ---------------------------------------------------------------------------------
    @property
    def limit(self) -> int:
        """Calls allowed in flight right now."""
        if self.fixed is not None:
            limit = self.fixed
        elif self._probing:
            limit = max(self.settings.minimum, self.cwnd // 2)
        else:
            limit = self.cwnd
        return limit if self.cap is None else max(1, min(limit, self.cap))

    def pause_remaining(self) -> float:
        return max(0.0, self._pause_until - self._clock())

    def can_send(self) -> bool:
        return self.inflight < self.limit and self.pause_remaining() <= 0.0

    def on_send(self) -> None:
        self.inflight += 1

    # -- feedback -----------------------------------------------------------------------------
    def on_success(self, latency: float) -> None:
        self._finish()
        if self._probe_skip > 0:
            # sent under another window (before a probe began, before slow start doubled):
            # not a sample of this round's window
            self._probe_skip -= 1
            return
        self._round_latencies.append(latency)
        if len(self._round_latencies) >= max(self.settings.min_round, self.limit):
            self._end_round(self._clock())

    def on_busy(self) -> None:
        self.busy_count += 1
        self._finish()
        self._reduce(self.settings.busy_pause)

    def on_error(self) -> None:
        self.error_count += 1
        self._finish()
        self._reduce(self.settings.error_pause)

    def on_abandon(self) -> None:
        self._finish()

    # -- internals ----------------------------------------------------------------------------
    def _finish(self) -> None:
        if self.inflight > 0:
            self.inflight -= 1

    def _reduce(self, pause: float) -> None:
        now = self._clock()
        self._pause_until = max(self._pause_until, now + pause)
        if self.fixed is not None or self._round_had_reduction:
            return
        self.cwnd = max(self.settings.minimum, self.cwnd // 2)
        self.slow_start = False
        self._round_had_reduction = True
        self._round_latencies.clear()

    def _end_round(self, now: float) -> None:
        latencies = self._round_latencies
        self._round_latencies = []
        self._round_had_reduction = False
        was_probing = self._probing
        self._probing = False
        rtt = sum(latencies) / len(latencies)
        # Base latency: the lowest round mean in the window. Round means rather than single calls,
        # so that calls that merely happened to be quick (service times vary) do not pass for
        # "no queueing" and make every busy round look queued.
        self._samples.append((now, rtt))
        horizon = now - self.settings.base_window
        while len(self._samples) > 1 and self._samples[0][0] < horizon:
            self._samples.popleft()
        self.base_rtt = min(mean for _, mean in self._samples)
        if self.fixed is not None or was_probing:
            return
        if self.cap is not None and self.cwnd >= self.cap:
            return      # held lower from outside: these latencies say nothing about a bigger window
        queued = self.cwnd * (1.0 - self.base_rtt / rtt) if rtt > 0 else 0.0
        self.last_queued = queued
        s = self.settings
        # Thresholds grow with the window: latency noise (a busy client, a busy network) shows up
        # as cwnd * relative noise "queued" calls, and a few queued calls cost a big server little
        # wait each (queued / slots service times).
        alpha = max(s.alpha, s.alpha_per_call * self.cwnd)
        beta = max(s.beta, s.beta_per_call * self.cwnd)
        if self.slow_start:
            if queued < alpha:
                self.cwnd = min(s.maximum, self.cwnd * 2)
                # the calls in flight went out under the old window: the next round measures
                # the new one only (else a round half at the old window hides the queueing and
                # the window doubles once too often)
                self._probe_skip = self.inflight
            else:
                # the calls that did not queue are about the slots: keep those, plus one waiting
                self.slow_start = False
                self.cwnd = max(s.minimum, min(s.maximum, round(self.cwnd - queued) + 1))
        elif queued < alpha:
            self.cwnd = min(s.maximum, self.cwnd + 1)
        elif queued > beta:
            # far over (e.g. after a restart of a busy server): come down faster than one a round
            self.cwnd = max(s.minimum, self.cwnd - max(1, int((queued - beta) / 2)))
        self.max_cwnd = max(self.max_cwnd, self.cwnd)
        if not self.slow_start and now - self._last_probe >= s.probe_interval:
            self._last_probe = now
            if self.cwnd >= 2:
                self._probing = True
                self._probe_skip = self.inflight

    def describe(self) -> str:
        if self.fixed is not None:
            return f"{self.fixed} at once (fixed)"
        return f"{self.cwnd} at once (auto)"


class AsyncGate:
    """Puts a :class:`RateController` in front of asyncio tasks, plus pause/resume.

    ``await gate.acquire(stop, priority)`` waits for a free slot; waiting tasks get the slots in
    order of ``priority`` (lowest first; equal priorities first come, first served), never by
    who happens to wake first. Every call that got a slot ends with exactly one of
    :meth:`success`, :meth:`busy`, :meth:`error` or :meth:`abandon`.
    """

    def __init__(self, controller: RateController) -> None:
        self.controller = controller
        self._open = True
        self._waiters: list[tuple[float, int, asyncio.Future[bool]]] = []   # a heap
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def paused(self) -> bool:
        return not self._open

    @property
    def waiting(self) -> int:
        """Tasks waiting for a slot."""
        return sum(1 for *_, f in self._waiters if not f.done())

    def pause(self) -> None:
        self._open = False

    def resume(self) -> None:
        self._open = True
        self._dispatch()

    async def acquire(self, stop: Callable[[], bool] = lambda: False, priority: float = 0.0) -> bool:
        """Wait for a free slot; False if ``stop()`` became true meanwhile (nothing acquired).
        ``stop`` is checked again whenever :meth:`wake` is called."""
        c = self.controller
        loop = asyncio.get_running_loop()
        while True:
            if stop():
                return False
            if self._open and not self._waiters and c.can_send():
                c.on_send()
                return True
            future: asyncio.Future[bool] = loop.create_future()
            heapq.heappush(self._waiters, (priority, next(self._seq), future))
            self._dispatch()
            try:
                granted = await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled() and future.result():
                    self.abandon()          # a slot was handed over just as the task was cancelled
                raise
            if granted:
                return True
            # woken (stop, pause...): look again

    def _dispatch(self) -> None:
        """Hand free slots to the waiting tasks, lowest priority first."""
        c = self.controller
        waiters = self._waiters
        while waiters and waiters[0][2].done():      # cancelled waiters
            heapq.heappop(waiters)
        if not waiters or not self._open:
            return
        wait = c.pause_remaining()
        if wait > 0:
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(wait, self._timer_fired)
            return
        while waiters and c.inflight < c.limit:
            _, _, future = heapq.heappop(waiters)
            if future.done():
                continue
            c.on_send()
            future.set_result(True)

    def _timer_fired(self) -> None:
        self._timer = None
        self._dispatch()

    def success(self, latency: float) -> None:
        self.controller.on_success(latency)
        self._dispatch()

    def busy(self) -> None:
        self.controller.on_busy()
        self._dispatch()

    def error(self) -> None:
        self.controller.on_error()
        self._dispatch()

    def abandon(self) -> None:
        self.controller.on_abandon()
        self._dispatch()

    def wake(self) -> None:
        """Every waiting task looks at its ``stop()`` again (those not stopped wait on, in order)."""
        waiters, self._waiters = self._waiters, []
        for _, _, future in waiters:
            if not future.done():
                future.set_result(False)

    def limits_changed(self) -> None:
        """The controller's limit was changed from outside (e.g. its ``cap``): hand out slots."""
        self._dispatch()


class RecentRate:
    """Completions per second over the last ``window`` seconds, for rate and ETA.

    :meth:`restart` forgets the past (a new run, a resume after a pause), so a pause never drags
    the figure down and the figure is never an average since the start of a long job."""

    def __init__(self, window: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 min_span: float = 0.5) -> None:
        self.window = window
        self.min_span = min_span
        self._clock = clock
        self._times: collections.deque[float] = collections.deque()
        self._since = clock()

    def restart(self) -> None:
        self._times.clear()
        self._since = self._clock()

    def add(self) -> None:
        now = self._clock()
        self._times.append(now)
        self._trim(now)

    def _trim(self, now: float) -> None:
        horizon = now - self.window
        times = self._times
        while times and times[0] < horizon:
            times.popleft()

    def rate(self) -> float:
        """Per second; 0.0 until ``min_span`` seconds have passed since the (re)start."""
        now = self._clock()
        self._trim(now)
        span = min(self.window, now - self._since)
        return len(self._times) / span if span >= self.min_span else 0.0
