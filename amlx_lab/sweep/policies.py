"""Early termination: whether a trial stops, from the objective values the trials logged so far.

Azure's definitions (how-to-tune-hyperparameters): each value a trial logs
for the primary metric is one *interval*; a policy evaluates a trial at its
``k``-th value when ``k`` is a multiple of ``evaluation_interval`` (0 means 1)
and ``k >= delay_evaluation``. It compares the trial with every other trial
that has logged at least ``k`` values (running, finished or stopped), at the
same interval, so a young trial meets older ones where they were at its age:

- **bandit**: the best value at interval ``k`` among all trials defines a
  cut-off: maximizing, ``best / (1 + slack_factor)`` or
  ``best - slack_amount``; minimizing (mirrored), ``best * (1 + slack_factor)``
  or ``best + slack_amount``. A factor always moves the cut-off away from the
  best, so for a negative best the division and multiplication swap. A value
  beyond the cut-off stops the trial.
- **median stopping**: the trial's best value over intervals 1..k is worse
  than the median of the other trials' averages over their intervals 1..k.
- **truncation selection**: the trial is among the worst
  ``truncation_percentage`` percent of the trials' values at interval ``k``
  (rounded down; ties keep the trial).

A value of ``None`` (NaN logged) is neither compared nor counted as a best.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .settings import BanditPolicy, EarlyTermination, MedianStoppingPolicy, Objective, TruncationSelectionPolicy


@dataclass(frozen=True)
class Progress:
    """One trial's logged objective values, in order (interval ``k`` is ``values[k - 1]``)."""

    name: str
    values: tuple[float | None, ...]

    def at(self, k: int) -> float | None:
        return self.values[k - 1] if len(self.values) >= k else None


@dataclass(frozen=True)
class Stop:
    """A decision to stop a trial: at which interval, and the sentence saying why."""

    interval: int
    reason: str


def first_stop(
    policy: EarlyTermination, objective: Objective, trial: Progress, others: Sequence[Progress], after: int = 0
) -> Stop | None:
    """The first interval after ``after`` (intervals already judged) at which ``trial`` stops, if any."""
    for k in range(after + 1, len(trial.values) + 1):
        if policy.fires_at(k):
            stop = decide(policy, objective, trial, others, k)
            if stop is not None:
                return stop
    return None


def decide(policy: EarlyTermination, objective: Objective, trial: Progress, others: Sequence[Progress], k: int) -> Stop | None:
    """Whether ``trial`` stops at its ``k``-th value (the policy fires there)."""
    mine = trial.at(k)
    if mine is None:
        return None
    peers = [v for v in (o.at(k) for o in others if o.name != trial.name) if v is not None]
    if isinstance(policy, BanditPolicy):
        return _bandit(policy, objective, mine, peers, k)
    if isinstance(policy, MedianStoppingPolicy):
        return _median(objective, trial, [o for o in others if o.name != trial.name], k)
    if isinstance(policy, TruncationSelectionPolicy):
        return _truncation(policy, objective, mine, peers, k)
    raise TypeError(f"unknown policy {policy!r}")


def bandit_cutoff(policy: BanditPolicy, objective: Objective, best: float) -> float:
    """The worst value still within the slack of ``best``."""
    if policy.slack_amount:
        return best + policy.slack_amount if objective.minimize else best - policy.slack_amount
    factor = 1 + (policy.slack_factor or 0.0)
    away_up = objective.minimize == (best >= 0)  # the cut-off lies above the best when minimizing a positive value
    return best * factor if away_up else best / factor


def _bandit(policy: BanditPolicy, objective: Objective, mine: float, peers: list[float], k: int) -> Stop | None:
    candidates = [mine, *peers]
    best = min(candidates) if objective.minimize else max(candidates)
    cutoff = bandit_cutoff(policy, objective, best)
    if not objective.better(cutoff, mine):
        return None
    slack = f"slack amount {policy.slack_amount:g}" if policy.slack_amount else f"slack factor {policy.slack_factor:g}"
    return Stop(
        k,
        f"bandit policy at interval {k}: {objective.primary_metric} {mine:.6g} is worse than {cutoff:.6g}, "
        f"the best value at that interval ({best:.6g}) with {slack}",
    )


def _median(objective: Objective, trial: Progress, others: Sequence[Progress], k: int) -> Stop | None:
    averages = []
    for other in others:
        if len(other.values) < k:
            continue
        seen = [v for v in other.values[:k] if v is not None]
        if seen:
            averages.append(sum(seen) / len(seen))
    mine = [v for v in trial.values[:k] if v is not None]
    if not averages or not mine:
        return None
    best = min(mine) if objective.minimize else max(mine)
    median = statistics.median(averages)
    if not objective.better(median, best):
        return None
    return Stop(
        k,
        f"median stopping at interval {k}: the best {objective.primary_metric} so far, {best:.6g}, is worse than "
        f"{median:.6g}, the median of {len(averages)} other trial(s)' running averages",
    )


def _truncation(
    policy: TruncationSelectionPolicy, objective: Objective, mine: float, peers: list[float], k: int
) -> Stop | None:
    count = len(peers) + 1
    cut = math.floor(count * policy.truncation_percentage / 100)
    if cut == 0:
        return None
    better = sum(1 for v in peers if objective.better(v, mine))
    if better < count - cut:
        return None
    return Stop(
        k,
        f"truncation selection at interval {k}: {objective.primary_metric} {mine:.6g} is in the worst "
        f"{policy.truncation_percentage}% of {count} trials at that interval",
    )
