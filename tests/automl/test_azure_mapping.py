"""An AutoMLJobSpec as the REST body azure-ai-ml builds for it (offline: no service, no credential)."""

from __future__ import annotations

from typing import Any

import yaml

from amlx_lab.automl.azure_sdk import azure_job, mltable_yaml
from amlx_lab.specs import AutoMLJobSpec


def rest(spec: AutoMLJobSpec, **kwargs: Any) -> dict[str, Any]:
    return azure_job(spec, training_data="azureml:heart-mltable:1", **kwargs)._to_rest_object().as_dict()["properties"]


def test_the_heart_failure_seed_as_azure_automl_classification() -> None:
    spec = AutoMLJobSpec(
        task="classification", training_data="azureml:heart@latest", target_column_name="DEATH_EVENT",
        primary_metric="auc_weighted", experiment="heart", limits={"timeout_minutes": 20, "max_concurrent_trials": 3},
        allowed_training_algorithms=["lightgbm", "RandomForest"], tags={"seed": "heart"},
    )
    body = rest(spec, compute="cpu-cluster")
    task = body["taskDetails"]
    assert body["jobType"] == "AutoML" and body["experimentName"] == "heart" and body["computeId"] == "cpu-cluster"
    assert (task["taskType"], task["primaryMetric"], task["targetColumnName"]) == ("Classification", "AUCWeighted", "DEATH_EVENT")
    assert task["trainingData"] == {"uri": "azureml:heart-mltable:1", "jobInputType": "mltable"}
    limits = task["limitSettings"]
    assert (limits["timeout"], limits["maxConcurrentTrials"], limits["enableEarlyTermination"]) == ("PT20M", 3, True)
    assert task["trainingSettings"]["allowedTrainingAlgorithms"] == ["LightGBM", "RandomForest"]
    assert task["featurizationSettings"]["mode"] == "auto" and body["tags"] == {"seed": "heart"}


def test_forecasting_validation_and_fractional_minutes() -> None:
    spec = AutoMLJobSpec(
        task="forecasting", training_data="sales.csv", target_column_name="sales", primary_metric="r2_score",
        forecasting={"time_column_name": "date", "forecast_horizon": 7, "frequency": "D"},
        limits={"timeout_minutes": 0.5, "trial_timeout_minutes": 0.2}, n_cross_validations=3, featurization="off",
    )
    task = rest(spec)["taskDetails"]
    assert task["taskType"] == "Forecasting" and task["primaryMetric"] == "R2Score"
    assert task["forecastingSettings"]["timeColumnName"] == "date" and task["forecastingSettings"]["frequency"] == "D"
    assert task["forecastingSettings"]["forecastHorizon"] == {"mode": "Custom", "value": 7}
    assert task["nCrossValidations"] == {"mode": "Custom", "value": 3}
    assert task["limitSettings"]["timeout"] == "PT1M" and task["limitSettings"]["trialTimeout"] == "PT1M"
    assert task["featurizationSettings"]["mode"] == "off"
    holdout = AutoMLJobSpec(task="regression", training_data="x", target_column_name="y", validation_data_size=0.2)
    assert rest(holdout)["taskDetails"]["validationDataSize"] == 0.2


def test_the_mltable_file_reads_one_csv_with_its_header() -> None:
    table = yaml.safe_load(mltable_yaml("heart.csv"))
    assert table["paths"] == [{"file": "./heart.csv"}]
    assert table["transformations"][0]["read_delimited"]["header"] == "all_files_same_headers"
