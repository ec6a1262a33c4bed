"""The state file a scoring server writes for the lifecycle, and helpers to read it.

Written atomically once the model is loaded and the ports are bound (so a
``ready`` state means the server answers), again whenever the endpoint
listener changes, and on exit. A server that cannot start writes ``failed``
with the reason before exiting with status 2.

Format (``schema: amlx.serving.state/1``)::

    {"status": "ready",              # ready | failed | stopped
     "deployment": "blue", "pid": 4242, "host": "127.0.0.1",
     "port": 50211,                  # this deployment's own port (bound with --port, 0 = free)
     "endpoint_port": 50200,         # --endpoint-port or null
     "endpoint_listening": true,     # holds the endpoint port now (it is the front)
     "scoring_uri": "http://127.0.0.1:50200/score",   # endpoint port if any, else own port
     "deployment_uri": "http://127.0.0.1:50211/score",
     "health_uri": "http://127.0.0.1:50211/health",
     "started_at": 1.7e9, "ready_at": 1.7e9, "startup_seconds": 1.4,
     "scorer": {"kind": "model", "format": "mlflow-sklearn-skops", ...},
     "error": null}
"""

from __future__ import annotations

import os
from typing import Any

from .atomic import read_json, write_json_atomic

SCHEMA = "amlx.serving.state/1"
READY, FAILED, STOPPED = "ready", "failed", "stopped"


def write_state(path: str | os.PathLike[str], **fields: Any) -> None:
    write_json_atomic(path, {"schema": SCHEMA, **fields})


def read_state(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The state a server wrote, or None if there is none (yet)."""
    data = read_json(path)
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None
