"""What the Azure target's tests share: settings that point the target at the loopback workspace."""

from __future__ import annotations

import re
from typing import Any


def azure_settings(emulator: Any, **extra: Any) -> dict[str, Any]:
    """The ``azure`` section of a workspace's settings.json that points the Azure target at the emulator.

    ``credential: loopback`` is the test-only credential plugin (``tests/azure_emulator/site``); the cloud
    settings are the emulator's, as a user of a sovereign or private cloud would give theirs.
    """
    s = emulator.settings
    return {
        "subscription_id": s["subscription_id"], "resource_group": s["resource_group"],
        "workspace_name": s["workspace_name"], "credential": "loopback", "cloud": s["cloud_name"],
        "cloud_metadata": dict(s["cloud_metadata"]), **extra,
    }


def arm_calls(recorded: list[dict[str, Any]], workspace_path: str) -> list[tuple[str, str, str | None]]:
    """(method, path below the workspace, api-version) of the recorded ARM requests to the workspace."""
    calls = []
    for r in recorded:
        path = r["path"]
        if path.startswith(workspace_path):
            calls.append((r["method"], path[len(workspace_path):] or "/", r.get("api_version")))
    return calls


def matches(calls: list[tuple[str, str, str | None]], method: str, pattern: str) -> list[int]:
    """Indexes of the calls with ``method`` whose path fully matches the regex ``pattern``."""
    return [i for i, (m, p, _) in enumerate(calls) if m == method and re.fullmatch(pattern, p)]
