"""Scoring requests from the server side: POST to the endpoint's scoring URI with its key, as Azure clients do.

The answer comes back whatever its status (a 400 naming a missing column is
what a test panel must show); only a scoring server that cannot be reached or
does not speak HTTP is an error (502). The key travels in the header only and
never appears in a message. The request goes through httpx (imported on first
use) with proxy settings from the environment ignored: it is for 127.0.0.1.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

from ...errors import UpstreamError
from ...records import InvokeResult
from ...serving.routing import DEPLOYMENT_HEADER
from ...i18n import _

DEFAULT_TIMEOUT = 60.0


@functools.cache
def _client() -> Any:
    """One client for the process (thread-safe); made once, as building it costs milliseconds.

    No keep-alive: each request gets a fresh connection, as a scoring server may
    have been restarted since the last one.
    """
    import httpx

    return httpx.Client(trust_env=False, limits=httpx.Limits(max_keepalive_connections=0))


def post_score(
    port: int, body: bytes, key: str, *, deployment: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> InvokeResult:
    """One ``POST /score`` to 127.0.0.1:``port``; returns status, parsed body, latency and the serving deployment."""
    import httpx

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if deployment:
        headers[DEPLOYMENT_HEADER] = deployment
    client = _client()
    started = time.perf_counter()
    try:
        response = client.post(f"http://127.0.0.1:{port}/score", content=body, headers=headers, timeout=timeout)
    except httpx.ConnectError:
        raise UpstreamError(
            _("Nothing answers on the endpoint's port {port}: no deployment is running yet, or it is restarting.").format(port=port),
            details={"port": port},
        ) from None
    except httpx.TimeoutException:
        raise UpstreamError(_("The scoring server did not answer within {timeout:g} s.").format(
            timeout=timeout), details={"port": port}) from None
    except httpx.HTTPError as exc:
        raise UpstreamError(
            _("The scoring server's answer could not be read ({name__}).").format(name__=type(exc).__name__), details={"port": port}
        ) from None
    latency = (time.perf_counter() - started) * 1000.0
    text = response.content.decode("utf-8", errors="replace")
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return InvokeResult(
        status_code=response.status_code,
        body=parsed,
        latency_ms=round(latency, 3),
        deployment=response.headers.get(DEPLOYMENT_HEADER),
    )
