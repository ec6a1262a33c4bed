"""The scoring server runtime: one process serves one deployed model on 127.0.0.1.

Light to import: ``launch`` (start/stop/health), ``keys`` (key files),
``state``/``stats``/``routing`` readers use only the standard library and
psutil; the model, tornado and httpx load in the server process.

Layout: ``httpserver`` (tornado's HTTP/1.1 plus the scoring rules: early
checks, framing errors as JSON, connection limit), ``app`` (routes, auth,
checks), ``workers`` (predictions on a thread), ``payloads`` (request shapes
-> Batch, response shapes), ``schema`` (input columns and coercion),
``loader`` (loading models), ``scorer`` (predict path), ``script`` (Azure
score.py), ``routing``/``relay`` (blue/green split, forwarding through
httpx), ``stats``, ``state``, ``keys``, ``server`` (process), ``launch``
(for the lifecycle), ``__main__`` (command line).
"""

from __future__ import annotations

from .keys import generate_key, write_key_file
from .launch import (
    ServerProcess,
    ServerStartError,
    build_command,
    health,
    is_alive,
    is_serving_process,
    start_server,
    stop_server,
    wait_ready,
)
from .state import read_state
from .stats import read_stats

__all__ = [
    "ServerProcess",
    "ServerStartError",
    "build_command",
    "generate_key",
    "health",
    "is_alive",
    "is_serving_process",
    "read_state",
    "read_stats",
    "start_server",
    "stop_server",
    "wait_ready",
    "write_key_file",
]
