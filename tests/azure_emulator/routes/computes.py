"""Compute clusters the workspace has (from the emulator's settings); jobs name them in ``computeId``."""

from __future__ import annotations

from ..config import EmulatorConfig
from ..store import ArmStore


def seed_computes(store: ArmStore, config: EmulatorConfig) -> None:
    for compute in config.computes:
        store.put(f"{config.workspace_path}/computes/{compute['name']}", {
            "location": config.location,
            "properties": {
                "computeType": "AmlCompute",
                "computeLocation": config.location,
                "provisioningState": "Succeeded",
                "description": None,
                "isAttachedCompute": False,
                "disableLocalAuth": True,
                "properties": {
                    "vmSize": compute["vm_size"],
                    "vmPriority": "Dedicated",
                    "osType": "Linux",
                    "scaleSettings": {"minNodeCount": 0, "maxNodeCount": compute["max_nodes"],
                                      "nodeIdleTimeBeforeScaleDown": "PT120S"},
                    "currentNodeCount": 0,
                    "targetNodeCount": 0,
                    "allocationState": "Steady",
                    "remoteLoginPortPublicAccess": "Disabled",
                    "enableNodePublicIp": True,
                },
            },
        }, "emulator")


