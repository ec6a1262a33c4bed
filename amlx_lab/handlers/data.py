"""Data asset routes: register a file under the notebook folder as a named, versioned asset; list them."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import ValidationError
from .base import AmlxHandler

ASSET = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"


class DataHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        assets = await self.call(self.workspace.list_data, target=self.query_target())
        self.write_json({"assets": assets})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_object()
        for field in ("name", "path"):
            if not isinstance(body.get(field), str) or not body[field]:
                raise ValidationError(f"{field} is required and must be text.", field=field)
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            raise ValidationError("description must be text.", field="description")
        version = body.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, (str, int))):
            raise ValidationError("version must be text or a whole number.", field="version")
        asset = await self.call(
            self.workspace.register_data, body["name"], body["path"], base_dir=self.root_dir, confine=True,
            description=description, version=version, target=self.query_target(),
        )
        self.write_json(asset, status=201)


class DataAssetHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        versions = await self.call(self.workspace.list_data, name, target=self.query_target())
        self.write_json({"name": name, "versions": versions})
