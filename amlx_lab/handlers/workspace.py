"""``GET /amlx/api/workspace``: the active target, its health and capabilities."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import AmlxHandler


class WorkspaceHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        info = await self.call(self.workspace.info, self.query_target())
        self.write_json(info)
