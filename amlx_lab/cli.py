"""The ``amlx`` command line: parse, call the workspace facade, print.

User errors print one line on stderr and exit with status 2; a job that ends
Failed or Canceled under ``--wait`` exits with 1. ``--json`` prints the same
records the REST API returns.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, render
from .errors import AmlxError
from .records import Job, to_jsonable
from .submission import SubmitRequest, parse_assignments
from .workspace import Workspace

FOLLOW_INTERVAL_S = 0.25


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amlx", description="Run notebook cells as tracked ML jobs, locally or on Azure ML.")
    parser.add_argument("--version", action="version", version=f"amlx_lab {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help="local workspace folder (default: $AMLX_WORKSPACE or ~/.amlx/workspace)")
    parser.add_argument("--target", choices=["local", "azure"], help="target to use (default: the configured one)")
    parser.add_argument("--json", action="store_true", help="print JSON records instead of text")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    verbs.required = True
    verbs.add_parser("workspace", help="show the active target, its health and capabilities")

    submit = verbs.add_parser("submit", help="run a notebook cell (and the code it needs) as a job")
    submit.add_argument("notebook", help="the .ipynb file")
    submit.add_argument("--cell", required=True, help="cell index, cell id, or a tag such as aml-train")
    submit.add_argument("--experiment", help="experiment (default: the notebook's name)")
    submit.add_argument("--name", dest="display_name", help="display name of the job")
    submit.add_argument("--compute", help="compute target (default: local)")
    submit.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    submit.add_argument("--input", action="append", metavar="PATH=REF", help="point a job input at a file or data asset")
    submit.add_argument("--tag", action="append", metavar="KEY=VALUE", help="tag the job (repeatable)")
    submit.add_argument("--all-above", action="store_true", help="run every code cell above instead of the minimal slice")
    submit.add_argument("--no-autolog", action="store_true", help="turn off MLflow autologging inside the job")
    submit.add_argument("--python", dest="environment", help="interpreter to run with (default: the notebook kernel's)")
    submit.add_argument("--preview", action="store_true", help="show the generated package instead of submitting")
    submit.add_argument("--wait", action="store_true", help="stream the logs until the job ends")

    jobs = verbs.add_parser("jobs", help="list jobs")
    jobs.add_argument("--experiment")
    jobs.add_argument("--status", action="append", help="only jobs with this status (repeatable)")
    jobs.add_argument("--search", dest="text", help="text to find in names, display names and tags")
    jobs.add_argument("--order-by", default="created_at", help="a column or metrics.<key> (default: created_at)")
    jobs.add_argument("--asc", action="store_true", help="ascending order")
    jobs.add_argument("--top", type=int, default=50, help="how many (default 50)")
    jobs.add_argument("--metric", action="append", help="metric column to show (repeatable)")

    show = verbs.add_parser("show", help="show one job")
    show.add_argument("name")
    logs = verbs.add_parser("logs", help="print a job's log")
    logs.add_argument("name")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing until the job ends")
    cancel = verbs.add_parser("cancel", help="cancel a queued or running job")
    cancel.add_argument("name")

    data = verbs.add_parser("data", help="data assets")
    data_verbs = data.add_subparsers(dest="data_verb", metavar="ACTION")
    data_verbs.required = True
    register = data_verbs.add_parser("register", help="register a file or folder as the next version of an asset")
    register.add_argument("name")
    register.add_argument("path")
    register.add_argument("--description")
    register.add_argument("--version")
    listing = data_verbs.add_parser("list", help="list data assets (all versions of NAME if given)")
    listing.add_argument("name", nargs="?")
    return parser


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
            include_all_above=a.all_above, autolog=not a.no_autolog, environment=a.environment,
        )
        if a.preview:
            package = self.ws.preview(request, base_dir=Path.cwd())
            self.out(package, package.script + "\n# warnings:\n" + "\n".join(f"#  {w}" for w in package.warnings))
            return 0
        job = self.ws.submit(request, base_dir=Path.cwd())
        if not a.wait:
            self.out(job, f"Submitted {job.name} ({job.status.value}). Follow it with: amlx logs {job.name} --follow")
            return 0
        print(f"Submitted {job.name}; streaming its log.", file=sys.stderr)
        return self._follow(job.name, quiet=a.json)

    def jobs(self) -> int:
        a = self.args
        page = self.ws.list_jobs(
            experiment=a.experiment, status=a.status, text=a.text, order_by=a.order_by,
            descending=not a.asc, limit=a.top,
        )
        self.out(page, render.jobs_text(page.items, a.metric or ()))
        return 0

    def show(self) -> int:
        job = self.ws.get_job(self.args.name)
        self.out(job, render.job_text(job))
        return 0

    def logs(self) -> int:
        if self.args.follow:
            return self._follow(self.args.name)
        offset, parts = 0, []
        while True:  # the backend hands out the log in bounded chunks
            chunk = self.ws.logs(self.args.name, offset)
            parts.append(chunk.text)
            if chunk.next_offset == offset or chunk.next_offset >= chunk.size:
                break
            offset = chunk.next_offset
        text = "".join(parts)
        self.out({"name": self.args.name, "text": text}, text.rstrip("\n"))
        return 0

    def cancel(self) -> int:
        job = self.ws.cancel(self.args.name)
        self.out(job, f"{job.name}: {job.status.value}")
        return 0

    def data(self) -> int:
        a = self.args
        if a.data_verb == "register":
            asset = self.ws.register_data(a.name, a.path, base_dir=Path.cwd(), description=a.description, version=a.version)
            self.out(asset, f"Registered {asset.name} version {asset.version} ({asset.type}, {asset.size:,} bytes).")
            return 0
        assets = self.ws.list_data(a.name)
        self.out({"assets": assets}, render.data_text(assets))
        return 0

    def _follow(self, name: str, quiet: bool = False) -> int:
        """Print the log as it grows until the job ends; exit status 0 only for Completed."""
        offset = 0
        while True:
            chunk = self.ws.logs(name, offset)
            if chunk.text and not quiet:
                sys.stdout.write(chunk.text)
                sys.stdout.flush()
            offset = chunk.next_offset
            if chunk.complete:
                break
            if not chunk.text:
                time.sleep(FOLLOW_INTERVAL_S)  # the log is a file another process appends to
        job: Job = self.ws.get_job(name)
        if quiet:
            self.out(job, "")
        print(f"{job.name}: {job.status.value}" + (f" - {job.error}" if job.error else ""), file=sys.stderr)
        return 0 if job.status.value == "Completed" else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        workspace = Workspace.from_environment(workspace_dir=args.workspace, target=args.target)
        try:
            return getattr(Cli(args, workspace), args.verb)()
        finally:
            workspace.close()
    except AmlxError as exc:
        print(f"amlx: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
