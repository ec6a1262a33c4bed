"""The REST routes under ``/amlx/api`` (documented in ``schema/openapi.yaml``)."""

from __future__ import annotations

from typing import Any

from .base import UnknownRouteHandler
from .workspace import WorkspaceHandler

API_PREFIX = "/amlx/api"


def routes() -> list[tuple[str, Any]]:
    """URL patterns relative to the server's base URL, most specific first."""
    return [
        (rf"{API_PREFIX}/workspace", WorkspaceHandler),
        (rf"{API_PREFIX}/(.*)", UnknownRouteHandler),
    ]
