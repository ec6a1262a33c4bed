"""Model registry routes: register a job's model, list models and versions, download one, list a job's candidates."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import AmlxHandler
from .bodies import check_fields, mapping, text

MODEL = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"
VERSION = r"(?P<version>[A-Za-z0-9]{1,32})"


class ModelsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        models = await self.call(self.workspace.list_models, target=self.query_target())
        self.write_json({"models": models})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_object()
        check_fields(body, required=("name", "job"), optional=("path", "description", "tags"))
        version = await self.call(
            self.workspace.register_model,
            text(body, "name", required=True),
            job=text(body, "job", required=True),
            path=text(body, "path"),
            description=body.get("description"),
            tags=mapping(body, "tags"),
            target=self.query_target(),
        )
        self.set_header("Location", self.api_url("models", version.name, "versions", version.version))
        self.write_json(version, status=201)


class ModelHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        versions = await self.call(self.workspace.model_versions, name, target=self.query_target())
        self.write_json({"name": name, "versions": versions})


class ModelVersionHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        self.write_json(await self.call(self.workspace.get_model, name, version, target=self.query_target()))


class ModelDownloadHandler(AmlxHandler):
    """The model file itself, or a zip of an MLflow model folder."""

    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        local, filename = await self.call(self.workspace.model_download, name, version, target=self.query_target())
        await self.send_file(Path(local), filename)


class ModelCandidatesHandler(AmlxHandler):
    """What a "register from a run" picker offers for one job."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        candidates = await self.call(self.workspace.model_candidates, name, target=self.query_target())
        self.write_json({"job": name, "candidates": candidates})
