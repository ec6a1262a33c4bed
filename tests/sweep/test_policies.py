"""Each early-termination policy's decisions on constructed metric histories (Azure's definitions)."""

from __future__ import annotations

import pytest

from amlx_lab.sweep.policies import Progress, decide, first_stop
from amlx_lab.sweep.settings import (
    BanditPolicy,
    MedianStoppingPolicy,
    Objective,
    TruncationSelectionPolicy,
)

MAX = Objective(primary_metric="auc", goal="maximize")
MIN = Objective(primary_metric="rmse", goal="minimize")


def trial(name: str, *values: float | None) -> Progress:
    return Progress(name, tuple(values))


# -- bandit ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy, goal, best, mine, stops",
    [
        # maximizing: cut-off best / (1 + slack_factor) = 0.9 / 1.1 = 0.818
        (BanditPolicy(slack_factor=0.1), MAX, 0.9, 0.80, True),
        (BanditPolicy(slack_factor=0.1), MAX, 0.9, 0.83, False),
        # Azure's documented example: best 0.8, slack factor 0.2 -> cut-off 0.8 / 1.2 = 0.667
        (BanditPolicy(slack_factor=0.2), MAX, 0.8, 0.66, True),
        (BanditPolicy(slack_factor=0.2), MAX, 0.8, 0.67, False),
        # slack amount: best - 0.05 = 0.85
        (BanditPolicy(slack_amount=0.05), MAX, 0.9, 0.84, True),
        (BanditPolicy(slack_amount=0.05), MAX, 0.9, 0.86, False),
        # minimizing, mirrored: best * (1 + slack_factor) = 1.1, best + slack_amount = 1.2
        (BanditPolicy(slack_factor=0.1), MIN, 1.0, 1.2, True),
        (BanditPolicy(slack_factor=0.1), MIN, 1.0, 1.05, False),
        (BanditPolicy(slack_amount=0.2), MIN, 1.0, 1.25, True),
        (BanditPolicy(slack_amount=0.2), MIN, 1.0, 1.15, False),
        # a negative best: the factor still moves the cut-off away from the best
        (BanditPolicy(slack_factor=0.1), MAX, -1.0, -1.2, True),
        (BanditPolicy(slack_factor=0.1), MAX, -1.0, -1.05, False),
        (BanditPolicy(slack_factor=0.1), MIN, -1.0, -0.85, True),
        (BanditPolicy(slack_factor=0.1), MIN, -1.0, -0.95, False),
    ],
)
def test_bandit_cuts_off_outside_the_slack_of_the_best(
    policy: BanditPolicy, goal: Objective, best: float, mine: float, stops: bool
) -> None:
    decision = decide(policy, goal, trial("t", mine), [trial("best", best)], 1)
    assert (decision is not None) == stops
    if decision is not None:
        assert decision.interval == 1 and "bandit" in decision.reason and goal.primary_metric in decision.reason


def test_bandit_compares_values_at_the_same_interval() -> None:
    """A young trial meets the others where they were at its age, not where they are now."""
    policy = BanditPolicy(slack_factor=0.1)
    old = trial("old", 0.5, 0.95)  # at interval 1 it had 0.5; it reached 0.95 later
    assert decide(policy, MAX, trial("young", 0.6), [old], 1) is None
    assert decide(policy, MAX, trial("young", 0.6, 0.7), [old], 2) is not None


def test_the_best_trial_itself_is_never_cut() -> None:
    policy = BanditPolicy(slack_amount=0.01)
    assert decide(policy, MAX, trial("alone", 0.1), [], 1) is None
    assert decide(policy, MAX, trial("top", 0.9), [trial("other", 0.5)], 1) is None


