"""Where Azure jobs can run: the workspace's computes, serverless compute, and the VM sizes it offers."""

from __future__ import annotations

from typing import Any

from ...records import ComputeTarget, InstanceType
from .connection import Connection
from .job_records import SERVERLESS


class Computes:
    def __init__(self, connection: Connection, *, default_compute: str | None, instance_type: str | None) -> None:
        self._connection = connection
        self._default = default_compute
        self._instance_type = instance_type

    def list(self) -> tuple[ComputeTarget, ...]:
        """Clusters and instances (as ``compute.list`` reports them), then serverless."""
        ml = self._connection.ml
        with self._connection.translated():
            found = [compute_record(c, default=c.name == self._default) for c in ml.compute.list()]
        serverless = ComputeTarget(
            name=SERVERLESS, kind=SERVERLESS, state="Available", instance_type=self._instance_type,
            default=self._default in (None, "", SERVERLESS),
        )
        return (*sorted(found, key=lambda c: c.name), serverless)

    def instance_types(self) -> tuple[InstanceType, ...]:
        ml = self._connection.ml
        with self._connection.translated():
            sizes = list(ml.compute.list_sizes())
        return tuple(sorted((_size_record(s) for s in sizes), key=lambda s: s.name))


def compute_record(compute: Any, *, default: bool) -> ComputeTarget:
    state = getattr(compute, "state", None) or getattr(compute, "provisioning_state", None) or "Unknown"
    return ComputeTarget(
        name=str(compute.name),
        kind=str(getattr(compute, "type", None) or "unknown"),
        state=str(getattr(state, "value", state)),
        instance_type=getattr(compute, "size", None),
        min_nodes=_whole(getattr(compute, "min_instances", None)),
        max_nodes=_whole(getattr(compute, "max_instances", None)),
        default=default,
    )


def _size_record(size: Any) -> InstanceType:
    return InstanceType(
        name=str(size.name),
        vcpus=_whole(getattr(size, "v_cp_us", None) or getattr(size, "vcpus", None)),
        memory_gb=_number(getattr(size, "memory_gb", None)),
        gpus=_whole(getattr(size, "gpus", None)),
    )


def _whole(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
