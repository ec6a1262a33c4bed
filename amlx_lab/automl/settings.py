"""Azure ML's AutoML vocabulary: tasks, primary metrics, algorithm names, limits, forecasting settings.

Names are Azure's (``azure.ai.ml.automl``): ``AUC_weighted``,
``normalized_root_mean_squared_error``, ``LightGBM``, ``XGBoostClassifier``.
The SDK parses them with ``camel_to_snake`` and so refuses ``lightgbm``; here
any spelling that differs only in case and underscores is accepted and the
canonical name is kept, so what is stored and shown is always Azure's.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..errors import ValidationError
from ..i18n import _
from ..validation import Checked

Task = Literal["classification", "regression", "forecasting"]
TASKS: tuple[str, ...] = ("classification", "regression", "forecasting")

_REGRESSION_METRICS = (
    "normalized_root_mean_squared_error",
    "r2_score",
    "spearman_correlation",
    "normalized_mean_absolute_error",
)
PRIMARY_METRICS: dict[str, tuple[str, ...]] = {
    "classification": (
        "accuracy",
        "AUC_weighted",
        "norm_macro_recall",
        "average_precision_score_weighted",
        "precision_score_weighted",
    ),
    "regression": _REGRESSION_METRICS,
    "forecasting": _REGRESSION_METRICS,
}
#: The SDK's default primary metric per task.
DEFAULT_METRIC = {
    "classification": "accuracy",
    "regression": "normalized_root_mean_squared_error",
    "forecasting": "normalized_root_mean_squared_error",
}
#: Metrics where lower is better (errors normalised by the target's range); every other one is maximised.
MINIMIZED = frozenset({"normalized_root_mean_squared_error", "normalized_mean_absolute_error"})

_REGRESSION_ALGORITHMS = (
    "ElasticNet", "GradientBoosting", "DecisionTree", "KNN", "LassoLars", "SGD",
    "RandomForest", "ExtremeRandomTrees", "LightGBM", "XGBoostRegressor",
)
#: ``allowed_training_algorithms`` / ``blocked_training_algorithms`` per task, as azure-ai-ml 1.35 names them.
ALGORITHMS: dict[str, tuple[str, ...]] = {
    "classification": (
        "LogisticRegression", "SGD", "MultinomialNaiveBayes", "BernoulliNaiveBayes", "SVM", "LinearSVM", "KNN",
        "DecisionTree", "RandomForest", "ExtremeRandomTrees", "LightGBM", "GradientBoosting", "XGBoostClassifier",
    ),
    "regression": _REGRESSION_ALGORITHMS,
    "forecasting": (
        "AutoArima", "Prophet", "Naive", "SeasonalNaive", "Average", "SeasonalAverage", "ExponentialSmoothing",
        "Arimax", "TCNForecaster", *_REGRESSION_ALGORITHMS,
    ),
}
#: Forecasting algorithms that model the series itself (statistical or deep models); the local engine
#: trains the regression algorithms on calendar features of the time column instead.
SERIES_ONLY_ALGORITHMS = frozenset(ALGORITHMS["forecasting"]) - frozenset(_REGRESSION_ALGORITHMS)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def goal_of(metric: str) -> str:
    """``maximize`` or ``minimize``, as Azure's objective names it."""
    return "minimize" if metric in MINIMIZED else "maximize"


def canonical_metric(task: str, name: str) -> str:
    """Azure's spelling of ``name`` if it is a primary metric of ``task``; a sentence otherwise."""
    found = {_key(m): m for m in PRIMARY_METRICS[task]}.get(_key(name))
    if found is not None:
        return found
    other = next((t for t in TASKS if t != task and _key(name) in {_key(m) for m in PRIMARY_METRICS[t]}), None)
    known = ", ".join(PRIMARY_METRICS[task])
    if other:
        raise ValueError(_("{name!r} is a {other} metric; {task} takes one of: {known}.").format(
            name=name, other=other, task=task, known=known))
    raise ValueError(_("{name!r} is not one of Azure ML's primary metrics; {task} takes one of: {known}.").format(
        name=name, task=task, known=known))


