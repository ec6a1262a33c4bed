"""Writes an export folder: the YAML documents, the code they name, the conda file and the workflow.

A folder is written next to where it goes and renamed into place, so a
failed export leaves nothing half-written; an existing export of the same
name is replaced only when the caller says so (and only if it is one: a
folder holding no ``job.yml`` or ``endpoint.yml`` is never removed).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConflictError, ValidationError
from ..i18n import _
from ..records import Deployment, Endpoint, ExportResult, Job
from .endpoint_yaml import deployment_document, endpoint_document
from ..sweep.settings import SweepSettings
from .job_yaml import DataInput, command_job, environment_reference, sweep_job
from .score_template import SCORE_PY
from .workflow import ModelSource, endpoint_name, endpoint_workflow, job_workflow
from .yamltext import dump

JOB_FILE = "job.yml"
ENDPOINT_FILE = "endpoint.yml"
WORKFLOW_FILE = "workflow.yml"
DEPLOYMENT_FILE = "deploy/deployment.yml"
CODE_DIR = "src"
CONDA_FILE = "environment/conda.yml"
MANIFEST = "amlx-manifest.json"
_MARKERS = (JOB_FILE, ENDPOINT_FILE)


@dataclass(frozen=True)
class JobSource:
    """What an export of one job reads, gathered by the facade from the target."""

    job: Job
    target: str
    code_files: Sequence[str]  # relative paths in the job's code snapshot
    code_file: Callable[[str], Path]  # a local copy of one of them
    conda: dict[str, Any] | None  # the environment built from requirements.txt, when the job named none
    image: str  # the base image that environment is built on
    data: dict[str, DataInput]
    model: ModelSource
    notes: tuple[str, ...] = ()
    sweep: SweepSettings | None = None  # a sweep job's search space, objective, sampling, policy and limits
    scoring_conda: dict[str, Any] | None = None  # the environment of the scoring script a custom model needs


@dataclass(frozen=True)
class EndpointSource:
    endpoint: Endpoint
    target: str
    custom: dict[str, dict[str, Any]]  # deployment name -> conda spec, for models that need a scoring script
    image: str
    notes: tuple[str, ...] = ()


def write_job(parent: Path, source: JobSource, *, shown_as: str, overwrite: bool) -> ExportResult:
    """``parent/<job name>/``: job.yml, src/, environment/conda.yml (when built), workflow.yml."""
    job = source.job
    if not source.code_files:
        raise ConflictError(
            _("Job {name} has no code folder to export (only jobs that ran a code package can be resubmitted).").format(name=job.name),
            details={"job": job.name},
        )
    environment: str | dict[str, Any]
    if job.environment:
        environment = environment_reference(job.environment)
    else:
        environment = {"image": source.image, "conda_file": CONDA_FILE}
    description = f"Exported by amlx-lab from job {job.name} on the {source.target} target."
    if source.sweep is not None:
        document = sweep_job(job, source.sweep, code=f"./{CODE_DIR}", data=source.data, environment=environment,
                             description=description)
    else:
        document = command_job(job, code=f"./{CODE_DIR}", data=source.data, environment=environment,
                               description=description)

    def fill(folder: Path) -> list[str]:
        written = []
        for rel in source.code_files:
            destination = folder / CODE_DIR / rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.code_file(rel), destination)
            written.append(f"{CODE_DIR}/{rel}")
        _relative_manifest(folder / CODE_DIR / MANIFEST)
        if isinstance(environment, dict) and source.conda is not None:
            _write(folder / CONDA_FILE, dump(source.conda))
            written.append(CONDA_FILE)
        _write(folder / JOB_FILE, dump(document, header=f"# az ml job create --file {JOB_FILE}\n"))
        written += _deployment_template(folder, source)
        _write(folder / WORKFLOW_FILE, job_workflow(name=job.name, export_dir=shown_as, job_file=JOB_FILE,
                                                    deployment_file=DEPLOYMENT_FILE, model=source.model,
                                                    sweep=source.sweep is not None))
        return [JOB_FILE, WORKFLOW_FILE, *written]

    files = _publish(parent / job.name, fill, overwrite=overwrite, what=_("job {name}").format(name=job.name))
    return ExportResult(kind="job", name=job.name, target=source.target, folder=shown_as, files=tuple(files),
                        notes=source.notes)


def write_endpoint(parent: Path, source: EndpointSource, *, shown_as: str, overwrite: bool) -> ExportResult:
    """``parent/<endpoint>/``: endpoint.yml, deployment-<name>.yml each, score/ when a model needs it, workflow.yml."""
    endpoint = source.endpoint

    def fill(folder: Path) -> list[str]:
        written = [ENDPOINT_FILE]
        _write(folder / ENDPOINT_FILE, dump(endpoint_document(endpoint),
                                            header=f"# az ml online-endpoint create --file {ENDPOINT_FILE}\n"))
        deployment_files = []
        for deployment in endpoint.deployments:
            conda = source.custom.get(deployment.name)
            scoring = None
            environment = None
            if conda is not None:
                code = f"score-{deployment.name}"
                _write(folder / code / "score.py", SCORE_PY)
                _write(folder / code / "conda.yml", dump(conda))
                written += [f"{code}/score.py", f"{code}/conda.yml"]
                scoring = (f"./{code}", "score.py")
                environment = {"image": source.image, "conda_file": f"./{code}/conda.yml"}
            name = f"deployment-{deployment.name}.yml"
            _write(folder / name, dump(deployment_document(deployment, scoring=scoring, environment=environment),
                                       header=f"# az ml online-deployment create --file {name}\n"))
            deployment_files.append(name)
        written[1:1] = deployment_files
        _write(folder / WORKFLOW_FILE, endpoint_workflow(
            name=endpoint.name, export_dir=shown_as, endpoint_file=ENDPOINT_FILE,
            deployment_files=deployment_files, traffic={k: v for k, v in endpoint.traffic.items() if v},
        ))
        return [*written, WORKFLOW_FILE]

    files = _publish(parent / endpoint.name, fill, overwrite=overwrite, what=_("endpoint {name}").format(name=endpoint.name))
    return ExportResult(kind="endpoint", name=endpoint.name, target=source.target, folder=shown_as,
                        files=tuple(files), notes=source.notes)


def _deployment_template(folder: Path, source: JobSource) -> list[str]:
    """``deploy/deployment.yml`` for the workflow's deploy step, which sets the endpoint and the registered model.

    A custom model (a pickle) gets ``deploy/score.py`` and its conda file; an MLflow model needs neither.
    """
    name = source.job.name
    deployment = Deployment(name="blue", endpoint=endpoint_name(name), model=f"{name}:1", status="Creating",
                            deployment_uri=None, restarts=0, last_error=None, started_at=None)
    written = []
    scoring = environment = None
    if source.model.type == "custom_model":
        _write(folder / "deploy" / "score.py", SCORE_PY)
        _write(folder / "deploy" / "conda.yml", dump(source.scoring_conda or {}))
        written += ["deploy/score.py", "deploy/conda.yml"]
        scoring = (".", "score.py")
        environment = {"image": source.image, "conda_file": "conda.yml"}
    header = "# The workflow's deploy step uses this with --set endpoint_name=... model=azureml:<model>:<version>\n"
    _write(folder / DEPLOYMENT_FILE, dump(deployment_document(deployment, scoring=scoring, environment=environment),
                                          header=header))
    return [DEPLOYMENT_FILE, *written]


def _publish(folder: Path, fill: Callable[[Path], Iterable[str]], *, overwrite: bool, what: str) -> list[str]:
    """Fill a fresh sibling folder, then put it in place of ``folder``."""
    if folder.exists():
        if not overwrite:
            raise ConflictError(
                _("The folder {folder} already holds an export of {what}; export again with overwrite "
                  "(amlx export --force, %aml export --force) to replace it.").format(folder=folder.name, what=what),
                details={"folder": folder.name, "replaceable": True},
            )
        if not folder.is_dir() or not any((folder / m).is_file() for m in _MARKERS):
            raise ConflictError(
                _("The folder {folder} exists and is not an amlx export; choose another output folder.").format(folder=folder.name),
                details={"folder": folder.name},
            )
    staging = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.partial"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        files = list(fill(staging))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    except OSError as exc:  # a name too long, a file where a folder should be, no space left
        raise ValidationError(
            _("The export of {what} could not be written to {folder}: {reason}.").format(
                what=what, folder=folder.parent.name or _("that folder"), reason=exc.strerror or exc),
            field="folder",
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _relative_manifest(path: Path) -> None:
    """The package manifest names the folder it was built in on this machine; the export says ``.`` instead."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(manifest, dict) and "root" in manifest:
        manifest["root"] = "."
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
