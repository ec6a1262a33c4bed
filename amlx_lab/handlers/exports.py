"""``POST /jobs/{name}/export`` and ``POST /endpoints/{name}/export``: CLI v2 YAML and a workflow, written into the notebook folder.

The files go where the person works (and commits): a folder under the notebook
folder, named in the answer relative to it, never as a server path.
"""

from __future__ import annotations

from collections.abc import Callable

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import ValidationError
from ..paths import resolve_within
from ..records import ExportResult
from .base import AmlxHandler
from .bodies import ExportRequest


class _ExportHandler(AmlxHandler):
    async def _export(self, name: str, export: Callable[..., ExportResult]) -> None:
        if self.json_body() is None and (self.request.body or b"").strip():  # JSON null: not an object
            raise ValidationError("The request body must be a JSON object (or empty for the defaults).", field="body")
        body = self.body(ExportRequest)
        parent = resolve_within(self.root_dir, body.folder, field="folder", must_exist=False)
        shown = (parent / name).relative_to(self.root_dir.resolve()).as_posix()
        result = await self.work(
            export, name, out_dir=parent, shown_as=shown, overwrite=body.overwrite, target=self.query_target()
        )
        self.write_json(result, status=201)


class JobExportHandler(_ExportHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        await self._export(name, self.workspace.export_job)


class EndpointExportHandler(_ExportHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        await self._export(name, self.workspace.export_endpoint)

