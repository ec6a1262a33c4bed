"""The workspace's MLflow tracking store: creating it fast, and reading runs without MLflow.

Creating: MLflow 3 refuses the file store, so the store is ``sqlite:///<ws>/mlflow/mlflow.db``.
A fresh sqlite store runs every alembic migration (about 3 s), so a migrated
empty store is built once per MLflow version in the user cache and copied into
each workspace (a few ms). Whoever needs the store first creates it, under a
file lock.

Reading: the supervisor copies a run's latest metrics and params into the index
every couple of seconds. Importing MLflow costs 1.5-2 s of CPU, which a
supervisor next to a 5 s job cannot afford, so reads go straight to the tables
MLflow has kept stable for years (``runs``, ``tags``, ``latest_metrics``,
``params``, ``metrics``, ``experiments``), in WAL mode so they never block the
job's writes. If those tables ever change shape, ``RunReader`` says so and the
callers fall back to ``MlflowClient`` (``FallbackRunReader``).

Writing experiments and run status goes through MLflow itself (imported lazily).
"""

from __future__ import annotations

from collections.abc import Sequence

import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ...errors import AmlxError
from .layout import Layout, cache_dir
from .procs import FileLock

JOB_TAG = "amlx.job_name"  # set on the job's run(s) through MLFLOW_RUN_CONTEXT
PARENT_TAG = "mlflow.parentRunId"
ARTIFACTS_TRIGGER = "amlx_artifacts_in_workspace"

_REQUIRED_COLUMNS = {
    "experiments": {"experiment_id", "name", "artifact_location", "lifecycle_stage"},
    "runs": {"run_uuid", "experiment_id", "status", "start_time", "end_time", "lifecycle_stage", "name", "artifact_uri"},
    "tags": {"key", "value", "run_uuid"},
    "latest_metrics": {"key", "value", "timestamp", "step", "is_nan", "run_uuid"},
    "params": {"key", "value", "run_uuid"},
    "metrics": {"key", "value", "timestamp", "step", "is_nan", "run_uuid"},
}


class TrackingError(AmlxError):
    """The MLflow store could not be created or read."""

    status = 500
    code = "tracking_error"


def mlflow_version() -> str:
    """The installed MLflow version, read from package metadata (no import)."""
    import importlib.metadata  # lazy: 50+ ms, and only the first job of a workspace needs it

    try:
        return importlib.metadata.version("mlflow")
    except importlib.metadata.PackageNotFoundError:
        raise TrackingError("MLflow is not installed in this environment; install amlx-lab's dependencies.") from None


# -- creating the store ----------------------------------------------------------


def template_path(version: str | None = None) -> Path:
    return cache_dir() / "mlflow-templates" / f"mlflow-{version or mlflow_version()}.db"


def ensure_template() -> Path:
    """The migrated empty store for this MLflow version, built once (about 3 s) per user."""
    path = template_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_suffix(".lock")):
        if path.exists():
            return path
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # lazy: heavy

        store = SqlAlchemyStore(f"sqlite:///{tmp}", str(path.parent / "unused-artifacts"))
        store.engine.dispose()
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to copy
        finally:
            conn.close()
        os.replace(tmp, path)
    return path


def ensure_store(layout: Layout) -> None:
    """Make ``<ws>/mlflow/mlflow.db`` exist: a copy of the template, in WAL mode, artifacts under the workspace."""
    if layout.mlflow_db.exists():
        return
    # The template first: notebook kernels point MLflow at this store, and the folder must not
    # sit there empty for seconds, inviting a kernel's MLflow to create a store of its own.
    template = ensure_template()
    layout.mlflow_dir.mkdir(parents=True, exist_ok=True)
    layout.artifacts_dir.mkdir(parents=True, exist_ok=True)
    layout.locks_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(layout.locks_dir / "mlflow-store.lock"):
        if layout.mlflow_db.exists():
            return
        tmp = layout.mlflow_dir / f".mlflow.db.{os.getpid()}.tmp"
        shutil.copyfile(template, tmp)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            # The template's Default experiment points at the cache; point it here.
            conn.execute(
                "UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                (str(layout.artifacts_dir / "0"),),
            )
            _artifacts_trigger(conn, layout)
            conn.execute("PRAGMA journal_mode = WAL")  # the jobs write while the index reads
        finally:
            conn.close()
        try:  # a link never replaces a store a kernel's own MLflow created meanwhile (it may hold runs)
            os.link(tmp, layout.mlflow_db)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)


