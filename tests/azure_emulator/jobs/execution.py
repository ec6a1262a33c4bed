"""One command job from its ARM body to a finished process: code, inputs, command, process, logs, outputs."""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..blobs import BlobStore
from ..config import ARTIFACTSTORE, BLOBSTORE, DATASTORE_CONTAINERS, EmulatorConfig
from ..processes import dying_with_parent
from ..store import ArmStore
from ..tracking import Tracking
from ..uris import blob_location
from . import automl
from .automl_trials import TrialPublisher
from .command import render
from .inputs import resolve_inputs
from .job_env import job_environment
from .logs import LogPump
from .records import FINALIZING, PREPARING, RUNNING, JobRun
from .tokens import run_token

STD_LOG = "user_logs/std_log.txt"
_FLUSH_SECONDS = 0.25
_TRIAL_POLL_SECONDS = 1.0
_ERROR_TAIL = 2000


class JobSetupError(Exception):
    """The job could not start (missing code, an input that cannot be resolved, a bad command)."""


@dataclass
class Workspace:
    """What running a job needs from the emulator."""

    config: EmulatorConfig
    base_url: str
    ca_bundle: Path
    state_dir: Path
    store: ArmStore
    blobs: BlobStore
    tracking: Tracking
    token_secret: str
    guard_dir: Path | None


def execute(ws: Workspace, run: JobRun, set_status: Callable[[str], None], scheduler: Any = None) -> int | None:
    """Run the job; return the process's exit code, or None if it was cancelled before it started.

    An AutoML job runs amlx's engine (``automl.py``); its trials are published while it runs
    (``automl_trials.py``, through ``scheduler``)."""
    job: dict[str, Any] = (ws.store.get(run.arm_path) or {}).get("properties", {})
    root = ws.state_dir / "jobs" / run.name
    code_dir = root / "wd"
    code_dir.mkdir(parents=True, exist_ok=True)
    set_status(PREPARING)
    publisher = None
    outputs: dict[str, str] = {}
    if run.job_type.lower() == "automl":
        try:
            command = automl.prepare(ws, job, code_dir, root / "inputs")
        except automl.AutoMLSetupError as exc:
            raise JobSetupError(str(exc)) from exc
        publisher = TrialPublisher(ws, scheduler, run)
    else:
        _download_code(ws, job.get("codeId"), code_dir)
        inputs = _resolve(ws, job.get("inputs") or {}, root / "inputs")
        outputs = {name: str(root / "outputs" / name) for name in (job.get("outputs") or {})}
        for path in outputs.values():
            Path(path).mkdir(parents=True, exist_ok=True)
        try:
            command = render(str(job.get("command", "")), inputs, outputs)
        except ValueError as exc:
            raise JobSetupError(str(exc)) from exc
    token, expiry = run_token(ws.token_secret, run.name, ws.config.workspace_path, ws.config.tenant_id)
    env = job_environment(
        ws.config, ws.base_url, ws.ca_bundle, run.name, run.experiment_name, run.experiment_id, token, expiry,
        {**(job.get("environmentVariables") or {}), **({"AMLX_JOB_NAME": run.name} if publisher else {})},
        ws.guard_dir,
    )
    if run.cancel_requested:
        return None
    log_blob = f"{run.artifact_prefix}/{STD_LOG}"
    sink = ws.blobs.append_log(DATASTORE_CONTAINERS[ARTIFACTSTORE], log_blob)
    run.log_files = [STD_LOG]
    process = subprocess.Popen(
        dying_with_parent(["/bin/sh", "-c", command]), cwd=code_dir, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    run.process = process
    assert process.stdout is not None
    pump = LogPump(process.stdout, root / "std_log.txt", sink)
    set_status(RUNNING)
    polled = time.monotonic()
    while True:
        try:
            code = process.wait(timeout=_FLUSH_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pump.flush()
            if publisher is not None and time.monotonic() - polled > _TRIAL_POLL_SECONDS:
                publisher.poll()
                polled = time.monotonic()
    pump.close()
    if not run.cancel_requested:
        set_status(FINALIZING)
    if publisher is not None:
        publisher.finish(code_dir)
    _upload_outputs(ws, run, code_dir, outputs)
    return code


def failure_message(ws: Workspace, run: JobRun, code: int) -> str:
    """Azure's sentence for a failed user process, with the end of its log."""
    log = ws.state_dir / "jobs" / run.name / "std_log.txt"
    tail = log.read_bytes()[-_ERROR_TAIL:].decode(errors="replace").strip() if log.exists() else ""
    command = str((ws.store.get(run.arm_path) or {}).get("properties", {}).get("command", ""))
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        program = "/bin/sh"
    return (
        f"Execution failed. User process '{program}' exited with status code {code}. "
        f"Please check log file '{STD_LOG}' for error details. Error: {tail}"
    )


def _download_code(ws: Workspace, code_id: str | None, destination: Path) -> None:
    if not code_id:
        return
    code = ws.store.get(code_id.removeprefix("azureml:"))
    if code is None:
        raise JobSetupError(f"The code asset '{code_id}' does not exist in this workspace.")
    uri = str(code["properties"].get("codeUri", ""))
    location = blob_location(uri, ws.blobs.account_url)
    if not ws.blobs.download_prefix(location.container, location.path, destination):
        raise JobSetupError(f"The code asset '{code_id}' has no files at its codeUri.")


def _resolve(ws: Workspace, inputs: dict[str, Any], destination: Path) -> dict[str, str]:
    try:
        return resolve_inputs(inputs, ws.store, ws.blobs, ws.config.workspace_path, destination)
    except ValueError as exc:
        raise JobSetupError(str(exc)) from exc


def _upload_outputs(ws: Workspace, run: JobRun, code_dir: Path, outputs: dict[str, str]) -> None:
    """``./outputs`` and ``./logs`` go to the run's artifacts (as Azure uploads them), named outputs to the
    blob store, and MLflow artifacts the job logged locally are copied to the run's artifacts too."""
    artifacts = DATASTORE_CONTAINERS[ARTIFACTSTORE]
    for folder in ("outputs", "logs"):
        if (code_dir / folder).is_dir():
            ws.blobs.upload_folder(artifacts, f"{run.artifact_prefix}/{folder}", code_dir / folder)
    for name, path in outputs.items():
        ws.blobs.upload_folder(DATASTORE_CONTAINERS[BLOBSTORE], f"azureml/{run.name}/{name}", Path(path))
    mlflow_dir = ws.tracking.run_artifact_dir(run.name)
    if mlflow_dir is not None and mlflow_dir.is_dir():
        ws.blobs.upload_folder(artifacts, run.artifact_prefix, mlflow_dir)
