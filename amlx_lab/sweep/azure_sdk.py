"""A ``SweepJobSpec`` as azure-ai-ml objects: ``command(...)(alpha=Uniform(...)).sweep(...)``, one to one.

For the Azure target (the backend calls ``sweep_node`` and submits the result
with ``ml_client.jobs.create_or_update``); nothing here talks to Azure, and
``azure.ai.ml`` is imported only when a function here is called. Every field
of the spec has its SDK counterpart under the same name: search expressions
(``Uniform(min_value=, max_value=)``...), ``sampling_algorithm`` (a string, or
``RandomSamplingAlgorithm(rule="sobol", seed=)``), ``early_termination_policy``
(``BanditPolicy`` etc., ``evaluation_interval`` passed as given: the service
reads 0 as 1) and the limits (``set_limits``). The trial's code, environment
and data inputs are the backend's to resolve, so they are parameters here.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from typing import Any

from ..specs import SweepJobSpec
from .settings import BanditPolicy, EarlyTermination, MedianStoppingPolicy, RandomSampling, TruncationSelectionPolicy
from .space import Choice, Expression

_PLACEHOLDER = re.compile(r"^\$\{\{\s*inputs\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$")
_CLASSES = {
    "choice": "Choice", "randint": "Randint", "uniform": "Uniform", "loguniform": "LogUniform", "quniform": "QUniform",
    "qloguniform": "QLogUniform", "normal": "Normal", "lognormal": "LogNormal", "qnormal": "QNormal", "qlognormal": "QLogNormal",
}


def command_line(argv: tuple[str, ...] | list[str]) -> str:
    """The trial's argv as Azure's command string; ``${{inputs.x}}`` placeholders stay unquoted."""
    return " ".join(arg if _PLACEHOLDER.match(arg) else shlex.quote(arg) for arg in argv)


def distribution(expression: Expression) -> Any:
    """``uniform(0.1, 1)`` -> ``azure.ai.ml.sweep.Uniform(min_value=0.1, max_value=1.0)``."""
    from azure.ai.ml import sweep

    fields = expression.model_dump(exclude={"type"})
    if isinstance(expression, Choice):
        return sweep.Choice(values=list(expression.values))
    return getattr(sweep, _CLASSES[expression.type])(**fields)


def sampling_algorithm(spec: SweepJobSpec) -> Any:
    """``"random"`` / ``"grid"`` / ``"bayesian"``, or ``RandomSamplingAlgorithm`` when a rule or seed is set."""
    algorithm = spec.sampling_algorithm
    if isinstance(algorithm, RandomSampling) and (algorithm.rule != "random" or algorithm.seed is not None):
        from azure.ai.ml.sweep import RandomSamplingAlgorithm

        return RandomSamplingAlgorithm(rule=algorithm.rule, seed=algorithm.seed)
    return algorithm.type


def early_termination(policy: EarlyTermination | None) -> Any:
    if policy is None:
        return None
    from azure.ai.ml import sweep

    timing = {"evaluation_interval": policy.evaluation_interval, "delay_evaluation": policy.delay_evaluation}
    if isinstance(policy, BanditPolicy):
        return sweep.BanditPolicy(slack_factor=policy.slack_factor or 0, slack_amount=policy.slack_amount or 0, **timing)
    if isinstance(policy, MedianStoppingPolicy):
        return sweep.MedianStoppingPolicy(**timing)
    assert isinstance(policy, TruncationSelectionPolicy)
    return sweep.TruncationSelectionPolicy(truncation_percentage=policy.truncation_percentage, **timing)


def sweep_node(
    spec: SweepJobSpec,
    *,
    code: str | os.PathLike[str],
    environment: Any,
    compute: str | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> Any:
    """The sweep as azure-ai-ml builds it: ``command(...)(name=Distribution, ...).sweep(...)`` with its limits set.

    ``inputs`` are the trial's data inputs as the backend resolved them (``Input(...)``);
    the searched parameters become inputs here, their notebook values the defaults.
    """
    from azure.ai.ml import command

    trial = spec.trial
    searched = {name: trial.parameters.get(name) for name in spec.search_space}
    job = command(
        code=os.fspath(code),
        command=command_line(trial.command),
        inputs={**searched, **dict(inputs or {})},
        environment=environment,
        compute=compute or trial.compute,
        experiment_name=trial.experiment,
        display_name=trial.display_name,
        tags=dict(trial.tags),
    )
    return swept_node(job, spec, compute=compute or trial.compute)


def swept_node(job: Any, spec: SweepJobSpec, *, compute: str | None) -> Any:
    """An azure-ai-ml ``Command`` for the trial turned into the sweep: searched inputs become distributions.

    The Azure backend builds the trial with the command-job path (code upload,
    environment, data inputs, ``amlx.*`` properties) and hands the node here.
    """
    trial = spec.trial
    node = job(**{name: distribution(expression) for name, expression in spec.search_space.items()})
    swept = node.sweep(
        primary_metric=spec.objective.primary_metric,
        goal=spec.objective.goal,
        sampling_algorithm=sampling_algorithm(spec),
        compute=compute,
        early_termination_policy=early_termination(spec.early_termination),
    )
    limits = spec.limits
    swept.set_limits(
        max_total_trials=limits.max_total_trials, max_concurrent_trials=limits.concurrent,
        timeout=limits.timeout, trial_timeout=limits.trial_timeout,
    )
    swept.experiment_name = trial.experiment
    swept.display_name = trial.display_name
    swept.tags = dict(trial.tags)
    return swept
