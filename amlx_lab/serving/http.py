"""A small HTTP/1.1 server on ``asyncio.Protocol``, built for many tiny JSON requests.

Why not a framework: at ~1 ms per request a framework's routing, middleware
and ASGI hops are a large share of the time. This module does only what the
scoring server needs, and does it defensively:

* keep-alive and pipelining (requests on one connection are answered in order);
* bodies framed by ``Content-Length`` or ``Transfer-Encoding: chunked`` (what
  streaming clients send); both at once is refused (request smuggling), other
  transfer codings get 501;
* a hook (``Handler.head``) sees the headers before the body is read, so a
  wrong key, a wrong content type or an oversized body is answered without
  reading the body (``Expect: 100-continue`` is honoured);
* limits: header size, body size, request and idle timeouts, connection count;
* malformed input gets a 4xx and the connection is closed; an exception in a
  handler becomes a 500; nothing a client sends can stop the process.

Responses are always JSON; a handler returns ``(status, body, extra_headers)``
or an awaitable of it (used for forwarding to a sibling deployment).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Protocol
from collections.abc import Awaitable

from .jsonout import encode

log = logging.getLogger("amlx.serving")

Headers = list[tuple[str, str]]
Response = tuple[int, bytes, Headers | None]

REASONS = {
    100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
    413: "Content Too Large", 415: "Unsupported Media Type", 421: "Misdirected Request",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}
_STATUS_LINES = {code: f"HTTP/1.1 {code} {reason}\r\n".encode() for code, reason in REASONS.items()}

_HEAD, _BODY, _DISCARD, _LINGER, _CLOSED, _CHUNKED = range(6)

# While reading a chunked body, ``remaining`` is the size of the chunk being read,
# or one of these: the next chunk-size line is due, or the trailer section is.
_SIZE_LINE, _TRAILERS = -1, -2
_MAX_SIZE_LINE = 1024


@dataclass(frozen=True)
class Limits:
    max_body: int = 10 * 1024 * 1024
    max_header: int = 32 * 1024
    request_timeout: float = 30.0  # to receive one whole request once it has started
    idle_timeout: float = 75.0  # keep-alive connection with no request in progress
    max_connections: int = 1024
    linger: float = 2.0  # after an early error, read and drop what the client still sends


class Request:
    """One parsed request. ``headers`` keys are lower-case."""

    __slots__ = (
        "method", "path", "query", "version", "headers", "body", "keep_alive", "content_length", "chunked", "started",
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
        conn = headers.get("connection", "").lower()
        if version == "HTTP/1.1":
            self.keep_alive = "close" not in conn
        else:
            self.keep_alive = "keep-alive" in conn
        self.started = 0.0
        self.via_endpoint = True  # arrived on the endpoint's port (routed) rather than the deployment's own


class Handler(Protocol):
    def head(self, request: Request) -> Response | None:
        """Called when the headers are in: return a response to answer without reading the body."""

    def handle(self, request: Request) -> Response | Awaitable[Response]:
        """Called with the complete request."""


def error_body(status: int, code: str, message: str) -> bytes:
    return encode({"error": {"code": code, "message": message}})


class _Clock:
    """The Date header, formatted once a second rather than per response."""

    def __init__(self) -> None:
        self.value = b""
        self.tick()

    def tick(self) -> None:
        self.value = formatdate(usegmt=True).encode()


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "server", "endpoint", "transport", "buf", "state", "request", "remaining", "busy", "deadline", "_closing_after",
        "chunks",
    )

    def __init__(self, server: HttpServer, endpoint: bool = True) -> None:
        self.server = server
        self.endpoint = endpoint
        self.transport: Any = None
        self.buf = bytearray()
        self.state = _HEAD
        self.request: Request | None = None
        self.remaining = 0
        self.busy = False
        self.deadline = 0.0
        self._closing_after = False
        self.chunks = bytearray()  # the decoded part of a chunked body

    # --- asyncio callbacks ---------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        if len(self.server.connections) >= self.server.limits.max_connections:
            transport.close()
            self.state = _CLOSED
            return
        self.server.connections.add(self)
        self.deadline = time.monotonic() + self.server.limits.request_timeout

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = _CLOSED
        self.server.connections.discard(self)

    def eof_received(self) -> bool:
        """The client stopped sending: answer what is complete, fail what is partial, then close."""
        self._closing_after = True
        if self.state == _LINGER:
            return False
        if not self.busy:
            try:
                self._process()
            except Exception:  # noqa: BLE001
                log.exception("unexpected error while handling a request")
                self._close()
        return True

    def data_received(self, data: bytes) -> None:
        if self.state == _LINGER:
            return
        if not self.buf and self.state == _HEAD and not self.busy:
            self.deadline = time.monotonic() + self.server.limits.request_timeout
        self.buf += data
        try:
            self._process()
        except Exception:  # noqa: BLE001 - never let one connection break the loop
            log.exception("unexpected error while handling a request")
            self._fail(500, "internal_error", "the server failed to handle the request")

    # --- parsing ---------------------------------------------------------------------------

    def _process(self) -> None:
        limits = self.server.limits
        while not self.busy and self.state not in (_CLOSED, _LINGER):
            if self.state == _HEAD:
                while self.buf[:2] == b"\r\n":  # tolerated empty lines between requests
                    del self.buf[:2]
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buf) > limits.max_header:
                        self._fail(431, "headers_too_large", "the request headers are too large")
                    elif self._closing_after and self.buf:
                        self._fail(400, "bad_request", "the connection closed in the middle of a request")
                    elif self._closing_after:
                        self._close()
                    return
                if end > limits.max_header:
                    self._fail(431, "headers_too_large", "the request headers are too large")
                    return
                head = bytes(self.buf[:end])
                del self.buf[: end + 4]
                if not self._start_request(head):
                    return
            elif self.state == _BODY:
                if len(self.buf) < self.remaining:
                    if self._closing_after:
                        self._fail(400, "bad_request", "the connection closed before the whole body arrived")
                    return
                req = self.request
                assert req is not None
                req.body = bytes(self.buf[: self.remaining])
                del self.buf[: self.remaining]
                self.state = _HEAD
                self._dispatch(req)
            elif self.state == _CHUNKED:
                if not self._read_chunks():
                    return
            elif self.state == _DISCARD:
                drop = min(self.remaining, len(self.buf))
                del self.buf[:drop]
                self.remaining -= drop
                if self.remaining:
                    if self._closing_after:
                        self._close()
                    return
                self.state = _HEAD

    def _start_request(self, head: bytes) -> bool:
        """Parse the head; returns False when the connection was failed or must wait."""
        self.request = None
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            text = ""
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[0].isalpha() or not parts[0].isupper() or not parts[1]:
            self._fail(400, "bad_request", "malformed request line")
            return False
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            self._fail(505, "http_version", "only HTTP/1.0 and HTTP/1.1 are supported")
            return False
        headers: dict[str, str] = {}
        if len(lines) > 101:
            self._fail(431, "headers_too_large", "too many request headers")
            return False
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name[-1] in " \t" or name[0] in " \t":
                self._fail(400, "bad_request", "malformed header line")
                return False
            name = name.lower()
            value = value.strip(" \t")
            if name in headers:
                if name == "content-length" and headers[name] != value:
                    self._fail(400, "bad_request", "conflicting Content-Length headers")
                    return False
                if name != "content-length":
                    headers[name] = headers[name] + ", " + value
            else:
                headers[name] = value
        path, _, query = target.partition("?")
        req = Request(method, path, query, version, headers)
        req.via_endpoint = self.endpoint
        coding = headers.get("transfer-encoding")
        if coding is not None:
            if "content-length" in headers:
                self._fail(400, "bad_request", "send either Content-Length or Transfer-Encoding, not both")
                return False
            if coding.lower() != "chunked" or version != "HTTP/1.1":
                self._fail(501, "not_implemented", "the only transfer coding accepted is chunked (HTTP/1.1)")
                return False
            req.chunked = True
        length_text = headers.get("content-length")
        if length_text is not None:
            if not length_text.isdigit():
                self._fail(400, "bad_request", "Content-Length must be a decimal number")
                return False
            req.content_length = int(length_text)
        self.request = req
        early = self.server.handler.head(req)
        if early is not None:
            self._reject_early(req, early)
            return self.state not in (_CLOSED, _LINGER)
        if req.chunked:
            self.state = _CHUNKED
            self.remaining = _SIZE_LINE
            self.chunks = bytearray()
            if headers.get("expect", "").lower() == "100-continue" and not self.buf:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        elif req.content_length:
            self.state = _BODY
            self.remaining = req.content_length
            if headers.get("expect", "").lower() == "100-continue" and len(self.buf) < req.content_length:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        else:
            self._dispatch(req)
        return True

    def _read_chunks(self) -> bool:
        """Decode what has arrived of a chunked body; True once the request was dispatched or failed."""
        limit = self.server.limits.max_body
        while True:
            if self.remaining == _SIZE_LINE or self.remaining == _TRAILERS:
                end = self.buf.find(b"\r\n")
                if end < 0:
                    if len(self.buf) > _MAX_SIZE_LINE:
                        self._fail(400, "bad_request", "a chunk-size or trailer line is too long")
                        return True
                    if self._closing_after:
                        self._fail(400, "bad_request", "the connection closed before the whole body arrived")
                        return True
                    return False
                line = bytes(self.buf[:end])
                del self.buf[: end + 2]
                if self.remaining == _TRAILERS:
                    if not line:  # the empty line that ends the request
                        req = self.request
                        assert req is not None
                        req.body = bytes(self.chunks)
                        req.content_length = len(req.body)
                        self.chunks = bytearray()
                        self.state = _HEAD
                        self._dispatch(req)
                        return True
                    continue  # trailer fields carry nothing the scoring server uses
                size_text = line.split(b";", 1)[0].strip()
                if not size_text or len(size_text) > 8 or size_text.strip(b"0123456789abcdefABCDEF"):
                    self._fail(400, "bad_request", "malformed chunk size")
                    return True
                size = int(size_text, 16)
                if size == 0:
                    self.remaining = _TRAILERS
                elif len(self.chunks) + size > limit:
                    self._fail(413, "payload_too_large", f"the body is over the limit of {limit} bytes")
                    return True
                else:
                    self.remaining = size
                continue
            if len(self.buf) < self.remaining + 2:
                if self._closing_after:
                    self._fail(400, "bad_request", "the connection closed before the whole body arrived")
                    return True
                return False
            if self.buf[self.remaining : self.remaining + 2] != b"\r\n":
                self._fail(400, "bad_request", "a chunk is longer than its size says")
                return True
            self.chunks += self.buf[: self.remaining]
            del self.buf[: self.remaining + 2]
            self.remaining = _SIZE_LINE

    def _reject_early(self, req: Request, response: Response) -> None:
        """Answer before the body; keep the connection only if the body can be skipped safely."""
        status, body, extra = response
        pending = req.content_length
        expect = req.headers.get("expect", "").lower() == "100-continue"
        # a chunked body cannot be skipped without decoding it: answer and close instead
        if not req.keep_alive or req.chunked or (pending and (expect or pending > self.server.limits.max_body)):
            self._write(req, status, body, extra, close=True)
            self._linger()
            return
        self._write(req, status, body, extra, close=False)
        self.deadline = time.monotonic() + self.server.limits.request_timeout
        if pending:
            self.state = _DISCARD
            self.remaining = pending

    # --- dispatch and responses --------------------------------------------------------------

    def _dispatch(self, req: Request) -> None:
        req.started = time.monotonic()
        self.deadline = 0.0
        try:
            result = self.server.handler.handle(req)
        except Exception:  # noqa: BLE001
            log.exception("handler failed")
            result = (500, error_body(500, "internal_error", "the server failed to handle the request"), None)
        if type(result) is tuple:
            self._respond(req, result)
            return
        self.busy = True
        self.transport.pause_reading()
        task = asyncio.ensure_future(result)  # type: ignore[arg-type]
        task.add_done_callback(lambda t, r=req: self._finish_async(r, t))

    def _finish_async(self, req: Request, task: asyncio.Future[Response]) -> None:
        if self.state == _CLOSED:
            return
        try:
            result = task.result()
        except Exception:  # noqa: BLE001
            log.exception("async handler failed")
            result = (500, error_body(500, "internal_error", "the server failed to handle the request"), None)
        self.busy = False
        self._respond(req, result)
        if self.state not in (_CLOSED, _LINGER):
            self.transport.resume_reading()
            try:
                self._process()
            except Exception:  # noqa: BLE001
                log.exception("unexpected error while handling a request")
                self._fail(500, "internal_error", "the server failed to handle the request")

    def _respond(self, req: Request, result: Response) -> None:
        status, body, extra = result
        close = not req.keep_alive or (self._closing_after and not self.buf)
        self._write(req, status, body, extra, close=close)
        if close:
            self._close()
        else:
            self.deadline = time.monotonic() + self.server.limits.idle_timeout

    def _write(self, req: Request | None, status: int, body: bytes, extra: Headers | None, *, close: bool) -> None:
        if self.state == _CLOSED or self.transport is None or self.transport.is_closing():
            return
        parts = [
            _STATUS_LINES.get(status) or f"HTTP/1.1 {status} Status\r\n".encode(),
            b"Content-Type: application/json\r\nContent-Length: ",
            str(len(body)).encode(),
            b"\r\nDate: ",
            self.server.clock.value,
            b"\r\n",
        ]
        if extra:
            for name, value in extra:
                parts.append(f"{name}: {value}\r\n".encode("latin-1", errors="replace"))
        if close:
            parts.append(b"Connection: close\r\n")
        elif req is not None and req.version == "HTTP/1.0":
            parts.append(b"Connection: keep-alive\r\n")
        parts.append(b"\r\n")
        if req is None or req.method != "HEAD":
            parts.append(body)
        self.transport.write(b"".join(parts))

    def _fail(self, status: int, code: str, message: str) -> None:
        """Answer a framing error and close: the rest of the stream cannot be trusted."""
        self._write(self.request, status, error_body(status, code, message), None, close=True)
        self._linger()

    def _linger(self) -> None:
        """Half-close after an error so the client reads the answer instead of a reset."""
        self.buf.clear()
        if self._closing_after:
            self._close()  # the client already finished sending: nothing to drain
            return
        self.state = _LINGER
        self.deadline = time.monotonic() + self.server.limits.linger
        try:
            if self.transport.can_write_eof():
                self.transport.write_eof()
            else:
                self._close()
        except (OSError, RuntimeError):
            self._close()

    def _close(self) -> None:
        if self.state != _CLOSED and self.transport is not None:
            self.state = _CLOSED
            self.transport.close()

    def expire(self, now: float) -> None:
        """Called by the sweeper once the deadline passed."""
        if self.state in (_LINGER, _DISCARD) or (self.state == _HEAD and not self.buf):
            self._close()
        else:
            self._fail(408, "request_timeout", "the request was not received in time")


class HttpServer:
    """Owns the listeners, the open connections and the once-a-second housekeeping."""

    def __init__(self, handler: Any, limits: Limits | None = None) -> None:
        self.handler = handler
        self.limits = limits or Limits()
        self.connections: set[HttpConnection] = set()
        self.clock = _Clock()
        self.listeners: dict[tuple[str, int], asyncio.AbstractServer] = {}

    async def listen(self, host: str, port: int, *, reuse_port: bool = False, endpoint: bool = True) -> int:
        """Start accepting on host:port (0 = a free port); returns the bound port.

        ``endpoint`` marks requests from this listener as addressed to the endpoint
        (subject to traffic routing) rather than to this deployment directly.
        """
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: HttpConnection(self, endpoint), host, port, reuse_address=True, reuse_port=reuse_port or None, backlog=512
        )
        bound = server.sockets[0].getsockname()[1]
        self.listeners[(host, bound)] = server
        return bound

    async def stop_listening(self, host: str, port: int) -> None:
        server = self.listeners.pop((host, port), None)
        if server is not None:
            server.close()

    def sweep(self) -> None:
        """Expire connections past their deadline; refresh the Date header."""
        self.clock.tick()
        now = time.monotonic()
        for conn in list(self.connections):
            if conn.deadline and now > conn.deadline and not conn.busy:
                conn.expire(now)

    async def close(self) -> None:
        for key in list(self.listeners):
            await self.stop_listening(*key)
        for conn in list(self.connections):
            conn._close()
