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
from ..i18n import _
from ..records import Job, JobType
from ..workspace import Workspace
from .arguments import parser_options, variable_name
from .frames import jobs_frame
from .origin import kernel_notebook

if TYPE_CHECKING:
    from .magic import Aml

#: how often ``--wait`` / ``--follow`` look for new log text when there was none


def follow_log(ws: Workspace, name: str) -> Job:
    """Write the job's log to the cell's output as it grows, until the job ends or Ctrl+C."""
    try:
        return ws.follow_logs(name, _write_out)
    except KeyboardInterrupt:
        print("\n" + _("Stopped following {name}; the job keeps running (%aml cancel {name} stops it).").format(name=name), file=sys.stderr)
        return ws.jobs().get_job(name)


def _write_out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@magic_arguments("aml jobs")
@parser_options(_("List jobs, and a notebook's own MLflow runs, as a pandas DataFrame with the columns that tell runs apart. "
    "Newest first, one row per job: name, display name, status, created (to the second), duration, the "
    "submitted parameters (params.<name>) and each metric some row logged (metrics.<key>, MLflow's naming); "
    "the experiment too when the listing spans several. --all-columns adds every field, the params the runs "
    "logged (autologging's too), every metric and the tags. A notebook's own runs have type interactive."))
@argument("--experiment", metavar="E", help=_("only this experiment (default: Aml.experiment when set)"))
@argument("--all", action="store_true", help=_("every experiment, even when Aml.experiment is set"))
@argument("--all-columns", action="store_true", help=_("every column: all fields, logged params, every metric, tags"))
@argument("--status", action="append", metavar="S", help=_("only jobs with this status (repeatable)"))
@argument("--search", dest="text", metavar="TEXT", help=_("text to find in names, display names and tags"))
@argument("--filter", metavar="CONDITIONS",
          help=_('as in MLflow, quoted: "metrics.rmse < 58 and params.alpha >= 0.3 and tags.stage = baseline"'))
