"""A small REST client on azure-core's pipeline for what azure-ai-ml does not wrap (or wraps expensively).

Run history (a run's times, status, error and log files), the workspace's
MLflow REST API, the workspace resource itself, and byte ranges of log files.
It uses the backend's own credential and azure-core's retry policy, so it
signs in, retries and fails exactly like the SDK's clients; the SDK's helpers
for these would fetch the workspace through a path that imports azureml-mlflow
and with it MLflow (1.5 s) into the Jupyter server.
"""

from __future__ import annotations

import re
from typing import Any

from ... import __version__

USER_AGENT = f"amlx-lab/{__version__}"
#: azure-core retries 408, 429 (honouring Retry-After), 500, 502, 503 and 504 with exponential backoff.
RETRY = {"retry_total": 3, "retry_backoff_factor": 0.5, "retry_backoff_max": 20, "timeout": 90}
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60

_CONTENT_RANGE = re.compile(r"bytes (?:\d+-\d+|\*)/(\d+|\*)")


class Rest:
    """JSON calls with the bearer token for ``scope``, and anonymous range reads of SAS URLs."""

    def __init__(self, credential: Any, scope: str, *, retries: dict[str, Any] | None = None) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy, UserAgentPolicy

        retry = dict(RETRY if retries is None else retries)
        self._authed: Any = PipelineClient(
            base_url="",
            policies=[
                UserAgentPolicy(base_user_agent=USER_AGENT),
                RetryPolicy(**retry),
                BearerTokenCredentialPolicy(credential, scope),
            ],
        )
        self._anonymous: Any = PipelineClient(
            base_url="", policies=[UserAgentPolicy(base_user_agent=USER_AGENT), RetryPolicy(**retry)]
        )

    def json(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        read_timeout: float = READ_TIMEOUT_S,
    ) -> Any:
        """The decoded JSON answer (``None`` for an empty one); a non-2xx answer raises ``HttpResponseError``."""
        from azure.core.rest import HttpRequest

        request = HttpRequest(method, url, params=params, json=body)
        response = self._authed.send_request(
            request, connection_timeout=CONNECT_TIMEOUT_S, read_timeout=read_timeout
        )
        _raise_for_status(response)
        return response.json() if response.content else None

    def read_range(self, url: str, start: int, length: int) -> tuple[bytes, int | None]:
        """Bytes ``start`` .. ``start+length-1`` of a blob behind a SAS URL, and the blob's total size.

        A start at or past the end is an empty read (HTTP 416 carries the size).
        """
        from azure.core.rest import HttpRequest

        request = HttpRequest("GET", url, headers={"Range": f"bytes={start}-{start + length - 1}"})
        response = self._anonymous.send_request(
            request, connection_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S
        )
        total = _total_size(response.headers.get("Content-Range"))
        if response.status_code == 416:
            return b"", total
        _raise_for_status(response)
        data = response.content
        if response.status_code == 200:  # the server ignored the range: the whole blob came back
            total = len(data)
            data = data[start : start + length]
        return data, total

    def close(self) -> None:
        self._authed.close()
        self._anonymous.close()


def _total_size(content_range: str | None) -> int | None:
    match = _CONTENT_RANGE.fullmatch(content_range or "")
    if match is None or match.group(1) == "*":
        return None
    return int(match.group(1))


def _raise_for_status(response: Any) -> None:
    if 200 <= response.status_code < 300:
        return
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.core.exceptions import ARMErrorFormat

    raise HttpResponseError(response=response, error_format=ARMErrorFormat)
