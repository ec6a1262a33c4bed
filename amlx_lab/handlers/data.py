"""Data asset routes: register a file under the notebook folder as a named, versioned asset; list them."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import AmlxHandler
from .bodies import RegisterData

ASSET = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"


class DataHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.query_target()
        assets = await self.call(lambda: self.workspace.data(target).list_data())
        self.write_json({"assets": assets})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body(RegisterData)
        asset = await self.work(
            self.workspace.register_data, body.name, body.path, base_dir=self.root_dir, confine=True,
            description=body.description, version=body.version, target=self.query_target(),
        )
        self.write_json(asset, status=201)


class DataAssetHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        versions = await self.call(lambda: self.workspace.data(target).list_data(name))
        self.write_json({"name": name, "versions": versions})
