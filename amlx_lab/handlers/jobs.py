"""Job routes: submit and preview a notebook cell, list, show, logs, metrics, outputs, code, cancel."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..specs import JobQuery, LabelUpdate
from ..submission import SubmitRequest
from .base import AmlxHandler
from .longpoll import wait_for
from .params import EventsQuery, LogsQuery, MetricsQuery

JOB = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"


class JobsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.query(JobQuery, repeated=("status",), renamed={"q": "filter"})
        self.write_json(await self.call(self.workspace.list_jobs, query, target=self.query_target()))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.body(SubmitRequest)
        job = await self.work(self.workspace.submit, request, base_dir=self.root_dir, confine=True, target=self.query_target())
        self.set_header("Location", self.api_url("jobs", job.name))
        self.write_json(job, status=201)


class PreviewHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.body(SubmitRequest)
        package = await self.work(
            self.workspace.preview, request, base_dir=self.root_dir, confine=True, target=self.query_target()
        )
        self.write_json(package)


class JobHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.jobs(target).get_job(name)))

    @web.authenticated
    @authorized
    async def patch(self, name: str) -> None:
        """Tags and description as a merge-patch (a tag set to null is removed)."""
        update = self.body(LabelUpdate)
        target = self.query_target()
        jobs = self.workspace.jobs(target)
        self.write_json(await self.work(lambda: jobs.get_job(name) if update.empty else jobs.update_job(name, update)))

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        target = self.query_target()
        await self.work(lambda: self.workspace.jobs(target).delete_job(name))
        self.write_json({"deleted": name})


class ArchiveHandler(AmlxHandler):
    """``POST /jobs/{name}/archive`` and ``/restore``: the job and its child jobs, hidden from lists or shown again."""

    def initialize(self, archived: bool) -> None:
        self.archived = archived

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        target = self.query_target()
        jobs = self.workspace.jobs(target)
        self.write_json(await self.work(lambda: (jobs.archive_job if self.archived else jobs.restore_job)(name)))


class CancelHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.jobs(target).cancel(name)))


class LogsHandler(AmlxHandler):
    """``?offset=O&wait=S[&log=system]``: new text after ``offset``, held up to ``S`` seconds until there is some."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        query = self.query(LogsQuery)
        target = self.query_target()
        chunk = await wait_for(
            lambda: self.call(lambda: self.workspace.jobs(target).logs(name, query.offset, query.limit, query.log)),
            lambda c: bool(c.text) or c.complete,
            query.wait,
            self.connection_closed,
        )
        self.write_json(chunk)


class MetricHistoriesHandler(AmlxHandler):
    """``?key=a&key=b``: several metrics' histories in one answer (none: every metric the job logged)."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        query = self.query(MetricsQuery, repeated=("key",))
        target = self.query_target()
        keys = query.key or None
        histories = await self.call(lambda: self.workspace.jobs(target).metric_histories(name, keys))
        self.write_json({"job": name, "metrics": histories})


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
        target = self.query_target()
        files = await self.call(lambda: self.workspace.jobs(target).list_outputs(name))
        self.write_json({"job": name, "files": files})


class OutputFileHandler(AmlxHandler):
    """Downloads one output file; the backend refuses any path outside the job's outputs."""

    @web.authenticated
    @authorized
    async def get(self, name: str, path: str) -> None:
        target = self.query_target()
        local: Path = await self.call(lambda: self.workspace.jobs(target).output_file(name, path))
        await self.send_file(local, local.name)


class CodeHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.jobs(target).code_package(name)))


class CodeFileHandler(AmlxHandler):
    """One file of the job's code snapshot (``main.py`` for the Code tab); paths outside it are refused."""

    @web.authenticated
    @authorized
    async def get(self, name: str, path: str) -> None:
        target = self.query_target()
        local: Path = await self.call(lambda: self.workspace.jobs(target).code_file(name, path))
        await self.send_file(local, local.name)


class ExperimentsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.query_target()
        experiments = await self.call(lambda: self.workspace.jobs(target).list_experiments())
        self.write_json({"experiments": experiments})


class EventsHandler(AmlxHandler):
    """``?cursor=C&wait=S``: jobs changed after ``C``, held up to ``S`` seconds until one changes.

    Without a cursor the answer comes at once with the present cursor and no jobs.
    """

    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.query(EventsQuery)
        target = self.query_target()
        changes = await wait_for(
            lambda: self.call(lambda: self.workspace.jobs(target).changes(query.cursor)),
            lambda c: bool(c.jobs) or query.cursor is None,
            query.wait,
            self.connection_closed,
        )
        self.write_json(changes)
