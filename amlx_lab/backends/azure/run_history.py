"""Run history: each job's run, with the times, error and log files the ARM job resource lacks.

``GET {api}/history/v1.0/<workspace>/runs/{id}`` (times, status, error) and
``.../runs/{id}/details`` (plus SAS URLs of the log files), where ``{api}``
comes from the workspace's discovery document, as azure-ai-ml finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .connection import Connection
from .rest import Rest


@dataclass(frozen=True)
class RunInfo:
    """What run history says about one job."""

    status: str | None
    created_at: float | None
    started_at: float | None
    ended_at: float | None
    modified_at: float | None
    error: str | None
    data_container: str | None  # where the run's artifacts live in the artifact store: dcid.<run>
    log_files: dict[str, str] | None = None  # name -> SAS URL (details only)
    parent: str | None = None  # the parent run (a sweep's or AutoML job's trial; azure-ai-ml does not say)


class RunHistory:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def rest(self) -> Rest:
        return self._connection.rest

    def _url(self, suffix: str) -> str | None:
        facts = self._connection.facts()
        if not facts.api_url:
            return None
        return f"{facts.api_url}/history/v1.0{self._connection.workspace_path}{suffix}"

    def run(self, name: str, *, details: bool = False) -> RunInfo | None:
        """The run of job ``name`` (``None`` if run history has none); ``details`` adds the log files."""
        from azure.core.exceptions import HttpResponseError

        url = self._url(f"/runs/{name}" + ("/details" if details else ""))
        if url is None:
            return None
        try:
            body = self._connection.rest.json("GET", url)
        except HttpResponseError as exc:
            if exc.status_code == 404:
                return None
            raise
        return run_info(body or {})

    def children(self, name: str) -> list[str]:
        """Names of the child runs (a sweep's trials), as run history lists them."""
        return [run_id for run_id, _ in self.child_statuses(name)]

    def child_statuses(self, name: str) -> list[tuple[str, str | None]]:
        """(name, Azure status) of each child run, in one listing (a sweep's trial counts need no more)."""
        from azure.core.exceptions import HttpResponseError

        url = self._url(f"/runs/{name}/children")
        if url is None:
            return []
        found: list[tuple[str, str | None]] = []
        try:
            while url:
                body = self._connection.rest.json("GET", url) or {}
                found += [(str(r["runId"]), r.get("status")) for r in body.get("value") or () if r.get("runId")]
                url = body.get("nextLink")
        except HttpResponseError as exc:
            if exc.status_code == 404:
                return []
            raise
        return found


def run_info(body: dict[str, Any]) -> RunInfo:
    error = body.get("error") or {}
    inner = error.get("error") if isinstance(error, dict) else None
    message = (inner or {}).get("message") if isinstance(inner, dict) else None
    logs = body.get("logFiles")
    return RunInfo(
        status=body.get("status"),
        created_at=epoch(body.get("createdUtc") or body.get("createdTimeUtc")),
        started_at=epoch(body.get("startTimeUtc")),
        ended_at=epoch(body.get("endTimeUtc")),
        modified_at=epoch(body.get("lastModifiedUtc")),
        error=str(message) if message else None,
        data_container=body.get("dataContainerId"),
        log_files={str(k): str(v) for k, v in logs.items()} if isinstance(logs, dict) else None,
        parent=str(body["parentRunId"]) if body.get("parentRunId") else None,
    )


def epoch(value: Any) -> float | None:
    """An ISO 8601 time (``Z`` or an offset; up to 7 fractional digits, as .NET writes) as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:  # Python accepts at most 6 fractional digits
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        from datetime import timezone

        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
