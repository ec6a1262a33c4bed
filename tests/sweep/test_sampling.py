"""Sampling semantics per search expression, with Azure's meaning, checked on distributions drawn with fixed seeds."""

from __future__ import annotations

import math
import statistics

import pytest

from amlx_lab.sweep.sampling import TrialResult, as_parameter, preview, sample, startup_trials
from amlx_lab.sweep.settings import SweepSettings

DRAWS = 3000


def settings(space: dict, sampling: object = "random", goal: str = "minimize", trials: int = 1000) -> SweepSettings:
    return SweepSettings.model_validate(
        {"search_space": space, "objective": {"primary_metric": "loss", "goal": goal}, "sampling_algorithm": sampling,
         "limits": {"max_total_trials": trials}}
    )


def draws(expression: str, seed: int = 7, n: int = DRAWS) -> list:
    space = settings({"x": expression})
    return [sample(space, seed, i)["x"] for i in range(n)]


def test_uniform_covers_its_range_evenly() -> None:
    values = draws("uniform(2, 4)")
    assert 2 <= min(values) < 2.01 and 3.99 < max(values) <= 4
    assert statistics.fmean(values) == pytest.approx(3.0, abs=0.03)
    assert statistics.pstdev(values) == pytest.approx(2 / math.sqrt(12), rel=0.05)


def test_loguniform_bounds_are_natural_logs() -> None:
    values = draws("loguniform(-6, -1)")
    assert math.exp(-6) <= min(values) < math.exp(-6) * 1.02
    assert math.exp(-1) * 0.98 < max(values) <= math.exp(-1)
    logs = [math.log(v) for v in values]
    assert statistics.fmean(logs) == pytest.approx(-3.5, abs=0.06), "uniform in log space"


def test_randint_upper_bound_is_exclusive() -> None:
    values = draws("randint(5)")
    assert set(values) == {0, 1, 2, 3, 4}
    assert all(isinstance(v, int) for v in values)
    for k in range(5):
        assert values.count(k) / DRAWS == pytest.approx(0.2, abs=0.03)


def test_quniform_rounds_to_multiples_of_q() -> None:
    values = draws("quniform(1, 10, 2)")
    assert set(values) <= {0.0, 2.0, 4.0, 6.0, 8.0, 10.0}
    assert {2.0, 4.0, 6.0, 8.0, 10.0} <= set(values)
    # round(U(1, 10) / 2) * 2: 4 is hit from [3, 5), twice as wide as 10 from [9, 10)
    assert values.count(4.0) / values.count(10.0) == pytest.approx(2.0, rel=0.2)


def test_quniform_with_a_fractional_q() -> None:
    values = draws("quniform(0, 1, 0.25)", n=500)
    assert set(values) <= {0.0, 0.25, 0.5, 0.75, 1.0}


def test_qloguniform_rounds_the_exponential() -> None:
    values = draws("qloguniform(0, 3, 1)")  # exp(U(0, 3)) in [1, 20.1], rounded to whole numbers
    assert all(float(v).is_integer() for v in values)
    assert min(values) == 1.0 and max(values) == 20.0


def test_normal_has_its_mean_and_deviation() -> None:
    values = draws("normal(10, 3)")
    assert statistics.fmean(values) == pytest.approx(10, abs=0.15)
    assert statistics.pstdev(values) == pytest.approx(3, rel=0.05)
    assert min(values) < 10 - 2.5 * 3 and max(values) > 10 + 2.5 * 3, "unbounded: tails are drawn"


def test_lognormal_is_the_exponential_of_a_normal() -> None:
    values = draws("lognormal(0, 0.5)")
    assert min(values) > 0
    assert statistics.fmean(values) == pytest.approx(math.exp(0.5**2 / 2), rel=0.03)
    assert statistics.fmean(math.log(v) for v in values) == pytest.approx(0, abs=0.03)


def test_qnormal_and_qlognormal_round() -> None:
    assert all(v % 5 == 0 for v in draws("qnormal(50, 20, 5)", n=500))
    assert all(float(v).is_integer() and v >= 0 for v in draws("qlognormal(1, 1, 1)", n=500))


