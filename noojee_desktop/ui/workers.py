"""Blocking work (reading and checking a big spreadsheet) off the GUI thread.

Anki's ``aqt/operations`` style: :func:`run_in_background` runs ``fn(progress, cancel)`` on
the global QThreadPool and calls ``on_success(result)`` or ``on_failure(exc)`` back on the GUI
thread; ``on_progress(done, total)`` arrives there too (coalesced by Qt's queued signals).
"""

from __future__ import annotations

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

    def cancel(self) -> None:
        self.cancel_event.set()

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


def run_in_background(fn: Callable, *, on_success: Callable, on_failure: Callable,
                      on_progress: Callable | None = None, parent: QObject | None = None) -> BackgroundJob:
    """Start ``fn(progress, cancel_event)`` on a pool thread; callbacks run on the GUI thread."""
    signals = _Signals(parent)   # created here, so it lives in the GUI thread: signals are queued
    cancel = threading.Event()
    job = BackgroundJob(fn, signals, cancel)

    def done_ok(result) -> None:
        if not cancel.is_set():
            on_success(result)
        signals.deleteLater()

    def done_bad(exc) -> None:
        # A cancelled job reports nothing, like a cancelled success: whoever cancelled it has
        # already moved on (often to a newer job), and its failure must not undo that.
        if not cancel.is_set():
            on_failure(exc)
        signals.deleteLater()

    signals.succeeded.connect(done_ok)
    signals.failed.connect(done_bad)
    if on_progress is not None:
        signals.progress.connect(on_progress)
    QThreadPool.globalInstance().start(job)
    return job
