"""The parts of a sweep besides its command: search space, objective, sampling, early termination, limits.

Names and defaults follow azure-ai-ml's sweep classes and the CLI v2 YAML
(``objective.primary_metric``/``goal``, ``sampling_algorithm``,
``early_termination``, ``limits.max_total_trials``...), and so do the rules
checked here, each with its own sentence:

- grid sampling takes ``choice`` dimensions only; bayesian sampling takes
  ``choice``, ``uniform`` and ``quniform`` (Azure's documented support);
- the string ``"sobol"`` is not an algorithm (Azure refuses it): it is the
  ``rule`` of random sampling;
- a bandit policy needs exactly one of ``slack_factor`` and ``slack_amount``;
  truncation selection needs ``truncation_percentage`` from 1 to 99;
- ``evaluation_interval`` 0 (the SDK's default) means 1, as Azure treats it;
- at most 1000 trials, and no more at once than in total.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..i18n import _
from .space import Choice, Part, SearchExpression, describe

_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
MAX_TRIALS = 1000
#: Azure raises a timeout of 1 to 59 seconds to 60 on the client.
AZURE_MIN_TIMEOUT = 60


class Objective(Part):
    """The metric the trials log (``mlflow.log_metric`` name, matched exactly) and whether lower or higher wins."""

    primary_metric: str = Field(min_length=1, max_length=250)
    goal: Literal["minimize", "maximize"]

    @field_validator("goal", mode="before")
    @classmethod
    def _goal(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("primary_metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value != value.strip() or any(c in value for c in "\n\r\t\x00"):
            raise ValueError(_("primary_metric must be the metric's exact name, as the trials pass it to mlflow.log_metric."))
        return value

    @property
    def minimize(self) -> bool:
        return self.goal == "minimize"

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is strictly better than ``b``."""
        return a < b if self.minimize else a > b


class RandomSampling(Part):
    """Independent draws (``rule="random"``) or a scrambled Sobol sequence (``rule="sobol"``), from ``seed``."""

    type: Literal["random"] = "random"
    rule: Literal["random", "sobol"] = "random"
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)


class GridSampling(Part):
    """Every combination of the ``choice`` values, each once."""

    type: Literal["grid"] = "grid"


class BayesianSampling(Part):
    """Points chosen from the results so far (locally: optuna's TPE after a few random ones)."""

    type: Literal["bayesian"] = "bayesian"


def _sampling_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word == "sobol":
        raise ValueError(
            _("'sobol' is a rule of random sampling, not an algorithm (Azure ML refuses it as one): use {example}.").format(
                example='{"type": "random", "rule": "sobol", "seed": 1}')
        )
    if word not in ("random", "grid", "bayesian"):
        raise ValueError(_("Unknown sampling algorithm {value!r}; use random, grid or bayesian.").format(value=value))
    return {"type": word}


_Sampling = Annotated[RandomSampling | GridSampling | BayesianSampling, Field(discriminator="type")]
SamplingAlgorithm = Annotated[
    _Sampling, BeforeValidator(_sampling_text, json_schema_input_type=Literal["random", "grid", "bayesian"] | _Sampling)
]


class _Policy(Part):
    """When a policy looks at the trials: at every ``evaluation_interval``-th logged value from ``delay_evaluation`` on."""

    evaluation_interval: int = Field(default=1, ge=0)
    delay_evaluation: int = Field(default=0, ge=0)

    @property
    def interval(self) -> int:
        """The interval in force: the SDK's default of 0 means 1."""
        return max(1, self.evaluation_interval)

    def fires_at(self, k: int) -> bool:
        """Whether the policy evaluates at the ``k``-th logged value (1-based)."""
        return k >= 1 and k % self.interval == 0 and k >= self.delay_evaluation


class BanditPolicy(_Policy):
    """Stop a trial whose value is not within the slack of the best trial's value at the same interval."""

    type: Literal["bandit"] = "bandit"
    slack_factor: float | None = None
    slack_amount: float | None = None

    @model_validator(mode="after")
    def _one_slack(self) -> BanditPolicy:
        given = {k: v for k, v in (("slack_factor", self.slack_factor), ("slack_amount", self.slack_amount)) if v}
        if len(given) != 1:
            raise ValueError(
                _("A bandit policy needs exactly one of slack_factor (a ratio, e.g. 0.1) or slack_amount (a distance, e.g. 0.2).")
            )
        name, value = next(iter(given.items()))
        if not math.isfinite(value) or value < 0:
            raise ValueError(_("{name} must be a positive number (got {value:g}).").format(name=name, value=value))
        return self


