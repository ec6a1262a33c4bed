"""Scoring requests from the server side: POST to the endpoint's scoring URI with its key, as Azure clients do.

The answer comes back whatever its status (a 400 naming a missing column is
what a test panel must show); only a scoring server that cannot be reached or
does not speak HTTP is an error (502). The key travels in the header only and
never appears in a message.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

from ...errors import UpstreamError, ValidationError
from ...records import InvokeResult
from ...serving.routing import DEPLOYMENT_HEADER

DEFAULT_TIMEOUT = 60.0
MAX_PAYLOAD = 10 * 1024 * 1024  # the scoring server's default body limit


def encode_payload(payload: Any, *, field: str = "payload") -> bytes:
    if not isinstance(payload, (dict, list)):
        raise ValidationError("payload must be a JSON object (or array), e.g. {\"data\": [{...}]}.", field=field)
    try:
        body = json.dumps(payload, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"payload cannot be sent as JSON: {exc}.", field=field) from None
    if len(body) > MAX_PAYLOAD:
        raise ValidationError(f"payload is larger than {MAX_PAYLOAD // (1024 * 1024)} MiB.", field=field)
    return body


def post_score(
    port: int, body: bytes, key: str, *, deployment: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> InvokeResult:
    """One ``POST /score`` to 127.0.0.1:``port``; returns status, parsed body, latency and the serving deployment."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if deployment:
        headers[DEPLOYMENT_HEADER] = deployment
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("POST", "/score", body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        latency = (time.perf_counter() - started) * 1000.0
        served_by = response.getheader(DEPLOYMENT_HEADER)
        status = response.status
    except ConnectionRefusedError:
        raise UpstreamError(
            f"Nothing answers on the endpoint's port {port}: no deployment is running yet, or it is restarting.",
            details={"port": port},
        ) from None
    except TimeoutError:
        raise UpstreamError(f"The scoring server did not answer within {timeout:g} s.", details={"port": port}) from None
    except (http.client.HTTPException, OSError) as exc:
        raise UpstreamError(
            f"The scoring server's answer could not be read ({type(exc).__name__}).", details={"port": port}
        ) from None
    finally:
        conn.close()
    text = raw.decode("utf-8", errors="replace")
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return InvokeResult(status_code=status, body=parsed, latency_ms=round(latency, 3), deployment=served_by)
