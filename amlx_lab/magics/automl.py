"""``%aml automl`` and ``%aml leaderboard``: AutoML on a data asset, a CSV file or a DataFrame of the kernel.

``--data-var df`` saves the kernel's DataFrame ``df`` as the next version of a
data asset (named ``--data-name``, else after the variable) and trains on
that version, so the job reads exactly the rows the notebook had.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..errors import ValidationError
from ..records import AutoMLDetails
from ..i18n import _
from .arguments import parser_options, variable_name
from .jobs import follow_log

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml automl")
@parser_options(_(
    "Train and compare many models on a table and keep the best (Azure ML's AutoML): classification, regression "
    "or forecasting. Every trial becomes a child job; %aml leaderboard NAME shows them, best first, and the best "
    "model is registered from the job with %aml register NAME --job JOB."
))
@argument("--task", required=True, choices=["classification", "regression", "forecasting"])
@argument("--data", metavar="REF", help=_("a data asset (azureml:heart@latest) or a CSV file"))
@argument("--data-var", metavar="VAR", help=_("a pandas DataFrame of this kernel, saved as a data asset first"))
@argument("--data-name", metavar="NAME", help=_("the data asset --data-var saves to (default: the variable's name)"))
@argument("--target", dest="target_column", required=True, metavar="COLUMN", help=_("the column to predict"))
@argument("--metric", metavar="NAME", help=_("Azure's primary metric, e.g. AUC_weighted (default: the task's)"))
@argument("--timeout", type=float, metavar="MINUTES", help=_("time limit of the whole job, in minutes"))
@argument("--trial-timeout", type=float, metavar="MINUTES", help=_("time limit of one trial, in minutes"))
@argument("--max-trials", type=int, metavar="N", help=_("most trials (default 1000)"))
@argument("--concurrent", type=int, metavar="N", help=_("max concurrent trials (locally: threads per trial)"))
@argument("--exit-score", type=float, metavar="SCORE", help=_("stop once the best score reaches this"))
@argument("--no-early-termination", action="store_true", help=_("keep searching when scores stop improving"))
@argument("--cv", metavar="N", help=_("cross-validation folds, or auto (default: as Azure chooses for the data)"))
@argument("--validation-size", type=float, metavar="FRACTION", help=_("validate on a held-out fraction instead"))
@argument("--allow", action="append", metavar="ALGORITHM", help=_("only these algorithms (repeatable or comma-separated)"))
@argument("--block", action="append", metavar="ALGORITHM", help=_("never these algorithms (repeatable or comma-separated)"))
@argument("--featurization", choices=["auto", "off"], help=_("auto (default) or off"))
@argument("--time-column", metavar="COLUMN", help=_("forecasting: the column holding the time"))
@argument("--horizon", type=int, metavar="N", help=_("forecasting: how many periods ahead (default 1)"))
@argument("--frequency", metavar="ALIAS", help=_("forecasting: D, h, W, MS... (default: inferred)"))
@argument("--experiment", help=_("experiment (default: Aml.experiment, else Default)"))
@argument("--name", dest="display_name", help=_("display name of the job"))
@argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the job (repeatable)"))
@argument("--wait", action="store_true", help=_("stream the log until the job ends, then show the leaderboard"))
@argument("-o", "--out", metavar="VAR", help=_("store the job (with --wait: the leaderboard record) in this variable"))
def cmd_automl(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    from ..cli import automl_spec

    out = variable_name(args.out)
    if (args.data is None) == (args.data_var is None):
        raise ValidationError(_("give the training data as --data REF (an asset or a CSV file) or --data-var DATAFRAME."),
                              field="--data")
    ws = aml.workspace
    if args.experiment is None and aml.experiment:
        args.experiment = aml.experiment
    if args.data_var is not None:
        if args.data_var not in aml.ipython.user_ns:
            raise ValidationError(_("there is no variable {name!r} in this kernel.").format(name=args.data_var), field="--data-var")
        name = args.data_name or args.data_var
        asset = ws.register_dataframe(name, aml.ipython.user_ns[args.data_var])
        print(_("Saved {variable} ({size} bytes) as data asset {name} version {version}.").format(
            variable=args.data_var, size=render.integer(asset.size), name=asset.name, version=asset.version))
        args.data = asset.ref
    job = ws.submit_automl(automl_spec(args), base_dir=Path.cwd())
    if not args.wait:
        print(_("Submitted AutoML job {name}; %aml logs {name} --follow streams it, %aml leaderboard {name} ranks it.").format(
            name=job.name))
        return aml.result(out, job)
    follow_log(ws, job.name)
    details = ws.automl_details(job.name)
    print(render.leaderboard_text(details, top=15))
    return aml.result(out, details, None) if out else None


@magic_arguments("aml leaderboard")
@parser_options(_(
    "An AutoML job's leaderboard as a DataFrame, best first: rank, trial, algorithm (Azure's name), score and its "
    "spread across the validation folds, duration, hyperparameters; the best row is marked."
))
@argument("name", metavar="NAME", help=_("the AutoML job"))
@argument("--top", type=int, metavar="N", help=_("only the best N trials"))
@argument("-o", "--out", metavar="VAR", help=_("store the DataFrame in this variable instead of showing it"))
def cmd_leaderboard(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    details = aml.workspace.automl_details(args.name)
    said = (_("{name} ({status}): {metric}, higher is better; validation: {validation}") if details.goal == "maximize"
            else _("{name} ({status}): {metric}, lower is better; validation: {validation}"))
    print(said.format(name=details.name, status=render.status(details.status.value), metric=details.primary_metric,
                      validation=details.validation or "-"))
    return aml.result(out, leaderboard_frame(details, args.top))


def leaderboard_frame(details: AutoMLDetails, top: int | None = None) -> Any:
    import pandas as pd

    entries = details.leaderboard[:top] if top else details.leaderboard
    rows = [
        {
            "rank": e.rank, "best": e.is_best, "trial": e.trial, "algorithm": e.algorithm, "source": e.source,
            details.primary_metric: e.score, "spread": e.score_std, "duration_s": round(e.duration_s, 2),
            "hyperparameters": e.hyperparameters, "status": e.status,
        }
        for e in entries
    ]
    columns = ["rank", "best", "trial", "algorithm", "source", details.primary_metric, "spread", "duration_s", "hyperparameters", "status"]
    return pd.DataFrame(rows, columns=columns)
