"""The request pipeline: which route, is the caller allowed, then score, forward or answer.

Routes (all answers are JSON):

=======================  ======  ====  ==========================================
path                     method  key   answer
=======================  ======  ====  ==========================================
``/score``               POST    yes   predictions (``/invocations``: MLflow's alias)
``/`` and ``/health``    GET     no    ``{"status": "Healthy"}`` (liveness only)
``/stats``               GET     yes   the deployment's stats snapshot
``/metadata``            GET     yes   deployment name, model kind/format, input schema
=======================  ======  ====  ==========================================

Checks on a scoring request, in order, all before the body is read: Host is a
loopback name (421 otherwise: a DNS-rebinding page cannot reach the server),
method (405), key (401), ``Content-Type: application/json`` (415),
Content-Length present or the body chunked (411), and within the limit (413; a chunked body is
checked as it arrives). Then the body is
read and parsed (400 names the problem), routed (see ``routing.py``) and
scored on a worker thread (``workers.py``), so the event loop keeps serving
other connections meanwhile. Every scoring answer carries
``azureml-model-deployment: <name>``.

``/health`` answers 503 while a prediction has been running longer than
``hung_after`` seconds: a thread cannot be interrupted, so the supervisor's
restart is the way out of a predict that never returns.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import AmlxError, NotFoundError, PayloadTooLargeError
from .errors import (
    BadGatewayError,
    BadRequestError,
    LengthRequiredError,
    MethodNotAllowedError,
    PredictionHungError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from .httpserver import Request, Response
from .jsonout import encode
from .keys import KeyRing
from .relay import HOP_HEADER, SiblingClient
from .routing import DEPLOYMENT_HEADER, RoutingFile
from .stats import DeploymentStats
from .workers import PredictPool

log = logging.getLogger("amlx.serving")

SCORE_PATHS = frozenset({"/score", "/invocations"})
HEALTH_PATHS = frozenset({"/", "/health"})
KEYED_GET_PATHS = frozenset({"/stats", "/metadata"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
_HEALTH_BODY = encode({"status": "Healthy"})


def _error(exc: AmlxError) -> Response:
    return exc.status, encode(exc.to_dict()), None


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


class ScoringApp:
    """Implements ``http.Handler`` for one deployment."""

    def __init__(
        self,
        scorer: Any,
        keys: KeyRing,
        stats: DeploymentStats,
        *,
        deployment: str,
        max_body: int,
        routing: RoutingFile | None = None,
        forward_timeout: float = 60.0,
        allowed_hosts: frozenset[str] = frozenset(),
        describe_extra: Callable[[], dict[str, Any]] | None = None,
        pool: PredictPool,
        hung_after: float = 30.0,
        connection_stats: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.scorer = scorer
        self.keys = keys
        self.stats = stats
        self.deployment = deployment
        self.max_body = max_body
        self.routing = routing
        self.forward_timeout = forward_timeout
        self.allowed_hosts = LOOPBACK_NAMES | {h.lower() for h in allowed_hosts}
        self.siblings = SiblingClient(forward_timeout) if routing is not None else None
        self.describe_extra = describe_extra
        self.pool = pool
        self.hung_after = hung_after
        self.connection_stats = connection_stats
        self._served_by = [(DEPLOYMENT_HEADER, deployment)]
        self._last_key_error: str | None = None

    # --- before the body -------------------------------------------------------------------

    def head(self, req: Request) -> Response | None:
        path = req.path
        host = req.headers.get("host")
        if host is not None and _host_name(host) not in self.allowed_hosts:
            return self._early(req, 421, _error(_Misdirected("this server only answers requests addressed to 127.0.0.1 or localhost")))
        if path in SCORE_PATHS:
            if req.method != "POST":
                return self._early(req, 405, _error(MethodNotAllowedError(f"{path} accepts POST only")))
            failure = self._check_key(req)
            if failure is not None:
                return self._early(req, 401, failure)
            ctype = req.headers.get("content-type", "")
            if ctype.split(";", 1)[0].strip().lower() != "application/json":
                return self._early(
                    req, 415, _error(UnsupportedMediaTypeError("send the body as JSON with 'Content-Type: application/json'"))
                )
            if "content-length" not in req.headers and not req.chunked:
                return self._early(req, 411, _error(LengthRequiredError("send a Content-Length header or a chunked body")))
            if req.content_length > self.max_body:
                return self._early(
                    req,
                    413,
                    _error(PayloadTooLargeError(f"the body is {req.content_length} bytes; the limit is {self.max_body} bytes")),
                )
            return None
        if path in HEALTH_PATHS or path in KEYED_GET_PATHS:
            if req.method not in ("GET", "HEAD"):
                return _error(MethodNotAllowedError(f"{path} accepts GET only"))
            if req.content_length > self.max_body:
                return _error(PayloadTooLargeError("a GET with a body this large is not accepted"))
            if path in KEYED_GET_PATHS:
                return self._check_key(req)
            return None
        return _error(NotFoundError(f"no route {path}; POST /score to score"))

    def _early(self, req: Request, status: int, response: Response) -> Response:
        """A scoring request refused before its body: counted, with ~0 latency."""
        if req.path in SCORE_PATHS:
            self.stats.record(status, 0.0)
        return response

    def _check_key(self, req: Request) -> Response | None:
        try:
            self.keys.check(req.headers.get("authorization"))
        except UnauthorizedError as exc:
            return exc.status, encode(exc.to_dict()), [("WWW-Authenticate", 'Bearer realm="amlx-endpoint"')]
        finally:
            if self.keys.last_error != self._last_key_error:
                self._last_key_error = self.keys.last_error
                if self._last_key_error:
                    log.warning("key file not reloaded, keeping the previous keys: %s", self._last_key_error)
        return None

    # --- complete request --------------------------------------------------------------------

    def handle(self, req: Request) -> Response | Awaitable[Response]:
        path = req.path
        if path in SCORE_PATHS:
            target = self._route(req)
            if target is not None:
                return target
            return self._score_local(req)
        if path in HEALTH_PATHS:
            return self.health()
        if path == "/stats":
            snapshot = self.stats.snapshot()
            if self.connection_stats is not None:
                snapshot["connections"] = self.connection_stats()
            return 200, encode(snapshot), None
        return 200, encode(self.metadata()), None

    def health(self) -> Response:
        """Healthy unless a prediction has been running for longer than ``hung_after`` seconds."""
        running = self.pool.longest_running()
        if running > self.hung_after:
            err = PredictionHungError(
                f"a prediction has been running for {running:.0f} s (limit {self.hung_after:g} s); "
                "the server needs a restart"
            )
            return err.status, encode({"status": "Unhealthy", **err.to_dict()}), None
        return 200, _HEALTH_BODY, None

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "deployment": self.deployment,
            "pid": os.getpid(),
            "scorer": self.scorer.describe(),
            "max_body_bytes": self.max_body,
        }
        routing = self.routing.current if self.routing else None
        if routing is not None:
            data["traffic"] = routing.traffic
        if self.describe_extra:
            data.update(self.describe_extra())
        return data

    async def _score_local(self, req: Request) -> Response:
        """Score on a worker thread; the answer (and the stats) are made back on the loop."""
        try:
            body: bytes = await self.pool.run(self.scorer.score, req.body, req.headers)
        except Exception as exc:  # noqa: BLE001 - turned into an answer
            return self._failed(req, exc)
        self.stats.record(200, (time.monotonic() - req.started) * 1000.0)
        return 200, body, self._served_by

    def _failed(self, req: Request, exc: Exception) -> Response:
        """A scoring error as an answer: 4xx/5xx from an AmlxError, 500 naming the type otherwise."""
        if isinstance(exc, AmlxError):
            err = exc
        else:
            log.error("scoring failed", exc_info=exc)
            err = AmlxError(f"scoring failed: {type(exc).__name__}")
        self.stats.record(err.status, (time.monotonic() - req.started) * 1000.0)
        return err.status, encode(err.to_dict()), self._served_by

    # --- traffic split -----------------------------------------------------------------------------

    def _route(self, req: Request) -> Awaitable[Response] | Response | None:
        """None to score here; otherwise a response (unknown deployment) or a forward."""
        if self.routing is None or not req.via_endpoint or HOP_HEADER in req.headers:
            return None
        routing = self.routing.refresh()
        if routing is None:
            return None
        pinned = req.headers.get(DEPLOYMENT_HEADER)
        if pinned is not None and pinned not in routing.known and pinned != self.deployment:
            return self._unroutable(req, 404, f"this endpoint has no deployment named {pinned!r}", "deployment_not_found")
        target = routing.choose(pinned)
        if target is None:
            return self._unroutable(
                req, 404, f"no deployment of this endpoint receives traffic; set traffic or send the {DEPLOYMENT_HEADER} header",
                "no_traffic",
            )
        if target == self.deployment:
            return None
        port = routing.ports.get(target)
        if port is None:
            return self._unroutable(req, 502, f"deployment {target!r} has no port in the routing file", "deployment_unavailable")
        return self._forward(req, target, port, pinned is not None)

    def _unroutable(self, req: Request, status: int, message: str, code: str) -> Response:
        self.stats.record(status, (time.monotonic() - req.started) * 1000.0)
        return status, encode({"error": {"code": code, "message": message}}), self._served_by

    async def _forward(self, req: Request, target: str, port: int, pinned: bool) -> Response:
        """Relay to a sibling. If it is down (e.g. restarting) an unpinned request is scored here."""
        assert self.siblings is not None
        try:
            status, body, headers = await self.siblings.send(port, req.path, req.headers, req.body)
        except BadGatewayError as exc:
            self.stats.record_forward(target, ok=False)
            if not pinned:
                return await self._score_local(req)
            return exc.status, encode(exc.to_dict()), [(DEPLOYMENT_HEADER, target)]
        except AmlxError as exc:
            self.stats.record_forward(target, ok=False)
            return exc.status, encode(exc.to_dict()), [(DEPLOYMENT_HEADER, target)]
        self.stats.record_forward(target)
        return status, body, [(DEPLOYMENT_HEADER, headers.get(DEPLOYMENT_HEADER, target))]


class _Misdirected(BadRequestError):
    status = 421
    code = "misdirected_request"
