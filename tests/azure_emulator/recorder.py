"""Every request the emulator answered, in arrival order, so tests can assert on what a client sent."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RecordedRequest:
    seq: int
    method: str
    path: str
    query: dict[str, list[str]]
    api_version: str | None
    body: Any
    authorized: bool
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_KEPT_HEADERS = ("content-type", "range", "x-ms-client-request-id", "user-agent")


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    def record(
        self, method: str, path: str, query: dict[str, list[str]], raw_body: bytes, headers: dict[str, str]
    ) -> RecordedRequest:
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body = {"<bytes>": len(raw_body)}
        lowered = {k.lower(): v for k, v in headers.items()}
        versions = query.get("api-version")
        api_version = versions[0] if versions else None
        kept = {k: lowered[k] for k in _KEPT_HEADERS if k in lowered}
        with self._lock:
            entry = RecordedRequest(
                len(self._requests), method, path, query, api_version, body,
                lowered.get("authorization", "").startswith("Bearer "), headers=kept,
            )
            self._requests.append(entry)
        return entry

    def since(self, seq: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._requests[seq:]]

    def mark(self) -> int:
        with self._lock:
            return len(self._requests)
