"""The one facade every front end calls: REST handlers, ``%aml`` magics and the ``amlx`` CLI.

It resolves the target, validates input and returns plain records; it holds
no HTTP, terminal or notebook rendering. Each user operation is written once,
here, on top of the ``Backend`` protocol.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import __version__
from .backends.base import Backend
from .config import TARGETS, AmlxConfig
from .errors import ValidationError
from .records import TargetSummary, WorkspaceInfo


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

    def close(self) -> None:
        with self._lock:
            for backend in self._backends.values():
                backend.close()
            self._backends.clear()
