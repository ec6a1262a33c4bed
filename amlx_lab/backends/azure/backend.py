"""Azure target. ``azure.ai.ml`` (about 1.7 s to import) is only imported when an operation needs it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ...config import AzureSettings
from ...records import Capabilities, Health, HealthState
from . import config as azure_config


class AzureBackend:
    """Drives an Azure ML workspace through azure-ai-ml."""

    name = "azure"
    label = "Azure ML workspace"

    def __init__(self, settings: AzureSettings, *, search_from: Path) -> None:
        self._settings = settings
        self._search_from = search_from

    @property
    def coordinates(self) -> AzureSettings | None:
        return azure_config.resolve(self._settings, self._search_from)

    def location(self) -> str:
        found = self.coordinates
        if not found:
            return "not configured"
        return f"{found.subscription_id}/{found.resource_group}/{found.workspace_name}"

    def capabilities(self) -> Capabilities:
        return Capabilities(instance_types=True)

    def health(self) -> Health:
        """Configured and installed; a live check would need the network, which this call avoids."""
        if importlib.util.find_spec("azure.ai.ml") is None or importlib.util.find_spec("azure.identity") is None:
            return Health(
                HealthState.NOT_CONFIGURED,
                "The Azure packages are not installed: pip install 'amlx_lab[azure]'.",
            )
        if not self.coordinates:
            return Health(
                HealthState.NOT_CONFIGURED,
                "No Azure ML workspace configured: add subscription_id, resource_group and workspace_name "
                "under \"azure\" in the workspace settings.json, or place the portal's config.json in this "
                "folder or a parent.",
            )
        return Health(HealthState.OK, f"Azure ML workspace {self.coordinates.workspace_name} configured.")

    def close(self) -> None:
        return None
