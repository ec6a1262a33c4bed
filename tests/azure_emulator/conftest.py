"""Every test here runs under the socket guard (the fixtures come from ``fixtures.py``, a plugin)."""

from __future__ import annotations

import pytest

from .socket_guard import SocketGuard


@pytest.fixture(autouse=True)
def _loopback_only(socket_guard: SocketGuard) -> SocketGuard:
    return socket_guard
