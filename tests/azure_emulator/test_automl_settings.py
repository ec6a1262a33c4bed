"""How the emulator reads an AutoML job's REST body back into the engine's settings (no server needed):
the body is the one azure-ai-ml builds for our spec, so the round trip must give the spec back."""

from __future__ import annotations

import pytest

from amlx_lab.automl.azure_sdk import azure_job
from amlx_lab.specs import AutoMLJobSpec

from .jobs.automl import AutoMLSetupError, engine_settings, minutes


def _body(spec: AutoMLJobSpec) -> dict:
    job = azure_job(spec, training_data="azureml://datastores/workspaceblobstore/paths/LocalUpload/x/training_data")
    return job._to_rest_object().as_dict()["properties"]


def test_a_classification_body_gives_the_spec_back_with_the_time_budget_capped() -> None:
    spec = AutoMLJobSpec(
        task="classification", training_data="t", target_column_name="DEATH_EVENT", primary_metric="AUC_weighted",
        n_cross_validations=5, blocked_training_algorithms=["XGBoostClassifier"], featurization="off",
        limits={"timeout_minutes": 20, "max_trials": 7, "max_concurrent_trials": 3, "exit_score": 0.95},
        experiment="heart",
    )
    settings = engine_settings(_body(spec), cap_seconds=30)
    parsed = AutoMLJobSpec.parse(settings)
    assert parsed.primary_metric == "AUC_weighted" and parsed.target_column_name == "DEATH_EVENT"
    assert parsed.n_cross_validations == 5 and parsed.featurization == "off" and parsed.experiment == "heart"
    assert parsed.blocked_training_algorithms == ("XGBoostClassifier",)
    assert parsed.limits.max_trials == 7 and parsed.limits.max_concurrent_trials == 3 and parsed.limits.exit_score == 0.95
    assert parsed.limits.timeout_minutes == pytest.approx(0.5)  # 20 minutes asked, 30 s allowed here
    assert engine_settings(_body(spec), cap_seconds=3600)["limits"]["timeout_minutes"] == 20


def test_a_forecasting_body_keeps_its_series_settings_and_validation_fraction() -> None:
    spec = AutoMLJobSpec(task="forecasting", training_data="t", target_column_name="y", validation_data_size=0.2,
                         forecasting={"time_column_name": "date", "forecast_horizon": 4, "frequency": "W"})
    parsed = AutoMLJobSpec.parse(engine_settings(_body(spec), cap_seconds=10))
    assert parsed.primary_metric == "normalized_root_mean_squared_error" and parsed.validation_data_size == 0.2
    assert parsed.forecasting is not None
    assert (parsed.forecasting.time_column_name, parsed.forecasting.forecast_horizon, parsed.forecasting.frequency) == (
        "date", 4, "W")


def test_durations_and_refusals() -> None:
    assert minutes("PT20M") == 20 and minutes("P1DT2H") == 1560 and minutes("PT90S") == 1.5 and minutes(None) is None
    with pytest.raises(AutoMLSetupError):
        minutes("20 minutes")
    with pytest.raises(AutoMLSetupError, match="cannot run AutoML task"):
        engine_settings({"taskDetails": {"taskType": "ImageClassification"}}, cap_seconds=10)
