"""``%aml jobs``, ``show``, ``logs``, ``cancel`` and ``best``: looking at jobs after they were submitted.

Also home of :func:`follow_log`, which ``logs --follow`` and ``submit --wait``
share so that both stream a log and stop on Ctrl+C the same way.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import ValidationError
from ..records import Job
from ..workspace import Workspace
from .arguments import parser_options, variable_name
from .frames import jobs_frame

if TYPE_CHECKING:
    from .magic import Aml

#: how often ``--wait`` / ``--follow`` look for new log text when there was none


def follow_log(ws: Workspace, name: str) -> Job:
    """Write the job's log to the cell's output as it grows, until the job ends or Ctrl+C."""
    try:
        return ws.follow_logs(name, _write_out)
    except KeyboardInterrupt:
        print(f"\nStopped following {name}; the job keeps running (%aml cancel {name} stops it).", file=sys.stderr)
        return ws.jobs().get_job(name)


def _write_out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@magic_arguments("aml jobs")
@parser_options(
    "List jobs as a pandas DataFrame, newest first: one row per job with its status, params.<name> and "
    "metrics.<key> columns (MLflow's naming)."
)
@argument("--experiment", metavar="E", help="only this experiment (default: Aml.experiment when set)")
@argument("--all", action="store_true", help="every experiment, even when Aml.experiment is set")
@argument("--status", action="append", metavar="S", help="only jobs with this status (repeatable)")
@argument("--search", dest="text", metavar="TEXT", help="text to find in names, display names and tags")
@argument("--order-by", default="created_at", metavar="COLUMN", help="a column or metrics.<key> (default: created_at)")
@argument("--asc", action="store_true", help="ascending order")
@argument("--top", type=int, default=50, metavar="N", help="how many rows (default 50, at most 1000)")
@argument("-o", "--out", metavar="VAR", help="store the DataFrame in this variable instead of showing it")
def cmd_jobs(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    experiment = args.experiment or (None if args.all else aml.experiment)
    page = aml.workspace.list_jobs(
        experiment=experiment, status=args.status, text=args.text, order_by=args.order_by,
        descending=not args.asc, limit=args.top,
    )
    return aml.result(out, jobs_frame(page.items))


@magic_arguments("aml show")
@parser_options("Show one job: status, times, parameters, metrics, outputs.")
@argument("name", metavar="NAME", help="the job's name")
@argument("-o", "--out", metavar="VAR", help="store the job record in this variable instead of showing it")
def cmd_show(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    return aml.result(out, aml.workspace.jobs().get_job(args.name))


@magic_arguments("aml logs")
@parser_options("Print a job's log (std_log.txt); --follow keeps printing until the job ends (Ctrl+C stops).")
@argument("name", metavar="NAME", help="the job's name")
@argument("-f", "--follow", action="store_true", help="keep printing until the job ends")
@argument("--system", action="store_true", help="the job's system log (MLflow's messages) instead of its output")
def cmd_logs(aml: Aml, args: argparse.Namespace, cell: str | None) -> None:
    ws = aml.workspace
    if args.follow and not args.system:
        follow_log(ws, args.name)
        return None
    jobs = ws.jobs()
    offset: str | None = None
    while True:  # the backend hands out the log in bounded chunks
        chunk = jobs.logs(args.name, offset, log="system" if args.system else "user")
        sys.stdout.write(chunk.text)
        if not chunk.text or chunk.next_offset == offset:
            break
        offset = chunk.next_offset
    sys.stdout.flush()
    return None


@magic_arguments("aml cancel")
@parser_options("Cancel a queued or running job.")
@argument("name", metavar="NAME", help="the job's name")
def cmd_cancel(aml: Aml, args: argparse.Namespace, cell: str | None) -> Job:
    return aml.workspace.jobs().cancel(args.name)


@magic_arguments("aml best")
@parser_options(
    "The completed job with the lowest (--min) or highest (--max) value of a metric: the tutorial's "
    "best-run loop in one line."
)
@argument("--experiment", metavar="E", help="experiment to search (default: Aml.experiment, else all)")
@argument("--metric", required=True, metavar="KEY", help="metric key, e.g. rmse")
@argument("--min", action="store_true", help="lowest value wins")
@argument("--max", action="store_true", help="highest value wins")
@argument("-o", "--out", metavar="VAR", help="store the job record in this variable instead of showing it")
def cmd_best(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    if args.min == args.max:
        raise ValidationError("say which value is best: --min or --max.", field="--min")
    experiment = args.experiment or aml.experiment
    best = aml.workspace.best_job(args.metric, goal="max" if args.max else "min", experiment=experiment)
    return aml.result(out, best)
