"""What an export reads from a target, gathered through the facade's capabilities (so either target works).

A job: its record, its code snapshot, the environment the Azure target would
build from its ``requirements.txt`` (when it named none), its data inputs as
the YAML can name them, and the model the workflow would register (the first
candidate the target finds). An endpoint: its record and, for each deployment
of a model that is not an MLflow model, the environment of its scoring script.
What the files cannot carry over by themselves becomes a note for the person.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends.azure.environments import (
    DEFAULT_BASE_IMAGE,
    DEFAULT_PYTHON,
    conda_specification,
    python_version,
    requirement_lines,
)
from ..errors import AmlxError, ConflictError
from ..i18n import _
from ..records import Job, JobInput, JobType
from .automl_job import TABLE_DIR, AutoMLSource
from .bundle import EndpointSource, JobSource
from .job_yaml import NO_AZURE_COMPUTE, DataInput
from .workflow import ModelSource

if TYPE_CHECKING:
    from ..workspace import Workspace

#: What a generated score.py needs besides the training job's own requirements.
SCORING_PACKAGES = ("scikit-learn", "pandas", "azureml-inference-server-http")


def job_source(ws: Workspace, name: str, target: str | None) -> JobSource:
    jobs = ws.jobs(target)
    job = jobs.get_job(name)
    sweep = None
    if job.type is JobType.SWEEP:
        sweep = ws.sweeps(target).sweep_details(name).settings
    elif job.type is not JobType.COMMAND:
        said = (_("Job {name} is an interactive MLflow run (its code is its notebook); only command and sweep jobs can be "
                  "exported as a job.yml.") if job.type is JobType.INTERACTIVE
                else _("Job {name} is a {kind} job; only command and sweep jobs can be exported as a job.yml."))
        raise ConflictError(said.format(name=name, kind=job.type.value), details={"job": name})
    package = jobs.code_package(name)
    code_files = tuple(f.path for f in package.files)
    notes: list[str] = []
    conda = None
    if not job.environment:
        requirements = _requirements(ws, name, target) if "requirements.txt" in code_files else []
        conda = conda_specification(requirements, python_version(package.manifest))
    data = {item.name: _data_input(ws, item, target, notes) for item in job.inputs}
    if job.compute in NO_AZURE_COMPUTE and ws.backend(target).name == "local":
        notes.append(
            _("The job ran on this machine, so job.yml names no compute and Azure ML runs it on serverless compute; "
              "add compute: azureml:<cluster> to run it on a cluster.")
        )
    model = _model_source(ws, name, target)
    scoring = _scoring_conda(ws, name, model.path, target) if model.type == "custom_model" else None
    return JobSource(
        job=job, target=ws.backend(target).name, code_files=code_files,
        code_file=lambda rel: jobs.code_file(name, rel), conda=conda, image=_base_image(ws),
        data=data, model=model, notes=tuple(notes), sweep=sweep, scoring_conda=scoring,
    )


def automl_source(ws: Workspace, job: Job, target: str | None) -> AutoMLSource:
    """An AutoML job's settings and its training data: a datastore URI (Azure) or the CSV file it read here."""
    details = ws.automl_details(job.name, target=target)
    data = next((i for i in job.inputs if i.name == "training_data"), None)
    uri = csv = None
    if data is not None and "://" in data.path:
        uri = data.path
    elif data is not None and Path(data.path).is_file():
        csv = Path(data.path)
    else:
        raise ConflictError(_("AutoML job {name} has no training data this export can name.").format(name=job.name),
                            details={"job": job.name})
    notes: tuple[str, ...] = ()
    if csv is not None and data is not None and data.asset:
        notes = (_("The training data is data asset {asset} of this workspace; job.yml ships a copy of it "
                   "in {folder}/, which az ml job create uploads.").format(asset=data.asset, folder=TABLE_DIR),)
    return AutoMLSource(job=job, target=ws.backend(target).name, settings=dict(details.settings), training_uri=uri,
                        training_csv=csv, notes=notes)


