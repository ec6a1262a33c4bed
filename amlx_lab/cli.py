"""The ``amlx`` command line: parse, call the workspace facade, print.

User errors print one line on stderr and exit with status 2; a job that ends
Failed or Canceled under ``--wait`` exits with 1. ``--json`` prints the same
records the REST API returns.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, render
from .errors import AmlxError, ValidationError
from .i18n import _, argparse_in_language
from .records import Job, to_jsonable
from .submission import SubmitRequest, parse_assignments
from .workspace import Workspace



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amlx", description=_("Run notebook cells as tracked ML jobs, locally or on Azure ML."))
    parser.add_argument("--version", action="version", version=f"amlx_lab {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help=_("local workspace folder (default: $AMLX_WORKSPACE or ~/.amlx/workspace)"))
    parser.add_argument("--target", choices=["local", "azure"], help=_("target to use (default: the configured one)"))
    parser.add_argument("--json", action="store_true", help=_("print JSON records instead of text"))
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    verbs.required = True
    verbs.add_parser("workspace", help=_("show the active target, its health and capabilities"))

    submit = verbs.add_parser("submit", help=_("run a notebook cell (and the code it needs) as a job"))
    submit.add_argument("notebook", help=_("the .ipynb file"))
    submit.add_argument("--cell", required=True, help=_("cell index, cell id, or a tag such as aml-train"))
    submit.add_argument("--experiment", help=_("experiment (default: the code's own mlflow.set_experiment, else the notebook's name)"))
    submit.add_argument("--name", dest="display_name", help=_("display name of the job"))
    submit.add_argument("--compute", help=_("compute target (default: local)"))
    submit.add_argument("--param", action="append", metavar="NAME=VALUE", help=_("override a parameter (repeatable)"))
    submit.add_argument("--input", action="append", metavar="PATH=REF", help=_("point a job input at a file or data asset"))
    submit.add_argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the job (repeatable)"))
    submit.add_argument("--all-above", action="store_true", help=_("run every code cell above instead of the minimal slice"))
    submit.add_argument("--no-autolog", action="store_true", help=_("turn off MLflow autologging inside the job"))
    submit.add_argument("--python",
                        help=_("interpreter whose packages are pinned and that runs local jobs (default: the notebook kernel's)"))
    submit.add_argument("--environment", help=_("an Azure ML environment to run in (default: one built from the pinned requirements)"))
    submit.add_argument("--preview", action="store_true", help=_("show the generated package instead of submitting"))
    submit.add_argument("--wait", action="store_true", help=_("stream the logs until the job ends"))

    jobs = verbs.add_parser("jobs", help=_("list jobs"))
    jobs.add_argument("--experiment")
    jobs.add_argument("--status", action="append", help=_("only jobs with this status (repeatable)"))
    jobs.add_argument("--search", dest="text", help=_("text to find in names, display names and tags"))
    jobs.add_argument("--order-by", default="created_at", help=_("a column or metrics.<key> (default: created_at)"))
    jobs.add_argument("--asc", action="store_true", help=_("ascending order"))
    jobs.add_argument("--top", type=int, default=50, help=_("how many (default 50)"))
    jobs.add_argument("--metric", action="append", help=_("metric column to show (repeatable)"))

    best = verbs.add_parser("best", help=_("the completed job with the best value of a metric"))
    best.add_argument("--metric", required=True, metavar="KEY", help=_("metric key, e.g. rmse"))
    goal = best.add_mutually_exclusive_group(required=True)
    goal.add_argument("--min", dest="goal", action="store_const", const="min", help=_("lowest value wins"))
    goal.add_argument("--max", dest="goal", action="store_const", const="max", help=_("highest value wins"))
    best.add_argument("--experiment", help=_("experiment to search (default: every experiment)"))
    best.add_argument("--parent", metavar="JOB", help=_("search the trials of this sweep or AutoML job"))

    show = verbs.add_parser("show", help=_("show one job"))
    show.add_argument("name")
    logs = verbs.add_parser("logs", help=_("print a job's log"))
    logs.add_argument("name")
    logs.add_argument("--follow", "-f", action="store_true", help=_("keep printing until the job ends"))
    cancel = verbs.add_parser("cancel", help=_("cancel a queued or running job"))
    cancel.add_argument("name")

    data = verbs.add_parser("data", help=_("data assets"))
    data_verbs = data.add_subparsers(dest="data_verb", metavar="ACTION")
    data_verbs.required = True
    register = data_verbs.add_parser("register", help=_("register a file or folder as the next version of an asset"))
    register.add_argument("name")
    register.add_argument("path")
    register.add_argument("--description")
    register.add_argument("--version")
    listing = data_verbs.add_parser("list", help=_("list data assets (all versions of NAME if given)"))
    listing.add_argument("name", nargs="?")
    _model_parser(verbs)
    _endpoint_parser(verbs)
    return parser


def _model_parser(verbs: Any) -> None:
    model = verbs.add_parser("model", help=_("registered models"))
    actions = model.add_subparsers(dest="model_verb", metavar="ACTION")
    actions.required = True
    register = actions.add_parser("register", help=_("register a finished job's model as the next version of NAME"))
    register.add_argument("name")
    register.add_argument("--job", required=True, help=_("the job that produced the model"))
    register.add_argument("--path", help=_("outputs/model.pkl, a folder in outputs, or mlflow:model (default: the obvious one)"))
    register.add_argument("--description")
    register.add_argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the version (repeatable)"))
    listing = actions.add_parser("list", help=_("list models (all versions of NAME if given)"))
    listing.add_argument("name", nargs="?")
    show = actions.add_parser("show", help=_("show one version"))
    show.add_argument("model", metavar="NAME[:VERSION]")
    download = actions.add_parser("download", help=_("write a version's file (or a zip of its folder)"))
    download.add_argument("model", metavar="NAME[:VERSION]")
    download.add_argument("--to", default=".", metavar="DIR", help=_("folder to write into (default: here)"))
    candidates = actions.add_parser("candidates", help=_("what in a job can be registered"))
    candidates.add_argument("job")


def _endpoint_parser(verbs: Any) -> None:
    endpoint = verbs.add_parser("endpoint", help=_("online endpoints"))
    actions = endpoint.add_subparsers(dest="endpoint_verb", metavar="ACTION")
    actions.required = True
    create = actions.add_parser("create", help=_("create an endpoint with key auth"))
    create.add_argument("name")
    create.add_argument("--description")
    actions.add_parser("list", help=_("list endpoints"))
    show = actions.add_parser("show", help=_("show an endpoint and its deployments"))
    show.add_argument("name")
    delete = actions.add_parser("delete", help=_("stop and delete an endpoint"))
    delete.add_argument("name")
    keys = actions.add_parser("keys", help=_("print the endpoint's keys"))
    keys.add_argument("name")
    keys.add_argument("--regenerate", choices=["primary", "secondary"], help=_("replace this key first"))
    deploy = actions.add_parser("deploy", help=_("deploy a model version to the endpoint (created if missing)"))
    deploy.add_argument("name")
    deploy.add_argument("--model", required=True, metavar="NAME[:VERSION]")
    deploy.add_argument("--deployment", help=_("deployment name (default: blue, then green, ...)"))
    deploy.add_argument("--traffic", type=int, help=_("percent once ready (default: 100 for the first deployment, else 0)"))
    deploy.add_argument("--score-script", help=_("a score.py with init() and run(raw_data)"))
    deploy.add_argument("--no-wait", action="store_true", help=_("return once provisioning started instead of when it ends"))
    deploy.add_argument("--timeout", type=float, default=600.0, help=_("seconds to wait for the deployment (default 600)"))
    undeploy = actions.add_parser("delete-deployment", help=_("stop and delete one deployment"))
    undeploy.add_argument("name")
    undeploy.add_argument("deployment")
    traffic = actions.add_parser("traffic", help=_("split traffic, e.g. amlx endpoint traffic E blue=90 green=10"))
    traffic.add_argument("name")
    traffic.add_argument("split", nargs="+", metavar="DEPLOYMENT=PERCENT")
    invoke = actions.add_parser("invoke", help=_("score a JSON request body with the endpoint"))
    invoke.add_argument("name")
    invoke.add_argument("--data", required=True, metavar="FILE", help=_("JSON file with the request body (- for stdin)"))
    invoke.add_argument("--deployment", help=_("send to this deployment instead of following the traffic split"))
    curl = actions.add_parser("curl", help=_("print the curl command (with the key) to call the endpoint"))
    curl.add_argument("name")


def _model_ref(text: str) -> tuple[str, str]:
    """``name`` or ``name:version`` -> (name, version or ``latest``)."""
    name, sep, version = text.rpartition(":")
    return (name, version) if sep and name else (text, "latest")


def _percent(text: str, name: str) -> int:
    if not text.strip().isdigit():
        raise ValidationError(_("traffic for {name} must be a whole percent, got {text!r}.").format(name=name, text=text),
                              field=f"traffic.{name}")
    return int(text)


def _read_json(path: str) -> Any:
    """The request body from a JSON file (``-``: standard input)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(_("Cannot read {path}: {reason}.").format(path=path, reason=exc.strerror), field="--data") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationError(_("{path} is not valid JSON: {reason}.").format(path=path, reason=exc), field="--data") from None


