"""An AutoML job's trials published as Azure shows them: child jobs ``<parent>_<n>``, the best child, its model.

The engine records each trial as an MLflow child run (tag ``mlflow.parentRunId``) with a generated id; Azure
gives each child a job whose MLflow run id is the child job's name. So each new child run becomes a child job
(a ``Command`` job, the one kind azure-ai-ml reads a ``parentJobName`` of, with Azure's
``runTemplate: automl_child`` and ``run_algorithm`` properties, already finished), its MLflow run is copied
under that name (metrics, params, tags) and the engine's copy is deleted. At the end the parent gets the
tag/property ``automl_best_child_run_id`` and the best model (the engine's ``outputs/model``) goes to the best
child's ``outputs/mlflow-model`` (what Azure's examples register), not to the parent's outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..config import ARTIFACTSTORE, DATASTORE_CONTAINERS
from .records import COMPLETED, FAILED, JobRun

BEST_CHILD = "automl_best_child_run_id"
BEST_MODEL_PATH = "outputs/mlflow-model"
_ENGINE_MODEL = "outputs/model"
_ENGINE_BEST_TAG = "amlx.best_trial"


class TrialPublisher:
    """Publishes one AutoML job's trials as they arrive (``poll``) and its best model when it ends (``finish``)."""

    def __init__(self, ws: Any, scheduler: Any, parent: JobRun) -> None:
        self._ws, self._scheduler, self._parent = ws, scheduler, parent
        self._done: set[str] = set()

    def poll(self) -> None:
        from mlflow.entities import ViewType

        store = self._ws.tracking.store
        parent = self._parent
        found = store.search_runs(
            [parent.experiment_id], f"tags.`mlflow.parentRunId` = '{parent.name}'", ViewType.ACTIVE_ONLY, 1000,
        )
        for child in found:
            if child.info.run_id in self._done or child.info.status not in ("FINISHED", "FAILED"):
                continue
            self._publish(child)
            self._done.add(child.info.run_id)

    def _publish(self, child: Any) -> None:
        from mlflow.entities import Metric, Param, RunTag

        ws, parent = self._ws, self._parent
        tags = dict(child.data.tags)
        name = tags.get("mlflow.runName", "")
        if not name.startswith(f"{parent.name}_") or ws.store.get(_job_path(ws, name)) is not None:
            return
        parent_job = (ws.store.get(parent.arm_path) or {}).get("properties", {})
        algorithm = tags.get("amlx.algorithm", "")
        params = dict(child.data.params)
        scores = [v for k, v in child.data.metrics.items() if k != "duration_s" and not k.endswith("_std")]
        score = scores[0] if scores else None
        body = {"properties": {
            "jobType": "Command", "parentJobName": parent.name, "experimentName": parent.experiment_name,
            "displayName": name, "status": COMPLETED if child.info.status == "FINISHED" else FAILED,
            "computeId": parent_job.get("computeId"), "command": "", "isArchived": False, "tags": {},
            "properties": {"run_algorithm": algorithm, "iteration": tags.get("amlx.trial_index", ""),
                           "score": "" if score is None else str(score), "runTemplate": "automl_child"},
            "outputs": {}, "services": {},
        }}
        stored, _ = ws.store.put(_job_path(ws, name), body, parent.created_by)
        ws.tracking.create_run(name, parent.experiment_id, name, {"mlflow.parentRunId": parent.name}, parent.created_by)
        stamp = child.info.end_time or child.info.start_time
        ws.tracking.store.log_batch(
            name,
            metrics=[Metric(k, v, stamp, 0) for k, v in child.data.metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items() if not k.startswith("mlflow.")],
        )
        ws.tracking.store.delete_run(child.info.run_id)
        run = JobRun(
            name=name, arm_path=_job_path(ws, name), experiment_name=parent.experiment_name,
            experiment_id=parent.experiment_id, display_name=name, job_type="Command", compute=parent.compute,
            created_utc=stored["systemData"]["createdAt"], created_by=parent.created_by, parent=parent.name,
            start_utc=stored["systemData"]["createdAt"],
        )
        self._scheduler.record_finished(run, COMPLETED if child.info.status == "FINISHED" else FAILED)

    def finish(self, work_dir: Path) -> None:
        """Publish the last trials, name the best child on the parent and move the model to it."""
        self.poll()
        ws, parent = self._ws, self._parent
        best = ws.tracking.store.get_run(parent.name).data.tags.get(_ENGINE_BEST_TAG)
        if not best or ws.store.get(_job_path(ws, best)) is None:
            return
        ws.tracking.store.set_tag(parent.name, _tag(BEST_CHILD, best))
        job = ws.store.get(parent.arm_path) or {}
        properties = {**(job.get("properties", {}).get("properties") or {}), BEST_CHILD: best}
        ws.store.update(parent.arm_path, {"properties": properties})
        model = work_dir / _ENGINE_MODEL
        if (model / "MLmodel").is_file():
            ws.blobs.upload_folder(DATASTORE_CONTAINERS[ARTIFACTSTORE], f"ExperimentRun/dcid.{best}/{BEST_MODEL_PATH}",
                                   model)
            shutil.rmtree(model)


def _job_path(ws: Any, name: str) -> str:
    return f"{ws.config.workspace_path}/jobs/{name}"


def _tag(key: str, value: str) -> Any:
    from mlflow.entities import RunTag

    return RunTag(key, value)
