"""Find the Azure ML workspace coordinates without importing the SDK.

Mirrors where ``MLClient.from_config`` looks (``.azureml/config.json``,
``aml_config/config.json`` or ``config.json``, walking up from a folder) so
that a user's existing ``config.json`` works, but stays cheap enough to run on
every ``GET /workspace``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ...config import AzureSettings

_CANDIDATES = (".azureml/config.json", "aml_config/config.json", "config.json")
_MAX_LEVELS = 20


def read_config_json(path: Path) -> AzureSettings | None:
    """Coordinates from one ``config.json``; ``None`` if it is not an Azure ML config."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    found = AzureSettings(
        subscription_id=data.get("subscription_id"),
        resource_group=data.get("resource_group"),
        workspace_name=data.get("workspace_name"),
        config_path=str(path),
    )
    return found if found.complete else None


def discover(start: Path) -> AzureSettings | None:
    """The nearest Azure ML ``config.json`` at or above ``start``."""
    folder = start.resolve()
    for _ in range(_MAX_LEVELS):
        for candidate in _CANDIDATES:
            found = read_config_json(folder / candidate)
            if found:
                return found
        if folder.parent == folder:
            break
        folder = folder.parent
    return None


def resolve(settings: AzureSettings, search_from: Path) -> AzureSettings | None:
    """Explicit settings win; then an explicit ``config_path``; then discovery.

    A found ``config.json`` gives only the coordinates; the other settings
    (credential, cloud, submit defaults) still come from ``settings``.
    """
    if settings.complete:
        return settings
    if settings.config_path:
        found = read_config_json(Path(settings.config_path).expanduser())
    else:
        found = discover(search_from)
    return settings.with_coordinates(found) if found else None
