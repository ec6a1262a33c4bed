"""Forward a scoring request to a sibling deployment of the same endpoint, through httpx.

Only the front deployment forwards: the share of traffic that belongs to
another deployment, or a request pinned to it. httpx keeps loopback
connections to each sibling alive between requests and drops idle ones
before the sibling would. A sibling that closes a connection at the moment
it is reused gives "disconnected without a response": scoring has no side
effects, so that one case is retried once on a fresh connection.

Proxy settings from the environment are ignored (``trust_env=False``): the
request goes to 127.0.0.1 and nowhere else. httpx is imported and its client
built (about 0.2 s, mostly its TLS context) at the first forward, so a
deployment that never forwards (the only one of its endpoint) never pays it.
"""

from __future__ import annotations

from typing import Any

from .errors import BadGatewayError, GatewayTimeoutError

HOP_HEADER = "x-amlx-hop"
_RELAYED_REQUEST_HEADERS = ("authorization", "content-type", "azureml-model-deployment", "x-ms-client-request-id")
KEEPALIVE_SECONDS = 5.0  # well under the sibling's idle timeout, so the sibling rarely closes first


class SiblingClient:
    """Sends requests to siblings' own ports on 127.0.0.1 over pooled keep-alive connections."""

    def __init__(self, timeout: float, *, host: str = "127.0.0.1") -> None:
        self.host = host
        self.timeout = timeout
        self._client: Any = None
        self._httpx: Any = None

    def _session(self) -> Any:
        if self._client is None:  # created inside the running loop, where httpx binds its pool
            import httpx

            self._httpx = httpx
            self._client = httpx.AsyncClient(
                trust_env=False,
                timeout=httpx.Timeout(self.timeout),
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=KEEPALIVE_SECONDS),
            )
        return self._client

    async def send(self, port: int, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, dict[str, str]]:
        """POST to the sibling; BadGatewayError if it is down, GatewayTimeoutError if it is too slow."""
        session = self._session()
        httpx = self._httpx
        relayed = {name: headers[name] for name in _RELAYED_REQUEST_HEADERS if name in headers}
        relayed[HOP_HEADER] = "1"
        url = f"http://{self.host}:{port}{path}"
        for attempt in (1, 2):
            try:
                response = await session.post(url, content=body, headers=relayed)
            except httpx.TimeoutException:
                raise GatewayTimeoutError(
                    f"the deployment on port {port} did not answer within {self.timeout:g} s"
                ) from None
            except httpx.RemoteProtocolError:
                if attempt == 1:
                    continue  # a kept-alive connection closed by the sibling just now
                raise BadGatewayError(f"the deployment on port {port} is not answering") from None
            except httpx.TransportError:
                raise BadGatewayError(f"the deployment on port {port} is not answering") from None
            return response.status_code, response.content, {k.lower(): v for k, v in response.headers.items()}
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