def test_choice_picks_each_value_equally_often() -> None:
    values = draws("choice(16, 32, 'x')")
    assert set(values) == {16, 32, "x"}
    for value in (16, 32, "x"):
        assert values.count(value) / DRAWS == pytest.approx(1 / 3, abs=0.03)


def test_points_depend_on_the_seed_and_index_only() -> None:
    space = settings({"a": "uniform(0, 1)", "b": "choice(1, 2, 3)"})
    assert [sample(space, 1, i) for i in range(5)] == [sample(space, 1, i) for i in range(5)]
    assert sample(space, 1, 3) == sample(space, 1, 3, history=[TrialResult(0, {"a": 0.5, "b": 1}, "complete", (1.0,))])
    assert sample(space, 1, 0) != sample(space, 2, 0)
    assert len({sample(space, 1, i)["a"] for i in range(50)}) == 50


def test_sobol_is_reproducible_and_fills_the_space_evenly() -> None:
    space = settings({"a": "uniform(0, 1)", "b": "uniform(0, 1)"}, sampling={"type": "random", "rule": "sobol", "seed": 3})
    points = [sample(space, 3, i) for i in range(64)]
    assert points == [sample(space, 3, i) for i in range(64)]
    assert points != [sample(space, 4, i) for i in range(64)]
    # low discrepancy: each of the 16 cells of a 4x4 grid holds exactly 4 of the first 64 points
    cells = [(int(p["a"] * 4), int(p["b"] * 4)) for p in points]
    assert all(cells.count((i, j)) == 4 for i in range(4) for j in range(4))


def test_grid_runs_the_product_once_in_order_then_stops() -> None:
    space = settings({"a": "choice(1, 2)", "b": "choice('x', 'y', 'z')"}, sampling="grid")
    points = [sample(space, 0, i) for i in range(6)]
    assert points == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                      {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]
    assert sample(space, 0, 6) is None
    assert space.grid_size() == 6 and space.total_trials() == 6
    assert preview(space, 0, 10) == points


def test_bayesian_starts_random_then_follows_the_results() -> None:
    space = settings({"x": "uniform(0, 10)"}, sampling="bayesian", trials=40)
    start = startup_trials(space)
    assert start == 8
    history = [TrialResult(i, {"x": x}, "complete", ((x - 7.0) ** 2,)) for i, x in enumerate([0.5, 2, 3.5, 5, 6.5, 8, 9.5, 1])]
    random_point = sample(space, 11, 3, history)
    assert random_point == sample(space, 11, 3), "startup trials ignore the history"
    suggested = [sample(space, 11, i, history)["x"] for i in range(start, start + 12)]
    assert suggested == [sample(space, 11, i, history)["x"] for i in range(start, start + 12)], "seeded: reproducible"
    near = sum(1 for x in suggested if abs(x - 7.0) < 2.5)
    assert near >= 8, f"TPE should mostly propose near the best point (7.0), got {suggested}"


def test_bayesian_without_finished_trials_falls_back_to_random() -> None:
    space = settings({"x": "uniform(0, 1)", "k": "choice(1, 2)"}, sampling="bayesian", trials=100)
    running = [TrialResult(0, {"x": 0.2, "k": 1}, "running")]
    assert sample(space, 5, 30, running) == sample(space, 5, 30)


def test_bayesian_uses_pruned_trials_and_quantises() -> None:
    space = settings({"x": "quniform(0, 10, 1)", "k": "choice('a', 'b')"}, sampling="bayesian", trials=20)
    history = [
        TrialResult(0, {"x": 2.0, "k": "a"}, "complete", (5.0, 4.0)),
        TrialResult(1, {"x": 8.0, "k": "b"}, "pruned", (9.0,)),
        TrialResult(2, {"x": 3.0, "k": "a"}, "complete", (3.0,)),
    ]
    point = sample(space, 1, 10, history)
    assert point is not None and float(point["x"]).is_integer() and point["k"] in ("a", "b")


def test_values_take_the_notebook_values_type() -> None:
    assert as_parameter(4.0, 3) == 4 and isinstance(as_parameter(4.0, 3), int)
    assert as_parameter(2, 0.5) == 2.0 and isinstance(as_parameter(2, 0.5), float)
    assert as_parameter("true", False) is True and as_parameter("false", True) is False
    assert as_parameter("x", "y") == "x"
