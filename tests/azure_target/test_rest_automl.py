"""The AutoML routes with the Azure target as the server's default, held to the OpenAPI document: a CSV in the
notebook folder submitted, the job followed, its leaderboard and trials read, and a folder refused with a 400."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.conftest import error_of
from tests.openapi import assert_matches
from tests.test_handlers_jobs import api, wait_for_status

from .helpers import azure_settings

pytestmark = pytest.mark.slow

HEART = Path(__file__).resolve().parents[2] / "examples" / "data" / "heart_failure_clinical_records.csv"
BODY = {
    "task": "classification", "training_data": "data/heart.csv", "target_column_name": "DEATH_EVENT",
    "primary_metric": "accuracy", "n_cross_validations": 3, "experiment": "rest-automl",
    "allowed_training_algorithms": ["RandomForest"], "limits": {"max_trials": 2},
}


@pytest.fixture
def amlx_app_config() -> dict[str, Any]:
    return {"default_target": "azure"}


@pytest.fixture
def amlx_workspace_dir(tmp_path: Path, emulator: Any) -> Path:
    folder = tmp_path / "amlx-workspace"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps({"azure": azure_settings(emulator, compute="cpu-cluster")}))
    return folder


async def test_automl_on_azure_through_the_rest_api(jp_fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "data").mkdir()
    shutil.copy(HEART, jp_root_dir / "data" / "heart.csv")
    info = await api(jp_fetch, "workspace")
    assert info["target"] == "azure" and info["capabilities"]["automl"]

    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", "automl", method="POST", body={**BODY, "training_data": "data"})
    assert caught.value.code == 400
    assert_matches("/jobs/automl", "POST", 400, caught.value.response.body)
    error = error_of(caught.value)
    assert error["details"]["field"] == "training_data" and "training_data 'data' is a folder" in error["message"]

    response = await jp_fetch("amlx", "api", "jobs", "automl", method="POST", body=json.dumps(BODY))
    assert response.code == 201
    assert_matches("/jobs/automl", "POST", 201, response.body)
    job = json.loads(response.body)
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=300)
    assert done["status"] == "Completed", done["error"]

    raw = await jp_fetch("amlx", "api", "jobs", job["name"], "automl")
    assert_matches("/jobs/{name}/automl", "GET", 200, raw.body)
    details = json.loads(raw.body)
    assert 1 <= details["trials"] <= 2 and details["settings"]["training_data"] == "heart.csv"
    assert details["leaderboard"][0]["is_best"] and details["model"]
    trials = await api(jp_fetch, "jobs", parent=job["name"])
    assert {t["name"] for t in trials["items"]} == {e["trial"] for e in details["leaderboard"]}
    assert all(t["type"] == "automl" and t["parent"] == job["name"] for t in trials["items"])