def canonical_algorithm(task: str, name: str) -> str:
    """Azure's spelling of a training algorithm of ``task``; a sentence naming the task's algorithms otherwise."""
    found = {_key(a): a for a in ALGORITHMS[task]}.get(_key(name))
    if found is not None:
        return found
    other = next((t for t in TASKS if t != task and _key(name) in {_key(a) for a in ALGORITHMS[t]}), None)
    known = ", ".join(ALGORITHMS[task])
    if other:
        raise ValueError(_("{name!r} is not a {task} algorithm (it is a {other} one); {task} takes: {known}.").format(
            name=name, task=task, other=other, known=known))
    raise ValueError(_("{name!r} is not a {task} algorithm; {task} takes: {known}.").format(name=name, task=task, known=known))


class AutoMLLimits(Checked):
    """``set_limits`` / ``TabularLimitSettings``: how long and how much AutoML may search.

    ``timeout_minutes`` bounds the whole job (the search, then the refit of the
    best model); ``None`` is Azure's default of six days, which early
    termination usually ends long before. Minutes may be fractional locally;
    Azure takes whole minutes (the Azure target rounds up).
    """

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)
    what = "The limits"

    timeout_minutes: float | None = Field(default=None, gt=0, le=8640)
    trial_timeout_minutes: float | None = Field(default=None, gt=0, le=43200)
    max_trials: int = Field(default=1000, ge=1, le=1000)
    max_concurrent_trials: int = Field(default=1, ge=1, le=1000)
    enable_early_termination: bool = True
    exit_score: float | None = None

    @field_validator("exit_score")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError(_("exit_score must be a finite number, the score at which the search stops."))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AutoMLLimits:
        if self.trial_timeout_minutes is not None and self.timeout_minutes is not None:
            if self.trial_timeout_minutes > self.timeout_minutes:
                raise ValidationError(
                    _("trial_timeout_minutes ({trial:g}) cannot exceed timeout_minutes ({total:g}): "
                      "no trial may run longer than the whole job.").format(
                        trial=self.trial_timeout_minutes, total=self.timeout_minutes),
                    field="limits.trial_timeout_minutes",
                )
        if self.max_concurrent_trials > self.max_trials:
            raise ValidationError(
                _("max_concurrent_trials ({concurrent}) cannot exceed max_trials ({total}).").format(
                    concurrent=self.max_concurrent_trials, total=self.max_trials),
                field="limits.max_concurrent_trials",
            )
        return self


class ForecastingSettings(Checked):
    """``set_forecast_settings``: which column holds the time, how far ahead to forecast, and how often points come.

    ``frequency`` is a pandas offset alias (``D``, ``h``, ``W``, ``MS``); ``None``
    infers it from the time column.
    """

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)
    what = "The forecasting settings"

    time_column_name: str = Field(min_length=1, max_length=255)
    forecast_horizon: int = Field(default=1, ge=1, le=10000)
    frequency: str | None = Field(default=None, min_length=1, max_length=20)

    @field_validator("frequency")
    @classmethod
    def _frequency(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import pandas as pd  # lazy: only a forecasting request with a frequency pays for it

        try:
            pd.tseries.frequencies.to_offset(value)
        except ValueError:
            raise ValueError(
                _("{value!r} is not a frequency pandas knows; use an offset alias such as D (daily), h (hourly), "
                  "W (weekly) or MS (month start), or leave it out to infer it from the time column.").format(value=value)
            ) from None
        return value


def folder_training_data(ref: str) -> str:
    """The sentence refusing training data that is a folder: AutoML reads one table, and a folder would only
    fail later, inside the job."""
    return _("training_data {ref!r} is a folder; AutoML trains on one CSV file: give the file's path, "
             "or a data asset holding one file.").format(ref=ref)


def default_display_name(task: str, target_column: str) -> str:
    """What an AutoML job is called when the request names nothing (every target, so runs lists read alike)."""
    return f"AutoML {task} of {target_column}"
