"""Forward a scoring request to a sibling deployment over loopback keep-alive connections.

Only the front deployment uses this, for the share of traffic that belongs to
another deployment (or is pinned to it). Connections are pooled per port; a
request that fails on a reused connection before any answer arrives is retried
once on a fresh one (the sibling may have closed an idle connection).
"""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import BadGatewayError, GatewayTimeoutError

HOP_HEADER = "x-amlx-hop"
_RELAYED_REQUEST_HEADERS = ("authorization", "content-type", "azureml-model-deployment", "x-ms-client-request-id")


class _StaleConnection(Exception):
    """The pooled connection was closed by the peer before it answered."""


class Upstream:
    """A pool of keep-alive connections to one sibling port on 127.0.0.1."""

    def __init__(self, port: int, *, host: str = "127.0.0.1", max_idle: int = 16) -> None:
        self.host = host
        self.port = port
        self.max_idle = max_idle
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _exchange(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], payload: bytes, reused: bool
    ) -> tuple[int, bytes, dict[str, str]]:
        reader, writer = conn
        try:
            writer.write(payload)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
            writer.close()
            if reused:
                raise _StaleConnection() from exc
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        if "close" in headers.get("connection", "").lower() or len(self._idle) >= self.max_idle:
            writer.close()
        else:
            self._idle.append(conn)
        return status, body, headers

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int, bytes, dict[str, str]]:
        """One request/response; BadGatewayError if the sibling is down, GatewayTimeoutError if slow."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}", f"{HOP_HEADER}: 1"]
        for name in _RELAYED_REQUEST_HEADERS:
            value = headers.get(name)
            if value is not None:
                lines.append(f"{name}: {value}")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace") + body

        async def attempt() -> tuple[int, bytes, dict[str, str]]:
            while self._idle:
                conn = self._idle.pop()
                if conn[1].is_closing():
                    continue
                try:
                    return await self._exchange(conn, payload, True)
                except _StaleConnection:
                    continue
            conn = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(conn, payload, False)

        try:
            return await asyncio.wait_for(attempt(), timeout)
        except asyncio.TimeoutError:
            raise GatewayTimeoutError(f"the deployment on port {self.port} did not answer within {timeout:g} s") from None
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            raise BadGatewayError(f"the deployment on port {self.port} is not answering") from None

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


class UpstreamPool:
    """One ``Upstream`` per sibling port, created on first use."""

    def __init__(self) -> None:
        self._by_port: dict[int, Upstream] = {}

    def get(self, port: int) -> Upstream:
        upstream = self._by_port.get(port)
        if upstream is None:
            upstream = self._by_port[port] = Upstream(port)
        return upstream

    def close(self) -> Any:
        for upstream in self._by_port.values():
            upstream.close()
        self._by_port.clear()