def _cell(text: str) -> int | str:
    return int(text) if text.lstrip("-").isdigit() else text


class Cli:
    """One run of ``amlx``: the parsed arguments and the workspace they act on."""

    def __init__(self, args: argparse.Namespace, workspace: Workspace) -> None:
        self.args, self.ws = args, workspace

    def out(self, record: Any, text: str) -> None:
        print(json.dumps(to_jsonable(record), indent=2) if self.args.json else text)

    def workspace(self) -> int:
        info = self.ws.info()
        self.out(info, render.workspace_text(info))
        return 0

    def submit(self) -> int:
        a = self.args
        request = SubmitRequest(
            cell=_cell(a.cell), notebook=a.notebook, experiment=a.experiment, display_name=a.display_name,
            compute=a.compute, parameters=parse_assignments(a.param, field_name="--param"),
            inputs=parse_assignments(a.input, field_name="--input"), tags=parse_assignments(a.tag, field_name="--tag"),
            include_all_above=a.all_above, autolog=not a.no_autolog, python=a.python, environment=a.environment,
        )
        if a.preview:
            package = self.ws.preview(request, base_dir=Path.cwd())
            self.out(package, package.script + "\n# " + _("warnings:") + "\n" + "\n".join(f"#  {w}" for w in package.warnings))
            return 0
        job = self.ws.submit(request, base_dir=Path.cwd())
        if not a.wait:
            self.out(job, _("Submitted {name} ({status}). Follow it with: amlx logs {name} --follow").format(
                name=job.name, status=render.status(job.status.value)))
            return 0
        print(_("Submitted {name}; streaming its log.").format(name=job.name), file=sys.stderr)
        return self._follow(job.name, quiet=a.json)

    def jobs(self) -> int:
        a = self.args
        page = self.ws.list_jobs(
            experiment=a.experiment, status=a.status, text=a.text, order_by=a.order_by,
            descending=not a.asc, limit=a.top,
        )
        self.out(page, render.jobs_text(page.items, a.metric or ()))
        return 0

    def best(self) -> int:
        a = self.args
        job = self.ws.best_job(a.metric, goal=a.goal, experiment=a.experiment, parent=a.parent)
        self.out(job, render.job_text(job))
        return 0

    def show(self) -> int:
        job = self.ws.jobs().get_job(self.args.name)
        self.out(job, render.job_text(job))
        return 0

    def logs(self) -> int:
        if self.args.follow:
            return self._follow(self.args.name)
        jobs = self.ws.jobs()
        offset: str | None = None
        parts = []
        while True:  # the backend hands out the log in bounded chunks
            chunk = jobs.logs(self.args.name, offset)
            parts.append(chunk.text)
            if not chunk.text or chunk.next_offset == offset:
                break
            offset = chunk.next_offset
        text = "".join(parts)
        self.out({"name": self.args.name, "text": text}, text.rstrip("\n"))
        return 0

    def cancel(self) -> int:
        job = self.ws.jobs().cancel(self.args.name)
        self.out(job, f"{job.name}: {render.status(job.status.value)}")
        return 0

    def data(self) -> int:
        a = self.args
        if a.data_verb == "register":
            asset = self.ws.register_data(a.name, a.path, base_dir=Path.cwd(), description=a.description, version=a.version)
            self.out(asset, _("Registered {name} version {version} ({type}, {size} bytes).").format(
                name=asset.name, version=asset.version, type=asset.type, size=render.integer(asset.size)))
            return 0
        assets = self.ws.data().list_data(a.name)
        self.out({"assets": assets}, render.data_text(assets))
        return 0

    def model(self) -> int:
        a = self.args
        if a.model_verb == "register":
            version = self.ws.models().register_model(
                a.name, job=a.job, path=a.path, description=a.description,
                tags=parse_assignments(a.tag, field_name="--tag"),
            )
            self.out(version, _("Registered {name} version {version} ({format}, from {source}).").format(
                name=version.name, version=version.version, format=version.format, source=version.source))
        elif a.model_verb == "list" and a.name:
            versions = self.ws.models().model_versions(a.name)
            self.out({"name": a.name, "versions": versions}, render.model_versions_text(versions))
        elif a.model_verb == "list":
            models = self.ws.models().list_models()
            self.out({"models": models}, render.models_text(models))
        elif a.model_verb == "show":
            version = self.ws.models().get_model(*_model_ref(a.model))
            self.out(version, render.model_version_text(version))
        elif a.model_verb == "download":
            source, filename = self.ws.models().model_download(*_model_ref(a.model))
            target = Path(a.to).expanduser() / filename
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            size = target.stat().st_size
            self.out({"path": str(target), "size": size}, _("Wrote {path} ({size} bytes).").format(path=target, size=render.integer(size)))
        else:
            candidates = self.ws.models().model_candidates(a.job)
            rows = [[c.source, c.format, render.integer(c.size)] for c in candidates]
            headers = [_("SOURCE"), _("FORMAT"), _("BYTES")]
            text = render.table(headers, rows) if rows else _("Job {name} left no model.").format(name=a.job)
            self.out({"job": a.job, "candidates": candidates}, text)
        return 0

    def endpoint(self) -> int:
        a = self.args
        verb = a.endpoint_verb
        endpoints = self.ws.endpoints()
        if verb == "create":
            endpoint = endpoints.create_endpoint(a.name, description=a.description)
            self.out(endpoint, render.endpoint_text(endpoint))
        elif verb == "list":
            listed = endpoints.list_endpoints()
            self.out({"endpoints": listed}, render.endpoints_text(listed))
        elif verb == "show":
            endpoint = endpoints.get_endpoint(a.name)
            self.out(endpoint, render.endpoint_text(endpoint))
        elif verb == "delete":
            endpoints.delete_endpoint(a.name)
            self.out({"deleted": a.name}, _("Deleted endpoint {name}.").format(name=a.name))
        elif verb == "keys":
            keys = endpoints.regenerate_key(a.name, a.regenerate) if a.regenerate else endpoints.endpoint_keys(a.name)
            self.out(keys, render.fields([(_("primary"), keys.primary_key), (_("secondary"), keys.secondary_key)]))
        elif verb == "deploy":
            return self._deploy()
        elif verb == "delete-deployment":
            endpoints.delete_deployment(a.name, a.deployment)
            self.out({"deleted": a.deployment}, _("Deleted deployment {deployment} of endpoint {name}.").format(
                deployment=a.deployment, name=a.name))
        elif verb == "traffic":
            split = {k: _percent(v, k) for k, v in parse_assignments(a.split, field_name="traffic").items()}
            endpoint = endpoints.set_traffic(a.name, split)
            self.out(endpoint, render.endpoint_text(endpoint))
        elif verb == "invoke":
            result = endpoints.invoke(a.name, _read_json(a.data), deployment=a.deployment)
            self.out(result, render.invoke_text(result))
            return 0 if result.status_code < 400 else 1
        else:
            command = endpoints.endpoint_curl(a.name)
            self.out({"command": command}, command)
        return 0

    def _deploy(self) -> int:
        """Create the endpoint if needed, then the deployment, and follow it; exit 1 if it failed to start."""
        a = self.args
        if not a.no_wait:
            print(_("Provisioning the deployment; waiting until it is ready."), file=sys.stderr)
        endpoint = self.ws.deploy(
            a.model, endpoint=a.name, deployment=a.deployment, traffic=a.traffic, score_script=a.score_script,
            base_dir=Path.cwd(), wait=None if a.no_wait else a.timeout,
        )
        self.out(endpoint, render.endpoint_text(endpoint))
        return 1 if any(d.status == "Failed" for d in endpoint.deployments) else 0

    def _follow(self, name: str, quiet: bool = False) -> int:
        """Print the log as it grows until the job ends; exit status 0 only for Completed."""

        def write(text: str) -> None:
            if not quiet:
                sys.stdout.write(text)
                sys.stdout.flush()

        job: Job = self.ws.follow_logs(name, write)
        if quiet:
            self.out(job, "")
        print(f"{job.name}: {render.status(job.status.value)}" + (f" - {job.error}" if job.error else ""), file=sys.stderr)
        return 0 if job.status.value == "Completed" else 1


def main(argv: Sequence[str] | None = None) -> int:
    with argparse_in_language():
        args = build_parser().parse_args(argv)
    try:
        workspace = Workspace.from_environment(workspace_dir=args.workspace, target=args.target)
        try:
            return getattr(Cli(args, workspace), args.verb)()
        finally:
            workspace.close()
    except AmlxError as exc:
        print(_("amlx: error: {message}").format(message=exc.message), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
