"""The scoring server's HTTP layer: tornado's HTTP/1.1 implementation plus the rules a scoring endpoint needs.

tornado (already installed with Jupyter) parses requests, frames bodies
(Content-Length or chunked), keeps connections alive, answers requests on one
connection in order, and enforces the header size, the header timeout and the
body timeout. This module adds what is specific to a scoring endpoint:

* the app (``Handler``) sees every request once its headers are in
  (``head``), so a wrong key, a wrong content type or an oversized body is
  answered before the body is read; ``Expect: 100-continue`` is then never
  answered with 100, and the body is never sent. A small refused body is
  read and dropped so the connection stays usable; a large, chunked or
  expected one closes the connection instead;
* framing tornado would refuse with a bare 400 (Content-Length together
  with Transfer-Encoding, an unknown transfer coding, a chunked body over the
  limit) is answered with the JSON error body every other error has;
* an idle-connection flood cannot starve real requests: connections are
  counted, and at ``max_connections`` the connection that has waited longest
  for a request is closed to make room (nginx does the same with keep-alive
  connections); only when every connection is busy is a new one refused.

Responses are always JSON; a handler returns ``(status, body, extra_headers)``
or an awaitable of it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Protocol

from tornado import httputil
from tornado.http1connection import HTTP1ConnectionParameters, HTTP1ServerConnection
from tornado.iostream import IOStream
from tornado.netutil import bind_sockets
from tornado.tcpserver import TCPServer

from .jsonout import encode

log = logging.getLogger("amlx.serving")

Headers = list[tuple[str, str]]
Response = tuple[int, bytes, Headers | None]

REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
    411: "Length Required", 413: "Content Too Large", 415: "Unsupported Media Type", 421: "Misdirected Request",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}
BACKLOG = 1024
# A refused body up to this size is read and dropped to keep the connection; a larger one closes it.
DISCARD_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_body: int = 10 * 1024 * 1024
    max_header: int = 32 * 1024
    request_timeout: float = 30.0  # to receive a body once its headers are in
    idle_timeout: float = 75.0  # to receive the headers of the next request (idle keep-alive included)
    max_connections: int = 4096


class Request:
    """One request as the app sees it. ``headers`` keys are lower-case."""

    __slots__ = (
        "body",
        "chunked",
        "content_length",
        "headers",
        "method",
        "path",
        "query",
        "started",
        "version",
        "via_endpoint",
    )

    def __init__(self, method: str, path: str, query: str, version: str, headers: dict[str, str]) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = b""
        self.content_length = 0
        self.chunked = False  # the body arrives in chunks; its length is known only at the end
        self.started = 0.0
        self.via_endpoint = True  # arrived on the endpoint's port (routed) rather than the deployment's own


class Handler(Protocol):
    def head(self, request: Request) -> Response | None:
        """Called when the headers are in: return a response to answer without reading the body."""

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        """Called with the complete request."""


def error_response(status: int, code: str, message: str) -> Response:
    return status, encode({"error": {"code": code, "message": message}}), None


class _Clock:
    """The Date header, formatted at most once a second rather than per response."""

    def __init__(self) -> None:
        self._second = 0
        self._value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._value = second, formatdate(second, usegmt=True)
        return self._value


def _content_length(text: str) -> int | None:
    """The value of a Content-Length header (equal repeats allowed), or None when it is not a number."""
    values = {v.strip() for v in text.split(",")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isdigit() and value.isascii() else None


class _Exchange(httputil.HTTPMessageDelegate):
    """One request/response on a connection, from its headers to the last byte of the answer."""

    def __init__(self, server: HttpServer, conn: HTTP1ServerConnection, request_conn: Any, endpoint: bool) -> None:
        self.server = server
        self.conn = conn
        self.request_conn = request_conn
        self.endpoint = endpoint
        self.request: Request | None = None
        self.chunks: list[bytes] = []
        self.received = 0
        self.answered = False  # a response was written; the rest of the body is dropped
        self.finished = False
        self.closed = False

    # --- tornado callbacks ---------------------------------------------------------------

    def headers_received(
        self, start_line: httputil.RequestStartLine | httputil.ResponseStartLine, headers: httputil.HTTPHeaders
    ) -> None:
        assert isinstance(start_line, httputil.RequestStartLine)
        self.server.busy(self.conn)
        path, _, query = start_line.path.partition("?")
        fields = {name.lower(): value for name, value in headers.items()}
        req = Request(start_line.method, path, query, start_line.version, fields)
        req.via_endpoint = self.endpoint
        self.request = req
        failure = self._framing(req)
        if failure is not None:
            self._answer_early(failure, close=True)
            return
        try:
            early = self.server.handler.head(req)
        except Exception:
            log.exception("request check failed")
            early = error_response(500, "internal_error", "the server failed to handle the request")
        if early is None:
            if req.chunked:
                self.request_conn.set_max_body_size(sys.maxsize)  # counted here, so the answer is a 413, not a bare 400
            return
        pending = req.chunked or req.content_length > 0
        close = pending and (
            req.chunked or req.content_length > DISCARD_LIMIT or fields.get("expect", "").lower() == "100-continue"
        )
        self._answer_early(early, close=close)

    def data_received(self, chunk: bytes) -> None:
        if self.answered:
            return
        self.received += len(chunk)
        limit = self.server.limits.max_body
        if self.received > limit:
            self._answer_early(
                error_response(413, "payload_too_large", f"the body is over the limit of {limit} bytes"), close=True
            )
            return
        self.chunks.append(chunk)

    def finish(self) -> None:
        req = self.request
        assert req is not None
        if self.answered:  # the refused body has been read and dropped: the connection stays usable
            self._finish()
            return
        req.body = b"".join(self.chunks) if len(self.chunks) != 1 else self.chunks[0]
        req.content_length = len(req.body)
        self.chunks = []
        req.started = time.monotonic()
        try:
            result = self.server.handler.handle(req)
        except Exception:
            log.exception("handler failed")
            result = error_response(500, "internal_error", "the server failed to handle the request")
        if isinstance(result, tuple):
            self._respond(result)
            return
        task = asyncio.ensure_future(result)
        self.server.track(task)
        task.add_done_callback(self._async_done)

    def on_connection_close(self) -> None:
        self.closed = True

    # --- answering -----------------------------------------------------------------------

    def _framing(self, req: Request) -> Response | None:
        """Body framing tornado would refuse with a bare 400: answered as JSON, then the connection closes."""
        fields = req.headers
        coding = fields.get("transfer-encoding")
        length = fields.get("content-length")
        if coding is not None:
            if length is not None:
                return error_response(400, "bad_request", "send either Content-Length or Transfer-Encoding, not both")
            if coding.strip().lower() != "chunked" or req.version != "HTTP/1.1":
                return error_response(501, "not_implemented", "the only transfer coding accepted is chunked (HTTP/1.1)")
            req.chunked = True
        elif length is not None:
            value = _content_length(length)
            if value is None:
                return error_response(400, "bad_request", "Content-Length must be a decimal number")
            req.content_length = value
        return None

    def _async_done(self, task: asyncio.Future[Response]) -> None:
        try:
            result = task.result()
        except Exception:
            log.exception("async handler failed")
            result = error_response(500, "internal_error", "the server failed to handle the request")
        self._respond(result)

    def _answer_early(self, response: Response, *, close: bool) -> None:
        """Answer before (the rest of) the body: finish now and close, or drop the body and finish after it."""
        self.answered = True
        self.chunks = []
        self._write(response, close=close)
        if close:
            self._finish()

    def _respond(self, response: Response) -> None:
        self._write(response, close=False)
        self._finish()

    def _write(self, response: Response, *, close: bool) -> None:
        if self.closed or self.finished:
            return
        status, body, extra = response
        headers = httputil.HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(body))
        headers["Date"] = self.server.clock.now()
        if extra:
            for name, value in extra:
                headers.add(name, value)
        if close:
            headers["Connection"] = "close"
        req = self.request
        start = httputil.ResponseStartLine("HTTP/1.1", status, REASONS.get(status, "Status"))
        try:
            self.request_conn.write_headers(start, headers, body if req is None or req.method != "HEAD" else None)
        except Exception:
            log.debug("could not write a response", exc_info=True)

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if not self.closed:
            try:
                self.request_conn.finish()
            except Exception:
                log.debug("could not finish a response", exc_info=True)


class _Listener(TCPServer, httputil.HTTPServerConnectionDelegate):
    """One listening socket; its requests are marked as addressed to the endpoint or to the deployment."""

    def __init__(self, server: HttpServer, endpoint: bool) -> None:
        super().__init__(max_buffer_size=server.limits.max_body + server.limits.max_header + 65536)
        self.server = server
        self.endpoint = endpoint

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        if not self.server.admit():
            stream.close()
            return
        conn = HTTP1ServerConnection(stream, self.server.params)
        self.server.opened(conn)
        conn.start_serving(self)

    def start_request(self, server_conn: object, request_conn: httputil.HTTPConnection) -> httputil.HTTPMessageDelegate:
        assert isinstance(server_conn, HTTP1ServerConnection)
        self.server.waiting(server_conn)
        return _Exchange(self.server, server_conn, request_conn, self.endpoint)

    def on_close(self, server_conn: object) -> None:
        assert isinstance(server_conn, HTTP1ServerConnection)
        self.server.closed(server_conn)


class HttpServer:
    """Owns the listeners and the open connections; closes idle ones first when there are too many."""

    def __init__(self, handler: Any, limits: Limits | None = None) -> None:
        self.handler = handler
        self.limits = limits or Limits()
        self.params = HTTP1ConnectionParameters(
            max_header_size=self.limits.max_header,
            header_timeout=self.limits.idle_timeout,
            max_body_size=self.limits.max_body,
            body_timeout=self.limits.request_timeout,
        )
        self.clock = _Clock()
        self.listeners: dict[tuple[str, int], _Listener] = {}
        self.connections: set[HTTP1ServerConnection] = set()
        self._waiting: OrderedDict[HTTP1ServerConnection, None] = OrderedDict()  # oldest wait first
        self._tasks: set[asyncio.Future[Any]] = set()
        self.evicted = 0
        self.refused = 0

    # --- listeners -------------------------------------------------------------------------

    async def listen(self, host: str, port: int, *, reuse_port: bool = False, endpoint: bool = True) -> int:
        """Start accepting on host:port (0 = a free port); returns the bound port.

        ``endpoint`` marks requests from this listener as addressed to the endpoint
        (subject to traffic routing) rather than to this deployment directly.
        """
        sockets = bind_sockets(port, host, family=socket.AF_INET, backlog=BACKLOG, reuse_port=reuse_port)
        listener = _Listener(self, endpoint)
        listener.add_sockets(sockets)
        bound = sockets[0].getsockname()[1]
        self.listeners[(host, bound)] = listener
        return int(bound)

    async def stop_listening(self, host: str, port: int) -> None:
        listener = self.listeners.pop((host, port), None)
        if listener is not None:
            listener.stop()

    # --- connection accounting ----------------------------------------------------------------

    def admit(self) -> bool:
        """Room for one more connection, closing the longest-waiting idle one if needed."""
        if len(self.connections) < self.limits.max_connections:
            return True
        if self._waiting:
            oldest, _ = self._waiting.popitem(last=False)
            self.connections.discard(oldest)
            oldest.stream.close()
            self.evicted += 1
            return True
        self.refused += 1
        return False

    def opened(self, conn: HTTP1ServerConnection) -> None:
        self.connections.add(conn)

    def waiting(self, conn: HTTP1ServerConnection) -> None:
        """The connection waits for the headers of its next request (the longest-waiting one is the first to go)."""
        if conn in self.connections:
            self._waiting[conn] = None
            self._waiting.move_to_end(conn)

    def busy(self, conn: HTTP1ServerConnection) -> None:
        self._waiting.pop(conn, None)

    def closed(self, conn: HTTP1ServerConnection) -> None:
        self.connections.discard(conn)
        self._waiting.pop(conn, None)

    def track(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def in_flight(self) -> int:
        """Requests whose answer is still being computed (scoring or forwarding)."""
        return len(self._tasks)

    async def close(self) -> None:
        for key in list(self.listeners):
            await self.stop_listening(*key)
        for conn in list(self.connections):
            conn.stream.close()
        self.connections.clear()
        self._waiting.clear()
