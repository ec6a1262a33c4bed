"""A sweep from a notebook cell: the cell's parameters are the dimensions, its earlier runs offer the objective.

What the facade needs between "a cell and a request" and "a ``SweepJobSpec``":
the dimensions a cell offers, the checks a search space must pass against
them (a sentence per mistake: an unknown parameter, one both fixed and
searched, an expression that does not fit the notebook value's type), the
trial's command (each searched parameter as ``--name ${{inputs.name}}``,
which is how Azure ML binds a search space to a command), and the preview
records. Also the text forms the CLI and the magics share (``rmse:min``,
``bandit(slack_factor=0.1)``, ``sobol``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..i18n import _
from ..notebook.package import JobPackage
from ..records import Record
from .settings import SweepSettings
from .space import describe, fits_parameter, looks_like_expression, parse_expression

#: How many sampled points a preview shows.
PREVIEW_POINTS = 5


@dataclass(frozen=True)
class SweepDimension(Record):
    """A parameter of the cell, as a dimension a sweep may search.

    ``type`` is the notebook value's (``float``, ``int``, ``str``, ``bool``,
    ``literal``); ``searchable`` is false for lists and dicts;
    ``expression`` is the requested search expression, if any.
    """

    name: str
    type: str
    default: Any
    searchable: bool
    expression: str | None = None


@dataclass(frozen=True)
class SweepPreview(Record):
    """What sweeping the cell would do, before anything runs.

    ``metrics`` are the metric keys the cell's earlier runs logged (the
    objective to offer, most common first). With a sweep described,
    ``points`` are the first sampled trials (parameters as the trials get
    them), drawn with ``seed`` (pass it back to run exactly these; bayesian
    sampling chooses later points from results); ``total_trials`` is how many
    trials the limits (or the grid) allow.
    """

    package: JobPackage
    dimensions: tuple[SweepDimension, ...]
    metrics: tuple[str, ...]
    seed: int | None = None
    points: tuple[dict[str, Any], ...] = ()
    total_trials: int | None = None
    notes: tuple[str, ...] = ()


def dimensions(package: JobPackage, settings: SweepSettings | None) -> tuple[SweepDimension, ...]:
    space = settings.search_space if settings is not None else {}
    return tuple(
        SweepDimension(
            name=p.name, type=p.type, default=p.default, searchable=p.type != "literal",
            expression=describe(space[p.name]) if p.name in space else None,
        )
        for p in package.parameters.values()
    )


def check_space(package: JobPackage, settings: SweepSettings, fixed: Mapping[str, Any]) -> None:
    """Each searched name is a parameter of the cell, not also fixed, and its expression fits its type."""
    known = ", ".join(package.parameters) or _("none")
    for name, expression in settings.search_space.items():
        param = package.parameters.get(name)
        if param is None:
            raise ValidationError(
                _("The cell has no parameter {name!r} to search; its parameters are: {known}. "
                  "Parameters are the cell's top-level literal assignments (or a cell tagged parameters).").format(
                    name=name, known=known),
                field=f"sweep.search_space.{name}",
            )
        if name in fixed:
            raise ValidationError(_("{name} is both searched and fixed (parameters.{name}); do one or the other.").format(name=name),
                                  field=f"parameters.{name}")
        problem = fits_parameter(expression, param.type)
        if problem:
            raise ValidationError(_("Cannot search {name} with {expression}: {problem}").format(
                name=name, expression=describe(expression), problem=problem),
                                  field=f"sweep.search_space.{name}")


def trial_command(package: JobPackage, settings: SweepSettings, fixed: Mapping[str, Any]) -> list[str]:
    """The package's command with the fixed parameters, then ``--name ${{inputs.name}}`` per searched one."""
    argv = package.command_line(parameters=fixed)
    for name in settings.search_space:
        argv += [package.parameters[name].flag, f"${{{{inputs.{name}}}}}"]
    return argv


def offered_metrics(jobs: Iterable[Any], *, cell: int, notebook: str | None) -> tuple[str, ...]:
    """Metric keys logged by earlier runs of the same cell (tags ``amlx.cell`` and ``amlx.notebook``), most common first."""
    from pathlib import PurePath

    counts: dict[str, int] = {}
    wanted = PurePath(notebook).name if notebook else None
    for job in jobs:
        if job.type != "command" or job.tags.get("amlx.cell") != str(cell):  # a sweep's own metrics are about its trials
            continue
        source = job.tags.get("amlx.notebook")
        if wanted and source and PurePath(source).name != wanted:
            continue
        for key in job.metrics:
            counts[key] = counts.get(key, 0) + 1
    return tuple(sorted(counts, key=lambda k: (-counts[k], k)))


# -- the text forms of the CLI and the magics ------------------------------------------------------


