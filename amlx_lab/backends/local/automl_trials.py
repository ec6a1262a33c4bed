"""Mirroring an AutoML job's trials (MLflow child runs) into the index as jobs whose ``parent`` is the job.

The engine records each finished trial as a child run tagged with the
parent job's name (``recording.py``); the job's supervisor calls
``mirror_trials`` every time it copies the parent's metrics, so trials
appear in listings (``JobQuery(parent=...)``), the change feed and
``best`` while the search goes on. A trial is recorded once it has finished
and never changes after, so each is inserted once, with its metrics and
params; trials have no process, log or code of their own.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from . import job_index
from .layout import Layout
from .store import Store
from .tracking import Reader

PARENT_TAG = "amlx.automl_parent"
TRIAL_TAG = "amlx.trial"
INDEX_TAG = "amlx.trial_index"
ALGORITHM_TAG = "amlx.algorithm"
_FINISHED = ("FINISHED", "FAILED", "KILLED")


def _child_runs(layout: Layout, parent: str) -> list[dict[str, Any]]:
    """Finished child runs tagged with ``parent``, with their tags (read-only, no MLflow import)."""
    conn = sqlite3.connect(f"file:{layout.mlflow_db}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        marks = ",".join("?" * len(_FINISHED))
        runs = conn.execute(
            "SELECT r.run_uuid, r.experiment_id, r.status, r.start_time, r.end_time FROM runs r "
            "JOIN tags t ON t.run_uuid = r.run_uuid WHERE t.key = ? AND t.value = ? "
            f"AND r.lifecycle_stage = 'active' AND r.status IN ({marks})",
            (PARENT_TAG, parent, *_FINISHED),
        ).fetchall()
        found = []
        for run_id, experiment_id, status, start, end in runs:
            tags = dict(conn.execute("SELECT key, value FROM tags WHERE run_uuid = ?", (run_id,)).fetchall())
            found.append({
                "run_id": run_id, "experiment_id": str(experiment_id), "status": status,
                "start": (start or 0) / 1000, "end": (end or start or 0) / 1000, "tags": tags,
            })
        return found
    finally:
        conn.close()


def mirror_trials(store: Store, layout: Layout, parent: sqlite3.Row, reader: Reader) -> int:
    """Insert the trials of AutoML job ``parent`` not in the index yet; returns how many."""
    name = parent["name"]
    if not layout.mlflow_db.exists():
        return 0
    known = {row[0] for row in store.query("SELECT name FROM jobs WHERE parent = ?", (name,))}
    added = 0
    for run in sorted(_child_runs(layout, name), key=lambda r: int(r["tags"].get(INDEX_TAG, 0))):
        trial = run["tags"].get(TRIAL_TAG)
        if not trial or trial in known or not trial.startswith(f"{name}_"):
            continue
        params = reader.params(run["run_id"])
        algorithm = run["tags"].get(ALGORITHM_TAG, "")
        shown = {k: v for k, v in params.items() if k not in ("algorithm", "learner", "source")}
        with store.write() as tx:
            seq = job_index.insert(tx, {
                "name": trial,
                "display_name": f"{algorithm} (trial {run['tags'].get(INDEX_TAG, '?')})",
                "experiment": parent["experiment"],
                "status": "Completed" if run["status"] == "FINISHED" else "Failed",
                "compute": parent["compute"],
                "compute_slots": parent["compute_slots"],
                "interpreter": parent["interpreter"],
                "environment": parent["environment"],
                "type": "automl",
                "parent": name,
                "command": "[]",
                "parameters": json.dumps(shown),
                "inputs": parent["inputs"],
                "tags": json.dumps({ALGORITHM_TAG: algorithm, INDEX_TAG: run["tags"].get(INDEX_TAG, "")}),
                "manifest": None,
                "cancel_grace": 0.0,
                "created_at": run["start"] or time.time(),
                "started_at": run["start"] or None,
                "ended_at": run["end"] or None,
                "mlflow_run_id": run["run_id"],
                "mlflow_experiment_id": run["experiment_id"],
            })
        job_index.replace_run_data(store, trial, seq, reader.latest_metrics(run["run_id"]), params, {})
        known.add(trial)
        added += 1
    return added
