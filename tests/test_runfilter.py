"""The runs filter language: what parses into what, where errors point, and what matches."""

from __future__ import annotations

import pytest

from amlx_lab.errors import ValidationError
from amlx_lab.records import Job, JobStatus
from amlx_lab.runfilter import Comparison, FilterError, TextSearch, matches, parse
from amlx_lab.specs import JobQuery


def test_the_issue_example_parses_into_four_comparisons():
    parsed = parse('metrics.rmse < 58 and params.alpha >= 0.3 and tags.stage = "baseline" and status = "Completed"')
    assert parsed is not None
    assert parsed.conditions == (
        Comparison("metric", "rmse", "<", 58.0, 1),
        Comparison("param", "alpha", ">=", 0.3, 23),
        Comparison("tag", "stage", "=", "baseline", 47),
        Comparison("attribute", "status", "=", "Completed", 75),
    )
    assert parsed.needs_run_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.`val loss` <= -1e-3", Comparison("metric", "val loss", "<=", -0.001, 1)),
        ("attributes.run_name LIKE 'ridge%'", Comparison("attribute", "display_name", "like", "ridge%", 1)),
        ("experiment = diabetes", Comparison("attribute", "experiment", "=", "diabetes", 1)),
        ("status in (failed, 'Canceled')", Comparison("attribute", "status", "in", ("Failed", "Canceled"), 1)),
        ("tags.epoch != 5", Comparison("tag", "epoch", "!=", "5", 1)),
        ("params.solver NOT IN ('lbfgs')", Comparison("param", "solver", "not in", ("lbfgs",), 1)),
        ("metrics.rmse<>3", Comparison("metric", "rmse", "!=", 3.0, 1)),
        ("display_name ilike \"%Ridge%\"", Comparison("attribute", "display_name", "ilike", "%Ridge%", 1)),
        ('"ridge 0.5"', TextSearch("ridge 0.5", 1)),
    ],
)
def test_one_condition(text, expected):
    parsed = parse(text)
    assert parsed is not None and parsed.conditions == (expected,)


def test_a_bare_word_is_a_text_search_so_the_box_still_searches():
    parsed = parse("ridge and metrics.rmse < 60")
    assert parsed is not None
    assert parsed.conditions[0] == TextSearch("ridge", 1)
    assert parse("   ") is None and parse(None) is None
    several = parse("alpha  9999 and status = Completed")
    assert several is not None and several.conditions[0] == TextSearch("alpha  9999", 1)
    with pytest.raises(FilterError) as caught:  # a key followed by a value is a missing operator, not a search
        parse("metrics.rmse 58")
    assert caught.value.details["column"] == 14


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("metrics.rmse <", 15, "Expected a value"),
        ("metrics.rmse < 58 or status = Failed", 19, "Only 'and'"),
        ('metrics.rmse < "low"', 16, "compare it with a number"),
        ("foo.bar = 1", 1, "Unknown key 'foo.bar'"),
        ("status = Done", 10, "There is no status 'Done'"),
        ('tags.stage = "base', 14, "never closed"),
        ("metrics.rmse 58", 14, "Expected a comparison"),
        ("params.alpha < 'x'", 16, "ordered against a number only"),
        ("metrics.rmse < 58 and", 22, "Expected a condition after 'and'"),
        ("metrics.rmse < 58 status = Failed", 19, "Expected 'and' or the end"),
        ("status in Failed", 11, "Expected '('"),
        ("status in (Failed Canceled)", 19, "Expected ',' or ')'"),
        ("metrics.rmse like '5%'", 19, "is a number"),
        ("experiment > 'a'", 14, "is text"),
        ("metrics. < 3", 1, "Name the metric"),
        ("status ! Failed", 8, "'!' must be followed by '='"),
        ("= 3", 1, "Expected a key"),
    ],
)
def test_an_error_names_the_column_of_the_bad_token_in_a_sentence(text, column, words):
    with pytest.raises(FilterError) as caught:
        parse(text)
    error = caught.value
    assert error.details["column"] == column, error.message
    assert words in error.message
    assert error.message.endswith(f"(column {column}).")
    assert error.status == 400 and isinstance(error, ValidationError)
    assert error.details["field"] == "filter"


def test_the_job_query_refuses_a_bad_filter_with_its_position():
    with pytest.raises(FilterError) as caught:
        JobQuery(filter="metrics.rmse < ")
    assert caught.value.to_dict()["error"]["details"]["column"] == 16
    assert JobQuery(filter="metrics.rmse < 3").run_filter is not None


def _job(**fields) -> Job:
    base = dict(name="calm_lamp_1", display_name="ridge alpha=0.5", experiment="diabetes",
                status=JobStatus.COMPLETED, compute="local", created_at=1.0)
    return Job(**{**base, **fields})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.rmse < 58", True),
        ("metrics.rmse < 50", False),
        ("metrics.r2 > 0", False),  # a metric the run lacks never matches
        ("metrics.r2 != 0", False),
        ("metrics.nan_metric = 1 or", None),
        ("params.alpha >= 0.3", True),
        ("params.alpha = 0.5", True),  # logged as "0.50": compared as numbers
        ("params.alpha = '0.50'", True),
        ("params.alpha = '0.5'", False),  # as text, "0.50" is not "0.5"
        ("params.solver >= 1", False),  # not a number: never ordered
        ("params.solver in ('auto', 'svd')", True),
        ("params.solver not in ('auto')", False),
        ("tags.stage = baseline", True),
        ("tags.stage like 'Base%'", False),
        ("tags.stage ilike 'Base%'", True),
        ("tags.missing != 'x'", False),
        ("status = completed and experiment = diabetes", True),
        ("status in (Failed, Canceled)", False),
        ("description like '%leak%'", True),
        ("RIDGE", True),
        ("lasso", False),
        ("type = command", True),
    ],
)
def test_matching(text, expected):
    job = _job(
        metrics={"rmse": 55.0, "nan_metric": None},
        params={"alpha": "0.50", "solver": "auto"},
        tags={"stage": "baseline"},
        description="leaks the time column",
    )
    if expected is None:
        with pytest.raises(FilterError):
            parse(text)
        return
    assert matches(parse(text), job) is expected
