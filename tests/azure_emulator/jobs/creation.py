"""Creating a job as the service does on ``PUT jobs/{name}``: stored, given an MLflow run, and queued to run.

The job route calls this for what a client submits; a sweep calls it for each trial it starts, so a trial
is a job like any other (run history, MLflow run with ``mlflow.parentRunId``, logs, outputs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import NOT_STARTED, JobRun

if TYPE_CHECKING:
    from .execution import Workspace
    from .scheduler import Scheduler

RUNNABLE = {"command", "automl"}


def create_job(ws: Workspace, scheduler: Scheduler, name: str, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """Store job ``name`` from its ARM body, create its MLflow run and hand it to the scheduler; returns it."""
    path = f"{ws.config.workspace_path}/jobs/{name}"
    props = body.setdefault("properties", {})
    job_type = str(props.get("jobType", "")).lower()
    experiment = props.get("experimentName") or "Default"
    props["experimentName"] = experiment
    props["status"] = NOT_STARTED
    props.setdefault("isArchived", False)
    props.setdefault("properties", {})
    props.setdefault("tags", {})
    props["services"] = {
        **(props.get("services") or {}),
        "Studio": {"jobServiceType": "Studio", "endpoint": studio_url(ws, name), "status": None},
        "Tracking": {"jobServiceType": "Tracking", "endpoint": tracking_uri(ws), "status": None},
    }
    experiment_id = ws.tracking.experiment_id(experiment)
    display = props.get("displayName") or name
    mlflow_tags = {str(k): str(v) for k, v in (props.get("tags") or {}).items()}
    parent = props.get("parentJobName")
    if parent:
        mlflow_tags["mlflow.parentRunId"] = parent
    ws.tracking.create_run(name, experiment_id, display, mlflow_tags, principal)
    stored, _ = ws.store.put(path, body, principal)
    compute = props.get("computeId")
    run = JobRun(
        name=name, arm_path=path, experiment_name=experiment, experiment_id=experiment_id,
        display_name=display, job_type=props.get("jobType", ""),
        compute=compute.rsplit("/", 1)[-1] if compute else None,
        created_utc=stored["systemData"]["createdAt"], created_by=principal, parent=parent,
    )
    if job_type in RUNNABLE:
        scheduler.submit(run)
    elif job_type == "sweep":
        scheduler.submit_sweep(run, principal)
    else:
        scheduler.reject(run, f"The loopback workspace does not run {props.get('jobType')} jobs yet.")
    return ws.store.get(path) or stored


def tracking_uri(ws: Workspace) -> str:
    return f"azureml://{ws.base_url.removeprefix('https://')}/mlflow/v1.0{ws.config.workspace_path}"


def studio_url(ws: Workspace, name: str) -> str:
    return f"{ws.base_url}/studio/runs/{name}?wsid={ws.config.workspace_path}"
