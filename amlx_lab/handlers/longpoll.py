"""Long-polling: hold a request until there is something new, so the browser never polls on a timer.

The local index lives in SQLite written by other processes (job supervisors),
so the server checks it on a short interval while a request waits; the
browser sees a change within ``CHECK_INTERVAL_S`` and makes one request per
change (or per ``wait`` seconds when nothing happens).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

CHECK_INTERVAL_S = 0.25
MAX_WAIT_S = 60.0


async def wait_for(
    fetch: Callable[[], Awaitable[T]],
    ready: Callable[[T], bool],
    wait_s: float,
    closed: Callable[[], bool],
) -> T:
    """``fetch()`` until ``ready(result)``, ``wait_s`` passes, or the client goes away; returns the last result."""
    deadline = time.monotonic() + wait_s
    result = await fetch()
    while not ready(result) and time.monotonic() < deadline and not closed():
        await asyncio.sleep(min(CHECK_INTERVAL_S, max(0.0, deadline - time.monotonic())))
        result = await fetch()
    return result
