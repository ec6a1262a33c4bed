"""Small loopback HTTP helpers for the scoring server tests (real sockets, no mocks)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any
from collections.abc import Callable

KEY = "primary-key-for-tests-0123456789"
SECONDARY = "secondary-key-for-tests-987654321"
TITANIC_SEED = b'{"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}'


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict[str, Any]:
        return self.json()["error"]

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.body[:300]!r})"


def request(
    port: int,
    method: str = "POST",
    path: str = "/score",
    body: Any = None,
    *,
    key: str | None = KEY,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request; ``body`` may be bytes or a JSON-able value."""
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if key is not None:
        h["Authorization"] = f"Bearer {key}"
    if content_type is not None and body is not None:
        h["Content-Type"] = content_type
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        if own:
            c.close()


def score(port: int, payload: Any, **kw: Any) -> Reply:
    return request(port, "POST", "/score", payload, **kw)


def raw_exchange(port: int, data: bytes, *, timeout: float = 5.0, shutdown: bool = False) -> bytes:
    """Send raw bytes, read until the server closes (or the timeout); returns what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05, what: str = "condition") -> Any:
    """Poll until ``predicate()`` is truthy (returns it) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