class MedianStoppingPolicy(_Policy):
    """Stop a trial whose best value is worse than the median of the other trials' running averages."""

    type: Literal["median_stopping"] = "median_stopping"


class TruncationSelectionPolicy(_Policy):
    """At each evaluation, stop the trials in the worst ``truncation_percentage`` percent."""

    type: Literal["truncation_selection"] = "truncation_selection"
    truncation_percentage: int = Field(ge=1, le=99)


EarlyTermination = Annotated[
    BanditPolicy | MedianStoppingPolicy | TruncationSelectionPolicy, Field(discriminator="type")
]


class SweepLimits(Part):
    """How many trials in all and at once, and how long (seconds) the sweep and each trial may run."""

    max_total_trials: int = Field(default=MAX_TRIALS, ge=1, le=MAX_TRIALS)
    max_concurrent_trials: int | None = Field(default=None, ge=1, le=MAX_TRIALS)
    timeout: int | None = Field(default=None, ge=1)
    trial_timeout: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _concurrency(self) -> SweepLimits:
        if self.max_concurrent_trials is not None and self.max_concurrent_trials > self.max_total_trials:
            raise ValueError(
                _("max_concurrent_trials ({concurrent}) cannot exceed max_total_trials ({total}).").format(
                    concurrent=self.max_concurrent_trials, total=self.max_total_trials)
            )
        return self

    @property
    def concurrent(self) -> int:
        """Trials at once; Azure's default is as many as the total."""
        return self.max_concurrent_trials or self.max_total_trials


class SweepSettings(Part):
    """What to search and how: everything a sweep has besides the trial's command."""

    search_space: dict[str, SearchExpression] = Field(min_length=1, max_length=100)
    objective: Objective
    sampling_algorithm: SamplingAlgorithm = Field(default_factory=RandomSampling)
    early_termination: EarlyTermination | None = None
    limits: SweepLimits = Field(default_factory=SweepLimits)

    @field_validator("search_space", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if not value:
                raise ValueError(_("Give at least one parameter to search, e.g. alpha: uniform(0.1, 1.0)."))
            for name in value:
                if not isinstance(name, str) or not _PARAMETER_NAME.match(name):
                    raise ValueError(_("{name!r} is not a parameter name (letters, digits and _, not starting with a digit).").format(
                        name=name))
        return value

    @model_validator(mode="after")
    def _algorithm_fits_space(self) -> SweepSettings:
        algorithm = self.sampling_algorithm.type
        for name, expression in self.search_space.items():
            if algorithm == "grid" and not expression.grid_ok:
                raise ValueError(
                    _("Grid sampling can only be used with choice; {name} is {expression}. "
                      "List the values, e.g. {name}: choice(0.1, 0.5, 1.0), or use random sampling.").format(
                        name=name, expression=describe(expression))
                )
            if algorithm == "bayesian" and not expression.bayesian_ok:
                raise ValueError(
                    _("Bayesian sampling supports choice, uniform and quniform only; {name} is {expression}.").format(
                        name=name, expression=describe(expression))
                )
        return self

    def grid_size(self) -> int | None:
        """How many points a grid sweep has (``None`` for other algorithms)."""
        if self.sampling_algorithm.type != "grid":
            return None
        return math.prod(len(e.values) for e in self.search_space.values() if isinstance(e, Choice))

    def total_trials(self) -> int:
        """Trials the sweep will run at most: the limit, or the grid when it is smaller."""
        grid = self.grid_size()
        return self.limits.max_total_trials if grid is None else min(grid, self.limits.max_total_trials)

    def notes(self) -> list[str]:
        """Things worth knowing that are not mistakes (shown in the preview and the sweep's log)."""
        notes = []
        algorithm = self.sampling_algorithm.type
        if algorithm == "bayesian" and self.early_termination is not None:
            notes.append(
                "Azure's HyperDrive documentation says bayesian sampling does not support early termination; "
                "the local engine applies the policy, Azure may not."
            )
        if algorithm == "bayesian" and self.limits.max_total_trials < 20 * len(self.search_space):
            notes.append(
                f"Azure recommends at least 20 trials per searched parameter for bayesian sampling "
                f"({20 * len(self.search_space)} here)."
            )
        grid = self.grid_size()
        if grid is not None and grid > self.limits.max_total_trials:
            notes.append(f"The grid has {grid} points; only the first {self.limits.max_total_trials} run (max_total_trials).")
        for name, value in (("timeout", self.limits.timeout), ("trial_timeout", self.limits.trial_timeout)):
            if value is not None and value < AZURE_MIN_TIMEOUT:
                notes.append(f"Azure ML raises a {name} under 60 s to 60 s; the local engine keeps {value} s.")
        return notes
