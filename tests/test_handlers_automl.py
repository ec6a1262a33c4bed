"""The heart-failure AutoML seed through the REST API, end to end on the local target.

Register ``heart_failure_clinical_records.csv`` as a data asset; start AutoML
classification of ``DEATH_EVENT`` with ``AUC_weighted`` (a short budget, 3
concurrent trials); follow it to Completed; read the leaderboard, the trials
as child jobs and the charts; register the best model from the job; deploy
it; invoke it with the seed's ``{"data": [{"age": ..., ...}]}`` row (text
values included) and with Azure's MLflow form. Also: the sentences and
statuses of bad requests, cancellation, and the 409 when the engine is missing.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from amlx_lab.backends.local import automl as local_automl
from amlx_lab.backends.local.backend import LocalBackend
from tests.conftest import error_of
from tests.local.conftest import stop_everything
from tests.openapi import assert_matches
from tests.test_handlers_jobs import api, wait_for_status

pytestmark = pytest.mark.slow

HEART = Path(__file__).resolve().parents[1] / "examples" / "data" / "heart_failure_clinical_records.csv"
#: The seed's request row: text values as a form sends them, an integer for a column trained as floats.
SEED_ROW = {
    "age": 60, "anaemia": "false", "creatinine_phosphokinase": "582", "diabetes": 0, "ejection_fraction": 20,
    "high_blood_pressure": 1, "platelets": 265000, "serum_creatinine": 1.9, "serum_sodium": 130, "sex": 1,
    "smoking": 0, "time": 4,
}
SEED = {
    "task": "classification", "training_data": "azureml:heart@latest", "target_column_name": "DEATH_EVENT",
    "primary_metric": "AUC_weighted", "n_cross_validations": 3,
    "limits": {"timeout_minutes": 0.4, "max_concurrent_trials": 3, "enable_early_termination": True},
    "experiment": "heart-automl",
}


@pytest.fixture(autouse=True)
def no_job_outlives_its_test(amlx_workspace_dir: Path):
    yield
    if (amlx_workspace_dir / "amlx.db").exists():
        backend = LocalBackend(amlx_workspace_dir, compute_slots=2)
        try:
            stop_everything(backend)
        finally:
            backend.close()


@pytest.fixture
def heart_asset(jp_root_dir: Path) -> Path:
    (jp_root_dir / "data").mkdir()
    shutil.copy(HEART, jp_root_dir / "data" / "heart.csv")
    return jp_root_dir / "data" / "heart.csv"


async def refused(jp_fetch, body: Any, status: int = 400) -> dict[str, Any]:
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", "automl", method="POST", body=body)
    assert caught.value.code == status
    assert_matches("/jobs/automl", "POST", status, caught.value.response.body)
    return error_of(caught.value)


async def test_the_heart_failure_seed_from_data_asset_to_endpoint(jp_fetch, heart_asset: Path) -> None:
    await api(jp_fetch, "data", method="POST", body={"name": "heart", "path": "data/heart.csv"})
    response = await jp_fetch("amlx", "api", "jobs", "automl", method="POST", body=json.dumps(SEED))
    assert response.code == 201
    assert_matches("/jobs/automl", "POST", 201, response.body)
    job = json.loads(response.body)
    assert (job["type"], job["parent"], job["experiment"]) == ("automl", None, "heart-automl")
    assert response.headers["Location"].endswith(f"/amlx/api/jobs/{job['name']}")

    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=400)
    assert done["status"] == "Completed", done["error"]
    assert done["metrics"]["AUC_weighted"] > 0.8

    raw = await jp_fetch("amlx", "api", "jobs", job["name"], "automl")
    assert_matches("/jobs/{name}/automl", "GET", 200, raw.body)
    details = json.loads(raw.body)
    board = details["leaderboard"]
    assert details["primary_metric"] == "AUC_weighted" and details["goal"] == "maximize"
    assert details["validation"] == "3-fold cross-validation" and details["model"] == "outputs/model"
    assert board[0]["is_best"] and board[0]["rank"] == 1 and board[0]["trial"] == details["best_trial"]
    assert [e["score"] for e in board] == sorted((e["score"] for e in board), reverse=True)
    assert {e["algorithm"] for e in board if e["source"] == "default"} == {"RandomForest", "GradientBoosting", "LogisticRegression"}
    assert all(len(e["fold_scores"]) == 3 and e["score_std"] is not None for e in board)
    assert details["best_score"] == pytest.approx(done["metrics"]["AUC_weighted"])
    assert any("max_concurrent_trials 3" in note for note in details["notes"])
    charts = details["charts"]
    assert sum(map(sum, charts["confusion_matrix"])) == 299 and charts["confusion_labels"] == ["0", "1"]
    assert charts["roc"][0]["fpr"][0] == 0 and charts["roc"][0]["tpr"][-1] == 1

    trials = await api(jp_fetch, "jobs", parent=job["name"], limit=1000)
    assert_matches("/jobs", "GET", 200, json.dumps(trials))
    assert {t["name"] for t in trials["items"]} == {e["trial"] for e in board}
    best = next(t for t in trials["items"] if t["name"] == details["best_trial"])
    assert best["type"] == "automl" and best["parent"] == job["name"] and best["status"] == "Completed"
    assert best["metrics"]["AUC_weighted"] == pytest.approx(board[0]["score"])
    top_level = await api(jp_fetch, "jobs", top_level="true")
    assert [j["name"] for j in top_level["items"]] == [job["name"]], "trials are nested, not top-level jobs"

    model = await api(jp_fetch, "models", method="POST", body={"name": "heart-automl", "job": job["name"]})
    assert model["format"] == "mlflow" and model["source"] == "outputs/model"
    columns = {c["name"]: c["type"] for c in model["input_columns"]}
    assert columns["age"] == "double" and columns["anaemia"] == "long" and len(columns) == 12

    await api(jp_fetch, "endpoints", method="POST", body={"name": "heart-ep"})
    await api(jp_fetch, "endpoints", "heart-ep", "deployments", method="POST", body={"name": "blue", "model": "heart-automl:1"})
    deadline = time.monotonic() + 180
    while (deployment := await api(jp_fetch, "endpoints", "heart-ep", "deployments", "blue"))["status"] == "Creating":
        assert time.monotonic() < deadline, "the deployment is still Creating"
        await asyncio.sleep(0.2)
    assert deployment["status"] == "Succeeded", deployment["last_error"]
    seed = await api(jp_fetch, "endpoints", "heart-ep", "invoke", method="POST", body={"payload": {"data": [SEED_ROW]}})
    assert seed["status_code"] == 200 and seed["body"]["result"][0] in (0, 1)
    mlflow_form = {"input_data": {"columns": list(SEED_ROW), "index": [0], "data": [list(SEED_ROW.values())]}}
    azure = await api(jp_fetch, "endpoints", "heart-ep", "invoke", method="POST", body={"payload": mlflow_form})
    assert azure["status_code"] == 200 and azure["body"] == seed["body"]["result"]


async def test_bad_requests_get_a_sentence_and_nothing_runs(jp_fetch, heart_asset: Path) -> None:
    error = await refused(jp_fetch, {**SEED, "primary_metric": "r2_score"})
    assert error["details"]["field"] == "primary_metric" and "regression metric" in error["message"]
    error = await refused(jp_fetch, {**SEED, "training_data": "data/heart.csv", "target_column_name": "DEATH_EVNT"})
    assert error["details"]["field"] == "target_column_name" and "its columns are: age, anaemia" in error["message"]
    error = await refused(jp_fetch, {**SEED, "training_data": "azureml:nothing@latest"})
    assert error["details"]["field"] == "training_data"
    error = await refused(jp_fetch, {**SEED, "training_data": "../outside.csv"})
    assert error["details"]["field"] == "training_data" and "/" + str(heart_asset.parent) not in error["message"]
    for folder in (".", "data"):
        error = await refused(jp_fetch, {**SEED, "training_data": folder})
        assert error["details"]["field"] == "training_data" and f"training_data {folder!r} is a folder" in error["message"]
    error = await refused(jp_fetch, {**SEED, "limits": {"max_trials": 2, "max_concurrent_trials": 3}})
    assert error["details"]["field"] == "limits.max_concurrent_trials"
    assert (await refused(jp_fetch, [1, 2]))["message"].endswith("must be a JSON object.")
    assert (await api(jp_fetch, "jobs"))["items"] == []


async def test_a_canceled_search_keeps_its_finished_trials(jp_fetch, heart_asset: Path) -> None:
    body = {**SEED, "training_data": "data/heart.csv", "limits": {"timeout_minutes": 10}, "n_cross_validations": 3}
    job = await api(jp_fetch, "jobs", "automl", method="POST", body=body)
    deadline = time.monotonic() + 300
    while not (await api(jp_fetch, "jobs", parent=job["name"]))["items"]:
        assert time.monotonic() < deadline, "no trial was recorded"
        await asyncio.sleep(0.5)
    canceled = await api(jp_fetch, "jobs", job["name"], "cancel", method="POST")
    assert canceled["status"] in ("CancelRequested", "Canceled")
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=120)
    assert done["status"] == "Canceled"
    trials = (await api(jp_fetch, "jobs", parent=job["name"], limit=1000))["items"]
    assert trials and all(t["status"] == "Completed" for t in trials)
    details = await api(jp_fetch, "jobs", job["name"], "automl")
    assert details["status"] == "Canceled" and details["model"] is None and len(details["leaderboard"]) >= len(trials)
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", trials[0]["name"], "automl")
    assert caught.value.code == 404 and "a trial of AutoML job" in error_of(caught.value)["message"]


async def test_without_the_engine_automl_is_a_409_with_the_install_command(
    jp_fetch, heart_asset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_automl, "missing_engine", lambda: ["flaml", "xgboost"])
    error = await refused(jp_fetch, {**SEED, "training_data": "data/heart.csv"}, status=409)
    assert error["code"] == "not_supported" and "pip install 'amlx_lab[automl]'" in error["message"]
    info = await api(jp_fetch, "workspace")
    assert "AutoML needs flaml, xgboost" in info["health"]["message"] and info["health"]["state"] == "ok"