def split_params(pairs: Mapping[str, str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """``--param`` values: a search expression (``uniform(0.1, 1)``) opens a dimension, anything else fixes the value."""
    fixed: dict[str, str] = {}
    space: dict[str, dict[str, Any]] = {}
    for name, text in pairs.items():
        if looks_like_expression(text):
            space[name] = parse_expression(text)
        else:
            fixed[name] = text
    return fixed, space


def parse_objective(text: str) -> dict[str, str]:
    """``rmse:min`` / ``accuracy:max`` (also ``minimize``/``maximize``) -> the objective."""
    metric, sep, goal = text.rpartition(":")
    goals = {"min": "minimize", "minimize": "minimize", "max": "maximize", "maximize": "maximize"}
    if not sep or not metric.strip() or goal.strip().lower() not in goals:
        raise ValidationError(_("--objective {text!r} must look like rmse:min or accuracy:max.").format(text=text), field="objective")
    return {"primary_metric": metric.strip(), "goal": goals[goal.strip().lower()]}


def parse_sampling(name: str | None, seed: int | None) -> dict[str, Any]:
    """``random`` / ``sobol`` / ``grid`` / ``bayesian`` (``sobol`` is random sampling's rule, as in Azure ML)."""
    word = (name or "random").strip().lower()
    if word == "sobol":
        return {"type": "random", "rule": "sobol", **({"seed": seed} if seed is not None else {})}
    if word == "random":
        return {"type": "random", **({"seed": seed} if seed is not None else {})}
    if word in ("grid", "bayesian"):
        if seed is not None:
            raise ValidationError(_("--seed applies to random and sobol sampling, not {sampling}.").format(sampling=word), field="seed")
        return {"type": word}
    raise ValidationError(_("--sampling {name!r}: use random, sobol, grid or bayesian.").format(name=name), field="sampling_algorithm")


_POLICIES = {"bandit": "bandit", "median": "median_stopping", "median_stopping": "median_stopping",
             "truncation": "truncation_selection", "truncation_selection": "truncation_selection"}


def parse_policy(text: str | None) -> dict[str, Any] | None:
    """``bandit(slack_factor=0.1, delay_evaluation=5)``, ``median_stopping``, ``truncation_selection(truncation_percentage=20)``."""
    if text is None or text.strip().lower() in ("", "none"):
        return None
    source = text.strip()
    try:
        node = ast.parse(source if "(" in source else f"{source}()", mode="eval").body
    except SyntaxError:
        node = None
    example = _("bandit(slack_factor=0.1), median_stopping(delay_evaluation=5) or truncation_selection(truncation_percentage=20)")
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.args:
        raise ValidationError(_("--policy {text!r}: write it like {example}.").format(text=text, example=example),
                              field="early_termination")
    kind = _POLICIES.get(node.func.id.lower())
    if kind is None:
        raise ValidationError(_("--policy {name!r} is not a policy; use {example}.").format(name=node.func.id, example=example),
                              field="early_termination")
    try:
        options = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
    except ValueError:
        raise ValidationError(_("--policy {text!r}: the options must be numbers.").format(text=text), field="early_termination") from None
    return {"type": kind, **options}


def sweep_settings(
    space: Mapping[str, Any],
    *,
    objective: str | None,
    sampling: str | None = None,
    seed: int | None = None,
    policy: str | None = None,
    trials: int | None = None,
    concurrent: int | None = None,
    timeout: int | None = None,
    trial_timeout: int | None = None,
    offered: Iterable[str] = (),
) -> SweepSettings:
    """The settings from CLI/magic options (validated like a REST body)."""
    if not space:
        raise ValidationError(
            _("Open at least one dimension: --param NAME='uniform(0.1, 1.0)' (or choice(...), randint(...), loguniform(...))."),
            field="search_space",
        )
    if objective is None:
        known = list(offered)
        said = (_("Name the objective, e.g. --objective rmse:min; earlier runs of this cell logged: {metrics}.").format(
            metrics=", ".join(known)) if known else _("Name the objective, e.g. --objective rmse:min."))
        raise ValidationError(said, field="objective")
    limits: dict[str, Any] = {}
    for key, value in (("max_total_trials", trials), ("max_concurrent_trials", concurrent), ("timeout", timeout),
                       ("trial_timeout", trial_timeout)):
        if value is not None:
            limits[key] = value
    data: dict[str, Any] = {
        "search_space": dict(space),
        "objective": parse_objective(objective),
        "sampling_algorithm": parse_sampling(sampling, seed),
        "limits": limits,
    }
    terminate = parse_policy(policy)
    if terminate is not None:
        data["early_termination"] = terminate
    from ..validation import as_validation_error
    import pydantic

    try:
        return SweepSettings.model_validate(data)
    except pydantic.ValidationError as exc:
        raise as_validation_error(exc, SweepSettings) from None
