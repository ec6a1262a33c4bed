"""Predictions run on worker threads so the event loop keeps accepting, reading and answering.

A model's predict (and the JSON decoding and coercion before it) is CPU work
that can take from a fraction of a millisecond to seconds; on the event loop
it would stall every other connection, ``/health`` included. On a thread the
loop keeps serving, and models whose predict releases the GIL (numpy on large
inputs, tree libraries) can use a second core.

A thread cannot be interrupted, so a prediction that never returns would hold
its thread forever while ``/health`` still answered. ``longest_running()``
exposes how long the oldest running prediction has been going, and the app
reports the server unhealthy past a limit, so the supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class PredictPool:
    """A small thread pool that knows how long its running calls have been running."""

    def __init__(self, threads: int = 1, *, prepare_thread: Callable[[], None] | None = None) -> None:
        self.threads = max(1, threads)
        self._pool = ThreadPoolExecutor(
            max_workers=self.threads, thread_name_prefix="amlx-predict", initializer=prepare_thread
        )
        self._running: dict[int, float] = {}  # thread ident -> when its current call started

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker thread; its exception, if any, is raised here."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._timed, fn, args)

    def _timed(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        me = threading.get_ident()
        self._running[me] = time.monotonic()
        try:
            return fn(*args)
        finally:
            del self._running[me]

    def longest_running(self) -> float:
        """Seconds the oldest call still running has been running (0 when idle)."""
        started = list(self._running.values())
        return time.monotonic() - min(started) if started else 0.0

    @property
    def busy(self) -> int:
        return len(self._running)

    def shutdown(self) -> None:
        """Stop taking work; calls already running go on (a thread cannot be stopped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
