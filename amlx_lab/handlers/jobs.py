"""Job routes: submit and preview a notebook cell, list, show, logs, metrics, outputs, code, cancel."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..submission import SubmitRequest
from .base import AmlxHandler
from .longpoll import MAX_WAIT_S, wait_for
from .params import bool_arg, float_arg, int_arg, str_arg

JOB = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"


class JobsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        statuses = self.get_query_arguments("status")
        page = await self.call(
            self.workspace.list_jobs,
            experiment=str_arg(self, "experiment"),
            status=[s for s in statuses if s] or None,
            text=str_arg(self, "q"),
            order_by=str_arg(self, "order_by") or "created_at",
            descending=bool_arg(self, "descending", True),
            limit=int_arg(self, "limit", 50, low=1, high=1000),
            cursor=str_arg(self, "cursor"),
            target=self.query_target(),
        )
        self.write_json(page)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = SubmitRequest.from_json(self.json_object())
        job = await self.call(self.workspace.submit, request, base_dir=self.root_dir, confine=True, target=self.query_target())
        self.set_header("Location", self.api_url("jobs", job.name))
        self.write_json(job, status=201)


class PreviewHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = SubmitRequest.from_json(self.json_object())
        package = await self.call(self.workspace.preview, request, base_dir=self.root_dir, confine=True)
        self.write_json(package)


class JobHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.workspace.get_job, name, target=self.query_target()))


class CancelHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        self.write_json(await self.call(self.workspace.cancel, name, target=self.query_target()))


class LogsHandler(AmlxHandler):
    """``?offset=N&wait=S``: new text after byte ``offset``, held up to ``S`` seconds until there is some."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        offset = int_arg(self, "offset", 0, low=-(2**40), high=2**40)
        limit = int_arg(self, "limit", 65536, low=1, high=4 * 2**20)
        wait_s = float_arg(self, "wait", 0.0, low=0.0, high=MAX_WAIT_S)
        target = self.query_target()
        chunk = await wait_for(
            lambda: self.call(self.workspace.logs, name, offset, limit, target=target),
            lambda c: bool(c.text) or c.complete,
            wait_s,
            self.connection_closed,
        )
        self.write_json(chunk)


class MetricHistoryHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, key: str) -> None:
        points = await self.call(self.workspace.metric_history, name, key, target=self.query_target())
        self.write_json({"job": name, "key": key, "points": points})


class OutputsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        files = await self.call(self.workspace.list_outputs, name, target=self.query_target())
        self.write_json({"job": name, "files": files})


class OutputFileHandler(AmlxHandler):
    """Downloads one output file; the backend refuses any path outside the job's outputs."""

    @web.authenticated
    @authorized
    async def get(self, name: str, path: str) -> None:
        local: Path = await self.call(self.workspace.output_path, name, path, target=self.query_target())
        await self.send_file(local, local.name)


class CodeHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.workspace.code_package, name, target=self.query_target()))


class CodeFileHandler(AmlxHandler):
    """One file of the job's code snapshot (``main.py`` for the Code tab); paths outside it are refused."""

    @web.authenticated
    @authorized
    async def get(self, name: str, path: str) -> None:
        local: Path = await self.call(self.workspace.code_path, name, path, target=self.query_target())
        await self.send_file(local, local.name)


class ExperimentsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        experiments = await self.call(self.workspace.list_experiments, target=self.query_target())
        self.write_json({"experiments": experiments})


class EventsHandler(AmlxHandler):
    """``?since=R&wait=S``: jobs changed after revision ``R``, held up to ``S`` seconds until one changes."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        since = int_arg(self, "since", 0, low=0, high=2**62)
        wait_s = float_arg(self, "wait", 0.0, low=0.0, high=MAX_WAIT_S)
        target = self.query_target()
        changes = await wait_for(
            lambda: self.call(self.workspace.changes_since, since, target=target),
            lambda c: bool(c.jobs),
            wait_s,
            self.connection_closed,
        )
        self.write_json(changes)
