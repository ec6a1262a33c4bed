"""An ``AutoMLJobSpec`` as azure-ai-ml builds it: ``automl.classification/regression/forecasting(...)``.

For the Azure target (the backend that submits it is built elsewhere): the
training data goes in as an MLTable (``mltable_yaml`` is the ``MLTable`` file
that reads one CSV), the limits through ``set_limits``, the algorithms through
``set_training``, featurization through ``set_featurization`` and the forecast
through ``set_forecast_settings``. Azure takes whole minutes, so fractional
local limits are rounded up. ``azure.ai.ml`` is imported inside the functions.
"""

from __future__ import annotations

import math
from typing import Any

from ..specs import AutoMLJobSpec


def mltable_yaml(csv_name: str) -> str:
    """The ``MLTable`` file that reads one CSV file with a header row (what AutoML reads on Azure).

    ``csv_name`` is a file beside the ``MLTable`` file, or a datastore URI (``azureml://...``)."""
    path = csv_name if "://" in csv_name else f"./{csv_name}"
    return (
        "paths:\n"
        f"  - file: {path}\n"
        "transformations:\n"
        "  - read_delimited:\n"
        "      delimiter: ','\n"
        "      encoding: 'utf8'\n"
        "      header: all_files_same_headers\n"
    )


def _minutes(value: float | None) -> int | None:
    return None if value is None else max(1, math.ceil(value))


def azure_job(spec: AutoMLJobSpec, *, training_data: str, compute: str | None = None) -> Any:
    """The azure-ai-ml AutoML job for ``spec``; ``training_data`` is an MLTable reference (``azureml:heart-mltable:1``)."""
    from azure.ai.ml import Input, automl

    factory = {"classification": automl.classification, "regression": automl.regression, "forecasting": automl.forecasting}
    common: dict[str, Any] = {
        "training_data": Input(type="mltable", path=training_data),
        "target_column_name": spec.target_column_name,
        "primary_metric": spec.primary_metric,
        "experiment_name": spec.experiment,
        "tags": dict(spec.tags),
    }
    if compute is not None or spec.compute is not None:
        common["compute"] = compute or spec.compute
    if spec.display_name:
        common["display_name"] = spec.display_name
    if spec.validation_data_size is not None:
        common["validation_data_size"] = spec.validation_data_size
    elif spec.n_cross_validations is not None:
        common["n_cross_validations"] = spec.n_cross_validations
    job = factory[spec.task](**common)
    limits = spec.limits
    job.set_limits(
        timeout_minutes=_minutes(limits.timeout_minutes),
        trial_timeout_minutes=_minutes(limits.trial_timeout_minutes),
        max_trials=limits.max_trials,
        max_concurrent_trials=limits.max_concurrent_trials,
        enable_early_termination=limits.enable_early_termination,
        exit_score=limits.exit_score,
    )
    if spec.allowed_training_algorithms or spec.blocked_training_algorithms:
        job.set_training(
            allowed_training_algorithms=list(spec.allowed_training_algorithms or []) or None,
            blocked_training_algorithms=list(spec.blocked_training_algorithms or []) or None,
        )
    job.set_featurization(mode=spec.featurization)
    if spec.forecasting is not None:
        job.set_forecast_settings(
            time_column_name=spec.forecasting.time_column_name,
            forecast_horizon=spec.forecasting.forecast_horizon,
            frequency=spec.forecasting.frequency,
        )
    return job