def endpoint_source(ws: Workspace, name: str, target: str | None) -> EndpointSource:
    endpoint = ws.endpoints(target).get_endpoint(name)
    custom: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for deployment in endpoint.deployments:
        model_name, _sep, version = deployment.model.removeprefix("azureml:").partition(":")
        try:
            model = ws.models(target).get_model(model_name, version or "latest")
        except AmlxError:
            model = None
        if deployment.score_script:
            notes.append(
                _("Deployment {name} runs its own {script}: put it in score-{name}/ in place of the score.py written there.").format(
                    name=deployment.name, script=deployment.score_script)
            )
        if model is not None and model.format == "mlflow":
            continue
        fmt = model.format if model is not None else "pickle"
        custom[deployment.name] = _scoring_conda(ws, model.job if model else None, f"model.{fmt}", target)
    return EndpointSource(endpoint=endpoint, target=ws.backend(target).name, custom=custom, image=_base_image(ws),
                          notes=tuple(notes))


def _requirements(ws: Workspace, job: str, target: str | None) -> list[str]:
    """The job's pinned ``requirements.txt`` (a local copy of the snapshot's file)."""
    try:
        return requirement_lines(ws.jobs(target).code_file(job, "requirements.txt").parent)
    except AmlxError:
        return []


def _scoring_conda(ws: Workspace, job: str | None, model_file: str, target: str | None) -> dict[str, Any]:
    """What the generated score.py runs with: the training job's pinned requirements, plus the inference server."""
    requirements = _requirements(ws, job, target) if job else []
    wanted = [*SCORING_PACKAGES, *(s for s in ("joblib", "skops") if model_file.endswith(s))]
    extra = [p for p in wanted if not any(r.lower().startswith(p) for r in requirements)]
    python = DEFAULT_PYTHON
    if job:
        try:
            python = python_version(ws.jobs(target).code_package(job).manifest)
        except AmlxError:
            pass
    return conda_specification([*requirements, *extra], python)


def _base_image(ws: Workspace) -> str:
    """The Azure target's base image setting, else Microsoft's CPU image (what it builds job environments on)."""
    return ws.config.azure.base_image or DEFAULT_BASE_IMAGE


def _data_input(ws: Workspace, item: JobInput, target: str | None, notes: list[str]) -> DataInput:
    """A recorded input as the YAML names it: a data asset version, a URI, or (with a note) a file."""
    local_target = ws.backend(target).name == "local"
    if item.asset:
        asset_name, _sep, version = item.asset.partition(":")
        kind = "uri_file"
        try:
            kind = ws.data(target).get_data(asset_name, version or "latest").type
        except AmlxError:
            notes.append(_("Input {name}: data asset {asset} was not found; check its type in job.yml.").format(
                name=item.name, asset=item.asset))
        if local_target:
            notes.append(
                _("Input {name} is the local data asset {asset}: register it in Azure ML under the same name and version.").format(
                    name=item.name, asset=item.asset)
            )
        return DataInput(type=kind, path=f"azureml:{item.asset}")
    if "://" in item.path:
        return DataInput(type="uri_folder" if item.path.endswith("/") else "uri_file", path=item.path)
    local = Path(item.path)
    if not local_target:
        # the Azure target records only the name of a file it uploaded, not where the upload went
        notes.append(
            _("Input {name} was a file uploaded from the machine that submitted the job ({file}); "
              "register it as a data asset and put azureml:<name>:<version> in job.yml.").format(name=item.name, file=local.name)
        )
        return DataInput(type="uri_file", path=local.name)
    notes.append(
        _("Input {name} reads {file} from this machine: register it as a data asset and put "
          "azureml:<name>:<version> in job.yml before the workflow runs it.").format(name=item.name, file=local.name)
    )
    return DataInput(type="uri_folder" if local.is_dir() else "uri_file", path=item.path)


def _model_source(ws: Workspace, job: str, target: str | None) -> ModelSource:
    """The first model candidate the target finds in the job (sklearn autolog's MLflow model first), else ``model``."""
    try:
        candidates = ws.models(target).model_candidates(job)
    except AmlxError:
        candidates = ()
    for candidate in candidates:
        if candidate.source == "mlflow:model":
            return ModelSource(type="mlflow_model", path="model")
        if candidate.format == "mlflow":
            return ModelSource(type="mlflow_model", path=candidate.source)
        return ModelSource(type="custom_model", path=candidate.source)
    return ModelSource(type="mlflow_model", path="model")
