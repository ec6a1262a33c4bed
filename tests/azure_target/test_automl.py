"""AutoML on the Azure target: the body azure-ai-ml sends, trials as child jobs, the leaderboard, the best
model registered from the best trial, refusals, and cancelling."""

from __future__ import annotations

import math
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient
from azure_emulator.config import AZURITE_KEY

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.records import Job, JobStatus, JobType
from amlx_lab.specs import AutoMLJobSpec, JobQuery

pytestmark = pytest.mark.slow

HEART = Path(__file__).resolve().parents[2] / "examples" / "data" / "heart_failure_clinical_records.csv"


def _spec(data: str, **fields: Any) -> AutoMLJobSpec:
    settings: dict[str, Any] = {
        "task": "classification", "training_data": data, "target_column_name": "DEATH_EVENT",
        "primary_metric": "AUC_weighted", "n_cross_validations": 3, "experiment": "azure-automl",
        "allowed_training_algorithms": ["RandomForest", "LightGBM"],
        "limits": {"max_trials": 3, "timeout_minutes": 5, "max_concurrent_trials": 1},
    }
    return AutoMLJobSpec(**{**settings, **fields})


def _wait(backend: AzureBackend, name: str, timeout: float = 240) -> Job:
    deadline = time.monotonic() + timeout
    while not (job := backend.get_job(name)).status.terminal:
        assert time.monotonic() < deadline, f"{name} still {job.status.value}"
        time.sleep(0.3)
    return job


