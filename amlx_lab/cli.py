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
from .specs import AutoMLJobSpec, LabelUpdate
from .submission import SubmitRequest, SweepRequest, parse_assignments
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
    submit.add_argument("--compute", help=_("compute target (default: the target's; amlx compute lists them)"))
    submit.add_argument("--param", action="append", metavar="NAME=VALUE", help=_("override a parameter (repeatable)"))
    submit.add_argument("--input", action="append", metavar="PATH=REF", help=_("point a job input at a file or data asset"))
    submit.add_argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the job (repeatable)"))
    submit.add_argument("--all-above", action="store_true", help=_("run every code cell above instead of the minimal slice"))
    submit.add_argument("--no-autolog", action="store_true", help=_("turn off MLflow autologging inside the job"))
    submit.add_argument("--python",
                        help=_("interpreter whose packages are pinned and that runs local jobs (default: the notebook kernel's)"))
    submit.add_argument("--environment", help=_("an Azure ML environment to run in (default: one built from the pinned requirements)"))
    submit.add_argument("--preview", action="store_true",
                        help=_("show the package (cells, parameters, requirements, data), submit nothing"))
    submit.add_argument("--script", action="store_true", help=_("with --preview: show main.py itself"))
    submit.add_argument("--wait", action="store_true", help=_("stream the logs until the job ends"))

    _sweep_parser(verbs)

    jobs = verbs.add_parser("jobs", help=_("list jobs"))
    jobs.add_argument("--experiment")
    jobs.add_argument("--status", action="append", help=_("only jobs with this status (repeatable)"))
    jobs.add_argument("--search", dest="text", help=_("text to find in names, display names and tags"))
    jobs.add_argument("--filter", help=_('conditions as in MLflow: metrics.rmse < 58 and params.alpha >= 0.3 and '
                      'tags.stage = "baseline" and status = Completed'))
    jobs.add_argument("--order-by", default="created_at", help=_("a column or metrics.<key> (default: created_at)"))
    jobs.add_argument("--asc", action="store_true", help=_("ascending order"))
    jobs.add_argument("--top", type=int, default=50, help=_("how many (default 50)"))
    jobs.add_argument("--metric", action="append", help=_("metric column to show (repeatable)"))
    jobs.add_argument("--archived", action="store_true", help=_("list archived jobs too"))

    best = verbs.add_parser("best", help=_("the completed job with the best value of a metric (or a sweep's or AutoML job's best trial)"))
    best.add_argument("--metric", metavar="KEY", help=_("metric key, e.g. rmse (default with --parent: the sweep's objective "
                      "or the AutoML job's primary metric)"))
    goal = best.add_mutually_exclusive_group()
    goal.add_argument("--min", dest="goal", action="store_const", const="min", help=_("lowest value wins"))
    goal.add_argument("--max", dest="goal", action="store_const", const="max", help=_("highest value wins"))
    best.add_argument("--experiment", help=_("experiment to search (default: every experiment)"))
    best.add_argument("--parent", metavar="JOB", help=_("search the trials of this sweep or AutoML job"))

    _automl_parser(verbs)
    leaderboard = verbs.add_parser("leaderboard", help=_("an AutoML job's leaderboard, best first"))
    leaderboard.add_argument("name")
    leaderboard.add_argument("--top", type=int, help=_("only the best N trials"))

    show = verbs.add_parser("show", help=_("show one job"))
    show.add_argument("name")
    logs = verbs.add_parser("logs", help=_("print a job's log"))
    logs.add_argument("name")
    logs.add_argument("--follow", "-f", action="store_true", help=_("keep printing until the job ends"))
    logs.add_argument("--system", action="store_true", help=_("the job's system log (MLflow's messages) instead of its output"))
    cancel = verbs.add_parser("cancel", help=_("cancel a queued or running job"))
    cancel.add_argument("name")
    tag = verbs.add_parser("tag", help=_("set or remove a job's tags (on Azure, the job's own)"))
    tag.add_argument("name")
    tag.add_argument("tags", nargs="*", metavar="KEY=VALUE", help=_("tags to set"))
    tag.add_argument("--remove", action="append", metavar="KEY", help=_("a tag to remove (repeatable)"))
    describe = verbs.add_parser("describe", help=_("write why a job exists (its description; \"\" clears it)"))
    describe.add_argument("name")
    describe.add_argument("text")
    archive = verbs.add_parser("archive", help=_("hide a job and its trials from lists (amlx jobs --archived shows them)"))
    archive.add_argument("name")
    restore = verbs.add_parser("restore", help=_("show an archived job and its trials again"))
    restore.add_argument("name")
    delete = verbs.add_parser("delete", help=_("delete a finished local job with its trials and files (asks first)"))
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help=_("delete without asking"))
    export = verbs.add_parser(
        "export", help=_("write a job or an endpoint as Azure ML CLI v2 YAML and a GitHub Actions workflow"),
        description=_("Write DIR/<name>/: job.yml with the code it runs and its conda file (or endpoint.yml and a "
                      "deployment-<name>.yml per deployment), and workflow.yml, which runs them with az ml from GitHub Actions."),
    )
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("name", nargs="?", metavar="JOB", help=_("the job to export"))
    what.add_argument("--endpoint", metavar="NAME", help=_("export this online endpoint and its deployments instead"))
    export.add_argument("-o", "--output", metavar="DIR", default="amlx-export", help=_("parent folder (default amlx-export)"))
    export.add_argument("--force", action="store_true", help=_("replace an earlier export of the same name"))

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

    compute = verbs.add_parser("compute", help=_("list where jobs can run (--compute of submit), with their state"))
    compute.add_argument("--instance-types", action="store_true", help=_("list the VM sizes serverless jobs may ask for"))
    _model_parser(verbs)
    _endpoint_parser(verbs)
    return parser


