"""What every emulator route shares: JSON in and out, ARM's error shape, bearer checks, recording, faults."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jwt
import tornado.web

from ..config import PROVIDER, EmulatorConfig

if TYPE_CHECKING:
    from ..blobs import BlobStore
    from ..jobs.scheduler import Scheduler
    from ..operations import Operations
    from ..recorder import Recorder
    from ..scoring.deployments import Scoring
    from ..store import ArmStore
    from ..tracking import Tracking
    from .endpoints import EndpointKeys

# Named groups of a workspace-scoped route (ARM and run history share them).
WS = (
    r"/subscriptions/(?P<sub>[^/]+)/resource[gG]roups/(?P<rg>[^/]+)"
    rf"/providers/{PROVIDER}/workspaces/(?P<ws>[^/]+)"
)
SEGMENT = r"[^/]+"


@dataclass
class Fault:
    """A canned failure for the next ``count`` requests matching ``method`` and ``path`` (a regex)."""

    method: str
    path: str
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    count: int = 1


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, "*") and re.search(fault.path, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None


@dataclass
class Context:
    """The emulator's state, handed to every handler."""

    config: EmulatorConfig
    base_url: str
    store: ArmStore
    blobs: BlobStore
    tracking: Tracking
    recorder: Recorder
    operations: Operations
    scheduler: Scheduler
    faults: Faults
    endpoint_keys: EndpointKeys
    scoring: Scoring


class ArmError(tornado.web.HTTPError):
    """An error answered in ARM's shape: ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, reason=None)
        self.code, self.message, self.extra_headers = code, message, headers or {}


def not_found(kind: str, name: str) -> ArmError:
    return ArmError(404, "ResourceNotFound", f"The {kind} '{name}' was not found in this workspace.")


class BaseHandler(tornado.web.RequestHandler):
    """JSON handler; subclasses set ``requires_auth = False`` for the few anonymous routes."""

    requires_auth = True
    recorded = True
    ctx: Context

    def initialize(self, ctx: Context) -> None:
        self.ctx = ctx

    def prepare(self) -> None:
        request = self.request
        if self.recorded:
            self.record = self.ctx.recorder.record(
                request.method or "", request.path, self.query(), request.body, dict(request.headers)
            )
        if self.requires_auth and not request.headers.get("Authorization", "").startswith("Bearer "):
            raise ArmError(401, "AuthenticationFailed", "This request has no bearer token; sign in first.")
        fault = self.ctx.faults.take(request.method or "", request.path) if self.recorded else None
        if fault:
            raise ArmError(fault.status, fault.code, fault.message, fault.headers)

    def on_finish(self) -> None:
        if self.recorded and hasattr(self, "record"):
            self.record.status = self.get_status()

    def query(self) -> dict[str, list[str]]:
        return {k: [x.decode(errors="replace") for x in v] for k, v in self.request.query_arguments.items()}

    def check_workspace(self, sub: str, rg: str, ws: str) -> None:
        cfg = self.ctx.config
        if (sub.lower(), rg.lower(), ws.lower()) != (
            cfg.subscription_id.lower(), cfg.resource_group.lower(), cfg.workspace_name.lower()
        ):
            raise ArmError(
                404, "ResourceNotFound",
                f"The workspace '{ws}' in resource group '{rg}' of subscription '{sub}' was not found.",
            )

    @property
    def workspace_path(self) -> str:
        return self.ctx.config.workspace_path

    def principal(self) -> str:
        """Who is calling: the token's ``name``/``upn`` claim when the bearer token is a JWT."""
        token = self.request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return "emulator-user"
        return str(claims.get("upn") or claims.get("name") or claims.get("oid") or "emulator-user")

    def json_body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body)
        except ValueError as exc:
            raise ArmError(400, "InvalidRequestContent", f"The request body is not valid JSON: {exc}.") from exc
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request body must be a JSON object.")
        return body

    def send_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ArmError):
            for name, value in exc.extra_headers.items():
                self.set_header(name, value)
            code, message = exc.code, exc.message
        elif status_code == 404:
            code, message = "NotFound", f"No route for {self.request.method} {self.request.path} in the emulator."
        elif status_code == 405:
            code, message = "MethodNotAllowed", f"{self.request.method} is not supported on {self.request.path}."
        else:
            code, message = "InternalServerError", "The emulator failed on this request; see its log."
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": {"code": code, "message": message}}))

    def page(self, items: list[Any], next_query: dict[str, str] | None = None) -> dict[str, Any]:
        """One ARM page of ``items`` from ``$skipToken``, with ``nextLink`` when more remain."""
        start = int(self.get_query_argument("$skipToken", "0") or 0)
        top = self.get_query_argument("$top", None)
        size = self.ctx.config.page_size
        if top is not None:
            size = min(size, int(top)) if start == 0 else size
            items = items[: int(top)]
        chunk = items[start:start + size]
        body: dict[str, Any] = {"value": chunk}
        if start + size < len(items):
            args = {k: v[-1] for k, v in self.query().items()}
            args.update(next_query or {})
            args["$skipToken"] = str(start + size)
            body["nextLink"] = f"{self.ctx.base_url}{self.request.path}?{urlencode(args)}"
        return body
