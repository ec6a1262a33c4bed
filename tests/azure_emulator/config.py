"""The emulated workspace's coordinates and the emulator's knobs, in one value both sides share."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROVIDER = "Microsoft.MachineLearningServices"
CLOUD_NAME = "AmlxLoopback"

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# The workspace's two blob datastores, as a real workspace has them (container names are fixed here).
BLOBSTORE = "workspaceblobstore"
ARTIFACTSTORE = "workspaceartifactstore"
DATASTORE_CONTAINERS = {BLOBSTORE: "azureml-blobstore", ARTIFACTSTORE: "azureml"}


@dataclass
class EmulatorConfig:
    """What the emulated workspace is called and how the emulator behaves.

    ``job_slots`` bounds how many jobs run at once; ``page_size`` is the ARM list page size (small values make
    paging observable); ``provisioning_seconds`` makes endpoint/deployment creation a long-running operation;
    ``automl_timeout_seconds`` caps an AutoML job's time budget (the local engine runs it).
    """

    subscription_id: str = "00000000-0000-4000-8000-00000000a11e"
    resource_group: str = "amlx-rg"
    workspace_name: str = "amlx-ws"
    location: str = "loopback"
    tenant_id: str = "00000000-0000-4000-8000-0000000000aa"
    job_slots: int = 2
    page_size: int = 20
    provisioning_seconds: float = 0.0
    automl_timeout_seconds: float = 20.0
    computes: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"name": "cpu-cluster", "vm_size": "STANDARD_DS3_V2", "max_nodes": 4},
            {"name": "gpu-cluster", "vm_size": "STANDARD_NC6S_V3", "max_nodes": 2},
        ]
    )

    @property
    def workspace_path(self) -> str:
        """The workspace's ARM id, the prefix of every workspace-scoped route."""
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{PROVIDER}/workspaces/{self.workspace_name}"
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> EmulatorConfig:
        return cls(**json.loads(text))


@dataclass
class Endpoints:
    """Where the running emulator and its Azurite listen, and the CA bundle clients must trust."""

    base_url: str
    azurite_url: str
    ca_bundle: Path
    state_dir: Path

    @property
    def blob_account_url(self) -> str:
        """Path-style account URL of Azurite (``http://127.0.0.1:<port>/devstoreaccount1``)."""
        return f"{self.azurite_url}/{AZURITE_ACCOUNT}"
