"""The one bounded poll the tests share: ``wait_until(cond, timeout, message)``.

Prefer waiting on a signal (``qtbot.waitSignal``) or a future; poll only for state that gives no
event (a file another process writes, a server's counters). Every poll ends: when the deadline
passes the test fails with ``message`` (and the last value ``cond`` returned). While a
QApplication exists and this is its thread, Qt events keep being processed between checks, so
the window stays alive while a test waits on it.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def _pause(seconds: float) -> None:
    try:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtTest import QTest
    except ImportError:      # pragma: no cover - the suite always has Qt
        time.sleep(seconds)
        return
    app = QCoreApplication.instance()
    if app is not None and app.thread() is not None and threading.current_thread() is threading.main_thread():
        QTest.qWait(max(1, round(seconds * 1000)))
    else:
        time.sleep(seconds)


def wait_until(cond: Callable[[], T], timeout: float = 5.0, message: str | Callable[[], str] = "",
               *, interval: float = 0.02, process: subprocess.Popen | None = None) -> T:
    """Call ``cond()`` until it returns something truthy, and return that; after ``timeout``
    seconds fail the test with ``message`` (a string, or a callable giving one, for detail
    known only at the end). With ``process``, fail as soon as that process has ended instead of
    waiting out the deadline for something it can no longer do."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        ended = process is not None and process.poll() is not None
        if ended or time.monotonic() >= deadline:
            text = message() if callable(message) else message
            why = f"the process ended with exit {process.returncode}" if ended else f"waited {timeout:g} s"
            pytest.fail(f"{text or 'condition not met'} ({why}; last value {value!r})", pytrace=False)
        _pause(min(interval, max(0.001, deadline - time.monotonic())))


def wait_steady(read: Callable[[], T], quiet: float, timeout: float = 5.0, message: str = "") -> T:
    """Wait until ``read()`` has returned the same value for ``quiet`` seconds, and return it
    (for a count that stops moving, such as leads still arriving after their sender died)."""
    last = [read(), time.monotonic()]

    def steady():
        now = read()
        if now != last[0]:
            last[:] = [now, time.monotonic()]
        return time.monotonic() - last[1] >= quiet

    wait_until(steady, timeout, message or f"the value kept changing (last {last[0]!r})")
    return last[0]
