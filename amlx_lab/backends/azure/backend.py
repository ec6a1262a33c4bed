"""Azure target. ``azure.ai.ml`` (about 1.7 s to import) is only imported when an operation needs it.

So far the target only finds its workspace and reports its health; it
implements none of the capability protocols, so every job, data, model and
endpoint operation on it answers 409 naming what is missing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ...config import AzureSettings
from ...i18n import N_, _
from ...records import Health, HealthState, TargetTraits
from . import config as azure_config


class AzureBackend:
    """Drives an Azure ML workspace through azure-ai-ml."""

    name = "azure"
    label = N_("Azure ML workspace")

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

    def traits(self) -> TargetTraits:
        return TargetTraits(instance_types=True, sort_keys=("created_at",))

    def on_server_start(self) -> None:
        return None

    def health(self) -> Health:
        """Configured and installed; a live check would need the network, which this call avoids."""
        if not _installed("azure.ai.ml") or not _installed("azure.identity"):
            return Health(
                HealthState.NOT_CONFIGURED,
                _("The Azure packages are not installed: pip install 'amlx_lab[azure]'."),
            )
        if not self.coordinates:
            return Health(
                HealthState.NOT_CONFIGURED,
                _("No Azure ML workspace configured: add subscription_id, resource_group and workspace_name "
                  "under \"azure\" in the workspace settings.json, or place the portal's config.json in this "
                  "folder or a parent."),
            )
        return Health(HealthState.OK, _("Azure ML workspace {name} configured.").format(name=self.coordinates.workspace_name))

    def close(self) -> None:
        return None


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported; ``find_spec`` of a dotted name imports its parents, which may be missing."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False
