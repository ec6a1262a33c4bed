"""Run history (``/history/v1.0``): a job's run, its details with SAS URLs of its log files, its run data,
its child runs (what ``jobs.list(parent_job_name=...)`` reads), and the edits Azure ML studio and
azure-ai-ml make through it: ``PATCH`` of a run (``jobs.update``: display name, description, tags and
properties merged; ``jobs.archive``/``restore``: ``hidden``) and ``DELETE .../tags`` (tag names in the body).
Both change the job's ARM resource, which is where the service keeps them too."""

from __future__ import annotations

import json
from typing import Any

from ..config import ARTIFACTSTORE, DATASTORE_CONTAINERS
from ..jobs.records import JobRun
from .base import SEGMENT, WS, ArmError, BaseHandler, Context, not_found

H = "/history/v1.0" + WS
# The three addressing forms run history accepts for one run.
RUN = rf"(?:/experiments/{SEGMENT}|/experimentids/{SEGMENT})?/runs/(?P<run_id>{SEGMENT})"


class RunHistoryHandler(BaseHandler):
    def job_run(self, run_id: str) -> tuple[JobRun, dict[str, Any]]:
        run = self.ctx.scheduler.get(run_id)
        job = self.ctx.store.get(f"{self.workspace_path}/jobs/{run_id}")
        if run is None or job is None:
            raise not_found("run", run_id)
        return run, job["properties"]

    def run_body(self, run: JobRun, job: dict[str, Any]) -> dict[str, Any]:
        error = {"error": {**run.error, "severity": None}} if run.error else None
        return {
            "runId": run.name, "runUuid": run.name, "name": run.name, "displayName": run.display_name,
            "parentRunId": run.parent, "rootRunId": run.parent or run.name, "experimentId": run.experiment_id,
            "status": run.status, "createdUtc": run.created_utc, "startTimeUtc": run.start_utc,
            "endTimeUtc": run.end_utc, "lastModifiedUtc": run.end_utc or run.start_utc or run.created_utc,
            "createdBy": {"userName": run.created_by}, "lastModifiedBy": {"userName": run.created_by},
            "createdFrom": None, "dataContainerId": f"dcid.{run.name}", "description": job.get("description"),
            "hidden": bool(job.get("isArchived")), "runType": "azureml.scriptrun", "runTypeV2": {"orchestrator": "Execution"},
            "properties": _strings(job.get("properties")), "tags": _strings(job.get("tags")), "error": error,
            "warnings": None, "target": run.compute,
            "compute": {"target": run.compute, "targetType": "AmlCompute"} if run.compute else None,
            "services": {},
        }


class RunHandler(RunHistoryHandler):
    def get(self, sub: str, rg: str, ws: str, run_id: str) -> None:
        self.check_workspace(sub, rg, ws)
        self.send_json(self.run_body(*self.job_run(run_id)))

    def patch(self, sub: str, rg: str, ws: str, run_id: str) -> None:
        """``add_or_modify``: what is given replaces (display name, description, hidden) or merges (tags, properties)."""
        self.check_workspace(sub, rg, ws)
        run, _ = self.job_run(run_id)
        body = self.json_body()
        path = f"{self.workspace_path}/jobs/{run_id}"
        resource = self.ctx.store.get(path)
        assert resource is not None
        props = resource["properties"]
        if body.get("displayName") is not None:
            props["displayName"] = run.display_name = str(body["displayName"])
        if body.get("description") is not None:
            props["description"] = str(body["description"]) or None
        if body.get("hidden") is not None:
            props["isArchived"] = bool(body["hidden"])
        for key in ("tags", "properties"):
            if body.get(key):
                props[key] = {**(props.get(key) or {}), **_strings(body[key])}
        self.ctx.store.put(path, resource, self.principal())
        self.send_json(self.run_body(run, resource["properties"]))


class RunTagsHandler(RunHistoryHandler):
    def delete(self, sub: str, rg: str, ws: str, run_id: str) -> None:
        """``delete_tags``: the body is the list of tag names to remove."""
        self.check_workspace(sub, rg, ws)
        run, _ = self.job_run(run_id)
        names = self.json_body_list()
        path = f"{self.workspace_path}/jobs/{run_id}"
        resource = self.ctx.store.get(path)
        assert resource is not None
        props = resource["properties"]
        props["tags"] = {k: v for k, v in (props.get("tags") or {}).items() if k not in names}
        self.ctx.store.put(path, resource, self.principal())
        self.send_json(self.run_body(run, props))

    def json_body_list(self) -> list[str]:
        try:
            names = json.loads(self.request.body or b"[]")
        except ValueError as exc:
            raise ArmError(400, "InvalidRequestContent", f"The request body is not valid JSON: {exc}.") from exc
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ArmError(400, "UserError", "The body must be a list of tag names.")
        return names


class RunDetailsHandler(RunHistoryHandler):
    def get(self, sub: str, rg: str, ws: str, run_id: str) -> None:
        self.check_workspace(sub, rg, ws)
        run, job = self.job_run(run_id)
        body = self.run_body(run, job)
        container = DATASTORE_CONTAINERS[ARTIFACTSTORE]
        self.send_json({
            **{k: body[k] for k in ("runId", "runUuid", "parentRunId", "status", "target", "startTimeUtc",
                                    "endTimeUtc", "error", "tags", "properties", "services")},
            "createdTimeUtc": run.created_utc,
            "warnings": [],
            "logFiles": {
                name: self.ctx.blobs.blob_sas_url(container, f"{run.artifact_prefix}/{name}") for name in run.log_files
            },
            "runDefinition": None,
        })


class RunChildrenHandler(RunHistoryHandler):
    def get(self, sub: str, rg: str, ws: str, run_id: str) -> None:
        self.check_workspace(sub, rg, ws)
        self.job_run(run_id)
        children = []
        for child in self.ctx.scheduler.children(run_id):
            job = self.ctx.store.get(child.arm_path)
            if job is not None:
                children.append(self.run_body(child, job["properties"]))
        # One page: the generated pager re-templates nextLink and would drop a query-string token.
        top = self.get_query_argument("$top", None)
        self.send_json({"value": children[: int(top)] if top else children, "nextLink": None})


class RunDataHandler(RunHistoryHandler):
    def post(self, sub: str, rg: str, ws: str) -> None:
        self.check_workspace(sub, rg, ws)
        run_id = str(self.json_body().get("runId", ""))
        run, job = self.job_run(run_id)
        self.send_json({
            "runMetadata": {**self.run_body(run, job), "outputs": None, "inputs": None},
            "runDefinition": None,
            "jobSpecification": None,
        })


def _strings(values: Any) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in (values or {}).items()}


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    return [
        (H + "/rundata", RunDataHandler, kw),
        (H + RUN + "/details", RunDetailsHandler, kw),
        (H + RUN + "/children", RunChildrenHandler, kw),
        (H + RUN + "/tags", RunTagsHandler, kw),
        (H + RUN, RunHandler, kw),
    ]
