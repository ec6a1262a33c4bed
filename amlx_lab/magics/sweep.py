"""``%%aml sweep``: run the cell the magic heads as a sweep job, shown as a live table of its trials.

The cell's origin and the submission part are read exactly as ``%%aml
submit`` reads them (:mod:`.submit`); ``--param NAME=EXPRESSION`` opens a
dimension and ``--param NAME=VALUE`` fixes a value, as in ``amlx sweep``
(:mod:`amlx_lab.sweep.cell` reads both). Without ``--wait`` the table updates
in place while the sweep runs (the live status thread); with ``--wait`` the
magic updates it itself and returns the finished sweep.
"""

from __future__ import annotations

import argparse
import html
import sys
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..errors import ValidationError
from ..records import Job, SweepDetails
from ..submission import SubmitRequest, SweepRequest, parse_assignments
from ..workspace import Workspace
from ..i18n import _
from .arguments import parser_options, variable_name
from .display import Rich
from .submit import _origin, _submit_request

if TYPE_CHECKING:
    from .magic import Aml


class SweepView:
    """A sweep, its best trial and its trials table: HTML in JupyterLab, text in a terminal."""

    def __init__(self, job: Job, details: SweepDetails, trials: list[Job], note: str | None = None) -> None:
        self.job, self.details, self.trials, self.note = job, details, trials, note

    def _repr_html_(self) -> str:
        return render.sweep_html(self.job, self.details, self.trials, note=self.note)

    def __repr__(self) -> str:
        return render.sweep_text(self.job, self.details, self.trials) + (f"\n{self.note}" if self.note else "")


def sweep_note(job: Job) -> str:
    if job.status.terminal:
        return _("Best trial: %aml best {name}    Log: %aml logs {name}").format(name=job.name)
    return _("The table updates until the sweep ends. Cancel it (and its trials): %aml cancel {name}").format(name=job.name)


def sweep_view(ws: Workspace, target: str, job: Job) -> tuple[Any, Any]:
    """The live display of a sweep (what the live status thread redraws when a trial changes)."""
    details = ws.sweeps(target).sweep_details(job.name)
    trials = ws.sweep_trials(job.name, target=target)
    key = (job.updated_at, job.status, details.best_trial, tuple((t.name, t.updated_at) for t in trials))
    return SweepView(job, details, trials, sweep_note(job)), key


@magic_arguments("aml sweep")
@parser_options(_(
    "Run the cell this magic heads as a sweep job: trials of the cell with parameters drawn from a search "
    "space, the best chosen by an objective metric. --param NAME=EXPRESSION opens a dimension "
    "(uniform(0.1,1.0), loguniform(-6,-1), choice(16,32,64), randint(10), normal(0,1) and the q forms, "
    "with Azure ML's meaning: loguniform's bounds are logs, randint's upper bound is excluded); "
    "--param NAME=VALUE fixes a parameter. The earlier code comes from the kernel's history, or with "
    "--notebook from the saved notebook, as for %%aml submit.\n\n"
    "Without --wait the trials table updates in place until the sweep ends; with --wait the magic "
    "follows it and returns the finished sweep (Ctrl+C stops following; the sweep keeps running)."
))
@argument("--param", action="append", metavar="NAME=EXPR", help=_("a dimension to search, or a fixed value (repeatable)"))
@argument("--objective", metavar="METRIC:GOAL", help=_("the metric the cell logs, and min or max, e.g. rmse:min"))
@argument("--sampling", default="random", metavar="S", help=_("random (default), sobol, grid (choice only) or bayesian"))
@argument("--seed", type=int, metavar="N", help=_("seed of random or sobol sampling"))
@argument("--policy", metavar="POLICY", help=_("early termination: bandit(slack_factor=0.1), median_stopping(delay_evaluation=5), "
                                                "truncation_selection(truncation_percentage=20)"))
