"""The workspace's MLflow tracking store: MLflow's own server app over a SQLite store, in this process.

Azure ML serves the MLflow REST API for every workspace and gives each job an MLflow run whose id is the
job's name. MLflow's store generates run ids itself, so runs for jobs are inserted here with the job name as
their id (through MLflow's ORM models); everything else (logging, search, history) is MLflow's own code.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

ACTIVE, FINISHED, FAILED, KILLED, RUNNING, SCHEDULED = "ACTIVE", "FINISHED", "FAILED", "KILLED", "RUNNING", "SCHEDULED"


class Tracking:
    """MLflow's Flask app and its store; the app is mounted under the workspace's ``/mlflow/v2.0`` prefix."""

    def __init__(self, state_dir: Path) -> None:
        self.artifact_root = state_dir / "mlflow-artifacts"
        self.artifact_root.mkdir(parents=True, exist_ok=True)
        # MLflow's server module reads its store from these at import time: set them first.
        from mlflow.server.constants import ARTIFACT_ROOT_ENV_VAR, BACKEND_STORE_URI_ENV_VAR

        os.environ[BACKEND_STORE_URI_ENV_VAR] = f"sqlite:///{state_dir / 'mlflow.db'}"
        os.environ[ARTIFACT_ROOT_ENV_VAR] = str(self.artifact_root)
        from mlflow.server import app, handlers

        self.app: Any = app
        self.store: Any = handlers._get_tracking_store()

    def experiment_id(self, name: str) -> str:
        """The id of experiment ``name``, created on first use (as Azure creates it on the first job)."""
        from mlflow.exceptions import MlflowException

        found = self.store.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        try:
            return str(self.store.create_experiment(name))
        except MlflowException:  # created concurrently by a client
            return str(self.store.get_experiment_by_name(name).experiment_id)

    def create_run(self, run_id: str, experiment_id: str, run_name: str, tags: dict[str, str], user: str) -> None:
        """Insert a SCHEDULED run whose id is ``run_id`` (the job's name)."""
        from mlflow.entities import LifecycleStage
        from mlflow.store.tracking.dbmodels.models import SqlRun, SqlTag
        from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME, MLFLOW_USER

        experiment = self.store.get_experiment(experiment_id)
        all_tags = {MLFLOW_RUN_NAME: run_name, MLFLOW_USER: user, **tags}
        with self.store.ManagedSessionMaker(read_only=False) as session:
            run = SqlRun(
                name=run_name, run_uuid=run_id, experiment_id=int(experiment_id), user_id=user,
                artifact_uri=f"{experiment.artifact_location.rstrip('/')}/{run_id}/artifacts",
                source_type="JOB", source_name="", entry_point_name="",
                source_version="", status=SCHEDULED, start_time=int(time.time() * 1000), end_time=None,
                deleted_time=None, lifecycle_stage=LifecycleStage.ACTIVE,
            )
            run.tags = [SqlTag(key=k, value=v) for k, v in all_tags.items()]
            session.add(run)

    def set_status(self, run_id: str, status: str, finished: bool = False) -> None:
        end_time = int(time.time() * 1000) if finished else None
        self.store.update_run_info(run_id, _run_status(status), end_time, None)

    def run_artifact_dir(self, run_id: str) -> Path | None:
        """The local folder of a run's MLflow artifacts, if its artifact URI is local."""
        uri = self.store.get_run(run_id).info.artifact_uri
        path = Path(uri.removeprefix("file://"))
        return path if path.is_absolute() else None


def _run_status(name: str) -> int:
    from mlflow.entities import RunStatus

    return int(RunStatus.from_string(name))  # type: ignore[no-untyped-call]
