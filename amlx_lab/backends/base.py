"""The seam between the facade and a target: one small protocol per capability.

A target is a ``Target`` (who it is, whether it is usable) plus any of the
capability protocols below. What it implements is what it can do: the
``Capabilities`` the UI reads are derived from these protocols
(``capabilities_of``), never set by hand, and the facade asks for a capability
before using it (``require``), so a target that lacks one answers 409 with a
sentence instead of failing half-way.

Semantics are the target-neutral ones of Azure ML: records carry no local
paths, change feeds and log reads take opaque cursors, and provisioning a
deployment is a long-running operation that returns at once.

=============================  =================================================
operation                      azure-ai-ml counterpart
=============================  =================================================
``submit(spec)``               ``command(...)`` + ``jobs.create_or_update``
``validate_job(spec)``         ``jobs.validate(job, raise_on_failure=True)``
``get_job`` / ``list_jobs``    ``jobs.get`` / ``jobs.list`` (paged, filtered)
``changes``                    polling ``jobs.list`` and diffing
``logs``                       run-history log files (``user_logs/std_log.txt``, ``system_logs/``), read by range
``cancel``                     ``jobs.begin_cancel``
``update_job``                 ``jobs.update(name, tags=, description=)`` (run history's PATCH; a removed tag: its DELETE ``tags``)
``archive_job`` / ``restore_job``  ``jobs.archive`` / ``jobs.restore`` (the job and its child jobs)
``delete_job``                 none: Azure ML keeps every job (409; archive instead)
``update_model``               ``models.get`` + ``models.create_or_update`` with the version's tags and description
``archive_model`` etc.         ``models.archive`` / ``models.restore``
``set_model_alias``            the version's tag ``amlx.alias.<alias>``, moved by ``models.create_or_update`` (Azure has no aliases)
``metric_histories``           MLflow at ``workspace.mlflow_tracking_uri``
``list_outputs`` / ``output_file``  ``jobs.download`` (listing, one file)
``code_package`` / ``code_file``    the job's ``code`` asset
``register_data`` etc.         ``data.create_or_update(Data(type=uri_file))``
``register_model``             ``models.create_or_update(Model(path="azureml://jobs/<job>/outputs/artifacts/paths/..."))``
``list_models`` / ``get_model``  ``models.list`` / ``models.get``
``model_download``             ``models.download``
``create_endpoint`` etc.       ``online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(auth_mode="key"))``
``endpoint_keys`` / ``regenerate_key``  ``online_endpoints.get_keys`` / ``begin_regenerate_keys``
``create_deployment``          ``online_deployments.begin_create_or_update`` (not waited for)
``set_traffic``                ``endpoint.traffic = {...}`` + ``begin_create_or_update``
``invoke``                     POST to ``scoring_uri`` with the key (not ``online_endpoints.invoke``)
``submit_sweep(spec)``         ``command(...)(alpha=Uniform(...)).sweep(...)`` + ``set_limits`` + ``jobs.create_or_update``
``sweep_details``              ``jobs.get`` (a ``SweepJob``; best trial from ``properties["best_child_run_id"]``)
trials of a sweep              ``jobs.list(parent_job_name=...)`` (``list_jobs(JobQuery(parent=...))``)
``list_computes``              ``compute.list`` (clusters, instances) plus serverless
``list_instance_types``        ``compute.list_sizes``
``submit_automl(spec)``        ``automl.classification/regression/forecasting(...)`` + ``set_limits`` + ``jobs.create_or_update``
``automl_details``             ``jobs.get`` + the child runs' metrics (best from ``properties["best_child_run_id"]``)
=============================  =================================================

Errors are the typed ones of ``amlx_lab.errors``: unknown job or asset
``NotFoundError``; bad argument ``ValidationError`` naming the field;
cancelling a finished job ``ConflictError``; a name taken or traffic to a
missing deployment ``ConflictError``; a remote service or scoring server that
cannot be reached ``UpstreamError``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..errors import NotSupportedError
from ..records import (
    AutoMLDetails,
    Capabilities,
    CodePackage,
    ComputeTarget,
    DataAsset,
    Deployment,
    Endpoint,
    EndpointKeys,
    ExperimentSummary,
    FileEntry,
    Health,
    InstanceType,
    InvokeResult,
    Job,
    JobChanges,
    JobPage,
    LogChunk,
    LogKind,
    MetricPoint,
    ModelCandidate,
    ModelSummary,
    ModelVersion,
    SweepDetails,
    TargetTraits,
)
from ..specs import AutoMLJobSpec, CommandJobSpec, JobQuery, LabelUpdate, SweepJobSpec
from ..i18n import N_, _


class Target(Protocol):
    """What every target is: a name, a place, a health line, and what it declares about itself."""

    name: str
    label: str

    def location(self) -> str:
        """Where the target lives, in words a person recognises (a folder, a workspace path)."""
        ...

    def health(self) -> Health:
        """Whether the target is usable now; must not block on the network for long."""
        ...

    def traits(self) -> TargetTraits:
        """Compute targets, sortable keys, live-update style; cheap and free of network calls."""
        ...

    def on_server_start(self) -> None:
        """Work a Jupyter server does once when it starts (off its start-up path); may do nothing."""
        ...

    def close(self) -> None:
        """Release resources (threads, connections); the target may be reopened later."""
        ...


@runtime_checkable
class JobOps(Protocol):
    """Command jobs: submit, read, follow, cancel."""

    def submit(self, spec: CommandJobSpec) -> Job:
        """Start a command job; returns at once (status ``Queued``) with its Azure-style name."""
        ...

    def validate_job(self, spec: CommandJobSpec) -> None:
        """Refuse a spec the way ``submit`` would (compute, interpreter, inputs, command), starting nothing.

        A preview has written no code folder yet, so ``code_dir`` is checked by ``submit`` only.
        """
        ...

    def get_job(self, name: str) -> Job:
        ...

    def list_jobs(self, query: JobQuery) -> JobPage:
        """A page of jobs. Sorting by a key outside ``traits().sort_keys`` is a ``ValidationError``;
        rows lacking the sort value come last. ``next_cursor`` stays valid while jobs are added."""
        ...

    def changes(self, cursor: str | None) -> JobChanges:
        """Jobs changed after ``cursor``; with ``None``, no jobs and the cursor of the present."""
        ...

    def cancel(self, name: str) -> Job:
        """Request cancellation (status ``CancelRequested``, then ``Canceled``); 409 if finished."""
        ...

    def metric_histories(self, name: str, keys: Sequence[str] | None = None) -> dict[str, tuple[MetricPoint, ...]]:
        """Every logged value of each metric in ``keys`` (``None``: every metric the job logged), by step."""
        ...

    def logs(self, name: str, offset: str | None = None, limit_bytes: int = 65536, log: LogKind = "user") -> LogChunk:
        """The job's ``std_log.txt`` (``log="system"``: its system log) from an opaque ``offset`` (``None``: the start)."""
        ...

    def list_outputs(self, name: str) -> tuple[FileEntry, ...]:
        """Files under the job's ``outputs/``."""
        ...

    def output_file(self, name: str, path: str) -> Path:
        """A local file holding one output (downloaded first on remote targets); never outside the outputs."""
        ...

    def code_package(self, name: str) -> CodePackage:
        """The code the job ran, its exact command and the slicer's manifest."""
        ...

    def code_file(self, name: str, path: str) -> Path:
        """A local file holding one file of the job's code snapshot; never outside the snapshot."""
        ...

    def list_experiments(self) -> tuple[ExperimentSummary, ...]:
        """Experiments that have jobs, most recently used first."""
        ...

    def update_job(self, name: str, update: LabelUpdate) -> Job:
        """Set or remove the job's tags and change its description, whatever its status (the job's own labels)."""
        ...

    def archive_job(self, name: str) -> Job:
        """Hide the job and its child jobs from listings (``JobQuery.include_archived`` shows them); keeps everything."""
        ...

    def restore_job(self, name: str) -> Job:
        """Undo ``archive_job`` for the job and its child jobs."""
        ...

    def delete_job(self, name: str) -> None:
        """Remove a finished job with its files; 409 naming the reason for a running job, a job a
        registered model comes from (naming the model), or a target that keeps every job."""
        ...


