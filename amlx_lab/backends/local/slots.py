"""Compute slots: never more than N jobs running at once, whichever process submitted them.

A slot is an exclusive ``flock`` on ``slots/<compute>/slot-<i>.lock``. Why
``flock``: the kernel releases it when its holder dies, so a crashed
supervisor can never leak a slot, and no process needs to be trusted to clean
up. The supervisor hands the locked descriptor to the job's process too, so
the slot stays taken while either of them lives.

Order: waiting supervisors only try for a slot when fewer than N older jobs
are still queued, so jobs start in submission order, give or take N.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from .layout import Layout
from .procs import FileLock, is_locked


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
        stuck_after: float = 5.0,
    ) -> tuple[int, FileLock] | None:
        """Block until a slot is ours (``None`` if ``give_up()`` turns true first).

        ``jobs_ahead()`` counts older jobs still waiting. When that count has not
        moved for ``stuck_after`` seconds, ``on_stuck()`` runs (the supervisor
        uses it to fail queued jobs whose own supervisor died, so that they
        cannot block the queue forever).
        """
        pause = 0.02
        last_ahead, since = -1, time.monotonic()
        while True:
            if give_up():
                return None
            ahead = jobs_ahead()
            if ahead < self.count:
                got = self.try_acquire()
                if got is not None:
                    return got
                pause = min(pause * 1.5, 0.1)
            else:  # far back in the queue: look less often
                pause = min(0.05 * (ahead - self.count + 2), 1.0)
            if ahead != last_ahead:
                last_ahead, since = ahead, time.monotonic()
            elif ahead and time.monotonic() - since >= stuck_after:
                on_stuck()
                since = time.monotonic()
            time.sleep(pause * random.uniform(0.8, 1.2))