def _sweep_parser(verbs: Any) -> None:
    sweep = verbs.add_parser(
        "sweep", help=_("run a notebook cell as a sweep job: a search over its parameters"),
        description=_("Run a notebook cell as a sweep job: trials of the cell with parameters drawn from a search space, "
                      "the best by an objective metric. --param NAME=EXPRESSION opens a dimension (uniform(0.1, 1.0), "
                      "loguniform(-6, -1), choice(16, 32, 64), randint(10), normal(0, 1) and the q forms, as in Azure ML); "
                      "--param NAME=VALUE fixes a value."),
    )
    sweep.add_argument("notebook", help=_("the .ipynb file"))
    sweep.add_argument("--cell", required=True, help=_("cell index, cell id, or a tag such as aml-train"))
    sweep.add_argument("--param", action="append", metavar="NAME=EXPR", help=_("a dimension to search, or a fixed value (repeatable)"))
    sweep.add_argument("--objective", metavar="METRIC:GOAL", help=_("the metric the cell logs and min or max, e.g. rmse:min"))
    sweep.add_argument("--sampling", default="random", help=_("random (default), sobol, grid (choice only) or bayesian"))
    sweep.add_argument("--seed", type=int, help=_("seed of random or sobol sampling"))
    sweep.add_argument("--policy", metavar="POLICY", help=_("early termination, e.g. bandit(slack_factor=0.1, delay_evaluation=5), "
                       "median_stopping(delay_evaluation=5), truncation_selection(truncation_percentage=20)"))
    sweep.add_argument("--trials", type=int, help=_("max_total_trials (default 1000, or the grid's size)"))
    sweep.add_argument("--concurrent", type=int, help=_("max_concurrent_trials (default: as many as the compute allows)"))
    sweep.add_argument("--timeout", type=int, metavar="SECONDS", help=_("stop the sweep after this long"))
    sweep.add_argument("--trial-timeout", type=int, metavar="SECONDS", help=_("stop any trial running longer than this"))
    sweep.add_argument("--experiment", help=_("experiment (default: the notebook's name)"))
    sweep.add_argument("--name", dest="display_name", help=_("display name of the sweep"))
    sweep.add_argument("--compute", help=_("compute target (default: local)"))
    sweep.add_argument("--input", action="append", metavar="PATH=REF", help=_("point a job input at a file or data asset"))
    sweep.add_argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the sweep (repeatable)"))
    sweep.add_argument("--all-above", action="store_true", help=_("run every code cell above instead of the minimal slice"))
    sweep.add_argument("--no-autolog", action="store_true", help=_("turn off MLflow autologging inside the trials"))
    sweep.add_argument("--python", help=_("interpreter whose packages are pinned and that runs local trials"))
    sweep.add_argument("--environment", help=_("an Azure ML environment to run in"))
    sweep.add_argument("--preview", action="store_true", help=_("show the dimensions and the first sampled points instead of submitting"))
    sweep.add_argument("--wait", action="store_true", help=_("follow the trials until the sweep ends"))