@argument("--order-by", default="created_at", metavar="COLUMN", help=_("a column or metrics.<key> (default: created_at)"))
@argument("--asc", action="store_true", help=_("ascending order"))
@argument("--top", type=int, default=50, metavar="N", help=_("how many rows (default 50, at most 1000)"))
@argument("-o", "--out", metavar="VAR", help=_("store the DataFrame in this variable instead of showing it"))
def cmd_jobs(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    experiment = args.experiment or (None if args.all else aml.experiment)
    page = aml.workspace.list_jobs(
        experiment=experiment, status=args.status, text=args.text, filter=args.filter, order_by=args.order_by,
        descending=not args.asc, limit=args.top,
    )
    if page.note:
        print(page.note)
    frame = jobs_frame(page.items, all_columns=args.all_columns, experiment_column=experiment is None)
    return aml.result(out, frame)


@magic_arguments("aml show")
@parser_options(_("Show one job: status, times, parameters, metrics, outputs. A sweep shows its trials table and best trial."))
@argument("name", metavar="NAME", help=_("the job's name"))
@argument("-o", "--out", metavar="VAR", help=_("store the job record in this variable instead of showing it"))
def cmd_show(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    job = aml.workspace.jobs().get_job(args.name)
    if job.type is JobType.SWEEP and out is None:
        from .sweep import sweep_note, sweep_view

        shown, _trials = sweep_view(aml.workspace, aml.workspace.config.target, job)
        shown.note = sweep_note(job)
        return shown
    return aml.result(out, job)


@magic_arguments("aml logs")
@parser_options(_("Print a job's log (std_log.txt); --follow keeps printing until the job ends (Ctrl+C stops)."))
@argument("name", metavar="NAME", help=_("the job's name"))
@argument("-f", "--follow", action="store_true", help=_("keep printing until the job ends"))
@argument("--system", action="store_true", help=_("the job's system log (MLflow's messages) instead of its output"))
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
@parser_options(_("Cancel a queued or running job."))
@argument("name", metavar="NAME", help=_("the job's name"))
def cmd_cancel(aml: Aml, args: argparse.Namespace, cell: str | None) -> Job:
    return aml.workspace.jobs().cancel(args.name)


@magic_arguments("aml best")
@parser_options(_(
    "The completed job with the lowest (--min) or highest (--max) value of a metric in the current "
    "experiment: the tutorial's best-run loop in one line. The current experiment is Aml.experiment, else the "
    "one this notebook's code names with mlflow.set_experiment, else the notebook's name (what %%aml submit "
    "would use); the output says which experiment was searched. A notebook's own MLflow runs count too. "
    "Given a sweep or an AutoML job (%aml best JOB, or --parent JOB), its best trial by the sweep's objective "
    "or the AutoML job's primary metric."
))
@argument("sweep", nargs="?", metavar="JOB", help=_("a sweep or AutoML job: its best trial"))
@argument("--parent", metavar="JOB", help=_("search the trials of this sweep or AutoML job (the same as naming it)"))
@argument("--experiment", metavar="E", help=_("experiment to search (default: the current experiment, see above)"))
@argument("--all", action="store_true", help=_("search every experiment"))
@argument("--metric", metavar="KEY",
          help=_("metric key, e.g. rmse (default for a sweep: its objective; for an AutoML job: its primary metric)"))
@argument("--min", action="store_true", help=_("lowest value wins"))
@argument("--max", action="store_true", help=_("highest value wins"))
@argument("-o", "--out", metavar="VAR", help=_("store the job record in this variable instead of showing it"))
def cmd_best(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    if args.min and args.max:
        raise ValidationError(_("say which value is best: --min or --max, not both."), field="--min")
    if args.sweep and args.parent and args.sweep != args.parent:
        raise ValidationError(_("name one job: %aml best JOB or --parent JOB."), field="--parent")
    parent = args.sweep or args.parent
    goal = "max" if args.max else "min" if args.min else None
    if parent is not None:
        best = aml.workspace.best_job(args.metric, goal=goal, parent=parent)
        if args.metric and args.max:
            said = _("Searched the trials of {parent} for the highest {metric}.")
        elif args.metric and goal:
            said = _("Searched the trials of {parent} for the lowest {metric}.")
        else:
            said = _("Searched the trials of {parent} for its objective.")
        print(said.format(parent=parent, metric=args.metric))
        return aml.result(out, best)
    if args.metric is None:
        raise ValidationError(_("name the metric: --metric rmse (or a sweep or AutoML job, for its best trial: "
                                "%aml best JOB)."), field="--metric")
    if goal is None:
        raise ValidationError(_("say which value is best: --min or --max."), field="--min")
    if args.all and args.experiment:
        raise ValidationError(_("give --experiment E or --all, not both."), field="--all")
    if args.experiment or args.all:
        experiment, source = args.experiment, ("--experiment" if args.experiment else "--all")
    else:
        experiment, source = current_experiment(aml)
    if experiment and args.max:
        said = _("Searched experiment {experiment!r} ({source}) for the highest {metric}.")
    elif experiment:
        said = _("Searched experiment {experiment!r} ({source}) for the lowest {metric}.")
    elif args.max:
        said = _("Searched every experiment ({source}) for the highest {metric}.")
    else:
        said = _("Searched every experiment ({source}) for the lowest {metric}.")
    print(said.format(experiment=experiment, source=source, metric=args.metric))
    best = aml.workspace.best_job(args.metric, goal=goal, experiment=experiment)
    return aml.result(out, best)


def current_experiment(aml: Aml) -> tuple[str | None, str]:
    """The experiment this notebook works in, as ``%%aml submit`` would name it, and where that came from.

    ``Aml.experiment``; else the last literal ``mlflow.set_experiment`` the kernel
    ran (its history, IPython syntax already translated); else the notebook's
    name; else none is known (every experiment is searched, and the output says why).
    """
    if aml.experiment:
        return aml.experiment, "Aml.experiment"
    from ..notebook.experiment import chosen_experiment

    history = aml.ipython.history_manager
    cells = list(history.input_hist_parsed) if history is not None else []
    choice = chosen_experiment(enumerate(cells))
    if choice is not None and choice.name:
        return choice.name, "the notebook's mlflow.set_experiment"
    notebook = kernel_notebook(aml.ipython.user_ns)
    if notebook is not None:
        return notebook.stem, _("the notebook's name, {name}").format(name=notebook.name)
    return None, "no current experiment: set Aml.experiment or pass --experiment"
