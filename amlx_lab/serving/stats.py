"""Per-deployment request counts and latency, cheap to record and persisted periodically.

Recording a request costs a few list operations (no lock: the server is one
event loop). The server writes a snapshot to the stats file about once a
second when something changed, and on shutdown; cumulative counters and the
latency histogram are loaded back on start, so they survive a crash+restart
(only the last second before a SIGKILL can be lost).

Stats file (``schema: amlx.serving.stats/1``)::

    {"deployment": "blue", "pid": 123, "started_at": 1.7e9, "first_started_at": 1.7e9,
     "process_starts": 2, "updated_at": 1.7e9,
     "requests": 1042, "errors": 3, "status_counts": {"200": 1039, "400": 2, "401": 1},
     "forwarded": {"green": 118}, "forward_errors": {"green": 2},
     "latency_ms": {"recent": {"count": 1024, "p50": 0.4, "p90": 0.6, "p99": 1.2, "max": 3.1},
                    "all": {"count": 1042, "p50": 0.42, "p90": 0.61, "p99": 1.3, "mean": 0.45}},
     "histogram": {"upper_bounds_ms": [...], "counts": [...]}}

``requests`` counts scoring requests this deployment answered itself (any
status); requests it forwarded to a sibling are in ``forwarded`` and counted
by the sibling; ``forward_errors`` counts sibling failures (an unpinned
request whose sibling is down is scored here instead). Times are seconds since the epoch; latency is measured from
the complete request to the response being handed to the socket.
"""

from __future__ import annotations

import bisect
import os
import time
from typing import Any

from .atomic import read_json, write_json_atomic

SCHEMA = "amlx.serving.stats/1"
RECENT = 1024
# Log-spaced bucket upper bounds: 20 µs .. ~100 s, ~12% apart.
UPPER_BOUNDS_MS: tuple[float, ...] = tuple(round(0.02 * 1.12**k, 6) for k in range(136))


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return round(sorted_values[index], 3)


class DeploymentStats:
    """Counters for one deployment process, optionally backed by a file."""

    def __init__(self, deployment: str, path: str | os.PathLike[str] | None = None) -> None:
        self.deployment = deployment
        self.path = os.fspath(path) if path else None
        self.started_at = time.time()
        self.first_started_at = self.started_at
        self.process_starts = 1
        self.requests = 0
        self.errors = 0
        self.status_counts: dict[int, int] = {}
        self.forwarded: dict[str, int] = {}
        self.forward_errors: dict[str, int] = {}
        self.hist = [0] * (len(UPPER_BOUNDS_MS) + 1)
        self.total_ms = 0.0
        self._recent: list[float] = []
        self._recent_pos = 0
        self._dirty = True
        if self.path:
            self._load_previous()

    def _load_previous(self) -> None:
        data = read_json(self.path) if self.path else None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("deployment") != self.deployment:
            return
        try:
            self.first_started_at = float(data.get("first_started_at", self.started_at))
            self.process_starts = int(data.get("process_starts", 0)) + 1
            self.requests = int(data.get("requests", 0))
            self.errors = int(data.get("errors", 0))
            self.status_counts = {int(k): int(v) for k, v in data.get("status_counts", {}).items()}
            self.forwarded = {str(k): int(v) for k, v in data.get("forwarded", {}).items()}
            self.forward_errors = {str(k): int(v) for k, v in data.get("forward_errors", {}).items()}
            hist = data.get("histogram", {})
            if list(hist.get("upper_bounds_ms", [])) == list(UPPER_BOUNDS_MS):
                self.hist = [int(c) for c in hist["counts"]]
            self.total_ms = float(data.get("total_ms", 0.0))
        except (TypeError, ValueError, KeyError):
            pass  # a corrupt file starts the counters afresh rather than failing the start

    def record(self, status: int, elapsed_ms: float) -> None:
        """One scoring request answered by this deployment."""
        self.requests += 1
        if status >= 400:
            self.errors += 1
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        self.hist[bisect.bisect_left(UPPER_BOUNDS_MS, elapsed_ms)] += 1
        self.total_ms += elapsed_ms
        if len(self._recent) < RECENT:
            self._recent.append(elapsed_ms)
        else:
            self._recent[self._recent_pos] = elapsed_ms
            self._recent_pos = (self._recent_pos + 1) % RECENT
        self._dirty = True

    def record_forward(self, target: str, ok: bool = True) -> None:
        """A request sent on to a sibling (ok) or that could not reach it (not ok)."""
        counts = self.forwarded if ok else self.forward_errors
        counts[target] = counts.get(target, 0) + 1
        self._dirty = True

    def _hist_percentile(self, q: float) -> float | None:
        total = sum(self.hist)
        if not total:
            return None
        rank = q * total
        running = 0
        for i, count in enumerate(self.hist):
            running += count
            if running >= rank and count:
                return UPPER_BOUNDS_MS[i] if i < len(UPPER_BOUNDS_MS) else float("inf")
        return None

    def snapshot(self) -> dict[str, Any]:
        recent = sorted(self._recent)
        total = sum(self.hist)
        return {
            "schema": SCHEMA,
            "deployment": self.deployment,
            "pid": os.getpid(),
            "started_at": self.started_at,
            "first_started_at": self.first_started_at,
            "process_starts": self.process_starts,
            "updated_at": time.time(),
            "requests": self.requests,
            "errors": self.errors,
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items())},
            "forwarded": dict(self.forwarded),
            "forward_errors": dict(self.forward_errors),
            "total_ms": round(self.total_ms, 3),
            "latency_ms": {
                "recent": {
                    "count": len(recent),
                    "p50": _percentile(recent, 0.50),
                    "p90": _percentile(recent, 0.90),
                    "p99": _percentile(recent, 0.99),
                    "max": round(recent[-1], 3) if recent else None,
                },
                "all": {
                    "count": total,
                    "p50": self._hist_percentile(0.50),
                    "p90": self._hist_percentile(0.90),
                    "p99": self._hist_percentile(0.99),
                    "mean": round(self.total_ms / total, 3) if total else None,
                },
            },
            "histogram": {"upper_bounds_ms": list(UPPER_BOUNDS_MS), "counts": list(self.hist)},
        }

    def flush(self, force: bool = False) -> None:
        """Write the snapshot if anything changed since the last write."""
        if not self.path or not (self._dirty or force):
            return
        self._dirty = False
        write_json_atomic(self.path, self.snapshot())


def read_stats(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The last snapshot a server wrote, or None (for the lifecycle and the UI)."""
    data = read_json(path)
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None
