"""Model registry routes: register a job's model, list models and versions, download one, list a job's candidates."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import AmlxHandler
from ..specs import LabelUpdate
from .bodies import RegisterModel, SetAlias

MODEL = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"
VERSION = r"(?P<version>[A-Za-z0-9]{1,32})"
ALIAS = r"(?P<alias>[A-Za-z0-9_.\-]{1,64})"


class ModelsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.query_target()
        models = await self.call(lambda: self.workspace.models(target).list_models())
        self.write_json({"models": models})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body(RegisterModel)
        target = self.query_target()
        version = await self.work(
            lambda: self.workspace.models(target).register_model(
                body.name, job=body.job, path=body.path, description=body.description, tags=body.tags
            )
        )
        self.set_header("Location", self.api_url("models", version.name, "versions", version.version))
        self.write_json(version, status=201)


class ModelHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        versions = await self.call(lambda: self.workspace.models(target).model_versions(name))
        self.write_json({"name": name, "versions": versions})


class ModelVersionHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.models(target).get_model(name, version)))

    @web.authenticated
    @authorized
    async def patch(self, name: str, version: str) -> None:
        """The version's tags and description as a merge-patch."""
        update = self.body(LabelUpdate)
        target = self.query_target()
        models = self.workspace.models(target)
        self.write_json(await self.work(
            lambda: models.get_model(name, version) if update.empty else models.update_model(name, version, update)
        ))


class ModelArchiveHandler(AmlxHandler):
    """``POST .../versions/{version}/archive`` and ``/restore``."""

    def initialize(self, archived: bool) -> None:
        self.archived = archived

    @web.authenticated
    @authorized
    async def post(self, name: str, version: str) -> None:
        target = self.query_target()
        models = self.workspace.models(target)
        self.write_json(await self.work(lambda: models.archive_model(name, version, archived=self.archived)))


class ModelAliasHandler(AmlxHandler):
    """``PUT /models/{name}/aliases/{alias}`` with ``{"version": "2"}`` moves the alias there; ``DELETE`` removes it."""

    @web.authenticated
    @authorized
    async def put(self, name: str, alias: str) -> None:
        body = self.body(SetAlias)
        target = self.query_target()
        self.write_json(await self.work(lambda: self.workspace.models(target).set_model_alias(name, alias, body.version)))

    @web.authenticated
    @authorized
    async def delete(self, name: str, alias: str) -> None:
        target = self.query_target()
        await self.work(lambda: self.workspace.models(target).set_model_alias(name, alias, None))
        self.write_json({"deleted": alias})


class ModelDownloadHandler(AmlxHandler):
    """The model file itself, or a zip of an MLflow model folder."""

    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        target = self.query_target()
        local, filename = await self.work(lambda: self.workspace.models(target).model_download(name, version))
        await self.send_file(Path(local), filename)


class ModelCandidatesHandler(AmlxHandler):
    """What a "register from a run" picker offers for one job."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        candidates = await self.call(lambda: self.workspace.models(target).model_candidates(name))
        self.write_json({"job": name, "candidates": candidates})
