"""Bringing deployments back: start a supervisor for every wanted deployment that has none.

After a machine restart nothing runs; after a crash of a supervisor its
scoring server may still run (the next supervisor adopts it). Either way the
index still says the deployment is wanted, so whoever reads endpoints next
(the Jupyter server at start-up, then any read, rate-limited by the backend)
starts a supervisor for it. Two processes reconciling at once may both spawn
one: the second finds ``supervisor.lock`` taken and exits at once.

A supervisor is alive while it holds its lock; just after the spawn, before it
took the lock, the pid and /proc start time recorded at spawn tell (pids are
reused, start times are not). ``Failed`` deployments are left alone: their
model could not even start once.
"""

from __future__ import annotations

import sqlite3
import sys
import time

from .endpoint_index import DeploymentFiles, update_deployment
from .layout import Layout
from .procs import is_alive, is_locked, spawn_detached, start_time
from .store import Store

SPAWN_GRACE = 30.0  # seconds a fresh spawn may take to record itself


def supervisor_alive(layout: Layout, row: sqlite3.Row, *, now: float | None = None) -> bool:
    files = DeploymentFiles.of(layout, row["endpoint"], row["name"])
    if is_locked(files.lock):
        return True
    if row["supervisor_pid"] and is_alive(row["supervisor_pid"], row["supervisor_start"]):
        return True
    spawned = row["spawned_at"]
    return spawned is not None and row["supervisor_pid"] is None and (now or time.time()) - spawned < SPAWN_GRACE


def spawn_supervisor(store: Store, layout: Layout, endpoint: str, name: str) -> int:
    """Start the deployment's supervisor, detached; returns its pid."""
    files = DeploymentFiles.of(layout, endpoint, name)
    files.folder.mkdir(parents=True, exist_ok=True)
    proc = spawn_detached(
        [sys.executable, "-m", "amlx_lab.backends.local.deployment_supervisor", str(layout.root), endpoint, name],
        log=files.supervisor_log,
        cwd=files.folder,
    )
    update_deployment(
        store, endpoint, name,
        {"supervisor_pid": proc.pid, "supervisor_start": start_time(proc.pid), "spawned_at": time.time()},
    )
    return proc.pid


def reconcile_deployments(store: Store, layout: Layout) -> list[str]:
    """Spawn a supervisor for each wanted deployment without one; returns ``endpoint/deployment`` names."""
    rows = store.query(
        "SELECT d.* FROM deployments d JOIN endpoints e ON e.name = d.endpoint "
        "WHERE d.desired = 'running' AND d.status != 'Failed' AND e.deleting = 0"
    )
    started = []
    now = time.time()
    for row in rows:
        if supervisor_alive(layout, row, now=now):
            continue
        spawn_supervisor(store, layout, row["endpoint"], row["name"])
        started.append(f"{row['endpoint']}/{row['name']}")
    return started