def _artifacts_trigger(conn: sqlite3.Connection, layout: Layout) -> None:
    """Experiments created with MLflow's default location keep their artifacts in the workspace.

    A notebook kernel pointed at this store creates experiments with
    ``mlflow.set_experiment``; MLflow's client then puts their artifacts under
    ``./mlruns`` of the kernel's folder (it has no public setting for that). MLflow
    stores the default location in a second write after the insert, so this trigger
    rewrites exactly that write; a location the user chose is inserted at once and kept.
    """
    root = str(layout.artifacts_dir).replace("'", "''")
    conn.execute(
        f"CREATE TRIGGER IF NOT EXISTS {ARTIFACTS_TRIGGER} AFTER UPDATE OF artifact_location ON experiments "
        "WHEN OLD.artifact_location IS NULL OR OLD.artifact_location = '' BEGIN "
        f"UPDATE experiments SET artifact_location = '{root}/' || NEW.experiment_id "
        "WHERE experiment_id = NEW.experiment_id; END"
    )


def keep_artifacts_in_workspace(layout: Layout) -> None:
    """Install the trigger of ``_artifacts_trigger`` in an existing store (an MLflow migration may drop it)."""
    conn = _open(layout.mlflow_db)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (ARTIFACTS_TRIGGER,)).fetchone():
            _artifacts_trigger(conn, layout)
    finally:
        conn.close()


def ensure_experiment(layout: Layout, name: str) -> str:
    """The id of experiment ``name``, created with its artifacts under the workspace if missing.

    The common case (it exists) is one indexed read. Creating imports MLflow
    (1.5-2 s), once per experiment, serialised by a lock so that two jobs of a
    new experiment do not both try to create it.
    """
    ensure_store(layout)
    found = _experiment_id(layout, name)
    if found is not None:
        return found
    with FileLock(layout.locks_dir / "mlflow-experiments.lock"):
        found = _experiment_id(layout, name)
        if found is not None:
            return found
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # lazy: heavy

        store = SqlAlchemyStore(layout.mlflow_uri, str(layout.artifacts_dir))
        try:
            existing = store.get_experiment_by_name(name)
            if existing is not None and existing.lifecycle_stage == "deleted":
                store.restore_experiment(existing.experiment_id)
                return str(existing.experiment_id)
            if existing is not None:
                return str(existing.experiment_id)
            return str(store.create_experiment(name))
        finally:
            store.engine.dispose()


