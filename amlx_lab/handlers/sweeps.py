"""Sweep routes: preview and start a sweep of a notebook cell, and read a sweep's details.

A sweep's trials are listed by the job listing (``GET /jobs?parent=<sweep>``)
and it is cancelled like any job (``POST /jobs/<sweep>/cancel``, which stops
its trials too).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..submission import SweepRequest
from ..validation import QueryModel
from .base import AmlxHandler


class SweepMetricsQuery(QueryModel):
    """The metric whose history each trial gives (default: the sweep's objective)."""

    key: str | None = None


class SweepsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.body(SweepRequest)
        job = await self.call(self.workspace.sweep, request, base_dir=self.root_dir, confine=True, target=self.query_target())
        self.set_header("Location", self.api_url("jobs", job.name))
        self.write_json(job, status=201)


class SweepPreviewHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.body(SweepRequest)
        preview = await self.call(
            self.workspace.preview_sweep, request, base_dir=self.root_dir, confine=True, target=self.query_target()
        )
        self.write_json(preview)


class SweepDetailsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.sweeps(target).sweep_details(name)))


class SweepMetricsHandler(AmlxHandler):
    """``?key=rmse``: one metric's history per trial (default: the objective), for the objective-over-time chart."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        query = self.query(SweepMetricsQuery)
        histories = await self.call(self.workspace.sweep_histories, name, query.key, target=self.query_target())
        self.write_json({"job": name, "trials": histories})
