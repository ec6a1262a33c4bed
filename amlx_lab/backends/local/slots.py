"""Compute slots: never more than N jobs running at once, whichever process submitted them.

A slot is an exclusive ``flock`` on ``slots/<compute>/slot-<i>.lock``. Why
``flock``: the kernel releases it when its holder dies, so a crashed
supervisor can never leak a slot, and no process needs to be trusted to clean
up. The supervisor hands the locked descriptor to the job's process too, so
the slot stays taken while either of them lives.

Order: only the oldest queued job (the head of the queue) tries for a slot;
the next one becomes the head when the first has taken its slot and left the
Queued state. Letting the N oldest race instead (as this module once did) let
a waiter that happened to sleep while a slot came free lose several races in
a row, so later jobs overtook it by more than N. Slots are still taken in any
free file; only the order in which jobs take them is strict.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from .layout import Layout
from .procs import FileLock, is_locked


#: How often the head of the queue tries for a slot (seconds); the k-th behind it looks every (k + 1) times that.
HEAD_PAUSE = 0.02
#: The longest a waiting job goes without looking at the queue.
FAR_PAUSE = 1.0


class Slots:
    """The N slot files of one compute target in one workspace."""

    def __init__(self, layout: Layout, compute: str, count: int) -> None:
        self.dir: Path = layout.slots_dir(compute)
        self.count = count

    def path(self, index: int) -> Path:
        return self.dir / f"slot-{index}.lock"

    def try_acquire(self) -> tuple[int, FileLock] | None:
        """A free slot, locked by this process, or ``None`` when all N are busy."""
        self.dir.mkdir(parents=True, exist_ok=True)
        for index in random.sample(range(self.count), self.count):  # spread waiters over the files
            lock = FileLock(self.path(index))
            if lock.acquire(blocking=False):
                return index, lock
        return None

    def busy(self) -> list[int]:
        """Indexes of the slots held right now (a probe; may be stale a moment later)."""
        return [i for i in range(self.count) if is_locked(self.path(i))]

    def wait(
        self,
        *,
        jobs_ahead: Callable[[], int],
        give_up: Callable[[], bool],
        on_stuck: Callable[[], object] = lambda: None,
        at_head: Callable[[], object] = lambda: None,
        stuck_after: float = 5.0,
    ) -> tuple[int, FileLock] | None:
        """Block until a slot is ours (``None`` if ``give_up()`` turns true first).

        ``jobs_ahead()`` counts older jobs still waiting; only at 0 (the head of
        the queue) does this try for a slot. Jobs near the head look often, so a
        slot that comes free is handed on within a few tens of milliseconds; jobs
        far back look less often. ``at_head()`` runs once, when the job first
        reaches the head and before it takes a slot (the supervisor prepares the
        job's MLflow experiment there, so a slow preparation neither holds a slot
        nor lets later jobs start first); an exception from it ends the wait.
        When the count has not moved for
        ``stuck_after`` seconds, ``on_stuck()`` runs (the supervisor uses it to
        fail queued jobs whose own supervisor died, so that they cannot block the
        queue forever).
        """
        last_ahead, since = -1, time.monotonic()
        prepared = False
        while True:
            if give_up():
                return None
            ahead = jobs_ahead()
            if ahead == 0:
                if not prepared:
                    at_head()
                    prepared = True
                    if give_up():
                        return None
                got = self.try_acquire()
                if got is not None:
                    return got
                pause = HEAD_PAUSE
            else:
                pause = min(HEAD_PAUSE * (ahead + 1), FAR_PAUSE)
            if ahead != last_ahead:
                last_ahead, since = ahead, time.monotonic()
            elif ahead and time.monotonic() - since >= stuck_after:
                on_stuck()
                since = time.monotonic()
            time.sleep(pause * random.uniform(0.8, 1.2))