@runtime_checkable
class SweepOps(Protocol):
    """Sweep jobs: a parent job that runs trials of a command with parameters drawn from a search space.

    The parent and its trials are jobs like any other (``JobOps`` reads,
    follows and cancels them; cancelling the parent cancels its trials); the
    trials are the jobs whose ``parent`` is the sweep.
    """

    def submit_sweep(self, spec: SweepJobSpec) -> Job:
        """Start a sweep; returns at once with the parent job (type ``sweep``, status ``Queued``)."""
        ...

    def sweep_details(self, name: str) -> SweepDetails:
        """The sweep's settings, the best trial so far and its trials' counts; 404 for a job that is not a sweep."""
        ...


@runtime_checkable
class AutoMLOps(Protocol):
    """AutoML jobs: a parent job that trains and validates many candidate models and keeps the best.

    The parent and its trials are jobs like any other (``JobOps`` reads,
    follows and cancels the parent; its trials are the jobs whose ``parent``
    it is, ``JobQuery(parent=...)``). The parent's outputs hold the best model
    as an MLflow model, which ``ModelOps.register_model`` takes from it.
    """

    def submit_automl(self, spec: AutoMLJobSpec) -> Job:
        """Start an AutoML job; returns at once with the parent job (type ``automl``, status ``Queued``).

        A training data reference the target cannot resolve, or a target column
        the data does not have, is a ``ValidationError``.
        """
        ...

    def automl_details(self, name: str) -> AutoMLDetails:
        """The job's settings, leaderboard, best trial and (once saved) best model and charts; 404 if not AutoML."""
        ...


