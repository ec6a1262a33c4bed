"""The generic ARM resource routes (PUT/GET/list/DELETE under the workspace), asset uploads, and the
per-type fields the SDK needs that a plain echo lacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from azure.core.exceptions import ResourceNotFoundError

from ..config import ARTIFACTSTORE, DATASTORE_CONTAINERS
from ..uris import datastore_uri
from .base import SEGMENT, WS, ArmError, BaseHandler, Context, not_found

_JOB_OUTPUT = re.compile(r"^azureml://jobs/(?P<job>[^/]+)/outputs/artifacts/(?:paths/)?(?P<path>.*)$")

Hook = Callable[["ResourceHandler", str, dict[str, Any]], dict[str, Any]]


class ResourceHandler(BaseHandler):
    """Any workspace resource not served by a dedicated route: a stateful echo store."""

    def get(self, sub: str, rg: str, ws: str, rest: str) -> None:
        self.check_workspace(sub, rg, ws)
        path = f"{self.workspace_path}/{rest.strip('/')}"
        if _is_collection(rest):
            self.send_json(self.page(self._listed(path)))
            return
        found = self.ctx.store.get(path)
        if found is None:
            raise not_found(_kind(rest), rest.rsplit("/", 1)[-1])
        self.send_json(found)

    def put(self, sub: str, rg: str, ws: str, rest: str) -> None:
        self.check_workspace(sub, rg, ws)
        if _is_collection(rest):
            raise ArmError(405, "MethodNotAllowed", "PUT needs a resource name, not a collection.")
        path = f"{self.workspace_path}/{rest.strip('/')}"
        body = self.json_body()
        hook = _PUT_HOOKS.get(_kind(rest))
        if hook is not None:
            body = hook(self, path, body)
        stored, created = self.ctx.store.put(path, body, self.principal())
        self.send_json(stored, 201 if created else 200)

    def delete(self, sub: str, rg: str, ws: str, rest: str) -> None:
        self.check_workspace(sub, rg, ws)
        removed = self.ctx.store.delete(f"{self.workspace_path}/{rest.strip('/')}")
        self.set_status(200 if removed else 204)
        self.finish()

    def _listed(self, collection: str) -> list[dict[str, Any]]:
        content_hash = self.get_query_argument("hash", None)
        if content_hash and re.search(r"/codes/[^/]+/versions$", collection):
            return self._code_versions_with_hash(content_hash)
        items = self.ctx.store.children(collection)
        view = self.get_query_argument("listViewType", "ActiveOnly").lower()
        if view == "activeonly":
            items = [i for i in items if not i["properties"].get("isArchived")]
        elif view == "archivedonly":
            items = [i for i in items if i["properties"].get("isArchived")]
        order = self.get_query_argument("$orderBy", self.get_query_argument("$orderby", "")).lower()
        if order.endswith("desc"):
            items.reverse()
        return items


    def _code_versions_with_hash(self, content_hash: str) -> list[dict[str, Any]]:
        """``GET codes/<any name>/versions?hash=``: the code versions of any name with that content hash, which is
        how azure-ai-ml finds code it uploaded before (it then skips the upload)."""
        found = []
        for container in self.ctx.store.children(f"{self.workspace_path}/codes"):
            for version in self.ctx.store.children(f"{container['id']}/versions"):
                if (version.get("properties", {}).get("properties") or {}).get("hash_sha256") == content_hash:
                    found.append(version)
        return found


class PendingUploadHandler(BaseHandler):
    """``startPendingUpload``: a fresh Azurite container and its SAS URL, where the SDK uploads the files."""

    def post(self, sub: str, rg: str, ws: str, kind: str, name: str, version: str) -> None:
        self.check_workspace(sub, rg, ws)
        body = self.json_body()
        if body.get("pendingUploadType", "TemporaryBlobReference") != "TemporaryBlobReference":
            raise ArmError(400, "UserError", "Only pendingUploadType 'TemporaryBlobReference' is supported.")
        container = self.ctx.blobs.new_upload_container(kind)
        self.send_json({
            "blobReferenceForConsumption": {
                "blobUri": self.ctx.blobs.container_url(container),
                "storageAccountArmId": None,
                "credential": {"credentialType": "SAS", "sasUri": self.ctx.blobs.container_sas_url(container)},
            },
            "pendingUploadId": container,
            "pendingUploadType": "TemporaryBlobReference",
        })


def _model_version(handler: ResourceHandler, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A model registered from a job's output is stored with the artifact store path it resolves to (as the
    service does), so ``models.download`` finds it; ``flavors`` is always a dict (the SDK iterates it)."""
    properties = body.setdefault("properties", {})
    uri = str(properties.get("modelUri", ""))
    if match := _JOB_OUTPUT.match(uri):
        job, relative = match.group("job"), match.group("path")
        if handler.ctx.store.get(f"{handler.workspace_path}/jobs/{job}") is None:
            raise ArmError(404, "UserError", f"The job '{job}' in the model path does not exist in this workspace.")
        prefix = f"ExperimentRun/dcid.{job}/{relative}"
        location_container = DATASTORE_CONTAINERS[ARTIFACTSTORE]
        if not handler.ctx.blobs.exists_under(location_container, prefix.rstrip("/")):
            raise ArmError(400, "UserError", f"The job '{job}' has no output at '{relative}'.")
        properties["modelUri"] = datastore_uri(handler.workspace_path, ARTIFACTSTORE, prefix)
        properties["jobName"] = job
        if str(properties.get("modelType", "")).lower() == "mlflow_model":
            properties.setdefault("flavors", _mlflow_flavors(handler, location_container, prefix))
    if not isinstance(properties.get("flavors"), dict):
        properties["flavors"] = {}
    return body


def _mlflow_flavors(handler: ResourceHandler, container: str, prefix: str) -> dict[str, Any]:
    name = f"{prefix.rstrip('/')}/MLmodel"
    try:
        client = handler.ctx.blobs.service.get_blob_client(container, name)
        mlmodel = yaml.safe_load(client.download_blob().readall()) or {}
    except (ResourceNotFoundError, yaml.YAMLError):  # no readable MLmodel: not an MLflow model folder
        return {}
    return {flavor: {"data": {k: str(v) for k, v in (conf or {}).items() if not isinstance(v, (dict, list))}}
            for flavor, conf in (mlmodel.get("flavors") or {}).items()}


_PUT_HOOKS: dict[str, Hook] = {"models/versions": _model_version}


def _segments(rest: str) -> list[str]:
    return [s for s in rest.strip("/").split("/") if s]


def _is_collection(rest: str) -> bool:
    return len(_segments(rest)) % 2 == 1


def _kind(rest: str) -> str:
    """``models/m/versions/1`` → ``models/versions``; ``codes`` → ``codes``."""
    return "/".join(_segments(rest)[0::2])


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    return [
        (WS + rf"/(?P<kind>codes|data|models)/(?P<name>{SEGMENT})/versions/(?P<version>{SEGMENT})/startPendingUpload",
         PendingUploadHandler, kw),
        (WS + r"/(?P<rest>.+)", ResourceHandler, kw),
    ]
