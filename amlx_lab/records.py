"""Plain records the facade returns and every front end renders.

Records are frozen dataclasses so that the REST handlers, the CLI and the
magics serialise exactly the same fields (``to_dict`` gives the JSON shape
documented in ``schema/openapi.yaml``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Turn records, enums, paths and containers into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "__fspath__"):
        return str(value)
    return value


class Record:
    """Mixin giving every record the same JSON rendering."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


class JobStatus(str, Enum):
    """Azure ML's job status vocabulary, used by every target."""

    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    PREPARING = "Preparing"
    STARTING = "Starting"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    CANCEL_REQUESTED = "CancelRequested"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})


class HealthState(str, Enum):
    OK = "ok"
    NOT_CONFIGURED = "not_configured"
    ERROR = "error"


@dataclass(frozen=True)
class Health(Record):
    """Whether a target can be used now, with a sentence saying why not."""

    state: HealthState
    message: str


@dataclass(frozen=True)
class Capabilities(Record):
    """What a target can do, so the UI hides what it cannot (cf. jupyter-scheduler's /config).

    Flags are true only when the feature is implemented for that target.
    """

    jobs: bool = False
    sweeps: bool = False
    automl: bool = False
    models: bool = False
    endpoints: bool = False
    data_assets: bool = False
    instance_types: bool = False
    compute_targets: tuple[str, ...] = ()
    live_updates: str = "none"  # "sse" once job events stream
    export_yaml: bool = False


@dataclass(frozen=True)
class TargetSummary(Record):
    """One selectable target as the workspace header lists it."""

    name: str
    label: str
    health: Health


@dataclass(frozen=True)
class WorkspaceInfo(Record):
    """Answer of ``GET /amlx/api/workspace``: the active target and what it can do."""

    target: str
    label: str
    location: str  # local folder, or the Azure workspace's ARM-ish path
    workspace_dir: str
    version: str
    health: Health
    capabilities: Capabilities
    targets: tuple[TargetSummary, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = field(default_factory=tuple)