def test_delay_and_interval_decide_when_a_policy_looks() -> None:
    policy = BanditPolicy(slack_factor=0.1, evaluation_interval=2, delay_evaluation=3)
    assert [k for k in range(1, 9) if policy.fires_at(k)] == [4, 6, 8]
    leader = trial("leader", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    laggard = trial("laggard", 0.1, 0.1, 0.1, 0.5, 0.5, 0.5)
    stop = first_stop(policy, MAX, laggard, [leader])
    assert stop is not None and stop.interval == 4, "intervals 1-3 are delayed, even though the trial was far behind"
    assert first_stop(policy, MAX, trial("laggard", 0.1, 0.1, 0.1), [leader]) is None


def test_evaluation_interval_zero_means_one() -> None:
    """The SDK's default evaluation_interval is 0; Azure treats it as 1."""
    policy = BanditPolicy(slack_factor=0.1, evaluation_interval=0)
    assert policy.interval == 1 and [k for k in range(1, 4) if policy.fires_at(k)] == [1, 2, 3]


def test_first_stop_skips_intervals_already_judged() -> None:
    policy = BanditPolicy(slack_factor=0.1)
    laggard = trial("laggard", 0.1, 0.2)
    assert first_stop(policy, MAX, laggard, [trial("leader", 0.9, 0.9)], after=0).interval == 1  # type: ignore[union-attr]
    assert first_stop(policy, MAX, laggard, [trial("leader", 0.9, 0.9)], after=1).interval == 2  # type: ignore[union-attr]
    assert first_stop(policy, MAX, laggard, [trial("leader", 0.9, 0.9)], after=2) is None


def test_nan_values_are_neither_judged_nor_a_best() -> None:
    policy = BanditPolicy(slack_factor=0.1)
    assert decide(policy, MAX, trial("t", None), [trial("o", 0.9)], 1) is None
    assert decide(policy, MAX, trial("t", 0.5), [trial("o", None)], 1) is None


# -- median stopping ------------------------------------------------------------------------------


def test_median_stopping_compares_the_best_so_far_with_the_median_of_running_averages() -> None:
    policy = MedianStoppingPolicy()
    others = [trial("a", 0.9, 0.7), trial("b", 0.5, 0.5), trial("c", 0.3, 0.1)]  # averages at 2: 0.8, 0.5, 0.2 -> median 0.5
    assert decide(policy, MAX, trial("t", 0.2, 0.45), others, 2) is not None  # best 0.45 < 0.5
    assert decide(policy, MAX, trial("t", 0.55, 0.1), others, 2) is None  # its best so far, 0.55, counts
    stop = decide(policy, MIN, trial("t", 0.6, 0.55), others, 2)  # minimizing: best 0.55 > median 0.5
    assert stop is not None and "median" in stop.reason


def test_median_stopping_uses_running_trials_too_and_needs_others() -> None:
    policy = MedianStoppingPolicy()
    assert decide(policy, MAX, trial("t", 0.1), [], 1) is None
    running = [trial("r1", 0.9), trial("r2", 0.9)]  # still running: only one value each
    assert decide(policy, MAX, trial("t", 0.1), running, 1) is not None
    assert decide(policy, MAX, trial("t", 0.1, 0.2), running, 2) is None, "no other trial reached interval 2"


# -- truncation selection --------------------------------------------------------------------------


def test_truncation_cuts_the_worst_percentage_at_each_interval() -> None:
    policy = TruncationSelectionPolicy(truncation_percentage=20)
    others = [trial(f"o{i}", v) for i, v in enumerate([0.1, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1.0])]
    # 10 trials at interval 1: the worst 2 are cut (maximizing: the lowest values)
    assert decide(policy, MAX, trial("t", 0.05), others, 1) is not None
    assert decide(policy, MAX, trial("t", 0.2), others, 1) is not None, "second worst of ten"
    assert decide(policy, MAX, trial("t", 0.4), others, 1) is None
    assert decide(policy, MIN, trial("t", 0.97), others, 1) is not None, "minimizing: the highest values are the worst"


def test_truncation_rounds_down_and_ties_keep_the_trial() -> None:
    policy = TruncationSelectionPolicy(truncation_percentage=20)
    four = [trial(f"o{i}", v) for i, v in enumerate([0.5, 0.6, 0.7, 0.8])]
    assert decide(policy, MAX, trial("t", 0.1), four[:3], 1) is None, "20% of 4 trials rounds down to none"
    assert decide(policy, MAX, trial("t", 0.1), four, 1) is not None, "20% of 5 is one"
    assert decide(policy, MAX, trial("t", 0.5), [trial(f"o{i}", 0.5) for i in range(4)], 1) is None, "a tie is not worse"
