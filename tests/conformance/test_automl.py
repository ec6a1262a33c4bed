"""AutoML on every target that has it: a parent job, trials as its children, a leaderboard, a registrable best model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.records import JobStatus, JobType
from amlx_lab.specs import AutoMLJobSpec, JobQuery

from .conftest import Target

pytestmark = pytest.mark.slow

HEART = Path(__file__).resolve().parents[2] / "examples" / "data" / "heart_failure_clinical_records.csv"


def _spec(data: str, **fields: object) -> AutoMLJobSpec:
    settings: dict[str, object] = {
        "task": "classification", "training_data": data, "target_column_name": "DEATH_EVENT",
        "primary_metric": "accuracy", "n_cross_validations": 3, "experiment": "conf-automl",
        "allowed_training_algorithms": ["RandomForest", "LightGBM"], "limits": {"max_trials": 4},
    }
    return AutoMLJobSpec(**{**settings, **fields})


def test_an_automl_job_has_trials_a_leaderboard_and_a_best_model(target: Target) -> None:
    target.require("automl")
    target.require("data_assets")
    data = target.root / "heart.csv"
    shutil.copy(HEART, data)
    asset = target.ws.data(target.name).register_data("conf-heart", data)
    job = target.ws.submit_automl(_spec(asset.ref), base_dir=target.root, target=target.name)
    assert job.type is JobType.AUTOML and job.parent is None and job.status in (JobStatus.QUEUED, JobStatus.NOT_STARTED)
    done = target.finished(job, timeout=300)
    assert done.status is JobStatus.COMPLETED, done.error

    details = target.ws.automl_details(job.name, target=target.name)
    assert details.trials == 4 and details.leaderboard[0].is_best and details.model is not None
    assert {e.algorithm for e in details.leaderboard} <= {"RandomForest", "LightGBM"}
    trials = target.ws.list_jobs(JobQuery(parent=job.name, limit=100), target=target.name).items
    assert {t.name for t in trials} == {e.trial for e in details.leaderboard}
    assert all(t.parent == job.name and t.status is JobStatus.COMPLETED for t in trials)
    best = target.ws.best_job(None, goal=None, parent=job.name, target=target.name)
    assert best.name == details.best_trial and best.metrics["accuracy"] == pytest.approx(details.best_score)
    if target.has("models"):
        version = target.ws.models(target.name).register_model("conf-automl-model", job=job.name)
        assert version.format == "mlflow" and version.input_columns is not None

    exported = target.ws.export_job(job.name, out_dir=target.root / "exports", target=target.name)
    folder = target.root / "exports" / job.name
    assert exported.files[0] == "job.yml"
    from azure.ai.ml import load_job

    loaded = load_job(folder / "job.yml")
    assert (loaded.type, loaded.target_column_name, loaded.n_cross_validations) == ("automl", "DEATH_EVENT", 3)
    assert loaded.limits.max_trials == 4 and loaded.experiment_name == "conf-automl"
    assert [str(a.value) for a in loaded.training.allowed_training_algorithms] == ["RandomForest", "LightGBM"]
    path = str(loaded.training_data.path)
    if path.startswith("azureml://"):
        assert "training_data/MLTable" not in exported.files  # the MLTable Azure already holds
    else:
        assert (folder / "training_data" / "MLTable").is_file() and any(f.endswith(".csv") for f in exported.files)


def test_automl_refusals_name_the_field(target: Target) -> None:
    target.require("automl")
    data = target.root / "heart-refusals.csv"
    shutil.copy(HEART, data)
    with pytest.raises(ValidationError) as refused:
        target.ws.submit_automl(_spec(str(data), target_column_name="nope"), base_dir=target.root, target=target.name)
    assert refused.value.field == "target_column_name"
    (target.root / "heart-folder").mkdir(exist_ok=True)
    shutil.copy(HEART, target.root / "heart-folder" / "heart.csv")
    for folder in (".", "heart-folder"):
        with pytest.raises(ValidationError) as refused:
            target.ws.submit_automl(_spec(folder), base_dir=target.root, target=target.name)
        assert refused.value.field == "training_data" and f"training_data {folder!r} is a folder" in refused.value.message
    if target.has("data_assets"):
        asset = target.ws.data(target.name).register_data("conf-heart-folder", target.root / "heart-folder")
        with pytest.raises(ValidationError) as refused:
            target.ws.submit_automl(_spec(asset.ref), base_dir=target.root, target=target.name)
        assert refused.value.field == "training_data" and "is a folder" in refused.value.message
    command = target.finished(target.submit("print('not automl')"))
    with pytest.raises(NotFoundError):
        target.ws.automl_details(command.name, target=target.name)
