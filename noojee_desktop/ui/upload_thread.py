"""The upload engine on its own asyncio loop, in one background thread.

Why not on qasync's loop with the widgets: the engine's per-row work -- setting a job up
(a lead copy and a JSON journal row for every row: about a second for 100k rows), two
journal writes per call, HTTP, retries -- would all run on the GUI thread, and qasync turns
every asyncio callback into a Qt timer. Here the GUI thread only receives, through a queued
Qt signal, the engine's batched results (about ten a second) and its progress figures.

Control (pause, resume, cancel) goes to the engine with ``call_soon_threadsafe``; the
engine's own client (a NoojeeClient made for this loop: a connection pool belongs to one
loop) is closed on this loop at shutdown, and every task of the loop is finished first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import selectors
import threading
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

TICK = 0.25   # seconds between progress figures while no row finishes (paused, server down)

# Set while the GUI thread is not painting. Painting a table calls Python (the model's data())
# thousands of times; each call has to win the GIL back, and with the engine thread running
# Python a repaint took ~25 ms instead of ~5. The engine loop waits for this before each
# iteration, so a repaint shares the GIL with at most one engine iteration.
_gui_free = threading.Event()
_gui_free.set()


@contextlib.contextmanager
def gui_painting() -> Iterator[None]:
    _gui_free.clear()
    try:
        yield
    finally:
        _gui_free.set()


class _GatedSelector(selectors.DefaultSelector):
    def select(self, timeout=None):  # noqa: D102
        _gui_free.wait(0.2)           # bounded: never stall the engine for long
        return super().select(timeout)


class _Bridge(QObject):
    progressed = Signal(object, object)   # (batch of (row, outcome), engine.Progress)
    halted = Signal(str)                  # the engine paused itself: why, and what to change


class UploadThread:
    def __init__(self, on_progress: Callable, parent: QObject | None = None,
                 on_halt: Callable[[str], None] | None = None) -> None:
        self._bridge = _Bridge(parent)     # lives in the GUI thread: emits from the loop are queued
        self._bridge.progressed.connect(on_progress)
        if on_halt is not None:
            self._bridge.halted.connect(on_halt)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[tuple[str, str], object] = {}

    # the loop ------------------------------------------------------------------------------
    def _ensure(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.SelectorEventLoop(_GatedSelector())

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.run_forever()

            self._thread = threading.Thread(target=run, name="noojee-upload", daemon=True)
            self._thread.start()
            self._loop = loop
        return self._loop

    def client(self, key: tuple[str, str], make: Callable[[], object]):
        """The engine-side client for this connection (made once; used only on this loop)."""
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = make()
        return client

    def call(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` on the engine's loop (pause, resume, cancel)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(fn, *args)

    # running ------------------------------------------------------------------------------
    async def run(self, engine, retry: bool = False, include_rejections: bool = False):
        """Run ``engine.run()`` (or ``retry_failed(include_rejections)``) on the engine loop; await it
        from the GUI loop."""
        loop = self._ensure()
        bridge = self._bridge

        def report(batch) -> None:      # the engine's on_progress, called on the engine loop
            bridge.progressed.emit(batch, engine.progress())

        engine.on_progress = report
        engine.on_halt = bridge.halted.emit     # the engine pauses and waits for the user's decision

        async def drive():
            async def tick() -> None:
                while True:
                    await asyncio.sleep(TICK)
                    bridge.progressed.emit([], engine.progress())

            ticker = asyncio.ensure_future(tick())
            try:
                return await (engine.retry_failed(include_rejections) if retry else engine.run())
            finally:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
                bridge.progressed.emit([], engine.progress())

        future = asyncio.run_coroutine_threadsafe(drive(), loop)
        return await asyncio.wrap_future(future)

    # closing ------------------------------------------------------------------------------
    async def close(self) -> None:
        """Finish every task of the engine loop, close its clients, stop and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        clients = list(self._clients.values())
        self._clients.clear()

        async def finish() -> None:
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for c in clients:
                try:
                    await c.aclose()
                except Exception:
                    log.warning("closing the upload connection failed", exc_info=True)
            await loop.shutdown_asyncgens()

        try:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(finish(), loop))
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(10)     # the loop is stopping with nothing left to run: immediate
            if thread is None or not thread.is_alive():
                loop.close()
            self._loop = None
            self._thread = None
