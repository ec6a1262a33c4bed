"""The one facade every front end calls: REST handlers, ``%aml`` magics and the ``amlx`` CLI.

It resolves the target, validates input and returns plain records; it holds
no HTTP, terminal or notebook rendering. Each user operation is written once,
here, on top of the ``Backend`` protocol.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .backends.base import Backend
from .config import TARGETS, AmlxConfig
from .errors import ConflictError, NotFoundError, ValidationError
from .paths import resolve_user_path
from .records import (
    CodePackage,
    DataAsset,
    Deployment,
    Endpoint,
    EndpointKeys,
    ExperimentSummary,
    InvokeResult,
    FileEntry,
    Job,
    JobChanges,
    JobPage,
    JobSpec,
    LogChunk,
    MetricPoint,
    ModelCandidate,
    ModelSummary,
    ModelVersion,
    TargetSummary,
    WorkspaceInfo,
)
from .submission import SubmitRequest

if TYPE_CHECKING:
    from .notebook import JobPackage, PackageOptions


# How often a followed log is read again when nothing new came (it is a file another process appends to).
FOLLOW_INTERVAL_S = 0.25


class Workspace:
    """Operations on the configured targets; backends are created on first use and cached."""

    def __init__(self, config: AmlxConfig, *, search_from: Path | None = None) -> None:
        self.config = config
        self._search_from = search_from or Path.cwd()
        self._backends: dict[str, Backend] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, **overrides: object) -> Workspace:
        """A workspace resolved like the server resolves it (see ``config.AmlxConfig.resolve``)."""
        return cls(AmlxConfig.resolve(**overrides))  # type: ignore[arg-type]

    # -- targets -----------------------------------------------------------------

    def _target_name(self, target: str | None) -> str:
        name = target or self.config.target
        if name not in TARGETS:
            raise ValidationError(f"Unknown target {name!r}: choose one of {', '.join(TARGETS)}.", field="target")
        return name

    def backend(self, target: str | None = None) -> Backend:
        """The backend for ``target`` (default: the configured one)."""
        name = self._target_name(target)
        with self._lock:
            if name not in self._backends:
                self._backends[name] = self._create_backend(name)
            return self._backends[name]

    def _create_backend(self, name: str) -> Backend:
        if name == "local":
            from .backends.local import LocalBackend

            return LocalBackend(self.config.workspace_dir, compute_slots=self.config.compute_slots)
        from .backends.azure import AzureBackend

        return AzureBackend(self.config.azure, search_from=self._search_from)

    # -- operations --------------------------------------------------------------

    def info(self, target: str | None = None) -> WorkspaceInfo:
        """The active target, where it lives, its health and capabilities, and the other targets."""
        backend = self.backend(target)
        summaries = tuple(
            TargetSummary(name=b.name, label=b.label, health=b.health())
            for b in (self.backend(n) for n in TARGETS)
        )
        health = next(s.health for s in summaries if s.name == backend.name)
        return WorkspaceInfo(
            target=backend.name,
            label=backend.label,
            location=backend.location(),
            workspace_dir=str(self.config.workspace_dir),
            version=__version__,
            health=health,
            capabilities=backend.capabilities(),
            targets=summaries,
            warnings=self.config.warnings,
        )

    # -- notebook cells -> jobs ----------------------------------------------------------

    def preview(self, request: SubmitRequest, *, base_dir: Path, confine: bool = False) -> JobPackage:
        """The package a submit would run (script, requirements, inputs, parameters, warnings); writes nothing."""
        from .notebook import preview_package

        source, options = self._package_inputs(request, base_dir, confine)
        package = preview_package(source, cell=request.cell, options=options)
        if not request.parameters:
            return package
        _check_parameter_names(package, request.parameters)
        return preview_package(source, cell=request.cell, options=replace(options, parameters_override=request.parameters))

    def submit(self, request: SubmitRequest, *, base_dir: Path, confine: bool = False, target: str | None = None) -> Job:
        """Package the cell and start it as a job; returns at once with status Queued."""
        from .notebook import build_package

        backend = self.backend(target)
        source, options = self._package_inputs(request, base_dir, confine)
        staging = self.config.workspace_dir / "staging" / uuid.uuid4().hex
        try:
            package = build_package(source, cell=request.cell, out_dir=staging, options=options)
            spec = self._job_spec(package, request, base_dir=base_dir, confine=confine)
            return backend.submit(spec)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _package_inputs(self, request: SubmitRequest, base_dir: Path, confine: bool) -> tuple[Any, PackageOptions]:
        from .notebook import PackageOptions

        if request.notebook is not None:
            source: Any = resolve_user_path(request.notebook, base=base_dir, field="notebook", confine=confine)
            folder = None
        else:
            source, folder = list(request.sources or ()), str(base_dir)
        options = PackageOptions(
            include_all_above=request.include_all_above,
            autolog=request.autolog,
            base_dir=folder,
            kernel_python=request.environment,
            job_inputs=tuple(request.inputs),  # a path given an input is never copied, so the input replaces it
            target_source=request.cell_source,
        )
        return source, options

    def _job_spec(self, package: JobPackage, request: SubmitRequest, *, base_dir: Path, confine: bool) -> JobSpec:
        """Render the package's command with the requested parameters and inputs."""
        from .notebook.parameters import coerce, format_value

        _check_parameter_names(package, request.parameters)
        values: dict[str, Any] = {}
        for name, param in package.parameters.items():
            value = coerce(param, request.parameters.get(name, param.default))
            # lists, dicts and other literals are recorded as the text main.py receives
            values[name] = value if isinstance(value, (str, int, float, bool)) else format_value(param, value)
        command = package.command_line(parameters=request.parameters)
        inputs = self._job_inputs(package, request.inputs, base_dir=base_dir, confine=confine)
        notebook = Path(request.notebook).stem if request.notebook else "history"
        cell = package.target_cell
        tags = {"amlx.notebook": request.notebook or "(kernel history)", "amlx.cell": str(cell.index), **request.tags}
        return JobSpec(
            code_dir=package.root,
            experiment=request.experiment or notebook,
            command=tuple(command),
            parameters=values,
            inputs=inputs,
            display_name=request.display_name or f"{notebook} cell {cell.index}",
            compute=request.compute or "local",
            environment=request.environment or package.kernel.python,
            tags=tags,
            manifest={k: v for k, v in package.to_dict().items() if k != "script"},
        )

    def _job_inputs(
        self, package: JobPackage, overrides: dict[str, str], *, base_dir: Path, confine: bool
    ) -> dict[str, str]:
        """Large files the code reads become job inputs; ``overrides`` may point them at data assets."""
        from .notebook import normalise_path

        job_inputs = {i.path: i for i in package.inputs if i.mode == "job_input"}
        result = {(i.option or "").lstrip("-"): i.source for i in job_inputs.values()}
        for key, ref in overrides.items():
            item = job_inputs.get(normalise_path(key))
            if item is None:  # build_package already refused paths the cell does not read
                raise ValidationError(f"The cell reads no job input {key!r}.", field=f"inputs.{key}")
            name = (item.option or "").lstrip("-")
            if _is_asset_ref(ref):
                result[name] = ref
            else:
                result[name] = str(resolve_user_path(ref, base=base_dir, field=f"inputs.{key}", confine=confine))
        return result

    # -- jobs ------------------------------------------------------------------------

    def list_jobs(
        self,
        *,
        experiment: str | None = None,
        status: str | Iterable[str] | None = None,
        text: str | None = None,
        order_by: str = "created_at",
        descending: bool = True,
        limit: int = 50,
        cursor: str | None = None,
        target: str | None = None,
    ) -> JobPage:
        if not 1 <= limit <= 1000:
            raise ValidationError("limit must be between 1 and 1000.", field="limit")
        return self.backend(target).list_jobs(
            experiment=experiment, status=status, text=text, order_by=order_by,
            descending=descending, limit=limit, cursor=cursor,
        )

    def get_job(self, name: str, *, target: str | None = None) -> Job:
        return self.backend(target).get_job(name)

    def wait(self, name: str, timeout: float | None = None, *, target: str | None = None) -> Job:
        return self.backend(target).wait(name, timeout)

    def cancel(self, name: str, *, target: str | None = None) -> Job:
        return self.backend(target).cancel(name)

    def logs(self, name: str, offset: int = 0, limit_bytes: int = 65536, *, target: str | None = None) -> LogChunk:
        return self.backend(target).logs(name, offset, limit_bytes)

    def follow_logs(
        self, name: str, write: Callable[[str], object], *, target: str | None = None, interval: float = FOLLOW_INTERVAL_S
    ) -> Job:
        """Hand the job's log to ``write`` as it grows until the job ends; returns the final job.

        The CLI's ``--follow``/``--wait`` and the magics' ``logs --follow``/``submit --wait``
        all stream this way. Ctrl+C (KeyboardInterrupt) propagates to the caller.
        """
        offset = 0
        while True:
            chunk = self.logs(name, offset, target=target)
            if chunk.text:
                write(chunk.text)
            offset = chunk.next_offset
            if chunk.complete:
                return self.get_job(name, target=target)
            if not chunk.text:
                time.sleep(interval)  # the log is a file another process appends to

    def metric_history(self, name: str, key: str, *, target: str | None = None) -> tuple[MetricPoint, ...]:
        return self.backend(target).metric_history(name, key)

    def list_outputs(self, name: str, *, target: str | None = None) -> tuple[FileEntry, ...]:
        return self.backend(target).list_outputs(name)

    def output_path(self, name: str, path: str, *, target: str | None = None) -> Path:
        return self.backend(target).output_path(name, path)

    def code_package(self, name: str, *, target: str | None = None) -> CodePackage:
        return self.backend(target).code_package(name)

    def code_path(self, name: str, path: str, *, target: str | None = None) -> Path:
        return self.backend(target).code_path(name, path)

    def list_experiments(self, *, target: str | None = None) -> tuple[ExperimentSummary, ...]:
        return self.backend(target).list_experiments()

    def changes_since(self, revision: int, *, target: str | None = None) -> JobChanges:
        return self.backend(target).changes_since(revision)

    # -- data assets -------------------------------------------------------------------

    def register_data(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        base_dir: Path,
        confine: bool = False,
        description: str | None = None,
        version: str | int | None = None,
        target: str | None = None,
    ) -> DataAsset:
        source = resolve_user_path(path, base=base_dir, field="path", confine=confine)
        return self.backend(target).register_data(name, source, description=description, version=version)

    def list_data(self, name: str | None = None, *, target: str | None = None) -> tuple[DataAsset, ...]:
        return self.backend(target).list_data(name)

    def get_data(self, name: str, version: str | int = "latest", *, target: str | None = None) -> DataAsset:
        return self.backend(target).get_data(name, version)

    # -- models ----------------------------------------------------------------------------

    def _capable(self, target: str | None, feature: str) -> Backend:
        """The backend, if it has ``feature`` (``models``, ``endpoints``); else a 409 saying so."""
        backend = self.backend(target)
        if not getattr(backend.capabilities(), feature):
            raise ConflictError(
                f"The {backend.label} target does not support {feature} yet; use the local target.",
                details={"target": backend.name, "feature": feature},
            )
        return backend

    def register_model(
        self,
        name: str,
        *,
        job: str,
        path: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        target: str | None = None,
    ) -> ModelVersion:
        """Register a finished job's model as the next version of ``name``.

        ``path``: a file or folder in the job's outputs (``model.pkl`` or
        ``outputs/model.pkl``), ``mlflow:model`` for what autolog logged, or
        ``None`` for the obvious one (a 400 lists the candidates when there are several).
        """
        return self._capable(target, "models").register_model(
            name, job=job, path=path, description=description, tags=tags
        )

    def list_models(self, *, target: str | None = None) -> tuple[ModelSummary, ...]:
        return self._capable(target, "models").list_models()

    def get_model(self, name: str, version: str | int = "latest", *, target: str | None = None) -> ModelVersion:
        return self._capable(target, "models").get_model(name, version)

    def model_versions(self, name: str, *, target: str | None = None) -> tuple[ModelVersion, ...]:
        return self._capable(target, "models").model_versions(name)

    def model_candidates(self, job: str, *, target: str | None = None) -> tuple[ModelCandidate, ...]:
        return self._capable(target, "models").model_candidates(job)

    def model_download(self, name: str, version: str | int = "latest", *, target: str | None = None) -> tuple[Path, str]:
        """A local file with the version (the model file, or a zip of its folder) and the name to save it as."""
        return self._capable(target, "models").model_download(name, version)

    # -- online endpoints --------------------------------------------------------------------

    def create_endpoint(
        self, name: str, *, auth_mode: str = "key", description: str | None = None, target: str | None = None
    ) -> Endpoint:
        return self._capable(target, "endpoints").create_endpoint(name, auth_mode=auth_mode, description=description)

    def list_endpoints(self, *, target: str | None = None) -> tuple[Endpoint, ...]:
        return self._capable(target, "endpoints").list_endpoints()

    def get_endpoint(self, name: str, *, target: str | None = None) -> Endpoint:
        return self._capable(target, "endpoints").get_endpoint(name)

    def delete_endpoint(self, name: str, *, target: str | None = None) -> None:
        """Stop the endpoint's scoring processes and remove it with its keys."""
        self._capable(target, "endpoints").delete_endpoint(name)

    def endpoint_keys(self, name: str, *, target: str | None = None) -> EndpointKeys:
        return self._capable(target, "endpoints").endpoint_keys(name)

    def regenerate_key(self, name: str, which: str, *, target: str | None = None) -> EndpointKeys:
        return self._capable(target, "endpoints").regenerate_key(name, which)

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: str,
        traffic: int | None = None,
        score_script: str | os.PathLike[str] | None = None,
        base_dir: Path | None = None,
        confine: bool = False,
        target: str | None = None,
    ) -> Deployment:
        """Deploy ``model`` (``name`` = latest, or ``name:version``) to an endpoint.

        ``score_script`` (Azure's ``init()``/``run()``) is relative to ``base_dir``
        (the notebook folder; confined to it for REST). Returns once the server
        is ready, or Failed with the reason.
        """
        backend = self._capable(target, "endpoints")
        script = None
        if score_script is not None:
            if not isinstance(score_script, (str, os.PathLike)) or not os.fspath(score_script):
                raise ValidationError("score_script must be the path of a .py file.", field="score_script")
            script = resolve_user_path(score_script, base=base_dir or Path.cwd(), field="score_script", confine=confine)
            if not script.is_file() or script.suffix != ".py":
                raise ValidationError(f"score_script {os.fspath(score_script)!r} must be a .py file.", field="score_script")
        return backend.create_deployment(endpoint, name, model=model, traffic=traffic, score_script=script)

    def get_deployment(self, endpoint: str, name: str, *, target: str | None = None) -> Deployment:
        for deployment in self.get_endpoint(endpoint, target=target).deployments:
            if deployment.name == name:
                return deployment
        raise NotFoundError(
            f"Endpoint {endpoint} has no deployment named {name!r}.", details={"endpoint": endpoint, "deployment": name}
        )

    def delete_deployment(self, endpoint: str, name: str, *, target: str | None = None) -> None:
        self._capable(target, "endpoints").delete_deployment(endpoint, name)

    def set_traffic(self, endpoint: str, traffic: dict[str, int], *, target: str | None = None) -> Endpoint:
        return self._capable(target, "endpoints").set_traffic(endpoint, traffic)

    def invoke(
        self, endpoint: str, payload: Any, *, deployment: str | None = None, target: str | None = None
    ) -> InvokeResult:
        """Score ``payload`` through the endpoint's scoring URI with its key; 4xx answers come back as results."""
        return self._capable(target, "endpoints").invoke(endpoint, payload, deployment=deployment)

    def endpoint_curl(self, endpoint: str, payload: Any = None, *, target: str | None = None) -> str:
        """The curl command (scoring URI, primary key, example payload) to copy; never log it."""
        return self._capable(target, "endpoints").endpoint_curl(endpoint, payload)

    def deploy(
        self,
        model: str,
        *,
        endpoint: str,
        deployment: str | None = None,
        traffic: int | None = None,
        score_script: str | os.PathLike[str] | None = None,
        base_dir: Path | None = None,
        target: str | None = None,
    ) -> Endpoint:
        """Create the endpoint if missing and deploy ``model`` to it; returns the endpoint.

        The first deployment is ``blue`` with all traffic; later ones default to
        the next free of ``green``, ``deployment-3``... with no traffic (try it,
        then ``set_traffic``). A deployment that could not start is in the
        endpoint with status Failed and its ``last_error``.
        """
        backend = self._capable(target, "endpoints")
        try:
            current = backend.get_endpoint(endpoint)
        except NotFoundError:
            current = backend.create_endpoint(endpoint)
        if deployment is None:
            taken = {d.name for d in current.deployments}
            options = ["blue", "green", *(f"deployment-{i}" for i in range(3, len(taken) + 4))]
            deployment = next(n for n in options if n not in taken)
        self.create_deployment(
            endpoint, deployment, model=model, traffic=traffic, score_script=score_script, base_dir=base_dir, target=target
        )
        return backend.get_endpoint(endpoint)

    def reconcile_endpoints(self, *, target: str | None = None) -> tuple[str, ...]:
        """Bring back deployments whose supervisor is gone (local target; called at server start)."""
        backend = self.backend(target)
        reconcile = getattr(backend, "reconcile_endpoints", None)
        return reconcile() if reconcile is not None and backend.capabilities().endpoints else ()

    def close(self) -> None:
        with self._lock:
            for backend in self._backends.values():
                backend.close()
            self._backends.clear()


def _check_parameter_names(package: JobPackage, parameters: dict[str, Any]) -> None:
    unknown = sorted(set(parameters) - set(package.parameters))
    if unknown:
        known = ", ".join(package.parameters) or "none"
        raise ValidationError(f"Unknown parameter {unknown[0]!r}; this cell's parameters are: {known}.", field="parameters")


def _is_asset_ref(ref: str) -> bool:
    """``azureml:name@latest``, ``azureml:name:2``, ``name@latest`` or ``name:2`` (not a path)."""
    if ref.startswith("azureml:") or (ref.endswith("@latest") and "/" not in ref):
        return True
    head, sep, version = ref.rpartition(":")
    return bool(sep and head and "/" not in ref and (version.isdigit() or version == "latest"))
