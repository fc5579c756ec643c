"""Blocking work (reading and checking a big spreadsheet) off the GUI thread.

Anki's ``aqt/operations`` style: :func:`run_in_background` runs ``fn(progress, cancel)`` on
the global QThreadPool and calls ``on_success(result)`` or ``on_failure(exc)`` back on the GUI
thread; ``on_progress(done, total)`` arrives there too (coalesced by Qt's queued signals).

The job it returns is also awaitable from the GUI's asyncio loop (``result = await job``):
the result, the exception ``fn`` raised, or ``asyncio.CancelledError`` once cancelled. This
is the one way the GUI runs blocking work (reading a file, journal writes before an upload).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Signals(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)


class BackgroundJob(QRunnable):
    def __init__(self, fn: Callable, signals: _Signals, cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._fn = fn
        self.signals = signals
        self.cancel_event = cancel
        self.finished = threading.Event()
        self._outcome: tuple[str, object] | None = None   # ("ok", result) / ("error", exc), GUI thread
        self._waiters: list[asyncio.Future] = []

    def cancel(self) -> None:
        self.cancel_event.set()
        self._settle()

    def __await__(self):
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        self._settle()
        return fut.__await__()

    def _done(self, kind: str, value: object) -> None:
        """The outcome, on the GUI thread (from the queued signals)."""
        self._outcome = (kind, value)
        self._settle()

    def _settle(self) -> None:
        if self._outcome is None and not self.cancel_event.is_set():
            return
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if fut.done():
                continue
            if self.cancel_event.is_set():
                fut.cancel()
            elif self._outcome[0] == "ok":
                fut.set_result(self._outcome[1])
            else:
                fut.set_exception(self._outcome[1])

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._progress, self.cancel_event)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as it is
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.finished.set()

    def _progress(self, done: int, total: int) -> None:
        self.signals.progress.emit(int(done), int(total))


def run_in_background(fn: Callable, *, on_success: Callable | None = None, on_failure: Callable | None = None,
                      on_progress: Callable | None = None, parent: QObject | None = None) -> BackgroundJob:
    """Start ``fn(progress, cancel_event)`` on a pool thread; callbacks run on the GUI thread.
    Without ``on_failure``, await the job to see its exception."""
    signals = _Signals(parent)   # created here, so it lives in the GUI thread: signals are queued
    cancel = threading.Event()
    job = BackgroundJob(fn, signals, cancel)

    def done_ok(result) -> None:
        if not cancel.is_set():
            job._done("ok", result)
            if on_success is not None:
                on_success(result)
        signals.deleteLater()

    def done_bad(exc) -> None:
        # A cancelled job reports nothing, like a cancelled success: whoever cancelled it has
        # already moved on (often to a newer job), and its failure must not undo that.
        if not cancel.is_set():
            job._done("error", exc)
            if on_failure is not None:
                on_failure(exc)
        signals.deleteLater()

    signals.succeeded.connect(done_ok)
    signals.failed.connect(done_bad)
    if on_progress is not None:
        signals.progress.connect(on_progress)
    QThreadPool.globalInstance().start(job)
    return job