def _automl_parser(verbs: Any) -> None:
    automl = verbs.add_parser("automl", help=_("train and compare many models on a table and keep the best (AutoML)"))
    automl.add_argument("--task", required=True, choices=["classification", "regression", "forecasting"])
    automl.add_argument("--data", required=True, metavar="REF", help=_("a data asset (azureml:heart@latest) or a CSV file"))
    automl.add_argument("--target", dest="target_column", required=True, metavar="COLUMN", help=_("the column to predict"))
    automl.add_argument("--metric", metavar="NAME", help=_("Azure's primary metric, e.g. AUC_weighted (default: the task's)"))
    automl.add_argument("--timeout", type=float, metavar="MINUTES", help=_("time limit of the whole job, in minutes"))
    automl.add_argument("--trial-timeout", type=float, metavar="MINUTES", help=_("time limit of one trial, in minutes"))
    automl.add_argument("--max-trials", type=int, metavar="N", help=_("most trials (default 1000)"))
    automl.add_argument("--concurrent", type=int, metavar="N", help=_("max concurrent trials (locally: threads per trial)"))
    automl.add_argument("--exit-score", type=float, metavar="SCORE", help=_("stop once the best score reaches this"))
    automl.add_argument("--no-early-termination", action="store_true", help=_("keep searching when scores stop improving"))
    automl.add_argument("--cv", metavar="N", help=_("cross-validation folds, or auto (default: as Azure chooses for the data)"))
    automl.add_argument("--validation-size", type=float, metavar="FRACTION", help=_("validate on a held-out fraction instead"))
    automl.add_argument("--allow", action="append", metavar="ALGORITHM", help=_("only these algorithms (repeatable or comma-separated)"))
    automl.add_argument("--block", action="append", metavar="ALGORITHM", help=_("never these algorithms (repeatable or comma-separated)"))
    automl.add_argument("--featurization", choices=["auto", "off"], help=_("auto (default) or off"))
    automl.add_argument("--time-column", metavar="COLUMN", help=_("forecasting: the column holding the time"))
    automl.add_argument("--horizon", type=int, metavar="N", help=_("forecasting: how many periods ahead (default 1)"))
    automl.add_argument("--frequency", metavar="ALIAS", help=_("forecasting: D, h, W, MS... (default: inferred)"))
    automl.add_argument("--experiment", help=_("experiment (default: Default)"))
    automl.add_argument("--name", dest="display_name", help=_("display name of the job"))
    automl.add_argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the job (repeatable)"))
    automl.add_argument("--wait", action="store_true", help=_("stream the log until the job ends, then print the leaderboard"))


def _names(values: list[str] | None) -> list[str] | None:
    """``--allow a --allow b,c`` -> ``[a, b, c]``."""
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def automl_spec(a: argparse.Namespace) -> AutoMLJobSpec:
    """The AutoML job the options describe (the CLI and the magic share it); validation gives the sentences."""
    limits = {
        key: value
        for key, value in (
            ("timeout_minutes", a.timeout), ("trial_timeout_minutes", a.trial_timeout), ("max_trials", a.max_trials),
            ("max_concurrent_trials", a.concurrent), ("exit_score", a.exit_score),
        )
        if value is not None
    }
    if a.no_early_termination:
        limits["enable_early_termination"] = False
    fields: dict[str, Any] = {
        "task": a.task, "training_data": a.data, "target_column_name": a.target_column, "primary_metric": a.metric,
        "limits": limits, "tags": parse_assignments(a.tag, field_name="--tag"),
        "allowed_training_algorithms": _names(a.allow), "blocked_training_algorithms": _names(a.block),
    }
    if a.cv is not None:
        fields["n_cross_validations"] = "auto" if a.cv == "auto" else _whole(a.cv, "--cv")
    optional = (("validation_data_size", a.validation_size), ("featurization", a.featurization),
                ("experiment", a.experiment), ("display_name", a.display_name))
    fields.update({key: value for key, value in optional if value is not None})
    if a.time_column is not None or a.horizon is not None or a.frequency is not None:
        forecast = {"time_column_name": a.time_column or "", "forecast_horizon": a.horizon or 1, "frequency": a.frequency}
        fields["forecasting"] = {k: v for k, v in forecast.items() if v is not None}
    return AutoMLJobSpec(**fields)


