"""A sweep's description is validated once, with a sentence per mistake, and its text forms read the same everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from amlx_lab.errors import ValidationError
from amlx_lab.specs import CommandJobSpec, SweepJobSpec
from amlx_lab.submission import SweepRequest
from amlx_lab.sweep import cell
from amlx_lab.sweep.space import describe, fits_parameter, parse_expression

TRIAL = CommandJobSpec(code_dir="/tmp", command=("python", "main.py", "--alpha", "${{inputs.alpha}}"), parameters={"alpha": 0.5})
GOOD: dict[str, Any] = {
    "search_space": {"alpha": "uniform(0.1, 1.0)"},
    "objective": {"primary_metric": "rmse", "goal": "minimize"},
}


def spec(**changes: Any) -> SweepJobSpec:
    return SweepJobSpec(trial=TRIAL, **{**GOOD, **changes})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("uniform(0.1, 1.0)", {"type": "uniform", "min_value": 0.1, "max_value": 1.0}),
        ("Uniform(min_value=0.1, max_value=1)", {"type": "uniform", "min_value": 0.1, "max_value": 1}),
        ("loguniform(-6, -1)", {"type": "loguniform", "min_value": -6, "max_value": -1}),
        ("quniform(1, 10, q=2)", {"type": "quniform", "min_value": 1, "max_value": 10, "q": 2}),
        ("randint(5)", {"type": "randint", "upper": 5}),
        ("choice(16, 32, 'x')", {"type": "choice", "values": [16, 32, "x"]}),
        ("choice([0.1, 0.2])", {"type": "choice", "values": [0.1, 0.2]}),
        ("Choice(values=[1, 2])", {"type": "choice", "values": [1, 2]}),
        ("qlognormal(0, 1, 1)", {"type": "qlognormal", "mu": 0, "sigma": 1, "q": 1}),
    ],
)
def test_text_forms_parse_into_azures_fields(text: str, expected: dict[str, Any]) -> None:
    assert parse_expression(text) == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("uniform", "is not a search expression"),
        ("beta(1, 2)", "Unknown search expression 'beta'"),
        ("uniform(1)", "uniform needs max_value"),
        ("uniform(1, 2, 3)", "uniform takes 2 arguments"),
        ("randint(upper=1, low=0)", "randint has no argument 'low'"),
        ("uniform(x, 2)", "must be numbers or quoted text"),
    ],
)
def test_text_form_mistakes_have_a_sentence(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_expression(text)
    assert words in caught.value.message


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"search_space": {}}, "search_space", "Give at least one parameter to search"),
        ({"search_space": {"alpha": "uniform(1, 0.1)"}}, "search_space.alpha", "min_value (1) must be less than max_value"),
        ({"search_space": {"alpha": "randint(0)"}}, "search_space.alpha", "upper must be at least 1"),
        ({"search_space": {"alpha": "loguniform(0, 1000)"}}, "search_space.alpha", "the bounds are natural logs"),
        ({"search_space": {"alpha": "quniform(0, 1, 0)"}}, "search_space.alpha", "q (the step values are rounded to)"),
        ({"search_space": {"alpha": "normal(0, 0)"}}, "search_space.alpha", "sigma (the standard deviation) must be positive"),
        ({"search_space": {"alpha": "choice()"}}, "search_space.alpha", "at least 1 item"),
        ({"search_space": {"alpha": "choice(True, False)"}}, "search_space.alpha", 'use choice("true", "false")'),
        ({"search_space": {"alpha": {"type": "choice", "values": [{"a": 1}]}}}, "search_space.alpha", "Nested search spaces"),
        ({"search_space": {"alpha": {"type": "gamma"}}}, "search_space.alpha", "unknown type 'gamma'"),
        ({"search_space": {"2x": "uniform(0, 1)"}}, "search_space", "'2x' is not a parameter name"),
        ({"search_space": {"beta": "uniform(0, 1)"}}, "search_space.beta", "The trial command never uses beta"),
        ({"sampling_algorithm": "grid"}, None, "Grid sampling can only be used with choice; alpha is uniform(0.1, 1)"),
        ({"sampling_algorithm": "sobol"}, "sampling_algorithm", "'sobol' is a rule of random sampling"),
        ({"sampling_algorithm": "annealing"}, "sampling_algorithm", "Unknown sampling algorithm"),
        ({"sampling_algorithm": "bayesian", "search_space": {"alpha": "loguniform(-3, 0)"}}, None,
         "Bayesian sampling supports choice, uniform and quniform only"),
        ({"objective": {"primary_metric": "rmse", "goal": "smallest"}}, "objective.goal", "must be one of"),
        ({"objective": {"primary_metric": " rmse", "goal": "minimize"}}, "objective", "the metric's exact name"),
        ({"objective": {"primary_metric": "", "goal": "minimize"}}, "objective.primary_metric", "must not be empty"),
        ({"early_termination": {"type": "bandit"}}, "early_termination", "exactly one of slack_factor"),
        ({"early_termination": {"type": "bandit", "slack_factor": 0.1, "slack_amount": 0.2}}, "early_termination",
         "exactly one of slack_factor"),
        ({"early_termination": {"type": "bandit", "slack_factor": -0.1}}, "early_termination", "must be a positive number"),
        ({"early_termination": {"type": "truncation_selection"}}, "early_termination", "truncation_percentage is required"),
        ({"early_termination": {"type": "truncation_selection", "truncation_percentage": 100}}, "early_termination",
         "must be at most 99"),
        ({"early_termination": {"type": "median_stopping", "delay_evaluation": -1}}, "early_termination",
         "must be at least 0"),
        ({"limits": {"max_total_trials": 1001}}, "limits.max_total_trials", "must be at most 1000"),
        ({"limits": {"max_total_trials": 3, "max_concurrent_trials": 4}}, "limits",
         "max_concurrent_trials (4) cannot exceed max_total_trials (3)"),
        ({"limits": {"timeout": 0}}, "limits.timeout", "must be at least 1"),
    ],
)
def test_each_mistake_is_refused_with_its_sentence(changes: dict[str, Any], field: str | None, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(**changes)
    assert words in caught.value.message, caught.value.message
    if field is not None:
        assert (caught.value.field or "").startswith(field), caught.value.field


def test_defaults_follow_azure() -> None:
    made = spec(early_termination={"type": "median_stopping"})
    assert made.type == "sweep"
    assert made.sampling_algorithm.type == "random" and made.sampling_algorithm.rule == "random"  # type: ignore[union-attr]
    assert made.limits.max_total_trials == 1000 and made.limits.concurrent == 1000
    assert made.limits.timeout is None and made.limits.trial_timeout is None
    policy = made.early_termination
    assert policy is not None and (policy.evaluation_interval, policy.delay_evaluation) == (1, 0)
    assert spec(objective={"primary_metric": "auc", "goal": "Maximize"}).objective.goal == "maximize"


def test_notes_say_what_azure_would_do_differently() -> None:
    notes = spec(
        sampling_algorithm="bayesian", early_termination={"type": "bandit", "slack_factor": 0.1},
        limits={"max_total_trials": 10, "timeout": 30},
    ).notes()
    assert any("does not support early termination" in n for n in notes)
    assert any("at least 20 trials per searched parameter" in n for n in notes)
    assert any("raises a timeout under 60 s to 60 s" in n for n in notes)
    grid = spec(search_space={"alpha": "choice(1, 2, 3)"}, sampling_algorithm="grid", limits={"max_total_trials": 2})
    assert grid.total_trials() == 2 and any("only the first 2 run" in n for n in grid.notes())


def test_a_sweep_request_takes_text_forms_as_rest_does() -> None:
    request = SweepRequest.parse({"cell": 3, "notebook": "n.ipynb", "sweep": {**GOOD, "sampling_algorithm": "grid",
                                                                              "search_space": {"alpha": "choice(1, 2)"}}})
    assert request.sweep is not None and describe(request.sweep.search_space["alpha"]) == "choice(1, 2)"
    assert SweepRequest.parse({"cell": 3, "notebook": "n.ipynb"}).sweep is None
    with pytest.raises(ValidationError) as caught:
        SweepRequest.parse({"cell": 3, "notebook": "n.ipynb", "sweep": {"search_space": {"alpha": "uniform(0, 1)"}}})
    assert caught.value.message == "sweep.objective is required."


@pytest.mark.parametrize(
    "expression, kind, problem",
    [
        ("uniform(0, 1)", "float", None),
        ("randint(5)", "int", None),
        ("quniform(1, 10, 2)", "int", None),
        ("choice(1, 2.0)", "int", None),
        ("uniform(0, 1)", "int", "draws fractions"),
        ("quniform(0, 1, 0.5)", "int", "draws fractions"),
        ("choice(1, 2.5)", "int", "2.5 is not"),
        ("choice('a', 'b')", "str", None),
        ("uniform(0, 1)", "str", "only choice(...) can search it"),
        ("choice('true', 'false')", "bool", None),
        ("choice('true', 'maybe')", "bool", "'maybe' is not"),
        ("choice(1, 2)", "literal", "cannot be searched"),
    ],
)
def test_an_expression_must_fit_the_notebook_values_type(expression: str, kind: str, problem: str | None) -> None:
    from pydantic import TypeAdapter

    from amlx_lab.sweep.space import SearchExpression

    parsed = TypeAdapter(SearchExpression).validate_python(expression)
    found = fits_parameter(parsed, kind)
    assert (found is None) == (problem is None) and (problem is None or problem in (found or ""))


def test_cli_and_magic_text_forms() -> None:
    fixed, space = cell.split_params({"alpha": "uniform(0.1,1.0)", "n": "5", "solver": "'auto'"})
    assert fixed == {"n": "5", "solver": "'auto'"} and space == {"alpha": {"type": "uniform", "min_value": 0.1, "max_value": 1.0}}
    assert cell.parse_objective("rmse:min") == {"primary_metric": "rmse", "goal": "minimize"}
    assert cell.parse_objective("val:acc:MAX") == {"primary_metric": "val:acc", "goal": "maximize"}
    assert cell.parse_sampling("sobol", 3) == {"type": "random", "rule": "sobol", "seed": 3}
    assert cell.parse_policy("bandit(slack_factor=0.1, delay_evaluation=5)") == {
        "type": "bandit", "slack_factor": 0.1, "delay_evaluation": 5}
    assert cell.parse_policy("median") == {"type": "median_stopping"}
    assert cell.parse_policy("none") is None
    settings = cell.sweep_settings(space, objective="rmse:min", policy="truncation(truncation_percentage=25)", trials=10,
                                   concurrent=2, timeout=600)
    assert (settings.limits.max_total_trials, settings.limits.concurrent, settings.limits.timeout) == (10, 2, 600)
    assert settings.early_termination is not None and settings.early_termination.type == "truncation_selection"


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: cell.parse_objective("rmse"), "must look like rmse:min"),
        (lambda: cell.parse_objective("rmse:lowest"), "must look like rmse:min"),
        (lambda: cell.parse_sampling("grid", 3), "--seed applies to random and sobol"),
        (lambda: cell.parse_sampling("hyperband", None), "use random, sobol, grid or bayesian"),
        (lambda: cell.parse_policy("bandit(0.1)"), "write it like bandit(slack_factor=0.1)"),
        (lambda: cell.parse_policy("hyperband"), "is not a policy"),
        (lambda: cell.sweep_settings({}, objective="rmse:min"), "Open at least one dimension"),
        (lambda: cell.sweep_settings({"a": {"type": "uniform", "min_value": 0, "max_value": 1}}, objective=None,
                                     offered=["rmse", "r2"]), "earlier runs of this cell logged: rmse, r2"),
        (lambda: cell.sweep_settings({"a": {"type": "uniform", "min_value": 0, "max_value": 1}}, objective="rmse:min",
                                     trials=2, concurrent=3), "cannot exceed max_total_trials"),
    ],
)
def test_cli_text_mistakes_have_a_sentence(call: Any, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    assert words in caught.value.message
