"""A stateful ARM store: what a client PUTs comes back from GET and from its collection, as ARM shapes it.

Keys are ARM paths compared case-insensitively (as ARM does). Each resource gets ``id``, ``name``, ``type`` and
``systemData``; a version of a workspace asset (``codes/x/versions/1``) creates or updates its container
(``codes/x``) with ``latestVersion`` and ``nextVersion``, which the SDK reads to auto-increment and resolve
``@latest``. Resource-specific fields are added by the route modules, not here.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from typing import Any

from .config import PROVIDER

VERSIONED_ASSETS = ("codes", "data", "models", "environments", "components")

Resource = dict[str, Any]


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def resource_type(path: str) -> str:
    """``.../workspaces/ws/codes/c/versions/1`` → ``Microsoft.MachineLearningServices/workspaces/codes/versions``."""
    segments = path.strip("/").split("/")
    provider_at = [s.lower() for s in segments].index(PROVIDER.lower())
    kinds = segments[provider_at + 1::2]
    return "/".join([PROVIDER, *kinds])


class ArmStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._items: dict[str, Resource] = {}
        self._order: dict[str, int] = {}
        self._counter = 0

    def get(self, path: str) -> Resource | None:
        with self._lock:
            found = self._items.get(path.lower())
            return copy.deepcopy(found) if found is not None else None

    def put(self, path: str, body: Resource, principal: str) -> tuple[Resource, bool]:
        """Store ``body`` at ``path``; return the stored resource and whether it was created."""
        with self._lock:
            key = path.lower()
            previous = self._items.get(key)
            now = utc_now()
            resource = copy.deepcopy(body)
            resource["id"] = path
            resource["name"] = path.rstrip("/").rsplit("/", 1)[-1]
            resource["type"] = resource_type(path)
            resource.setdefault("properties", {})
            created = previous is None
            system = dict(previous["systemData"]) if previous else {
                "createdAt": now, "createdBy": principal, "createdByType": "User",
            }
            system.update(lastModifiedAt=now, lastModifiedBy=principal, lastModifiedByType="User")
            resource["systemData"] = system
            self._items[key] = resource
            if created:
                self._counter += 1
                self._order[key] = self._counter
            self._touch_asset_container(path, principal)
            return copy.deepcopy(resource), created

    def update(self, path: str, changes: dict[str, Any]) -> Resource | None:
        """Merge ``changes`` into the resource's ``properties`` (server-side state such as a job's status)."""
        with self._lock:
            found = self._items.get(path.lower())
            if found is None:
                return None
            found["properties"].update(copy.deepcopy(changes))
            return copy.deepcopy(found)

    def delete(self, path: str) -> bool:
        """Delete a resource and everything under it (a workspace asset's versions, an endpoint's deployments)."""
        with self._lock:
            key = path.lower()
            doomed = [k for k in self._items if k == key or k.startswith(key + "/")]
            for k in doomed:
                del self._items[k]
                del self._order[k]
            return bool(doomed)

    def children(self, collection: str) -> list[Resource]:
        """Direct children of ``collection`` (``.../jobs``), oldest first."""
        prefix = collection.rstrip("/").lower() + "/"
        with self._lock:
            keys = [k for k in self._items if k.startswith(prefix) and "/" not in k[len(prefix):]]
            keys.sort(key=self._order.__getitem__)
            return [copy.deepcopy(self._items[k]) for k in keys]

    def _touch_asset_container(self, path: str, principal: str) -> None:
        segments = path.rstrip("/").split("/")
        if len(segments) < 4 or segments[-2] != "versions" or segments[-4] not in VERSIONED_ASSETS:
            return
        container_path = "/".join(segments[:-2])
        versions = self.children(container_path + "/versions")
        numeric = [int(v["name"]) for v in versions if v["name"].isdigit()]
        container = self._items.get(container_path.lower())
        if container is None:
            container, _ = self.put(container_path, {"properties": {"isArchived": False}}, principal)
        properties = self._items[container_path.lower()]["properties"]
        properties["latestVersion"] = versions[-1]["name"]
        properties["nextVersion"] = str(max(numeric, default=0) + 1)