@argument("--trials", type=int, metavar="N", help=_("max_total_trials (default 1000, or the grid's size)"))
@argument("--concurrent", type=int, metavar="N", help=_("max_concurrent_trials"))
@argument("--timeout", type=int, metavar="SECONDS", help=_("stop the sweep after this long"))
@argument("--trial-timeout", type=int, metavar="SECONDS", help=_("stop a trial running longer than this"))
@argument("--experiment", metavar="E", help=_("experiment (default: Aml.experiment, else the notebook's name)"))
@argument("--name", dest="display_name", metavar="N", help=_("display name of the sweep"))
@argument("--compute", metavar="C", help=_("compute target (default: Aml.compute, else local)"))
@argument("--input", action="append", metavar="PATH=REF", help=_("point a file the code reads at another file or a data asset"))
@argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the sweep (repeatable)"))
@argument("--all-above", action="store_true", help=_("run every earlier cell instead of the minimal slice"))
@argument("--no-autolog", action="store_true", help=_("turn off MLflow autologging inside the trials"))
@argument("--python", metavar="PYTHON", help=_("interpreter whose packages are pinned and that runs local trials"))
@argument("--environment", metavar="ENV", help=_("an Azure ML environment to run in"))
@argument("--notebook", nargs="?", const="", metavar="PATH", help=_("take the earlier cells from the saved notebook"))
@argument("--preview", action="store_true", help=_("show the dimensions and the first sampled points; submit nothing"))
@argument("--wait", action="store_true", help=_("follow the trials until the sweep ends and return the finished sweep"))
@argument("-o", "--out", metavar="VAR", help=_("store the sweep's job record in this variable"))
def cmd_sweep(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    from ..sweep import cell as sweep_cell

    if cell is None or not cell.strip():
        raise ValidationError(_("sweep runs the cell it heads: start a cell with %%aml sweep and put the code below it."))
    out = variable_name(args.out)
    fixed, space = sweep_cell.split_params(parse_assignments(args.param, field_name="--param"))
    origin = _origin(aml, args.notebook, cell)
    base = _submit_request(aml, args, origin, parameters=fixed)
    fields = {name: getattr(base, name) for name in SubmitRequest.model_fields}
    ws = aml.workspace
    offered: tuple[str, ...] = ()
    if args.objective is None:
        offered = ws.preview_sweep(SweepRequest(**fields), base_dir=origin.base_dir).metrics
    settings = sweep_cell.sweep_settings(
        space, objective=args.objective, sampling=args.sampling, seed=args.seed, policy=args.policy, trials=args.trials,
        concurrent=args.concurrent, timeout=args.timeout, trial_timeout=args.trial_timeout, offered=offered,
    )
    request = SweepRequest(**fields, sweep=settings)
    if args.preview:
        preview = ws.preview_sweep(request, base_dir=origin.base_dir)
        text = render.sweep_preview_text(preview)
        return Rich(text, f"<pre>{html.escape(text)}</pre>", preview)
    job = ws.sweep(request, base_dir=origin.base_dir)
    aml.store(out, job)
    if args.wait:
        return _follow(aml, ws, job, out)
    if not (aml.live_status and getattr(aml.shell, "kernel", None) is not None):
        return SweepView(*_state(ws, job), note=_("Trials so far: %aml show {name}    Best so far: %aml best {name}").format(
            name=job.name))
    from IPython.display import display

    shown, _trials = sweep_view(ws, ws.config.target, job)
    handle = display(shown, display_id=True)
    aml.live.watch(ws, ws.config.target, job, handle, view=sweep_view)
    return None


def _state(ws: Workspace, job: Job) -> tuple[Job, SweepDetails, list[Job]]:
    return job, ws.sweeps().sweep_details(job.name), ws.sweep_trials(job.name)


def _follow(aml: Aml, ws: Workspace, job: Job, out: str | None) -> Any:
    """Redraw the table as trials change until the sweep ends (Ctrl+C stops following, not the sweep)."""
    in_notebook = getattr(aml.shell, "kernel", None) is not None
    handle = None
    if in_notebook:
        from IPython.display import display

        handle = display(SweepView(*_state(ws, job), note=sweep_note(job)), display_id=True)

    def show(parent: Job, details: SweepDetails, trials: list[Job]) -> None:
        if handle is not None:
            handle.update(SweepView(parent, details, trials, sweep_note(parent)))

    try:
        final = ws.follow_sweep(job.name, show)
    except KeyboardInterrupt:
        print("\n" + _("Stopped following {name}; the sweep keeps running (%aml cancel {name} stops it).").format(name=job.name),
              file=sys.stderr)
        final = ws.jobs().get_job(job.name)
    aml.store(out, final)
    if out or handle is not None:
        return None
    return SweepView(*_state(ws, final), note=sweep_note(final))
