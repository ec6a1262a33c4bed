"""Compute routes: where a job can run (``compute`` in a submit) and the VM sizes serverless jobs may ask for."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import AmlxHandler


class ComputesHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.query_target()
        computes = await self.call(lambda: self.workspace.computes(target).list_computes())
        self.write_json({"computes": computes})


class InstanceTypesHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.query_target()
        types = await self.call(lambda: self.workspace.computes(target).list_instance_types())
        self.write_json({"instance_types": types})
