"""The AutoML request in Azure's words: every primary metric per task, algorithm names, limits, a sentence per mistake."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as sk

from amlx_lab.automl.metrics import METRICS, Prediction, score
from amlx_lab.automl.settings import ALGORITHMS, DEFAULT_METRIC, MINIMIZED, PRIMARY_METRICS
from amlx_lab.errors import ValidationError
from amlx_lab.specs import AutoMLJobSpec

BASE = {"training_data": "azureml:heart@latest", "target_column_name": "DEATH_EVENT"}
FORECAST = {"forecasting": {"time_column_name": "date", "forecast_horizon": 7}}


def spec(**fields: Any) -> AutoMLJobSpec:
    extra = FORECAST if fields.get("task") == "forecasting" and "forecasting" not in fields else {}
    return AutoMLJobSpec(**{**BASE, **extra, **fields})


def refused(**fields: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        spec(**fields)
    assert caught.value.status == 400 and caught.value.message.endswith(".")
    return caught.value


@pytest.mark.parametrize("task,metric", [(t, m) for t, names in PRIMARY_METRICS.items() for m in names])
def test_every_primary_metric_of_a_task_is_accepted_in_any_spelling_and_kept_as_azure_spells_it(task: str, metric: str) -> None:
    snake = metric.lower()
    camel = "".join(part[:1].upper() + part[1:] for part in metric.split("_"))
    for spelling in (metric, snake, camel):
        assert spec(task=task, primary_metric=spelling).primary_metric == metric
    assert spec(task=task, primary_metric=metric).goal == ("minimize" if metric in MINIMIZED else "maximize")
    assert metric in METRICS, "the local engine computes every metric Azure allows"


@pytest.mark.parametrize("task", ["classification", "regression", "forecasting"])
def test_a_metric_of_another_task_is_refused_naming_the_task_and_its_metrics(task: str) -> None:
    other = "r2_score" if task == "classification" else "AUC_weighted"
    error = refused(task=task, primary_metric=other)
    assert error.field == "primary_metric"
    assert "metric" in error.message and all(m in error.message for m in PRIMARY_METRICS[task])
    assert "not one of Azure ML's primary metrics" in refused(task=task, primary_metric="f1_score_macro").message


def test_the_default_metric_is_the_sdks_per_task() -> None:
    for task, metric in DEFAULT_METRIC.items():
        assert spec(task=task).primary_metric == metric


def test_algorithms_are_azures_names_per_task_whatever_the_spelling() -> None:
    made = spec(task="classification", allowed_training_algorithms=["lightgbm", "random_forest", "XGBoostClassifier"])
    assert made.allowed_training_algorithms == ("LightGBM", "RandomForest", "XGBoostClassifier")
    error = refused(task="regression", allowed_training_algorithms=["XGBoostClassifier"])
    assert error.field == "allowed_training_algorithms" and "classification one" in error.message
    both = refused(task="regression", allowed_training_algorithms=["SGD"], blocked_training_algorithms=["sgd"])
    assert "both allowed and blocked" in both.message
    assert "nothing would be trained" in refused(task="regression", blocked_training_algorithms=list(ALGORITHMS["regression"])).message
    assert "empty" in refused(task="regression", allowed_training_algorithms=[]).message


def test_limits_and_validation_mistakes_each_get_their_sentence() -> None:
    cases = {
        "limits.max_trials": dict(limits={"max_trials": 0}),
        "limits.timeout_minutes": dict(limits={"timeout_minutes": -1}),
        "limits.trial_timeout_minutes": dict(limits={"timeout_minutes": 1, "trial_timeout_minutes": 2}),
        "limits.max_concurrent_trials": dict(limits={"max_trials": 2, "max_concurrent_trials": 3}),
        "limits.exit_score": dict(limits={"exit_score": float("nan")}),
        "n_cross_validations": dict(n_cross_validations=1),
        "validation_data_size": dict(n_cross_validations=5, validation_data_size=0.2),
        "task": dict(task="clasification"),
        "featurization": dict(featurization="custom"),
        "training_data": dict(training_data=""),
    }
    for field, fields in cases.items():
        fields.setdefault("task", "classification")
        assert refused(**fields).field == field, fields
    assert spec(task="classification", n_cross_validations="auto", validation_data_size=0.2).validation_data_size == 0.2


def test_forecasting_needs_its_settings_and_only_forecasting_takes_them() -> None:
    assert "time column" in refused(task="forecasting", forecasting=None).message
    assert refused(task="regression", **FORECAST).field == "forecasting"
    weekly = {"time_column_name": "date", "frequency": "every tuesday"}
    assert refused(task="forecasting", forecasting=weekly).field == "forecasting.frequency"
    assert refused(task="forecasting", forecasting={"time_column_name": "DEATH_EVENT"}).field == "forecasting.time_column_name"
    assert spec(task="forecasting", forecasting={"time_column_name": "date", "frequency": "D"}).forecasting.frequency == "D"


def test_metrics_are_computed_as_azure_defines_them() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    scores = rng.random((200, 3))
    scores /= scores.sum(axis=1, keepdims=True)
    labels = scores.argmax(axis=1)
    p = Prediction(labels, scores, np.arange(3))
    assert score("accuracy", y, p) == pytest.approx(sk.accuracy_score(y, labels))
    assert score("AUC_weighted", y, p) == pytest.approx(sk.roc_auc_score(y, scores, average="weighted", multi_class="ovr"))
    macro = sk.recall_score(y, labels, average="macro")
    assert score("norm_macro_recall", y, p) == pytest.approx((macro - 1 / 3) / (1 - 1 / 3))
    assert score("precision_score_weighted", y, p) == pytest.approx(sk.precision_score(y, labels, average="weighted"))
    per_class = [sk.average_precision_score(y == c, scores[:, c]) for c in range(3)]
    support = np.bincount(y)
    assert score("average_precision_score_weighted", y, p) == pytest.approx(np.dot(per_class, support) / support.sum())
    binary = (y == 1).astype(int)
    two = np.column_stack([1 - scores[:, 1], scores[:, 1]])
    assert score("AUC_weighted", binary, Prediction((two[:, 1] > 0.5).astype(int), two, np.arange(2))) == pytest.approx(
        sk.roc_auc_score(binary, two[:, 1])
    )

    values = rng.normal(50, 10, 100)
    guess = values + rng.normal(0, 3, 100)
    span = values.max() - values.min()
    r = Prediction(guess)
    assert score("normalized_root_mean_squared_error", values, r, span) == pytest.approx(np.sqrt(np.mean((values - guess) ** 2)) / span)
    assert score("normalized_mean_absolute_error", values, r, span) == pytest.approx(np.mean(np.abs(values - guess)) / span)
    assert score("r2_score", values, r, span) == pytest.approx(sk.r2_score(values, guess))
    from scipy.stats import spearmanr

    assert score("spearman_correlation", values, r, span) == pytest.approx(spearmanr(values, guess).statistic)
