"""AutoML routes: start an AutoML job from a data asset or a CSV file, and read its leaderboard."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..specs import AutoMLJobSpec
from .base import AmlxHandler


class AutoMLJobsHandler(AmlxHandler):
    """``POST /jobs/automl``: the body is an ``AutoMLJobSpec``; a CSV path is relative to the notebook folder."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        spec = self.body(AutoMLJobSpec)
        job = await self.call(
            self.workspace.submit_automl, spec, base_dir=self.root_dir, confine=True, target=self.query_target()
        )
        self.set_header("Location", self.api_url("jobs", job.name))
        self.write_json(job, status=201)


class AutoMLDetailsHandler(AmlxHandler):
    """``GET /jobs/{name}/automl``: settings, leaderboard (best first), best model and its charts."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.workspace.automl_details, name, target=self.query_target()))
