"""The workspace itself: its ARM resource, discovery (where run history and data planes live), the
workspace list, VM sizes and quota, and ARM cloud metadata for clients that load clouds from a URL."""

from __future__ import annotations

from typing import Any

from ..config import CLOUD_NAME, PROVIDER
from .base import WS, BaseHandler, Context

_VM_SIZES = [
    ("Standard_DS3_v2", "standardDSv2Family", 4, 0, 14.0),
    ("Standard_DS11_v2", "standardDSv2Family", 2, 0, 14.0),
    ("Standard_E4s_v3", "standardESv3Family", 4, 0, 32.0),
    ("Standard_NC6s_v3", "standardNCSv3Family", 6, 1, 112.0),
]


def workspace_resource(ctx: Context) -> dict[str, Any]:
    cfg, base = ctx.config, ctx.base_url
    host = base.removeprefix("https://")
    return {
        "id": cfg.workspace_path,
        "name": cfg.workspace_name,
        "type": f"{PROVIDER}/workspaces",
        "location": cfg.location,
        "kind": "Default",
        "sku": {"name": "Basic", "tier": "Basic"},
        "identity": {"type": "SystemAssigned", "tenantId": cfg.tenant_id},
        "tags": {},
        "properties": {
            "friendlyName": cfg.workspace_name,
            "workspaceId": "4d1e0000-0000-4000-8000-00000000a11e",
            "discoveryUrl": f"{base}/discovery",
            "mlFlowTrackingUri": f"azureml://{host}/mlflow/v1.0{cfg.workspace_path}",
            "provisioningState": "Succeeded",
            "storageAccount": f"/subscriptions/{cfg.subscription_id}/resourceGroups/{cfg.resource_group}"
                              "/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
            "publicNetworkAccess": "Enabled",
            "hbiWorkspace": False,
            "v1LegacyMode": False,
            "tenantId": cfg.tenant_id,
        },
        "systemData": {"createdAt": "2025-01-01T00:00:00Z", "createdBy": "emulator", "createdByType": "User"},
    }


class WorkspaceHandler(BaseHandler):
    def get(self, sub: str, rg: str, ws: str) -> None:
        self.check_workspace(sub, rg, ws)
        self.send_json(workspace_resource(self.ctx))


class WorkspaceListHandler(BaseHandler):
    def get(self, sub: str, rg: str | None = None) -> None:
        cfg = self.ctx.config
        mine = sub.lower() == cfg.subscription_id.lower() and rg in (None, cfg.resource_group)
        self.send_json({"value": [workspace_resource(self.ctx)] if mine else []})


class DiscoveryHandler(BaseHandler):
    """Azure ML's discovery document: the base URL of each regional service (all of them are this server)."""

    requires_auth = False

    def get(self) -> None:
        base = self.ctx.base_url
        keys = ("api", "catalog", "experimentation", "gallery", "history", "hyperdrive", "labeling", "modelmanagement",
                "pipelines", "studio")
        self.send_json({key: base for key in keys})


class VmSizesHandler(BaseHandler):
    def get(self, sub: str, location: str) -> None:
        self.send_json({"value": [
            {"name": name, "family": family, "vCPUs": cpus, "gpus": gpus, "memoryGB": memory, "osVhdSizeMB": 1047552,
             "maxResourceVolumeMB": 28672, "lowPriorityCapable": True, "premiumIO": True,
             "supportedComputeTypes": ["AmlCompute", "ComputeInstance"]}
            for name, family, cpus, gpus, memory in _VM_SIZES
        ]})


class UsagesHandler(BaseHandler):
    def get(self, sub: str, location: str) -> None:
        self.send_json({"value": []})


class CloudMetadataHandler(BaseHandler):
    """ARM's ``/metadata/endpoints`` list with one cloud whose every endpoint is this server."""

    requires_auth = False

    def get(self) -> None:
        base = self.ctx.base_url
        self.send_json([{
            "name": CLOUD_NAME, "portal": base, "resourceManager": base + "/", "gallery": base,
            "authentication": {"loginEndpoint": base + "/", "audiences": [base + "/"], "tenant": "common"},
            "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net"},
            "batch": base, "graph": base, "sqlManagement": base, "media": base, "activeDirectoryDataLake": base,
        }])


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    location = rf"/subscriptions/(?P<sub>[^/]+)/providers/{PROVIDER}/locations/(?P<location>[^/]+)"
    return [
        (r"/discovery/?", DiscoveryHandler, kw),
        (r"/metadata/endpoints/?", CloudMetadataHandler, kw),
        (location + r"/vmSizes", VmSizesHandler, kw),
        (location + r"/usages", UsagesHandler, kw),
        (rf"/subscriptions/(?P<sub>[^/]+)/providers/{PROVIDER}/workspaces", WorkspaceListHandler, kw),
        (rf"/subscriptions/(?P<sub>[^/]+)/resource[gG]roups/(?P<rg>[^/]+)/providers/{PROVIDER}/workspaces",
         WorkspaceListHandler, kw),
        (WS + r"/?", WorkspaceHandler, kw),
    ]
