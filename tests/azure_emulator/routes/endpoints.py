"""Managed online endpoints and deployments: provisioning (endpoints at once, or a long-running operation when
the emulator is told to take its time; deployments as a long-running operation until their scoring process
is up), keys, regeneration, deletion, deployment logs, and the scoring URI: the key checked in constant time,
then the request answered by the deployment's own process (``scoring/``), chosen by traffic or by the
``azureml-model-deployment`` header."""

from __future__ import annotations

import hmac
import random
import secrets
import threading
import time
from typing import Any

from tornado.httpclient import AsyncHTTPClient

from .base import SEGMENT, WS, ArmError, BaseHandler, Context, not_found
from ..operations import CANCELED, FAILED, IN_PROGRESS, SUCCEEDED
from .jobs import operation_url

DEPLOYMENT_HEADER = "azureml-model-deployment"


class EndpointKeys:
    """Each key-auth endpoint's two keys, kept out of the ARM resource (ARM never returns them on GET)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, str]] = {}

    def ensure(self, endpoint: str) -> dict[str, str]:
        with self._lock:
            return dict(self._keys.setdefault(endpoint.lower(), {
                "primaryKey": secrets.token_urlsafe(32), "secondaryKey": secrets.token_urlsafe(32),
            }))

    def regenerate(self, endpoint: str, which: str, value: str | None) -> None:
        key = "primaryKey" if which.lower() == "primary" else "secondaryKey"
        with self._lock:
            self._keys.setdefault(endpoint.lower(), {})[key] = value or secrets.token_urlsafe(32)

    def drop(self, endpoint: str) -> None:
        with self._lock:
            self._keys.pop(endpoint.lower(), None)

    def matches(self, endpoint: str, presented: str) -> bool:
        with self._lock:
            keys = list(self._keys.get(endpoint.lower(), {}).values())
        # Compare against every key, always, in constant time.
        results = [hmac.compare_digest(presented.encode(), key.encode()) for key in keys]
        return any(results)


class _Provisioned(BaseHandler):
    def provision(self, path: str, body: dict[str, Any], status_on_create: int = 201) -> None:
        """Store the resource; answer at once, or as an Azure-AsyncOperation that finishes later."""
        props = body.setdefault("properties", {})
        delay = self.ctx.config.provisioning_seconds
        existed = self.ctx.store.get(path) is not None
        props["provisioningState"] = "Creating" if delay > 0 and not existed else "Succeeded"
        if delay > 0 and existed:
            props["provisioningState"] = "Updating"
        stored, created = self.ctx.store.put(path, body, self.principal())
        if delay > 0:
            def provisioned() -> None:
                self.ctx.store.update(path, {"provisioningState": "Succeeded"})

            op = self.ctx.operations.after(delay, provisioned)
            self.set_header("Azure-AsyncOperation", operation_url(self.ctx, op, "mfeOperationsStatus"))
            self.set_header("Retry-After", "1")
        self.send_json(stored, status_on_create if created else 200)

    def accepted(self, on_done: Any = None) -> None:
        """202 with a Location that reports success (the work is already done, or happens when polled)."""
        op = self.ctx.operations.after(0, on_done)
        self.set_header("Location", operation_url(self.ctx, op, "mfeOperationResults"))
        self.set_header("Retry-After", "0")
        self.set_status(202)
        self.finish()


class EndpointHandler(_Provisioned):
    def get(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        found = self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{name}")
        if found is None:
            raise not_found("online endpoint", name)
        self.send_json(found)

    def put(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        body = self.json_body()
        props = body.setdefault("properties", {})
        props.setdefault("authMode", "Key")
        base = self.ctx.base_url
        props["scoringUri"] = f"{base}/endpoints/{name}/score"
        props["swaggerUri"] = f"{base}/endpoints/{name}/swagger.json"
        props.setdefault("traffic", {})
        body.setdefault("location", self.ctx.config.location)
        if str(props["authMode"]).lower() == "key":
            self.ctx.endpoint_keys.ensure(name)
        self.provision(f"{self.workspace_path}/onlineEndpoints/{name}", body)

    def delete(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        path = f"{self.workspace_path}/onlineEndpoints/{name}"
        if self.ctx.store.get(path) is None:
            raise not_found("online endpoint", name)
        self.ctx.store.delete(path)  # and its deployments
        self.ctx.endpoint_keys.drop(name)
        self.ctx.scoring.stop_endpoint(name)
        self.accepted()


class DeploymentHandler(_Provisioned):
    def get(self, sub: str, rg: str, ws: str, endpoint: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        found = self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{endpoint}/deployments/{name}")
        if found is None:
            raise not_found("deployment", name)
        self.send_json(found)

    def put(self, sub: str, rg: str, ws: str, endpoint: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        if self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{endpoint}") is None:
            raise not_found("online endpoint", endpoint)
        body = self.json_body()
        props = body.setdefault("properties", {})
        model = str(props.get("model") or "")
        if model.startswith("/subscriptions/") and self.ctx.store.get(model) is None:
            raise ArmError(400, "UserError", f"Model '{model}' was not found in the workspace.")
        if not props.get("scaleSettings"):
            props["scaleSettings"] = {"scaleType": "Default"}
        props.setdefault("endpointComputeType", "Managed")
        body.setdefault("location", self.ctx.config.location)
        path = f"{self.workspace_path}/onlineEndpoints/{endpoint}/deployments/{name}"
        existed = self.ctx.store.get(path) is not None
        props["provisioningState"] = "Updating" if existed else "Creating"
        stored, created = self.ctx.store.put(path, body, self.principal())
        due = time.monotonic() + self.ctx.config.provisioning_seconds
        store = self.ctx.store

        def provisioned(state: str) -> None:
            # never before the configured provisioning time, so a test can watch it being Creating
            threading.Timer(max(0.0, due - time.monotonic()), store.update, (path, {"provisioningState": state})).start()

        self.ctx.scoring.start(endpoint, name, props, provisioned)

        def check() -> str:
            found = store.get(path)
            if found is None:
                return CANCELED  # deleted while it was being provisioned
            state = (found.get("properties") or {}).get("provisioningState")
            return {"Succeeded": SUCCEEDED, "Failed": FAILED}.get(str(state), IN_PROGRESS)

        op = self.ctx.operations.add(check)
        self.set_header("Azure-AsyncOperation", operation_url(self.ctx, op, "mfeOperationsStatus"))
        self.set_header("Retry-After", "1")
        self.send_json(stored, 201 if created else 200)

    def delete(self, sub: str, rg: str, ws: str, endpoint: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        path = f"{self.workspace_path}/onlineEndpoints/{endpoint}/deployments/{name}"
        if self.ctx.store.get(path) is None:
            raise not_found("deployment", name)
        self.ctx.store.delete(path)
        self.ctx.scoring.stop(endpoint, name)
        self.accepted()


class KeysHandler(BaseHandler):
    def post(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        endpoint = self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{name}")
        if endpoint is None:
            raise not_found("online endpoint", name)
        if str(endpoint["properties"].get("authMode", "")).lower() != "key":
            raise ArmError(400, "UserError", f"Endpoint '{name}' does not use key authentication.")
        self.send_json(self.ctx.endpoint_keys.ensure(name))


class RegenerateKeysHandler(_Provisioned):
    def post(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        if self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{name}") is None:
            raise not_found("online endpoint", name)
        body = self.json_body()
        which = str(body.get("keyType", ""))
        if which.lower() not in ("primary", "secondary"):
            raise ArmError(400, "UserError", "keyType must be 'Primary' or 'Secondary'.")
        # The SDK sends the current key as keyValue; the service then issues a new one.
        self.ctx.endpoint_keys.regenerate(name, which, None)
        self.accepted()


class DeploymentLogsHandler(BaseHandler):
    def post(self, sub: str, rg: str, ws: str, endpoint: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        deployment = self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{endpoint}/deployments/{name}")
        if deployment is None:
            raise not_found("deployment", name)
        state = deployment["properties"].get("provisioningState")
        lines = self.json_body().get("tail")
        log = self.ctx.scoring.log(endpoint, name, int(lines) if isinstance(lines, int) and lines > 0 else None)
        header = f"Deployment '{name}' of endpoint '{endpoint}' is {state} (loopback workspace).\n"
        self.send_json({"content": header + log})


class ScoringHandler(BaseHandler):
    """The endpoint's scoring URI: the key checked in constant time, then the deployment's process answers."""

    requires_auth = False

    async def post(self, endpoint: str) -> None:
        presented = self.request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not presented or not self.ctx.endpoint_keys.matches(endpoint, presented):
            raise ArmError(401, "Unauthorized", "The key in the Authorization header is not a key of this endpoint.")
        found = self.ctx.store.get(f"{self.workspace_path}/onlineEndpoints/{endpoint}")
        if found is None:
            raise not_found("online endpoint", endpoint)
        name = self._deployment(found)
        port = self.ctx.scoring.port(endpoint, name)
        if port is None:
            raise ArmError(503, "ServiceUnavailable", f"Deployment '{name}' is not ready to score yet.")
        answer = await AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{port}/score", method="POST", body=self.request.body,
            headers={"Content-Type": self.request.headers.get("Content-Type", "application/json")},
            raise_error=False, request_timeout=120,
        )
        if answer.code == 599:
            raise ArmError(502, "BadGateway", f"Deployment '{name}' did not answer.")
        self.set_status(answer.code)
        self.set_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.set_header(DEPLOYMENT_HEADER, name)
        self.finish(answer.body)

    def _deployment(self, endpoint: dict[str, Any]) -> str:
        """The deployment the header pins, else one drawn by the traffic split (as Azure routes)."""
        pinned = self.request.headers.get(DEPLOYMENT_HEADER)
        deployments = self.ctx.store.children(f"{endpoint['id']}/deployments")
        names = {d["name"].lower(): d["name"] for d in deployments}
        if pinned:
            if pinned.lower() not in names:
                raise ArmError(404, "DeploymentNotFound", f"Endpoint has no deployment named '{pinned}'.")
            return names[pinned.lower()]
        shares = {k: int(v) for k, v in (endpoint["properties"].get("traffic") or {}).items()
                  if int(v) > 0 and k.lower() in names}
        if not shares:
            raise ArmError(424, "NoValidDeployments", "No valid deployments to route to: set the endpoint's traffic.")
        return random.choices(list(shares), weights=list(shares.values()))[0]


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    ep = WS + rf"/onlineEndpoints/(?P<name>{SEGMENT})"
    dep = WS + rf"/onlineEndpoints/(?P<endpoint>{SEGMENT})/deployments/(?P<name>{SEGMENT})"
    return [
        (rf"/endpoints/(?P<endpoint>{SEGMENT})/score", ScoringHandler, kw),
        (ep + "/listKeys", KeysHandler, kw),
        (ep + "/regenerateKeys", RegenerateKeysHandler, kw),
        (dep + "/getLogs", DeploymentLogsHandler, kw),
        (dep, DeploymentHandler, kw),
        (ep, EndpointHandler, kw),
    ]
