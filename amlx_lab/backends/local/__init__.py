"""The embedded local workspace: real processes, a SQLite index and an MLflow store in one folder.

``LocalBackend`` is imported on first access, so that a job's supervisor
(``python -m amlx_lab.backends.local.supervisor``), which starts before every
job, loads only the modules it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend import LocalBackend

__all__ = ["LocalBackend"]


def __getattr__(name: str) -> Any:
    if name == "LocalBackend":
        from .backend import LocalBackend

        return LocalBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
