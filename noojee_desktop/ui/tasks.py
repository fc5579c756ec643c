"""Keeping asyncio tasks started from widgets alive, ending them cleanly, waiting on signals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class TaskSet:
    """Strong references to running tasks (asyncio keeps only weak ones) and a clean shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future] = set()

    def add(self, task: Awaitable | None) -> asyncio.Future | None:
        if task is None:
            return None
        fut = asyncio.ensure_future(task)
        self._tasks.add(fut)
        fut.add_done_callback(self._tasks.discard)
        return fut

    @property
    def busy(self) -> bool:
        return any(not t.done() for t in self._tasks)

    async def cancel_all(self) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


async def until_signal(signal, condition: Callable[[], bool], timeout: float) -> bool:
    """Wait until ``condition()`` holds: checked now and after each emission of ``signal``.

    True when it holds, False when ``timeout`` seconds pass first (the caller says what did
    not happen: a timeout is a failure, never "carry on as if it had worked")."""
    if condition():
        return True
    fut = asyncio.get_running_loop().create_future()

    def check(*_args) -> None:
        if not fut.done() and condition():
            fut.set_result(True)

    signal.connect(check)
    try:
        return await asyncio.wait_for(fut, timeout)
    except asyncio.TimeoutError:
        return False
    finally:
        disconnect(signal, check)


def disconnect(signal, slot) -> None:
    """Disconnect, also when the sender is gone already (a window closed meanwhile)."""
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError, RuntimeWarning):
        pass
