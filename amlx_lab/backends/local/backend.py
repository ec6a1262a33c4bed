"""Local target: everything lives in one workspace folder on this machine."""

from __future__ import annotations

import os
from pathlib import Path

from ...records import Capabilities, Health, HealthState


class LocalBackend:
    """The default target; needs no account and no network."""

    name = "local"
    label = "Local workspace"

    def __init__(self, root: Path, *, compute_slots: int) -> None:
        self.root = root
        self.compute_slots = compute_slots

    def location(self) -> str:
        return str(self.root)

    def capabilities(self) -> Capabilities:
        return Capabilities(compute_targets=("local",))

    def health(self) -> Health:
        """Usable when the folder exists (it is created here) and is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return Health(HealthState.ERROR, f"Cannot create the workspace folder {self.root}: {exc.strerror}.")
        if not os.access(self.root, os.W_OK | os.X_OK):
            return Health(HealthState.ERROR, f"The workspace folder {self.root} is not writable.")
        return Health(HealthState.OK, f"Local workspace ready with {self.compute_slots} compute slot(s).")

    def close(self) -> None:
        return None
