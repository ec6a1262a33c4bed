"""Reconciling the index with reality: jobs whose supervisor is gone become Failed.

A supervisor is alive when it holds the ``flock`` on its job's lock file. Just
after submit it may not have taken it yet; then its PID plus the start time
recorded at spawn tells (PIDs get reused; the start time does not repeat), and
a job younger than ``STARTUP_GRACE`` whose PID is not even recorded yet is
given the benefit of the doubt. A job's orphaned process group is killed, so
a dead supervisor never leaves a job running outside the slot limit.

Sweeps are the exception: a sweep whose controller died gets a new one
(``sweeps.resume``), and its trials are left to it, since the new controller
adopts the trials still running.
"""

from __future__ import annotations

import signal
import sqlite3
import time

from . import sweeps
from .job_index import ACTIVE, update
from .layout import Layout
from .procs import is_alive, is_locked, kill_group
from .store import Store

STARTUP_GRACE = 30.0  # seconds a fresh job may go without a recorded supervisor
LOST_REASON = "the supervisor process ended unexpectedly"


def supervisor_alive(layout: Layout, row: sqlite3.Row, *, now: float | None = None) -> bool:
    if is_locked(layout.supervisor_lock(row["name"])):
        return True
    if row["supervisor_pid"]:
        return is_alive(row["supervisor_pid"], row["supervisor_start"])
    return ((now or time.time()) - row["created_at"]) < STARTUP_GRACE


def reconcile(store: Store, layout: Layout, *, queued_before: int | None = None) -> list[str]:
    """Close every active job whose supervisor is dead; returns their names.

    With ``queued_before``, only queued jobs submitted before that ``seq`` are
    checked (what a waiting supervisor needs to unblock the queue).
    """
    marks = ",".join("?" * len(ACTIVE))
    sql = f"SELECT * FROM jobs WHERE status IN ({marks}) AND type != 'interactive'"  # those have no supervisor
    params: list[object] = list(ACTIVE)
    if queued_before is not None:
        sql = "SELECT * FROM jobs WHERE status = 'Queued' AND seq < ?"
        params = [queued_before]
    closed = []
    now = time.time()
    for row in store.query(sql, params):
        if supervisor_alive(layout, row, now=now):
            continue
        if row["type"] == "sweep":  # a sweep's controller is brought back, not given up (sweeps.resume)
            if sweeps.resume(store, layout, row) == "failed":
                closed.append(row["name"])
            continue
        if row["parent"] is not None:
            parent = store.query("SELECT * FROM jobs WHERE name = ?", (row["parent"],))
            if parent and parent[0]["status"] in ACTIVE:  # the parent's (next) controller adopts the trial
                if not supervisor_alive(layout, parent[0], now=now):
                    sweeps.resume(store, layout, parent[0])
                continue
        if row["child_pid"] and is_alive(row["child_pid"], row["child_start"]):
            kill_group(row["child_pid"], signal.SIGKILL)
        pid = f" (pid {row['supervisor_pid']})" if row["supervisor_pid"] else ""
        if row["cancel_requested_at"] is not None:
            status, error = "Canceled", f"Canceled; {LOST_REASON}{pid} before confirming it."
        elif row["supervisor_pid"] is None:
            status, error = "Failed", f"The job never started: its supervisor process could not be confirmed within {STARTUP_GRACE:.0f} s."
        else:
            status, error = "Failed", f"The job was lost: {LOST_REASON}{pid}. See logs/supervisor.txt in the job folder."
        if update(store, row["name"], {"status": status, "error": error, "ended_at": time.time()}):
            closed.append(row["name"])
    return closed
