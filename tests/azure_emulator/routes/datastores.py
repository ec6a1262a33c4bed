"""The workspace's datastores (Azurite containers) and their account key, as ``listSecrets`` returns it."""

from __future__ import annotations

from typing import Any

from ..config import AZURITE_ACCOUNT, AZURITE_KEY, BLOBSTORE, DATASTORE_CONTAINERS
from ..store import ArmStore
from .base import SEGMENT, WS, BaseHandler, Context, not_found


def seed_datastores(store: ArmStore, workspace_path: str) -> None:
    for name, container in DATASTORE_CONTAINERS.items():
        store.put(f"{workspace_path}/datastores/{name}", {"properties": {
            "datastoreType": "AzureBlob",
            "accountName": AZURITE_ACCOUNT,
            "containerName": container,
            "endpoint": "core.windows.net",
            "protocol": "https",
            "isDefault": name == BLOBSTORE,
            "serviceDataAccessAuthIdentity": "None",
            "credentials": {"credentialsType": "AccountKey"},
            "description": None,
            "tags": {},
        }}, "emulator")


class DatastoreListHandler(BaseHandler):
    def get(self, sub: str, rg: str, ws: str) -> None:
        self.check_workspace(sub, rg, ws)
        items = self.ctx.store.children(f"{self.workspace_path}/datastores")
        wanted = self.get_query_argument("isDefault", None)
        if wanted is not None:
            items = [d for d in items if bool(d["properties"].get("isDefault")) == (wanted.lower() == "true")]
        self.send_json(self.page(items))


class ListSecretsHandler(BaseHandler):
    def post(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        if self.ctx.store.get(f"{self.workspace_path}/datastores/{name}") is None:
            raise not_found("datastore", name)
        self.send_json({"secretsType": "AccountKey", "key": AZURITE_KEY})


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    return [
        (WS + r"/datastores/?", DatastoreListHandler, kw),
        (WS + rf"/datastores/(?P<name>{SEGMENT})/listSecrets", ListSecretsHandler, kw),
    ]
