"""An Azure ML job (the ARM resource, its run-history run, its MLflow run) as the product's ``Job`` record.

Statuses keep Azure's vocabulary; the few Azure states outside the shared one
are mapped: ``Provisioning`` (compute being set up) is ``Preparing``,
``Paused`` is ``Queued`` (it waits to continue), and ``NotResponding`` (the
service lost the job's heartbeat; terminal for Azure) is ``Failed`` with a
sentence saying so. What amlx submitted (typed parameters, inputs as the user
named them, how the environment was chosen) travels in the job's
``properties`` under ``amlx.*`` keys, since Azure keeps only strings.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from ...records import Job, JobInput, JobStatus, JobType
from .run_history import RunInfo, epoch
from .tracking import RunData

PROP_PARAMETERS = "amlx.parameters"
PROP_INPUTS = "amlx.inputs"
PROP_ENVIRONMENT = "amlx.environment"
BUILT_ENVIRONMENT = "requirements"  # the environment was built from the package's requirements.txt
SERVERLESS = "serverless"

_STATUS = {
    "NotStarted": JobStatus.NOT_STARTED,
    "Queued": JobStatus.QUEUED,
    "Preparing": JobStatus.PREPARING,
    "Provisioning": JobStatus.PREPARING,
    "Starting": JobStatus.STARTING,
    "Running": JobStatus.RUNNING,
    "Finalizing": JobStatus.FINALIZING,
    "CancelRequested": JobStatus.CANCEL_REQUESTED,
    "Completed": JobStatus.COMPLETED,
    "Failed": JobStatus.FAILED,
    "Canceled": JobStatus.CANCELED,
    "Paused": JobStatus.QUEUED,
    "NotResponding": JobStatus.FAILED,
    "Unknown": JobStatus.NOT_STARTED,
}
NOT_RESPONDING = "Azure ML reports the job as NotResponding: it stopped sending heartbeats."

# Azure marks an AutoML job's trials (command jobs to the SDK) with this property.
PROP_RUN_TEMPLATE, AUTOML_CHILD = "runTemplate", "automl_child"
_TYPES = {"command": JobType.COMMAND, "sweep": JobType.SWEEP, "automl": JobType.AUTOML}


def is_automl_trial(entity: Any) -> bool:
    """Whether the job is a trial Azure ran for an AutoML job (azure-ai-ml does not say whose)."""
    return str((getattr(entity, "properties", None) or {}).get(PROP_RUN_TEMPLATE)) == AUTOML_CHILD


def status_of(azure: Any) -> JobStatus:
    """Azure's status word as the shared vocabulary (an unknown word counts as not started)."""
    text = str(getattr(azure, "value", azure) or "")
    return _STATUS.get(text, JobStatus.NOT_STARTED)


def raw_status(azure: Any) -> str:
    return str(getattr(azure, "value", azure) or "")


def job_record(entity: Any, run: RunInfo | None = None, data: RunData | None = None) -> Job:
    """The record of one job from what is known of it (``run``/``data`` missing: not fetched yet)."""
    props = {str(k): str(v) for k, v in (getattr(entity, "properties", None) or {}).items()}
    azure_status = run.status if run is not None and run.status else raw_status(entity.status)
    status = status_of(azure_status)
    created = _created_at(entity, run)
    started = run.started_at if run is not None else None
    ended = run.ended_at if run is not None and status.terminal else None
    error = run.error if run is not None else None
    if azure_status == "NotResponding":
        error = error or NOT_RESPONDING
    times = [t for t in (created, started, ended, run.modified_at if run is not None else None) if t is not None]
    parent = getattr(entity, "parent_job_name", None) or (run.parent if run is not None else None)
    trial = getattr(entity, "trial", None)  # a sweep: its command and environment are the trial's
    command = str(getattr(entity, "command", None) or getattr(trial, "command", None) or "")
    environment = None if props.get(PROP_ENVIRONMENT) == BUILT_ENVIRONMENT else _environment_ref(entity)
    return Job(
        name=str(entity.name),
        display_name=str(getattr(entity, "display_name", None) or entity.name),
        experiment=str(getattr(entity, "experiment_name", None) or "Default"),
        status=status,
        compute=str(getattr(entity, "compute", None) or SERVERLESS),
        created_at=created,
        type=JobType.AUTOML if is_automl_trial(entity) else _TYPES.get(
            str(getattr(entity, "type", "command")).lower(), JobType.COMMAND
        ),
        parent=parent,
        started_at=started,
        ended_at=ended,
        updated_at=max(times) if times else created,
        command=tuple(_split(command)),
        environment=environment,
        parameters=_parameters(entity, props, trial=parent is not None),
        inputs=_inputs(entity, props),
        tags={str(k): str(v) for k, v in (getattr(entity, "tags", None) or {}).items()},
        metrics=dict(data.metrics) if data is not None else {},
        params=dict(data.params) if data is not None else {},
        exit_code=None,
        error=error if status is JobStatus.FAILED or error else None,
        mlflow_run_id=str(entity.name),
        mlflow_experiment_id=data.experiment_id if data is not None else None,
        studio_url=getattr(entity, "studio_url", None),
    )