def _whole(text: str, option: str) -> int:
    if not text.strip().isdigit():
        raise ValidationError(_("{option} must be a whole number of folds or auto, got {text!r}.").format(option=option, text=text),
                              field=option)
    return int(text)


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
    tag = actions.add_parser("tag", help=_("set or remove a version's tags"))
    tag.add_argument("model", metavar="NAME:VERSION")
    tag.add_argument("tags", nargs="*", metavar="KEY=VALUE", help=_("tags to set"))
    tag.add_argument("--remove", action="append", metavar="KEY", help=_("a tag to remove (repeatable)"))
    describe = actions.add_parser("describe", help=_("set a version's description (\"\" clears it)"))
    describe.add_argument("model", metavar="NAME:VERSION")
    describe.add_argument("text")
    for verb, words in (("archive", _("archive a version (never latest, left out of the count)")),
                        ("restore", _("restore an archived version"))):
        archived = actions.add_parser(verb, help=words)
        archived.add_argument("model", metavar="NAME:VERSION")
    alias = actions.add_parser("alias", help=_("give an alias (production, staging, ...) to one version; deploy NAME@ALIAS"))
    alias.add_argument("name")
    alias.add_argument("alias")
    alias.add_argument("version", nargs="?", help=_("the version to hold it"))
    alias.add_argument("--remove", action="store_true", help=_("remove the alias instead"))


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
    deploy.add_argument("--instance-type", help=_("VM size on Azure ML (default: the settings', else Standard_DS3_v2)"))
    deploy.add_argument("--instance-count", type=int, help=_("number of instances on Azure ML (default: the settings', else 1)"))
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
            self.out(package, render.package_text(package, script=a.script))
            return 0
        job = self.ws.submit(request, base_dir=Path.cwd())
        if not a.wait:
            self.out(job, _("Submitted {name} ({status}). Follow it with: amlx logs {name} --follow").format(
                name=job.name, status=render.status(job.status.value)))
            return 0
        print(_("Submitted {name}; streaming its log.").format(name=job.name), file=sys.stderr)
        return self._follow(job.name, quiet=a.json)

    def sweep(self) -> int:
        from .sweep import cell

        a = self.args
        fixed, space = cell.split_params(parse_assignments(a.param, field_name="--param"))
        base = dict(
            cell=_cell(a.cell), notebook=a.notebook, experiment=a.experiment, display_name=a.display_name,
            compute=a.compute, parameters=fixed, inputs=parse_assignments(a.input, field_name="--input"),
            tags=parse_assignments(a.tag, field_name="--tag"), include_all_above=a.all_above, autolog=not a.no_autolog,
            python=a.python, environment=a.environment,
        )
        offered: tuple[str, ...] = ()
        if a.objective is None:
            offered = self.ws.preview_sweep(SweepRequest(**base), base_dir=Path.cwd()).metrics
        settings = cell.sweep_settings(
            space, objective=a.objective, sampling=a.sampling, seed=a.seed, policy=a.policy, trials=a.trials,
            concurrent=a.concurrent, timeout=a.timeout, trial_timeout=a.trial_timeout, offered=offered,
        )
        request = SweepRequest(**base, sweep=settings)
        if a.preview:
            preview = self.ws.preview_sweep(request, base_dir=Path.cwd())
            self.out(preview, render.sweep_preview_text(preview))
            return 0
        job = self.ws.sweep(request, base_dir=Path.cwd())
        if not a.wait:
            self.out(job, _("Submitted sweep {name} ({status}). Its trials: amlx show {name}").format(
                name=job.name, status=render.status(job.status.value)))
            return 0
        print(_("Submitted sweep {name}; following its trials.").format(name=job.name), file=sys.stderr)
        return self._follow_sweep(job.name)

    def _follow_sweep(self, name: str) -> int:
        """Print each trial's changes as they happen, then the table; exit 0 only for a Completed sweep."""
        shown: dict[str, str] = {}

        def show(parent: Job, details: Any, trials: list[Job]) -> None:
            if self.args.json:
                return
            metric = details.settings.objective.primary_metric
            for trial in trials:
                if shown.get(trial.name) != trial.status.value:
                    shown[trial.name] = trial.status.value
                    value = trial.metrics.get(metric)
                    values = ", ".join(f"{k}={trial.parameters.get(k)}" for k in details.settings.search_space)
                    extra = f" {metric}={value:.6g}" if value is not None and trial.status.terminal else ""
                    print(f"{trial.name}: {render.status(trial.status.value)} ({values}){extra}", flush=True)

        parent = self.ws.follow_sweep(name, show)
        details = self.ws.sweeps().sweep_details(name)
        trials = self.ws.sweep_trials(name)
        self.out({"job": parent, "sweep": details, "trials": trials}, "\n" + render.sweep_text(parent, details, trials))
        return 0 if parent.status.value == "Completed" else 1

    def jobs(self) -> int:
        a = self.args
        page = self.ws.list_jobs(
            experiment=a.experiment, status=a.status, text=a.text, filter=a.filter, order_by=a.order_by,
            descending=not a.asc, limit=a.top, include_archived=a.archived,
        )
        self.out(page, render.jobs_text(page.items, a.metric or ()) + (f"\n{page.note}" if page.note else ""))
        return 0

    def best(self) -> int:
        a = self.args
        if a.parent is None and (a.metric is None or a.goal is None):
            raise ValidationError(
                _("Name the metric and which value wins: --metric rmse --min or --max (or --parent SWEEP_OR_AUTOML_JOB for its "
                  "best trial)."),
                field="--metric",
            )
        job = self.ws.best_job(a.metric, goal=a.goal, experiment=a.experiment, parent=a.parent)
        self.out(job, render.job_text(job))
        return 0

    def automl(self) -> int:
        a = self.args
        job = self.ws.submit_automl(automl_spec(a), base_dir=Path.cwd())
        if not a.wait:
            self.out(job, _("Submitted AutoML job {name} ({status}). Follow it with: amlx logs {name} --follow; "
                            "then amlx leaderboard {name}").format(name=job.name, status=render.status(job.status.value)))
            return 0
        print(_("Submitted AutoML job {name}; streaming its log.").format(name=job.name), file=sys.stderr)
        status = self._follow(job.name, quiet=a.json)
        if not a.json:
            print(render.leaderboard_text(self.ws.automl_details(job.name), top=15))
        return status

    def leaderboard(self) -> int:
        details = self.ws.automl_details(self.args.name)
        self.out(details, render.leaderboard_text(details, top=self.args.top))
        return 0

    def show(self) -> int:
        job = self.ws.jobs().get_job(self.args.name)
        if job.type.value == "sweep" and not self.args.json:
            details, trials = self.ws.sweeps().sweep_details(job.name), self.ws.sweep_trials(job.name)
            self.out(job, render.job_text(job) + "\n\n" + render.sweep_text(job, details, trials))
            return 0
        self.out(job, render.job_text(job))
        return 0

    def logs(self) -> int:
        if self.args.follow and not self.args.system:
            return self._follow(self.args.name)
        jobs = self.ws.jobs()
        offset: str | None = None
        parts = []
        while True:  # the backend hands out the log in bounded chunks
            chunk = jobs.logs(self.args.name, offset, log="system" if self.args.system else "user")
            parts.append(chunk.text)
            if not chunk.text or chunk.next_offset == offset:
                break
            offset = chunk.next_offset
        text = "".join(parts)
        self.out({"name": self.args.name, "text": text}, text.rstrip("\n"))
        return 0

    def _labels(self) -> LabelUpdate:
        a = self.args
        tags: dict[str, str | None] = dict(parse_assignments(getattr(a, "tags", None), field_name="KEY=VALUE"))
        tags.update(dict.fromkeys(getattr(a, "remove", None) or (), None))
        if hasattr(a, "text"):
            return LabelUpdate.parse({"description": a.text})
        return LabelUpdate.parse({"tags": tags})

    def tag(self) -> int:
        job = self.ws.jobs().update_job(self.args.name, self._labels())
        self.out(job, f"{job.name}: " + (", ".join(f"{k}={v}" for k, v in job.tags.items()) or _("no tags")))
        return 0

    def describe(self) -> int:
        job = self.ws.jobs().update_job(self.args.name, self._labels())
        self.out(job, f"{job.name}: {job.description or _('no description')}")
        return 0

    def archive(self) -> int:
        job = self.ws.jobs().archive_job(self.args.name)
        self.out(job, _("Archived {name} (and its trials, if any). amlx jobs --archived lists it; amlx restore "
                        "{name} brings it back.").format(name=job.name))
        return 0

    def restore(self) -> int:
        job = self.ws.jobs().restore_job(self.args.name)
        self.out(job, _("Restored {name}.").format(name=job.name))
        return 0

    def delete(self) -> int:
        name = self.args.name
        jobs = self.ws.jobs()
        job = jobs.get_job(name)
        if not self.args.yes:
            what = _("This deletes job {name} ({display}, {status}) with its trials, its code, outputs and logs, and "
                     "its MLflow run. It cannot be undone; archiving hides a job and keeps it.").format(
                name=name, display=job.display_name, status=job.status.value)
            if not sys.stdin.isatty():
                raise ValidationError(_("{what} Pass --yes to delete it.").format(what=what), field="yes")
            if input(_("{what} Delete it? [y/N] ").format(what=what)).strip().lower() not in ("y", "yes"):
                print(_("Nothing was deleted."))
                return 1
        jobs.delete_job(name)
        self.out({"deleted": name}, _("Deleted job {name}.").format(name=name))
        return 0

    def cancel(self) -> int:
        job = self.ws.jobs().cancel(self.args.name)
        self.out(job, f"{job.name}: {render.status(job.status.value)}")
        return 0

    def export(self) -> int:
        a = self.args
        parent = Path(a.output).expanduser()
        if a.endpoint:
            result = self.ws.export_endpoint(a.endpoint, out_dir=parent, overwrite=a.force)
        else:
            result = self.ws.export_job(a.name, out_dir=parent, overwrite=a.force)
        self.out(result, render.export_text(result))
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

    def compute(self) -> int:
        computes = self.ws.computes()
        if self.args.instance_types:
            types = computes.list_instance_types()
            self.out({"instance_types": types}, render.instance_types_text(types))
            return 0
        listed = computes.list_computes()
        self.out({"computes": listed}, render.computes_text(listed))
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
        elif a.model_verb in ("tag", "describe"):
            name, number = _model_ref(a.model)
            changed = self.ws.models().update_model(name, number, self._labels())
            self.out(changed, render.model_version_text(changed))
        elif a.model_verb in ("archive", "restore"):
            name, number = _model_ref(a.model)
            changed = self.ws.models().archive_model(name, number, archived=a.model_verb == "archive")
            done = _("Archived {model}.") if changed.archived else _("Restored {model}.")
            self.out(changed, done.format(model=f"{changed.name}:{changed.version}"))
        elif a.model_verb == "alias":
            if a.remove == (a.version is not None):
                raise ValidationError(_("Name the version to hold the alias, or pass --remove."), field="version")
            holder = self.ws.models().set_model_alias(a.name, a.alias, a.version)
            text = (_("Removed alias {alias} of {name}.").format(alias=a.alias, name=a.name) if holder is None else
                    _("{name}@{alias} is version {version}; deploy it as {name}@{alias}.").format(
                        name=a.name, alias=a.alias, version=holder.version))
            self.out(holder if holder is not None else {"deleted": a.alias}, text)
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
            instance_type=a.instance_type, instance_count=a.instance_count,
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
