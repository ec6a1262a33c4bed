"""Jobs: create (which queues the job to run), get, list (newest first, paged), update and archive, cancel
as a long-running operation, delete."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..config import PROVIDER
from ..jobs.creation import create_job
from ..operations import IN_PROGRESS, SUCCEEDED
from ..store import utc_now
from .base import SEGMENT, WS, ArmError, BaseHandler, Context, not_found

# What a client may change on an existing job; everything else is the service's.
_UPDATABLE = ("description", "displayName", "tags", "isArchived", "properties")


class JobHandler(BaseHandler):
    def get(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        self.send_json(self._job(name))

    def put(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        path = f"{self.workspace_path}/jobs/{name}"
        body = self.json_body()
        existing = self.ctx.store.get(path)
        if existing is not None:
            props = existing["properties"]
            for key in _UPDATABLE:
                if key in body.get("properties", {}):
                    props[key] = body["properties"][key]
            stored, _ = self.ctx.store.put(path, existing, self.principal())
            self.send_json(stored)
            return
        stored = self._create(path, name, body)
        self.send_json(stored, 201)

    def delete(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        self._job(name)
        self.ctx.scheduler.cancel(name)
        self.ctx.store.delete(f"{self.workspace_path}/jobs/{name}")
        self.set_status(200)
        self.finish()

    def _job(self, name: str) -> dict[str, Any]:
        found = self.ctx.store.get(f"{self.workspace_path}/jobs/{name}")
        if found is None:
            raise not_found("job", name)
        return found

    def _create(self, path: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        self._validate_references(body.setdefault("properties", {}))
        assert self.ctx.scheduler.ws is not None
        return create_job(self.ctx.scheduler.ws, self.ctx.scheduler, name, body, self.principal())

    def _validate_references(self, props: dict[str, Any]) -> None:
        """Refuse a job whose compute or code does not exist, as the service does at submission."""
        compute = props.get("computeId")
        if compute and compute.startswith("/subscriptions/") and self.ctx.store.get(compute) is None:
            raise ArmError(400, "UserError", f"Compute '{compute.rsplit('/', 1)[-1]}' was not found in the workspace.")
        code = props.get("codeId")
        if code and self.ctx.store.get(str(code).removeprefix("azureml:")) is None:
            raise ArmError(400, "UserError", f"Code asset '{code}' was not found in the workspace.")
        environment = str(props.get("environmentId") or "")
        if environment.startswith("/subscriptions/") and self.ctx.store.get(environment) is None:
            raise ArmError(400, "UserError", f"Environment '{environment}' was not found in the workspace.")


class JobListHandler(BaseHandler):
    def get(self, sub: str, rg: str, ws: str) -> None:
        self.check_workspace(sub, rg, ws)
        jobs = self.ctx.store.children(f"{self.workspace_path}/jobs")
        jobs.reverse()  # newest first, as the service lists them
        view = self.get_query_argument("listViewType", "ActiveOnly").lower()
        if view == "activeonly":
            jobs = [j for j in jobs if not j["properties"].get("isArchived")]
        elif view == "archivedonly":
            jobs = [j for j in jobs if j["properties"].get("isArchived")]
        job_type = self.get_query_argument("jobType", None)
        if job_type:
            jobs = [j for j in jobs if str(j["properties"].get("jobType", "")).lower() == job_type.lower()]
        tag = self.get_query_argument("tag", None)
        if tag:
            jobs = [j for j in jobs if tag in (j["properties"].get("tags") or {})]
        self.send_json(self.page(jobs))


class CancelHandler(BaseHandler):
    """``POST .../cancel``: 202 with a Location to poll; answers at once when the job stops quickly."""

    async def post(self, sub: str, rg: str, ws: str, name: str) -> None:
        self.check_workspace(sub, rg, ws)
        if self.ctx.store.get(f"{self.workspace_path}/jobs/{name}") is None:
            raise not_found("job", name)
        run = self.ctx.scheduler.cancel(name)
        if run is not None:
            deadline = time.monotonic() + 5.0
            while not run.done.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        op = self.ctx.operations.add(lambda: SUCCEEDED if run is None or run.done.is_set() else IN_PROGRESS)
        self.set_header("Location", operation_url(self.ctx, op, "mfeOperationResults"))
        self.set_header("Retry-After", "0" if run is None or run.done.is_set() else "1")
        self.set_status(202)
        self.finish()


class OperationResultHandler(BaseHandler):
    """``Location`` polling: 202 while in progress, then 200."""

    def get(self, sub: str, location: str, op: str) -> None:
        status = self.ctx.operations.status(op)
        if status is None:
            raise not_found("operation", op)
        if status == IN_PROGRESS:
            self.set_header("Location", self.request.full_url())
            self.set_header("Retry-After", "1")
            self.set_status(202)
            self.finish()
        else:
            self.set_status(200)
            self.finish()


class OperationStatusHandler(BaseHandler):
    """``Azure-AsyncOperation`` polling: ``{"status": ...}``."""

    def get(self, sub: str, location: str, op: str) -> None:
        status = self.ctx.operations.status(op)
        if status is None:
            raise not_found("operation", op)
        if status == IN_PROGRESS:
            self.set_header("Retry-After", "1")
        end = None if status == IN_PROGRESS else utc_now()
        self.send_json({"id": op, "name": op, "status": status, "endTime": end})


def operation_url(ctx: Context, op: str, kind: str) -> str:
    cfg = ctx.config
    return (f"{ctx.base_url}/subscriptions/{cfg.subscription_id}/providers/Microsoft.MachineLearningServices"
            f"/locations/{cfg.location}/{kind}/{op}?api-version=2023-04-01-preview")


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    location = rf"/subscriptions/(?P<sub>[^/]+)/providers/{PROVIDER}/locations/(?P<location>[^/]+)"
    return [
        (location + rf"/mfeOperationResults/(?P<op>{SEGMENT})", OperationResultHandler, kw),
        (location + rf"/mfeOperationsStatus/(?P<op>{SEGMENT})", OperationStatusHandler, kw),
        (WS + r"/jobs/?", JobListHandler, kw),
        (WS + rf"/jobs/(?P<name>{SEGMENT})/cancel", CancelHandler, kw),
        (WS + rf"/jobs/(?P<name>{SEGMENT})", JobHandler, kw),
    ]
