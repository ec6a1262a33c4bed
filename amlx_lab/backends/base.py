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
``register_data`` etc.         ``data.create_or_update(Data(type=uri_file))``
=============================  =================================================

Errors are the typed ones of ``amlx_lab.errors``: unknown job or asset
``NotFoundError``; bad argument ``ValidationError`` naming the field;
cancelling a finished job ``ConflictError``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..records import (
    Capabilities,
    CodePackage,
    DataAsset,
    ExperimentSummary,
    FileEntry,
    Health,
    Job,
    JobChanges,
    JobPage,
    JobSpec,
    LogChunk,
    MetricPoint,
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
