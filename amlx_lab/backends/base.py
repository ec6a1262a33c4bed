"""The one protocol both targets implement.

The workspace facade talks to a target only through this protocol, so that a
button, a magic and a CLI verb behave the same on the embedded local workspace
and on Azure ML. Operations are added here as they are built (see
``docs/architecture.md`` for the mapping to azure-ai-ml).

Jobs and data assets (issue 4), with the azure-ai-ml call each maps to:

=============================  =================================================
``submit(spec)``               ``command(...)`` + ``jobs.create_or_update``
``get_job`` / ``list_jobs``    ``jobs.get`` / ``jobs.list`` (paged, filtered)
``changes_since``              polling ``jobs.list`` and diffing
``logs``                       run-history log files (``std_log.txt``)
``cancel``                     ``jobs.begin_cancel``
``metric_history``             MLflow at ``workspace.mlflow_tracking_uri``
``list_outputs``               ``jobs.download`` (listing)
``output_path``                ``jobs.download`` (one file)
``code_package`` / ``code_path``  the job's ``code`` asset (``jobs.get(...).code``)
``register_data`` etc.         ``data.create_or_update(Data(type=uri_file))``
=============================  =================================================

Models and online endpoints (issue 5):

=============================  =================================================
``register_model``             ``models.create_or_update(Model(path="azureml://jobs/<job>/outputs/artifacts/paths/..."))``
``list_models`` / ``get_model``  ``models.list`` / ``models.get``
``model_candidates``           ``jobs.download`` listing + the run's MLflow models
``model_download``             ``models.download``
``create_endpoint`` etc.       ``online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(auth_mode="key"))``
``endpoint_keys`` / ``regenerate_key``  ``online_endpoints.get_keys`` / ``begin_regenerate_keys``
``create_deployment``          ``online_deployments.begin_create_or_update(ManagedOnlineDeployment)``
``set_traffic``                ``endpoint.traffic = {...}`` + ``begin_create_or_update``
``invoke``                     POST to ``scoring_uri`` with the key (not ``online_endpoints.invoke``)
=============================  =================================================

Errors are the typed ones of ``amlx_lab.errors``: unknown job or asset
``NotFoundError``; bad argument ``ValidationError`` naming the field;
cancelling a finished job ``ConflictError``; a name taken or traffic to a
missing deployment ``ConflictError``; a scoring server that cannot be reached
``UpstreamError``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..records import (
    Capabilities,
    CodePackage,
    DataAsset,
    Deployment,
    Endpoint,
    EndpointKeys,
    ExperimentSummary,
    FileEntry,
    Health,
    InvokeResult,
    Job,
    JobChanges,
    JobPage,
    JobSpec,
    LogChunk,
    MetricPoint,
    ModelCandidate,
    ModelSummary,
    ModelVersion,
)


@runtime_checkable
class Backend(Protocol):
    """A compute-and-tracking target (``local`` or ``azure``)."""

    name: str
    label: str

    def location(self) -> str:
        """Where the target lives, in words a person recognises (a folder, a workspace path)."""
        ...

    def capabilities(self) -> Capabilities:
        """Features this target supports; cheap and free of network calls."""
        ...

    def health(self) -> Health:
        """Whether the target is usable now; must not block on the network for long."""
        ...

    def close(self) -> None:
        """Release resources (threads, connections); the target may be reopened later."""
        ...

    # -- jobs ------------------------------------------------------------------------

    def submit(self, spec: JobSpec) -> Job:
        """Start a job; returns at once (status ``Queued``) with its Azure-style name."""
        ...

    def get_job(self, name: str) -> Job:
        """One job: status, times, parameters, latest metrics and params, exit code, error."""
        ...

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
    ) -> JobPage:
        """A page of jobs; ``order_by`` is a column (``created_at``, ``started_at``,
        ``ended_at``, ``name``, ``display_name``, ``experiment``, ``status``) or
        ``metrics.<key>``; rows lacking the sort value come last. ``next_cursor``
        fetches the next page and stays valid while jobs are added."""
        ...

    def changes_since(self, revision: int) -> JobChanges:
        """Jobs changed after ``revision`` and the revision to ask from next (0: all)."""
        ...

    def wait(self, name: str, timeout: float | None = None) -> Job:
        """The job once finished, or as it is after ``timeout`` seconds."""
        ...

    def cancel(self, name: str) -> Job:
        """Request cancellation (status ``CancelRequested``, then ``Canceled``); 409 if finished."""
        ...

    def metric_history(self, name: str, key: str) -> tuple[MetricPoint, ...]:
        """Every logged value of one metric of the job's run, by step."""
        ...

    def logs(self, name: str, offset: int = 0, limit_bytes: int = 65536) -> LogChunk:
        """The job's ``std_log.txt`` from byte ``offset`` (negative: from the end)."""
        ...

    def list_outputs(self, name: str) -> tuple[FileEntry, ...]:
        """Files under the job's ``outputs/``."""
        ...

    def output_path(self, name: str, path: str) -> Path:
        """A local path to one output file (downloaded first on remote targets); never outside the outputs."""
        ...

    def code_package(self, name: str) -> CodePackage:
        """The code the job ran, its exact command and the slicer's manifest."""
        ...

    def code_path(self, name: str, path: str) -> Path:
        """A local path to one file of the job's code snapshot; never outside the snapshot."""
        ...

    def list_experiments(self) -> tuple[ExperimentSummary, ...]:
        """Experiments that have jobs, most recently used first."""
        ...

    # -- data assets -----------------------------------------------------------------

    def register_data(
        self, name: str, path: str | os.PathLike[str], description: str | None = None, version: str | int | None = None
    ) -> DataAsset:
        """Register a file or folder as the next version (or ``version``) of asset ``name``."""
        ...

    def list_data(self, name: str | None = None) -> tuple[DataAsset, ...]:
        """The latest version of every asset, or all versions of ``name``."""
        ...

    def get_data(self, name: str, version: str | int = "latest") -> DataAsset:
        """One version of an asset (``latest``: the newest)."""
        ...

    # -- models (when ``capabilities().models``) ------------------------------------

    def register_model(
        self,
        name: str,
        *,
        job: str,
        path: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Register a finished job's model (``outputs/...`` or ``mlflow:<name>``; ``None``: the obvious one)
        as the next version of ``name``."""
        ...

    def list_models(self) -> tuple[ModelSummary, ...]:
        """Every model with its newest version."""
        ...

    def get_model(self, name: str, version: str | int = "latest") -> ModelVersion:
        """One version of a model (``latest``: the newest)."""
        ...

    def model_versions(self, name: str) -> tuple[ModelVersion, ...]:
        """Every version of ``name``, newest first."""
        ...

    def model_candidates(self, job: str) -> tuple[ModelCandidate, ...]:
        """What in a job could be registered as a model."""
        ...

    def model_download(self, name: str, version: str | int = "latest") -> tuple[Path, str]:
        """A local file holding the version (its model file, or a zip) and the name to save it as."""
        ...

    # -- online endpoints (when ``capabilities().endpoints``) ----------------------------

    def create_endpoint(self, name: str, *, auth_mode: str = "key", description: str | None = None) -> Endpoint:
        """A new endpoint with two keys and a scoring URI; 409 if the name is taken."""
        ...

    def list_endpoints(self) -> tuple[Endpoint, ...]:
        ...

    def get_endpoint(self, name: str) -> Endpoint:
        ...

    def delete_endpoint(self, name: str) -> None:
        """Stop every deployment and forget the endpoint and its keys."""
        ...

    def endpoint_keys(self, name: str) -> EndpointKeys:
        ...

    def regenerate_key(self, name: str, which: str) -> EndpointKeys:
        """A new ``primary`` or ``secondary`` key; the other stays valid."""
        ...

    def create_deployment(
        self, endpoint: str, name: str, *, model: str, traffic: int | None = None, score_script: Path | None = None
    ) -> Deployment:
        """Serve ``model`` (``name`` or ``name:version``); returns once ready or Failed with the reason."""
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
