"""Sweep jobs on Azure ML: the trial built like a command job, swept, and read back as ``SweepDetails``.

Submitting builds the trial exactly as a command job is built (``submit.command_job``:
code, environment, data inputs, compute, ``amlx.*`` properties), then turns its
searched inputs into distributions and sweeps it (``sweep/azure_sdk.swept_node``),
so there is one upload path for both kinds. The parent's ``amlx.parameters``
property shows the searched parameters as their expressions (as the local target
does); the trials are Azure's child jobs (``<parent>_0``, ``<parent>_1``...),
listed through run history like any job's children.

Reading: the settings come back from the SDK's ``SweepJob`` (its search space,
sampling algorithm, objective, policy and limits carry the same field names as
``SweepSettings``); the best trial and its value are what Azure writes into the
parent's properties (``best_child_run_id``, ``score``); the counts come from one
listing of the children.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from ...errors import NotFoundError, ValidationError
from ...i18n import _
from ...records import Job, SweepDetails
from ...specs import CommandJobSpec, SweepJobSpec
from ...sweep.azure_sdk import swept_node
from ...sweep.settings import SweepSettings
from ...sweep.space import describe
from .connection import Connection
from .job_reads import JobReader
from .job_records import PROP_PARAMETERS, job_record, status_of
from .quiet import quiet_streams
from .run_history import RunHistory
from .submit import JobDefinition

#: Where Azure ML reports a sweep's best trial and its objective value (the parent's properties).
BEST_TRIAL_PROPERTY = "best_child_run_id"
BEST_VALUE_PROPERTY = "score"

TrialBuilder = Callable[[CommandJobSpec], tuple[Any, JobDefinition]]


class Sweeps:
    def __init__(self, connection: Connection, reader: JobReader, history: RunHistory) -> None:
        self._connection = connection
        self._reader = reader
        self._history = history

    def submit(self, spec: SweepJobSpec, build_trial: TrialBuilder) -> Job:
        """Create the sweep; ``build_trial`` is the command-job path (checks, upload plan, environment)."""
        with self._connection.translated():
            trial, definition = build_trial(spec.trial)
            swept = swept_node(trial, spec, compute=definition.compute)
            shown = {**spec.trial.parameters, **{n: describe(e) for n, e in spec.search_space.items()}}
            swept.properties = {**definition.properties, PROP_PARAMETERS: json.dumps(shown, sort_keys=True)}
            with quiet_streams():
                created = self._connection.ml.jobs.create_or_update(swept)
        return job_record(created)

    def details(self, name: str) -> SweepDetails:
        entity = self._reader.entity(name)  # 404 naming the job
        kind = str(getattr(entity, "type", "command")).lower()
        if kind != "sweep":
            raise NotFoundError(_("Job {name} is a {kind} job, not a sweep.").format(name=name, kind=kind), details={"job": name})
        settings = settings_of(entity)
        with self._connection.translated():
            children = self._history.child_statuses(name)
        counts: dict[str, int] = {}
        for _child, status in children:
            word = status_of(status).value
            counts[word] = counts.get(word, 0) + 1
        props = {str(k): str(v) for k, v in (getattr(entity, "properties", None) or {}).items()}
        sampling = settings.sampling_algorithm
        return SweepDetails(
            name=name,
            settings=settings,
            seed=getattr(sampling, "seed", None),
            best_trial=props.get(BEST_TRIAL_PROPERTY) or None,
            best_value=_number(props.get(BEST_VALUE_PROPERTY)),
            trials=len(children),
            trial_counts=counts,
            pruned=0,  # Azure reports an early-terminated trial as Canceled, not as pruned
            notes=tuple(settings.notes()),
        )


def settings_of(entity: Any) -> SweepSettings:
    """The SDK's ``SweepJob`` fields as ``SweepSettings`` (the SDK's names are ours, so this is a copy)."""
    space = {name: {**_fields(d), "type": d.type} for name, d in (entity.search_space or {}).items()}
    algorithm = entity.sampling_algorithm
    if isinstance(algorithm, str):
        sampling: dict[str, Any] = {"type": algorithm.lower()}
    else:
        sampling = {"type": str(algorithm.type).lower()}
        if sampling["type"] == "random":
            sampling.update(rule=getattr(algorithm, "rule", None) or "random", seed=getattr(algorithm, "seed", None))
    policy = entity.early_termination
    early = None
    if policy is not None:
        early = {"type": str(policy.type), "evaluation_interval": policy.evaluation_interval or 0,
                 "delay_evaluation": policy.delay_evaluation or 0}
        for field in ("slack_factor", "slack_amount", "truncation_percentage"):
            if getattr(policy, field, None):
                early[field] = getattr(policy, field)
    limits = entity.limits
    data = {
        "search_space": space,
        "objective": {"primary_metric": entity.objective.primary_metric, "goal": str(entity.objective.goal).lower()},
        "sampling_algorithm": sampling,
        "early_termination": early,
        "limits": {
            key: value for key in ("max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout")
            if (value := getattr(limits, key, None)) is not None
        },
    }
    try:
        return SweepSettings.model_validate(data)
    except ValueError as exc:
        raise ValidationError(
            _(
                'Job {entity_name} is a sweep whose settings amlx cannot read ({exc}).'
            ).format(entity_name=entity.name, exc=exc), details={"job": str(entity.name)}
        ) from None


def _fields(distribution: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(distribution).items() if not k.startswith("_") and k != "type"}


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