@runtime_checkable
class DataOps(Protocol):
    """Versioned data assets (``uri_file`` / ``uri_folder``)."""

    def register_data(
        self, name: str, path: str | os.PathLike[str], description: str | None = None, version: str | int | None = None
    ) -> DataAsset:
        """Register a file or folder as the next version (or ``version``) of asset ``name``."""
        ...

    def list_data(self, name: str | None = None) -> tuple[DataAsset, ...]:
        """The latest version of every asset, or all versions of ``name``."""
        ...

    def get_data(self, name: str, version: str | int = "latest") -> DataAsset:
        ...


@runtime_checkable
class ModelOps(Protocol):
    """The model registry."""

    def register_model(
        self,
        name: str,
        *,
        job: str,
        path: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Register a finished job's model (``outputs/...`` or ``mlflow:<name>``; ``None``: the obvious one)."""
        ...

    def list_models(self) -> tuple[ModelSummary, ...]:
        ...

    def get_model(self, name: str, version: str | int = "latest") -> ModelVersion:
        ...

    def model_versions(self, name: str) -> tuple[ModelVersion, ...]:
        ...

    def model_candidates(self, job: str) -> tuple[ModelCandidate, ...]:
        """What in a job could be registered as a model."""
        ...

    def model_download(self, name: str, version: str | int = "latest") -> tuple[Path, str]:
        """A local file holding the version (its model file, or a zip) and the name to save it as."""
        ...

    def update_model(self, name: str, version: str | int, update: LabelUpdate) -> ModelVersion:
        """Set or remove the version's tags and change its description."""
        ...

    def archive_model(self, name: str, version: str | int, *, archived: bool = True) -> ModelVersion:
        """Make the version never ``latest`` and leave it out of the count (``archived=False`` restores it)."""
        ...

    def set_model_alias(self, name: str, alias: str, version: str | int | None) -> ModelVersion | None:
        """Give ``alias`` to one version, taking it from any other (``None``: remove the alias).

        ``name@alias`` then names that version wherever a model is named (deploy)."""
        ...


@runtime_checkable
class EndpointOps(Protocol):
    """Online endpoints with key auth, their deployments and traffic."""

    def create_endpoint(self, name: str, *, auth_mode: str = "key", description: str | None = None) -> Endpoint:
        ...

    def list_endpoints(self) -> tuple[Endpoint, ...]:
        ...

    def get_endpoint(self, name: str) -> Endpoint:
        ...

    def delete_endpoint(self, name: str) -> None:
        ...

    def endpoint_keys(self, name: str) -> EndpointKeys:
        ...

    def regenerate_key(self, name: str, which: str) -> EndpointKeys:
        ...

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: str,
        traffic: int | None = None,
        score_script: Path | None = None,
        instance_type: str | None = None,
        instance_count: int | None = None,
    ) -> Deployment:
        """Start provisioning ``model`` (``name`` or ``name:version``); returns at once (status ``Creating``).

        ``instance_type``/``instance_count`` are the VM size and number on a target
        with instance types (``traits().instance_types``); others refuse them.
        """
        ...

    def delete_deployment(self, endpoint: str, name: str) -> None:
        ...

    def set_traffic(self, endpoint: str, traffic: dict[str, int]) -> Endpoint:
        """Whole percentages per existing deployment, summing to 100."""
        ...

    def invoke(self, endpoint: str, payload: Any, *, deployment: str | None = None) -> InvokeResult:
        """POST the payload to the scoring URI with the key; any HTTP status comes back as a result."""
        ...

    def endpoint_curl(self, endpoint: str, payload: Any = None) -> str:
        """The curl command a user can copy (contains the primary key)."""
        ...


