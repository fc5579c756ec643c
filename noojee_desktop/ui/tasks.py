"""Keeping asyncio tasks started from widgets alive, and ending them cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

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
