"""What a client needs to reach a running emulator, as one JSON-able dict (the ready file's content)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .config import AZURITE_ACCOUNT, CLOUD_NAME, EmulatorConfig

SITE_DIR = Path(__file__).with_name("site")


def cloud_metadata(base_url: str) -> dict[str, str]:
    """``MLClient(cloud=..., cloud_metadata=...)``: all six keys are required; ARM and the token scope come
    from ``resource_manager``; the storage suffix is unused once the blob seam is in place."""
    base = base_url + "/"
    return {
        "azure_portal": base, "resource_manager": base, "active_directory": base, "aml_resource_id": base,
        "registry_discovery_endpoint": base, "storage_endpoint": "core.windows.net",
    }


def client_settings(
    config: EmulatorConfig, base_url: str, azurite_url: str, ca_bundle: Path, state_dir: Path
) -> dict[str, Any]:
    host = base_url.removeprefix("https://")
    settings: dict[str, Any] = {
        "base_url": base_url,
        "azurite_url": azurite_url,
        "blob_account_url": f"{azurite_url}/{AZURITE_ACCOUNT}",
        "ca_bundle": str(ca_bundle),
        "state_dir": str(state_dir),
        "subscription_id": config.subscription_id,
        "resource_group": config.resource_group,
        "workspace_name": config.workspace_name,
        "location": config.location,
        "tenant_id": config.tenant_id,
        "cloud_name": CLOUD_NAME,
        "cloud_metadata": cloud_metadata(base_url),
        "tracking_uri": f"azureml://{host}/mlflow/v1.0{config.workspace_path}",
        "workspace_path": config.workspace_path,
        "settings_file": str(state_dir / "settings.json"),
        "seams_dir": str(SITE_DIR),
    }
    Path(settings["settings_file"]).write_text(json.dumps(settings, indent=2))
    return settings
