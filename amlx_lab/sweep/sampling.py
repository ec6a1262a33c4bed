"""Trial points: what the ``index``-th trial of a sweep runs with.

A point depends only on the sweep's settings, its seed and the trial's index
(and, for bayesian sampling, on the results so far), never on the engine's
memory. That is what lets a sweep's controller die and resume from the
store, and the sidebar preview the first points before anything runs:

- random: each trial draws its own ``u`` per dimension from a generator
  seeded with (seed, index), then ``expression.from_unit(u)``;
- random with rule sobol: the index-th point of a scrambled Sobol sequence
  (scipy), one coordinate per dimension;
- grid: the index-th combination of the ``choice`` values, in
  ``itertools.product`` order (the first dimension changes slowest);
- bayesian: random points until a few trials have finished, then optuna's
  TPE over the finished (and pruned) trials, seeded with (seed, index).
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .settings import SweepSettings
from .space import Choice, ChoiceValue, QUniform, Uniform, q_round

Point = dict[str, ChoiceValue]


@dataclass(frozen=True)
class TrialResult:
    """What a sampler may know about an earlier trial."""

    index: int
    values: Point
    state: str  # "complete" | "pruned" | "failed" | "running"
    objective: tuple[float | None, ...] = field(default_factory=tuple)  # logged values, in order

    @property
    def final(self) -> float | None:
        """The trial's objective: its last logged value."""
        return self.objective[-1] if self.objective else None


def as_parameter(value: ChoiceValue, default: Any) -> Any:
    """A sampled value in the type of the notebook's value: ``4.0`` for an ``int`` parameter is ``4``,
    ``"true"`` for a ``bool`` one is ``True``; what ``main.py``'s ``--name`` option accepts."""
    if isinstance(default, bool):
        return value.strip().lower() in ("true", "1", "yes", "on") if isinstance(value, str) else bool(value)
    if isinstance(default, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    return value


def random_seed() -> int:
    """A seed for a sweep that names none (kept with the sweep, so a resumed sweep draws the same points)."""
    return random.SystemRandom().randrange(2**32)


def startup_trials(settings: SweepSettings) -> int:
    """How many random trials bayesian sampling runs before it models the results."""
    return max(2, min(10, settings.limits.max_total_trials // 5))


def sample(settings: SweepSettings, seed: int, index: int, history: Sequence[TrialResult] = ()) -> Point | None:
    """The point of trial ``index`` (0-based); ``None`` once a grid has no points left."""
    algorithm = settings.sampling_algorithm
    if algorithm.type == "grid":
        return _grid_point(settings, index)
    if algorithm.type == "random" and algorithm.rule == "sobol":
        return _from_units(settings, _sobol_units(len(settings.search_space), seed, index))
    if algorithm.type == "bayesian" and index >= startup_trials(settings):
        point = _tpe_point(settings, seed, index, history)
        if point is not None:
            return point
    return _from_units(settings, _random_units(len(settings.search_space), seed, index))


def preview(settings: SweepSettings, seed: int, count: int) -> list[Point]:
    """The first ``count`` points (bayesian: its random start; later ones depend on the results)."""
    points = []
    for index in range(min(count, settings.total_trials())):
        point = sample(settings, seed, index)
        if point is None:
            break
        points.append(point)
    return points


def _from_units(settings: SweepSettings, units: Sequence[float]) -> Point:
    return {name: expression.from_unit(u) for (name, expression), u in zip(settings.search_space.items(), units)}


def _random_units(dimensions: int, seed: int, index: int) -> list[float]:
    generator = random.Random(f"amlx-sweep/{seed}/{index}")  # str seeds are hashed with SHA-512: stable everywhere
    return [generator.random() for _ in range(dimensions)]


def _sobol_units(dimensions: int, seed: int, index: int) -> list[float]:
    from scipy.stats import qmc  # lazy: scipy.stats costs about half a second

    engine = qmc.Sobol(d=dimensions, scramble=True, seed=seed)
    if index:
        engine.fast_forward(index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "balance properties ... power of 2": true of any single point
        return [float(u) for u in engine.random(1)[0]]


def _grid_point(settings: SweepSettings, index: int) -> Point | None:
    choices = [(name, e.values) for name, e in settings.search_space.items() if isinstance(e, Choice)]
    size = math.prod(len(values) for _, values in choices)
    if index >= size:
        return None
    point: Point = {}
    for name, values in reversed(choices):  # mixed radix, last dimension fastest
        index, digit = divmod(index, len(values))
        point[name] = values[digit]
    return {name: point[name] for name, _ in choices}


def _tpe_point(settings: SweepSettings, seed: int, index: int, history: Sequence[TrialResult]) -> Point | None:
    """optuna's TPE over the finished trials; ``None`` when none finished with a value (then: random)."""
    finished = [t for t in history if t.state in ("complete", "pruned") and any(v is not None for v in t.objective)]
    if not any(t.state == "complete" and t.final is not None for t in finished):
        return None
    import optuna  # lazy: only bayesian sweeps need it, and only in the sweep's controller
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions: dict[str, Any] = {}
    for name, expression in settings.search_space.items():
        if isinstance(expression, Choice):
            distributions[name] = CategoricalDistribution(list(range(len(expression.values))))
        elif isinstance(expression, (Uniform, QUniform)):
            distributions[name] = FloatDistribution(expression.min_value, expression.max_value)
        else:  # settings refuse other expressions with bayesian sampling
            raise ValueError(f"bayesian sampling cannot search {name} ({expression.type})")

    def to_optuna(values: Point) -> dict[str, Any] | None:
        params: dict[str, Any] = {}
        for name, expression in settings.search_space.items():
            value = values.get(name)
            if value is None:
                return None
            if isinstance(expression, Choice):
                matches = [i for i, v in enumerate(expression.values) if v == value or str(v) == str(value)]
                if not matches:
                    return None
                params[name] = matches[0]
            else:
                assert isinstance(expression, (Uniform, QUniform))
                params[name] = min(max(float(value), expression.min_value), expression.max_value)
        return params

    sampler = optuna.samplers.TPESampler(seed=(seed * 1_000_003 + index) % 2**32, n_startup_trials=0)
    study = optuna.create_study(direction="minimize" if settings.objective.minimize else "maximize", sampler=sampler)
    for trial in finished:
        params = to_optuna(trial.values)
        if params is None:
            continue
        steps = {k: v for k, v in enumerate(trial.objective, start=1) if v is not None}
        if trial.state == "complete" and trial.final is not None:
            study.add_trial(create_trial(params=params, distributions=distributions, value=trial.final,
                                         intermediate_values=steps))
        else:
            study.add_trial(create_trial(params=params, distributions=distributions, state=TrialState.PRUNED,
                                         intermediate_values=steps))
    asked = study.ask(fixed_distributions=distributions)
    point: Point = {}
    for name, expression in settings.search_space.items():
        raw = asked.params[name]
        if isinstance(expression, Choice):
            point[name] = expression.values[int(raw)]
        elif isinstance(expression, QUniform):
            point[name] = q_round(float(raw), expression.q)
        else:
            point[name] = float(raw)
    return point
