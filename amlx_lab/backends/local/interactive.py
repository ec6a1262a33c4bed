"""MLflow runs no job made, shown as jobs of type ``interactive``.

A notebook kernel started by the Jupyter server logs to the workspace's
tracking store (the server points ``MLFLOW_TRACKING_URI`` at it), so a
notebook's own ``mlflow.start_run()`` lands next to the jobs' runs. Such a run
carries no ``amlx.job_name`` tag; this module mirrors it into the index as a
job named ``run_<run id>`` so that it appears wherever jobs do (the sidebar,
REST listings and the change feed, the CLI, the magics), sorted and paged like
any job.

Why mirror rather than read MLflow at listing time: listings sort by any
metric and page with keyset cursors over the index; a second source would
have to be merged into every page. The mirror is cheap to keep: new runs are
found by their position in MLflow's ``runs`` table (past a watermark kept in
the index's ``meta`` table), and only runs still active are read again. The
reads go straight to MLflow's tables (``tracking.RunReader``); nothing here
imports MLflow.

An interactive job has no process, log or code snapshot: the backend answers
cancel with a 409 and logs and code with empty answers. A status it reached
is final, like a job's.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ...names import JOB_NAME_RE
from ...records import JobStatus, JobType
from . import job_index
from .store import Store, Transaction
from .tracking import PARENT_TAG, RunReader, RunSummary

NAME_PREFIX = "run_"
COMPUTE = "local"
WATERMARK = "mlflow_runs_seen"  # meta row: the MLflow run position read up to
BATCH = 500  # runs imported per transaction
MAX_BATCHES = 20  # per sync; the rest comes on the next read

#: MLflow's run statuses in Azure ML's vocabulary (SCHEDULED is not queued on our slots).
STATUS = {
    "RUNNING": JobStatus.RUNNING,
    "SCHEDULED": JobStatus.NOT_STARTED,
    "FINISHED": JobStatus.COMPLETED,
    "FAILED": JobStatus.FAILED,
    "KILLED": JobStatus.CANCELED,
}
_INTERACTIVE = JobType.INTERACTIVE.value


def job_name(run_id: str) -> str | None:
    """``run_<run id>``, or ``None`` when that would not be a valid job name (a run id MLflow did not make)."""
    name = NAME_PREFIX + run_id.lower()
    return name if JOB_NAME_RE.match(name) else None


def is_interactive(row: Any) -> bool:
    return bool(row["type"] == _INTERACTIVE)


def sync(store: Store, reader: RunReader) -> int:
    """Import runs created since the last sync and refresh the active ones; returns the rows changed."""
    return _import_new(store, reader) + _refresh_active(store, reader)


def _watermark(store: Store) -> int:
    rows = store.query("SELECT value FROM meta WHERE key = ?", (WATERMARK,))
    return int(rows[0][0]) if rows else 0


def _import_new(store: Store, reader: RunReader) -> int:
    top = reader.last_position()
    seen = _watermark(store)
    if top < seen:  # the store was replaced (positions start again): look at every run; names dedupe
        seen = 0
    changed = 0
    for _ in range(MAX_BATCHES):
        if seen >= top:
            break
        runs = reader.runs_outside_jobs(seen, top, BATCH)
        upto = runs[-1].position if len(runs) == BATCH else top
        metrics = {r.run_id: reader.latest_metrics(r.run_id) for r in runs}
        params = {r.run_id: reader.params(r.run_id) for r in runs}
        with store.write() as tx:
            for run in runs:
                changed += _insert(tx, run, metrics[run.run_id], params[run.run_id])
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                (WATERMARK, upto),
            )
        seen = upto
    return changed


def _insert(tx: Transaction, run: RunSummary, metrics: list[Any], params: dict[str, str]) -> int:
    name = job_name(run.run_id)
    if name is None or tx.execute("SELECT 1 FROM jobs WHERE name = ?", (name,)).fetchone():
        return 0  # another process imported it first
    status = STATUS.get(run.status, JobStatus.RUNNING)
    started = run.start_time / 1000 if run.start_time else time.time()
    parent = job_name(run.tags[PARENT_TAG]) if run.tags.get(PARENT_TAG) else None
    seq = job_index.insert(
        tx,
        {
            "name": name,
            "display_name": (run.name or run.run_id)[:255],
            "experiment": run.experiment,
            "status": status.value,
            "compute": COMPUTE,
            "compute_slots": 0,
            "interpreter": "",
            "environment": None,
            "type": _INTERACTIVE,
            "parent": parent,
            "command": "[]",
            "parameters": "{}",
            "inputs": "[]",
            "tags": json.dumps(_user_tags(run)),
            "manifest": None,
            "cancel_grace": 0.0,
            "created_at": started,
            "started_at": None if status is JobStatus.NOT_STARTED else started,
            "ended_at": _ended(run, status),
            "mlflow_run_id": run.run_id,
            "mlflow_experiment_id": run.experiment_id,
        },
    )
    for metric in metrics:
        tx.execute(
            "INSERT INTO job_metrics (job_seq, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)",
            (seq, metric.key, metric.value, metric.step, metric.timestamp),
        )
    for key, value in params.items():
        tx.execute("INSERT INTO job_params (job_seq, key, value) VALUES (?, ?, ?)", (seq, key, value))
    return 1


def _refresh_active(store: Store, reader: RunReader) -> int:
    """Status, times, metrics and params of interactive jobs not yet final, from their runs."""
    marks = ",".join("?" * len(job_index.ACTIVE))
    rows = store.query(
        f"SELECT name, seq, status, mlflow_run_id FROM jobs WHERE status IN ({marks}) AND type = ?",
        (*job_index.ACTIVE, _INTERACTIVE),
    )
    if not rows:
        return 0
    runs = reader.run_summaries([row["mlflow_run_id"] for row in rows])
    changed = 0
    for row in rows:
        run = runs.get(row["mlflow_run_id"])
        if run is None or not run.active:
            gone = "deleted" if run is not None else "removed from the tracking store"
            lost = {"status": JobStatus.FAILED.value, "ended_at": time.time(), "error": f"Its MLflow run was {gone}."}
            changed += job_index.update(store, row["name"], lost)
            continue
        metrics, params = reader.latest_metrics(run.run_id), reader.params(run.run_id)
        changed += job_index.replace_run_data(store, row["name"], row["seq"], metrics, params, {})
        status = STATUS.get(run.status, JobStatus.RUNNING)
        if status.value == row["status"]:
            continue
        changes: dict[str, Any] = {"status": status.value}
        if status is JobStatus.RUNNING:
            changes["started_at"] = run.start_time / 1000 if run.start_time else time.time()
        if status.terminal:
            changes["ended_at"] = _ended(run, status)
        changed += job_index.update(store, row["name"], changes)
    return changed


def _ended(run: RunSummary, status: JobStatus) -> float | None:
    if not status.terminal:
        return None
    return run.end_time / 1000 if run.end_time else time.time()


def _user_tags(run: RunSummary) -> dict[str, str]:
    """The tags the user set (MLflow's own ``mlflow.*`` bookkeeping left out)."""
    return {k: v for k, v in run.tags.items() if not k.startswith("mlflow.")}