def test_a_csv_runs_as_an_automl_job_with_an_mltable_and_its_best_model_registers(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    data = tmp_path / "heart.csv"
    shutil.copy(HEART, data)
    mark = emulator.mark()
    job = backend.submit_automl(_spec(str(data)))
    assert job.type.value == "automl" and job.parent is None
    assert job.display_name == "AutoML classification of DEATH_EVENT"  # as the local target names it

    recorded = emulator.requests(mark)
    put = next(r for r in recorded if r["method"] == "PUT" and r["path"].endswith(f"/jobs/{job.name}"))
    props = put["body"]["properties"]
    task = props["taskDetails"]
    assert props["jobType"] == "AutoML" and task["taskType"] == "Classification"
    assert task["primaryMetric"] == "AUCWeighted" and task["targetColumnName"] == "DEATH_EVENT"
    assert task["limitSettings"]["maxTrials"] == 3 and task["limitSettings"]["timeout"] == "PT5M"
    assert task["nCrossValidations"] == {"value": 3, "mode": "Custom"}
    assert task["trainingSettings"]["allowedTrainingAlgorithms"] == ["RandomForest", "LightGBM"]
    assert task["trainingData"]["jobInputType"] == "mltable"
    assert task["trainingData"]["uri"].endswith("/training_data")
    folder = task["trainingData"]["uri"].split("/paths/", 1)[1]
    blobs = BlobServiceClient(emulator.settings["blob_account_url"], credential=AZURITE_KEY)
    uploaded = {b.name for b in blobs.get_container_client("azureml-blobstore").list_blobs(name_starts_with=folder)}
    assert uploaded == {f"{folder}/MLTable", f"{folder}/heart.csv"}
    assert str(tmp_path) not in props["properties"]["amlx.automl_spec"]

    done = _wait(backend, job.name)
    assert done.status is JobStatus.COMPLETED, done.error
    details = backend.automl_details(job.name)
    assert details.trials == 3 and details.primary_metric == "AUC_weighted"
    assert details.leaderboard[0].is_best and details.best_trial == details.leaderboard[0].trial
    assert details.best_score is not None and 0.5 < details.best_score <= 1.0
    assert {e.algorithm for e in details.leaderboard} <= {"RandomForest", "LightGBM"}
    assert all(e.trial.startswith(f"{job.name}_") for e in details.leaderboard)
    assert details.model == "outputs/model"  # as the local target names it; the sidebar registers this source
    trials = backend.list_jobs(JobQuery(parent=job.name, limit=50)).items
    assert {t.name for t in trials} == {e.trial for e in details.leaderboard}
    assert all(t.type is JobType.AUTOML and t.parent == job.name for t in trials)
    top = {j.name for j in backend.list_jobs(JobQuery(top_level=True, experiment="azure-automl", limit=100)).items}
    assert job.name in top and not top & {t.name for t in trials}
    with pytest.raises(NotFoundError, match="trial of AutoML job"):
        backend.automl_details(details.best_trial)

    candidates = backend.model_candidates(job.name)
    assert [(c.source, c.format) for c in candidates] == [("outputs/model", "mlflow")] and candidates[0].size > 0
    version = backend.register_model("azure-automl-best", job=job.name)
    assert version.format == "mlflow" and version.input_columns is not None
    columns = {c.name: c.type for c in version.input_columns}
    assert "DEATH_EVENT" not in columns and columns["age"] == "double"
    assert version.job == details.best_trial and version.source == "outputs/mlflow-model"
    again = backend.register_model("azure-automl-best", job=job.name, path=details.model)
    assert (again.version, again.job, again.source) == ("2", details.best_trial, "outputs/mlflow-model")


def test_folders_and_unknown_columns_are_refused_before_anything_is_created(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    data = tmp_path / "heart.csv"
    shutil.copy(HEART, data)
    with pytest.raises(ValidationError) as refused:
        backend.submit_automl(_spec(str(tmp_path)))
    assert refused.value.field == "training_data" and "is a folder" in refused.value.message
    folder = backend.register_data("azure-automl-folder", tmp_path)
    with pytest.raises(ValidationError) as refused:
        backend.submit_automl(_spec(f"azureml:{folder.name}:{folder.version}"))
    assert refused.value.field == "training_data" and "is a folder" in refused.value.message
    mark = emulator.mark()
    with pytest.raises(ValidationError) as refused:
        backend.submit_automl(_spec(str(data), target_column_name="DEATH"))
    assert refused.value.field == "target_column_name" and "its columns are: age" in refused.value.message
    assert not [r for r in emulator.requests(mark) if r["method"] == "PUT" and "/jobs/" in r["path"]]


def test_an_automl_job_from_a_data_asset_can_be_cancelled(backend: AzureBackend, emulator: Any, tmp_path: Path) -> None:
    data = tmp_path / "heart.csv"
    shutil.copy(HEART, data)
    asset = backend.register_data("azure-automl-heart", data)
    emulator.configure(automl_timeout_seconds=120)
    try:
        job = backend.submit_automl(_spec(f"azureml:{asset.name}@latest", limits={"max_trials": 500}))
        deadline = time.monotonic() + 120
        while backend.get_job(job.name).status is not JobStatus.RUNNING:
            assert time.monotonic() < deadline, "the AutoML job never started"
            time.sleep(0.2)
        backend.cancel(job.name)
        assert _wait(backend, job.name, timeout=60).status is JobStatus.CANCELED
    finally:
        emulator.configure(automl_timeout_seconds=20)
    details = backend.automl_details(job.name)
    assert details.status is JobStatus.CANCELED and details.model is None
    assert details.settings["training_data"] == f"azureml:{asset.name}:{asset.version}"


def test_a_forecast_on_a_small_series_sends_its_settings_and_completes(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    start = date(2024, 1, 1)
    rows = ["date,y"] + [
        f"{start + timedelta(days=i)},{10 + 0.05 * i + 3 * math.sin(2 * math.pi * i / 7):.3f}" for i in range(120)
    ]
    data = tmp_path / "series.csv"
    data.write_text("\n".join(rows) + "\n")
    mark = emulator.mark()
    job = backend.submit_automl(AutoMLJobSpec(
        task="forecasting", training_data=str(data), target_column_name="y", experiment="azure-automl-forecast",
        forecasting={"time_column_name": "date", "forecast_horizon": 3, "frequency": "D"},
        limits={"max_trials": 2, "timeout_minutes": 1},
    ))
    put = next(r for r in emulator.requests(mark) if r["method"] == "PUT" and r["path"].endswith(f"/jobs/{job.name}"))
    task = put["body"]["properties"]["taskDetails"]
    assert task["taskType"] == "Forecasting" and task["primaryMetric"] == "NormalizedRootMeanSquaredError"
    assert task["forecastingSettings"] == {"forecastHorizon": {"value": 3, "mode": "Custom"}, "timeColumnName": "date",
                                           "frequency": "D"}
    done = _wait(backend, job.name)
    assert done.status is JobStatus.COMPLETED, done.error
    details = backend.automl_details(job.name)
    assert details.task == "forecasting" and details.goal == "minimize" and details.trials >= 1
    assert details.best_score is not None and details.best_score >= 0