@runtime_checkable
class ComputeOps(Protocol):
    """Where jobs run: what ``compute`` a submit may name, and the VM sizes serverless jobs may ask for."""

    def list_computes(self) -> tuple[ComputeTarget, ...]:
        """Every compute a job can run on, with its state (the default one marked)."""
        ...

    def list_instance_types(self) -> tuple[InstanceType, ...]:
        """VM sizes for serverless jobs; empty on a target without them."""
        ...


@runtime_checkable
class TrackingStore(Protocol):
    """A target whose MLflow tracking store a notebook kernel can log to directly (not a UI capability).

    The Jupyter server points the kernels it starts at it, so a notebook's own
    ``mlflow.start_run()`` lands in the workspace, as in Azure ML's own notebooks.
    """

    def tracking_uri(self) -> str:
        """The ``MLFLOW_TRACKING_URI`` a process on this machine logs to."""
        ...


#: Capability flag -> the protocol a backend implements to have it.
CAPABILITY_PROTOCOLS: dict[str, type] = {
    "jobs": JobOps,
    "sweeps": SweepOps,
    "automl": AutoMLOps,
    "data_assets": DataOps,
    "models": ModelOps,
    "endpoints": EndpointOps,
    "computes": ComputeOps,
}

#: How the sentence of a 409 names each capability.
CAPABILITY_WORDS = {
    "jobs": N_("jobs"),
    "sweeps": N_("sweep jobs"),
    "automl": N_("AutoML jobs"),
    "data_assets": N_("data assets"),
    "models": N_("the model registry"),
    "endpoints": N_("online endpoints"),
    "computes": N_("compute listing"),
}

def has_capability(backend: object, capability: str) -> bool:
    protocol = CAPABILITY_PROTOCOLS.get(capability)
    return protocol is not None and isinstance(backend, protocol)


def capabilities_of(backend: Target) -> Capabilities:
    """The capabilities a target has: its protocols, plus what it declares in ``traits``."""
    traits = backend.traits()
    return Capabilities(
        **{flag: has_capability(backend, flag) for flag in CAPABILITY_PROTOCOLS},
        instance_types=traits.instance_types,
        compute_targets=traits.compute_targets,
        live_updates=traits.live_updates,
        export_yaml=traits.export_yaml,
        sort_keys=traits.sort_keys,
    )


def require(backend: Target, capability: str) -> Any:
    """``backend`` if it implements ``capability``'s protocol; else a 409 whose sentence names what is missing.

    Typed ``Any`` so the facade can annotate the protocol it hands out (mypy
    cannot take a Protocol class as a ``type[T]`` argument).
    """
    if not has_capability(backend, capability):
        what = _(CAPABILITY_WORDS[capability]) if capability in CAPABILITY_WORDS else capability
        raise NotSupportedError(
            _("The {label} target does not support {what} in this version of amlx-lab; switch to a target that "
              "does (the sidebar's Target menu, --target, or %aml target).").format(
                label=_(backend.label), what=what),
            details={"target": backend.name, "capability": capability},
        )
    return backend
