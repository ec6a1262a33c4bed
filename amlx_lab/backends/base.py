"""The one protocol both targets implement.

The workspace facade talks to a target only through this protocol, so that a
button, a magic and a CLI verb behave the same on the embedded local workspace
and on Azure ML. Operations are added here as they are built (see
``docs/architecture.md`` for the mapping to azure-ai-ml).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..records import Capabilities, Health


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
