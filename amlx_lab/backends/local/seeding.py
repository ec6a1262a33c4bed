"""Bulk-creating finished jobs with real MLflow runs: for benchmarks and demos only.

Logging 10,000 runs one by one through MLflow takes minutes (about 24 ms a
run here). This writes the same rows through MLflow's own ORM models in large
batches, and the matching job rows into the index, so a benchmark can compare
listing the same runs through amlx and through ``MlflowClient.search_runs``.
No process runs and no job folder is made; the jobs carry the tag
``amlx.seeded=true``.
"""

from __future__ import annotations

import getpass
import json
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from . import job_index
from .layout import Layout
from ...names import check_asset_name
from .names import new_job_name
from .store import Store
from .tracking import JOB_TAG, ensure_experiment

BATCH = 1000


def seed_completed_jobs(store: Store, layout: Layout, experiment: str, runs: Iterable[Mapping[str, Any]]) -> int:
    """Create one Completed job and one FINISHED MLflow run per item of ``runs``.

    Each item may have ``metrics`` (name -> float), ``params`` (name -> value)
    and ``display_name``. Returns how many were created.
    """
    check_asset_name(experiment, field="experiment", kind="experiment")
    experiment_id = ensure_experiment(layout, experiment)
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    tracking = SqlAlchemyStore(layout.mlflow_uri, str(layout.artifacts_dir))
    artifact_root = tracking.get_experiment(experiment_id).artifact_location
    user = getpass.getuser()
    created = 0
    try:
        batch: list[Mapping[str, Any]] = []
        for item in runs:
            batch.append(item)
            if len(batch) == BATCH:
                created += _write_batch(store, layout, tracking, experiment, experiment_id, artifact_root, user, batch,
                                        (SqlRun, SqlTag, SqlParam, SqlMetric, SqlLatestMetric))
                batch = []
        if batch:
            created += _write_batch(store, layout, tracking, experiment, experiment_id, artifact_root, user, batch,
                                    (SqlRun, SqlTag, SqlParam, SqlMetric, SqlLatestMetric))
    finally:
        tracking.engine.dispose()
    store.analyze()  # a bulk load changes what the best query plans are
    return created


def _write_batch(store, layout, tracking, experiment, experiment_id, artifact_root, user, batch, models) -> int:
    SqlRun, SqlTag, SqlParam, SqlMetric, SqlLatestMetric = models
    now = time.time()
    rows = []
    objects = []
    for offset, item in enumerate(batch):
        name = new_job_name()
        run_id = uuid.uuid4().hex
        metrics = {str(k): float(v) for k, v in dict(item.get("metrics") or {}).items()}
        params = {str(k): str(v) for k, v in dict(item.get("params") or {}).items()}
        started = now - 60 + offset * 1e-3
        ms = int(started * 1000)
        objects.append(
            SqlRun(
                run_uuid=run_id, name=name, source_type="LOCAL", source_name="main.py", entry_point_name="",
                user_id=user, status="FINISHED", start_time=ms, end_time=ms + 1000, source_version="",
                lifecycle_stage="active", artifact_uri=f"{artifact_root}/{run_id}/artifacts",
                experiment_id=int(experiment_id),
            )
        )
        objects += [SqlTag(key=JOB_TAG, value=name, run_uuid=run_id), SqlTag(key="mlflow.runName", value=name, run_uuid=run_id)]
        objects += [SqlParam(key=k, value=v, run_uuid=run_id) for k, v in params.items()]
        for key, value in metrics.items():
            objects.append(SqlMetric(key=key, value=value, timestamp=ms, step=0, is_nan=False, run_uuid=run_id))
            objects.append(SqlLatestMetric(key=key, value=value, timestamp=ms, step=0, is_nan=False, run_uuid=run_id))
        rows.append((name, run_id, started, metrics, params, item.get("display_name") or name, ms))
    with _write_session(tracking) as session:
        session.add_all(objects)
    with store.write() as tx:
        for name, run_id, started, metrics, params, display, ms in rows:
            seq = job_index.insert(
                tx,
                {
                    "name": name, "display_name": display, "experiment": experiment, "status": "Completed",
                    "compute": "local", "compute_slots": 1, "interpreter": sys.executable,
                    "command": json.dumps(["python", "main.py"]), "parameters": json.dumps(params),
                    "tags": json.dumps({"amlx.seeded": "true"}), "cancel_grace": 0.0, "created_at": started,
                    "started_at": started, "ended_at": started + 1.0, "exit_code": 0,
                    "mlflow_run_id": run_id, "mlflow_experiment_id": str(experiment_id),
                },
            )
            for key, value in metrics.items():
                tx.execute(
                    "INSERT INTO job_metrics (job_seq, key, value, step, timestamp) VALUES (?, ?, ?, 0, ?)",
                    (seq, key, value, ms),
                )
            for key, text in params.items():
                tx.execute("INSERT INTO job_params (job_seq, key, value) VALUES (?, ?, ?)", (seq, key, text))
    return len(rows)


def _write_session(tracking):
    """A session marked as writing: recent MLflow defaults to read-only and, under pytest, refuses flushes."""
    try:
        return tracking.ManagedSessionMaker(read_only=False)
    except TypeError:  # MLflow before the read-replica split takes no argument
        return tracking.ManagedSessionMaker()