def _experiment_id(layout: Layout, name: str) -> str | None:
    conn = _open(layout.mlflow_db)
    try:
        row = conn.execute(
            "SELECT experiment_id FROM experiments WHERE name = ? AND lifecycle_stage = 'active'", (name,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else None


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


# -- reading runs ------------------------------------------------------------------


@dataclass(frozen=True)
class RunRef:
    run_id: str
    experiment_id: str
    status: str


@dataclass(frozen=True)
class LatestMetric:
    key: str
    value: float | None
    step: int
    timestamp: int  # ms


@dataclass(frozen=True)
class RunSummary:
    """A run as the index mirrors a run no job made (times in ms, as MLflow stores them).

    ``position`` is the run's rowid in MLflow's ``runs`` table: it grows with every run
    created, so "runs created since the last look" is a range scan.
    """

    run_id: str
    experiment_id: str
    experiment: str
    status: str
    name: str | None
    start_time: int | None
    end_time: int | None
    artifact_uri: str | None
    active: bool  # lifecycle_stage is 'active' (not deleted)
    tags: dict[str, str]
    position: int


class Reader(Protocol):
    def find_run(self, job_name: str) -> RunRef | None: ...
    def latest_metrics(self, run_id: str) -> list[LatestMetric]: ...
    def params(self, run_id: str) -> dict[str, str]: ...
    def history(self, run_id: str, key: str) -> list[LatestMetric]: ...
    def histories(self, run_id: str, keys: Sequence[str] | None) -> dict[str, list[LatestMetric]]: ...
    def close(self) -> None: ...


class RunReader:
    """Reads runs straight from the store's tables (see the module doc for why)."""

    def __init__(self, layout: Layout) -> None:
        if not layout.mlflow_db.exists():
            raise TrackingError(f"The MLflow store {layout.mlflow_db} does not exist yet.")
        self._conn = _open(layout.mlflow_db)
        self._check_schema()

    def _check_schema(self) -> None:
        for table, needed in _REQUIRED_COLUMNS.items():
            have = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if not needed <= have:
                self.close()
                raise TrackingError(f"The MLflow store's '{table}' table has an unexpected shape.")

    def close(self) -> None:
        self._conn.close()

    # -- runs no job made (a notebook kernel's own runs) ------------------------------------

    def last_position(self) -> int:
        """The newest run's position (0 for an empty store)."""
        return int(self._conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM runs").fetchone()[0])

    def runs_outside_jobs(self, after: int, upto: int, limit: int) -> list[RunSummary]:
        """Active runs created after position ``after`` (up to ``upto``) that carry no job tag, oldest first."""
        rows = self._conn.execute(
            _SUMMARY_SELECT
            + "WHERE r.rowid > ? AND r.rowid <= ? AND r.lifecycle_stage = 'active' "
            "AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.run_uuid = r.run_uuid AND t.key = ?) "
            "ORDER BY r.rowid LIMIT ?",
            (after, upto, JOB_TAG, limit),
        ).fetchall()
        return self._summaries(rows)

    def run_summaries(self, run_ids: Sequence[str]) -> dict[str, RunSummary]:
        """The runs among ``run_ids`` that still exist, by id."""
        if not run_ids:
            return {}
        marks = ",".join("?" * len(run_ids))
        rows = self._conn.execute(_SUMMARY_SELECT + f"WHERE r.run_uuid IN ({marks})", list(run_ids)).fetchall()
        return {s.run_id: s for s in self._summaries(rows)}

    def _summaries(self, rows: list[Any]) -> list[RunSummary]:
        tags: dict[str, dict[str, str]] = {row[1]: {} for row in rows}
        if tags:
            marks = ",".join("?" * len(tags))
            for run_id, key, value in self._conn.execute(
                f"SELECT run_uuid, key, value FROM tags WHERE run_uuid IN ({marks})", list(tags)
            ):
                tags[run_id][key] = "" if value is None else str(value)
        return [
            RunSummary(
                run_id=run_id, experiment_id=str(experiment_id), experiment=experiment or str(experiment_id),
                status=status or "RUNNING", name=name or tags[run_id].get("mlflow.runName"),
                start_time=start, end_time=end, artifact_uri=artifact_uri, active=stage == "active",
                tags=tags[run_id], position=int(position),
            )
            for position, run_id, experiment_id, experiment, status, name, start, end, artifact_uri, stage in rows
        ]

    # -- one job's runs ------------------------------------------------------------------------

    def find_run(self, job_name: str) -> RunRef | None:
        """The job's top-level run (the first one it started), by the tag every job run carries."""
        row = self._conn.execute(
            """
            SELECT r.run_uuid, r.experiment_id, r.status
            FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid
            WHERE t.key = ? AND t.value = ? AND r.lifecycle_stage = 'active'
            ORDER BY EXISTS (SELECT 1 FROM tags p WHERE p.run_uuid = r.run_uuid AND p.key = ?),
                     r.start_time
            LIMIT 1
            """,
            (JOB_TAG, job_name, PARENT_TAG),
        ).fetchone()
        return RunRef(row[0], str(row[1]), row[2]) if row else None

    def latest_metrics(self, run_id: str) -> list[LatestMetric]:
        rows = self._conn.execute(
            "SELECT key, value, step, timestamp, is_nan FROM latest_metrics WHERE run_uuid = ?", (run_id,)
        ).fetchall()
        return [LatestMetric(k, _value(v, nan), int(s or 0), int(t or 0)) for k, v, s, t, nan in rows]

    def params(self, run_id: str) -> dict[str, str]:
        rows = self._conn.execute("SELECT key, value FROM params WHERE run_uuid = ?", (run_id,)).fetchall()
        return {k: ("" if v is None else str(v)) for k, v in rows}

    def history(self, run_id: str, key: str) -> list[LatestMetric]:
        rows = self._conn.execute(
            "SELECT key, value, step, timestamp, is_nan FROM metrics WHERE run_uuid = ? AND key = ? "
            "ORDER BY step, timestamp",
            (run_id, key),
        ).fetchall()
        return [LatestMetric(k, _value(v, nan), int(s or 0), int(t or 0)) for k, v, s, t, nan in rows]

    def histories(self, run_id: str, keys: Sequence[str] | None) -> dict[str, list[LatestMetric]]:
        """Several metrics' histories in one query (``None``: every metric of the run)."""
        sql = "SELECT key, value, step, timestamp, is_nan FROM metrics WHERE run_uuid = ?"
        params: list[Any] = [run_id]
        if keys is not None:
            sql += f" AND key IN ({','.join('?' * len(keys))})"
            params += list(keys)
        result: dict[str, list[LatestMetric]] = {k: [] for k in keys or ()}
        for k, v, s, t, nan in self._conn.execute(sql + " ORDER BY key, step, timestamp", params):
            result.setdefault(k, []).append(LatestMetric(k, _value(v, nan), int(s or 0), int(t or 0)))
        return result


_SUMMARY_SELECT = (
    "SELECT r.rowid, r.run_uuid, r.experiment_id, e.name, r.status, r.name, r.start_time, r.end_time, "
    "r.artifact_uri, r.lifecycle_stage FROM runs r LEFT JOIN experiments e ON e.experiment_id = r.experiment_id "
)


def _value(value: Any, is_nan: Any) -> float | None:
    if is_nan or value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


class FallbackRunReader:
    """The same reads through ``MlflowClient``: slower to start, immune to schema changes."""

    def __init__(self, layout: Layout) -> None:
        from mlflow.tracking import MlflowClient  # lazy: heavy

        self._client = MlflowClient(tracking_uri=layout.mlflow_uri)

    def close(self) -> None:
        return None

    def find_run(self, job_name: str) -> RunRef | None:
        from mlflow.entities import ViewType

        experiments = self._client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
        runs = self._client.search_runs(
            [e.experiment_id for e in experiments],
            filter_string=f"tags.`{JOB_TAG}` = '{job_name}'",
            order_by=["attributes.start_time ASC"],
            max_results=50,
        )
        top = [r for r in runs if PARENT_TAG not in r.data.tags] or runs
        if not top:
            return None
        return RunRef(top[0].info.run_id, str(top[0].info.experiment_id), top[0].info.status)

    def latest_metrics(self, run_id: str) -> list[LatestMetric]:
        run = self._client.get_run(run_id)
        return [LatestMetric(k, _value(v, False), 0, 0) for k, v in run.data.metrics.items()]

    def params(self, run_id: str) -> dict[str, str]:
        return dict(self._client.get_run(run_id).data.params)

    def history(self, run_id: str, key: str) -> list[LatestMetric]:
        points = self._client.get_metric_history(run_id, key)
        return [LatestMetric(m.key, _value(m.value, False), int(m.step), int(m.timestamp)) for m in points]

    def histories(self, run_id: str, keys: Sequence[str] | None) -> dict[str, list[LatestMetric]]:
        wanted = list(keys) if keys is not None else sorted(self._client.get_run(run_id).data.metrics)
        return {key: self.history(run_id, key) for key in wanted}


def open_reader(layout: Layout) -> Reader:
    """The fast reader when the store looks as expected, else the MLflow client."""
    try:
        return RunReader(layout)
    except TrackingError:
        if not layout.mlflow_db.exists():
            raise
        return FallbackRunReader(layout)


def terminate_run(layout: Layout, run_id: str, status: str) -> None:
    """Close a run the job could not end itself (killed, crashed): MLflow would show it running forever."""
    from mlflow.tracking import MlflowClient  # lazy: heavy

    MlflowClient(tracking_uri=layout.mlflow_uri).set_terminated(run_id, status=status, end_time=int(time.time() * 1000))


def prepare_experiment(layout: Layout, name: str, *, timeout: float = 600) -> None:
    """``ensure_experiment`` for a long-lived process: the slow path runs in a short-lived helper.

    Creating an experiment imports MLflow (about 200 MB); a supervisor that did
    it in-process would carry that for the whole job. The fast path (store and
    experiment exist) stays in-process and costs a few ms.
    """
    if layout.mlflow_db.exists() and _experiment_id(layout, name) is not None:
        return
    done = subprocess.run(  # its output goes where ours goes (the supervisor's log)
        [sys.executable, "-m", "amlx_lab.backends.local.tracking", str(layout.root), "--experiment", name],
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise TrackingError(
            f"the helper that creates experiment {name!r} exited with code {done.returncode} (details in logs/supervisor.txt)"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m amlx_lab.backends.local.tracking <workspace> [--experiment NAME]``: prepare the MLflow store."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--experiment", help="also make sure this experiment exists")
    args = parser.parse_args(argv)
    layout = Layout(args.workspace.resolve())
    ensure_store(layout)
    if args.experiment:
        ensure_experiment(layout, args.experiment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
