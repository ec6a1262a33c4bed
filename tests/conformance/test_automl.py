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


def test_automl_refusals_name_the_field(target: Target) -> None:
    target.require("automl")
    data = target.root / "heart-refusals.csv"
    shutil.copy(HEART, data)
    with pytest.raises(ValidationError) as refused:
        target.ws.submit_automl(_spec(str(data), target_column_name="nope"), base_dir=target.root, target=target.name)
    assert refused.value.field == "target_column_name"
    command = target.finished(target.submit("print('not automl')"))
    with pytest.raises(NotFoundError):
        target.ws.automl_details(command.name, target=target.name)