def _created_at(entity: Any, run: RunInfo | None) -> float:
    context = getattr(entity, "creation_context", None)
    created = epoch(getattr(context, "created_at", None)) if context is not None else None
    if created is None and run is not None:
        created = run.created_at
    return created if created is not None else 0.0


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _environment_ref(entity: Any) -> str | None:
    """``azureml:name:version`` for a workspace environment's ARM id; registry and other refs as given."""
    env = getattr(entity, "environment", None) or getattr(getattr(entity, "trial", None), "environment", None)
    if env is None:
        return None
    text = env if isinstance(env, str) else f"azureml:{getattr(env, 'name', '')}:{getattr(env, 'version', '')}"
    parts = text.split("/")
    if "environments" in parts and "versions" in parts and text.removeprefix("azureml:").startswith("/subscriptions/"):
        at = parts.index("environments")
        if len(parts) > at + 3:
            return f"azureml:{parts[at + 1]}:{parts[at + 3]}"
    return text


def _parameters(entity: Any, props: dict[str, str], *, trial: bool) -> dict[str, Any]:
    stored = _json(props.get(PROP_PARAMETERS))
    if isinstance(stored, dict):
        return stored
    values: dict[str, Any] = {}
    for name, value in (getattr(entity, "inputs", None) or {}).items():
        literal = _literal(value)
        if literal is not None:
            values[str(name)] = _sampled(literal) if trial else literal
    return values


def fixed_parameters(sweep: Any) -> dict[str, Any]:
    """A sweep's parameters that it does not search, typed as amlx submitted them (its trials get them as text)."""
    stored = _json({str(k): str(v) for k, v in (getattr(sweep, "properties", None) or {}).items()}.get(PROP_PARAMETERS))
    searched = getattr(sweep, "search_space", None) or {}
    if not isinstance(stored, dict):
        return {}
    return {str(k): v for k, v in stored.items() if k not in searched}


def _sampled(value: str | int | float | bool) -> str | int | float | bool:
    """A trial's input as the number it was sampled as: Azure passes a sweep's values to its trials as text."""
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, (int, float)) and not isinstance(parsed, bool) else value


def _inputs(entity: Any, props: dict[str, str]) -> tuple[JobInput, ...]:
    stored = _json(props.get(PROP_INPUTS))
    if isinstance(stored, list):
        return tuple(
            JobInput(name=str(i["name"]), ref=str(i["ref"]), path=str(i["path"]), asset=i.get("asset"))
            for i in stored
            if isinstance(i, dict) and {"name", "ref", "path"} <= set(i)
        )
    found = []
    training = getattr(entity, "training_data", None)  # an AutoML job's MLTable
    if training is not None and getattr(training, "path", None):
        path = str(training.path)
        found.append(JobInput(name="training_data", ref=path, path=path, asset=asset_of(path)))
    for name, value in (getattr(entity, "inputs", None) or {}).items():
        if _literal(value) is not None:
            continue
        path = str(getattr(value, "path", None) or getattr(getattr(value, "_data", None), "path", "") or "")
        if path:
            found.append(JobInput(name=str(name), ref=path, path=path, asset=asset_of(path)))
    return tuple(found)


def asset_of(ref: str) -> str | None:
    """``name:version`` when ``ref`` names a data asset version (``azureml:name:version`` or its ARM id)."""
    text = ref.removeprefix("azureml:")
    parts = text.split("/")
    if "data" in parts and "versions" in parts:
        at = parts.index("data")
        return f"{parts[at + 1]}:{parts[at + 3]}" if len(parts) > at + 3 else None
    if "/" in text or ":" not in text:
        return None
    name, _, version = text.rpartition(":")
    return f"{name}:{version}" if name and version else None


def _literal(value: Any) -> str | int | float | bool | None:
    if isinstance(value, (str, int, float, bool)):
        return value
    data = getattr(value, "_data", value)
    if isinstance(data, (str, int, float, bool)):
        return data
    if getattr(data, "type", None) in (None, "literal") and not getattr(data, "path", None):
        inner = getattr(data, "value", None) if not isinstance(data, (str, int, float, bool)) else data
        return inner if isinstance(inner, (str, int, float, bool)) else None
    return None


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
