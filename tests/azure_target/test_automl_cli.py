"""The heart failure seed's AutoML lesson with ``amlx --target azure`` (a real subprocess) on the loopback workspace:
the CSV as a data asset, AutoML with ``--wait``, the best model registered, deployed, and invoked with the
seed's ``{"data": [{"age": ..., ...}]}`` row and with Azure's MLflow form."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from azure_emulator.socket_guard import LOG_VAR

from .helpers import azure_settings

pytestmark = pytest.mark.slow

AMLX = Path(sys.executable).with_name("amlx")
HEART = Path(__file__).resolve().parents[2] / "examples" / "data" / "heart_failure_clinical_records.csv"
SEED_ROW = {
    "age": 60, "anaemia": "false", "creatinine_phosphokinase": "582", "diabetes": 0, "ejection_fraction": 20,
    "high_blood_pressure": 1, "platelets": 265000, "serum_creatinine": 1.9, "serum_sodium": 130, "sex": 1,
    "smoking": 0, "time": 4,
}


def _amlx(project: dict[str, Any], *args: str) -> Any:
    """One ``amlx --json`` run; its JSON answer (each run pays azure-ai-ml's import: keep them few)."""
    ran = subprocess.run([str(AMLX), "--target", "azure", "--json", *args], cwd=project["cwd"], env=project["env"],
                         capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, (args, ran.stdout[-2000:], ran.stderr[-3000:])
    return json.loads(ran.stdout)


@pytest.fixture
def project(emulator: Any, azure_emulator_guard_log: Path, tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "data").mkdir()
    shutil.copy(HEART, tmp_path / "data" / "heart_failure_clinical_records.csv")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "settings.json").write_text(json.dumps({"azure": azure_settings(emulator, compute="cpu-cluster")}))
    env = {**os.environ, **emulator.client_env(), "AMLX_WORKSPACE": str(workspace), "HOME": str(tmp_path / "home"),
           LOG_VAR: str(azure_emulator_guard_log), "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("AZUREML_CURRENT_CLOUD", None)
    return {"cwd": tmp_path, "env": env}


def test_heart_failure_automl_best_model_deployed_and_invoked_with_the_seeds_row(
    project: dict[str, Any], tmp_path: Path
) -> None:
    asset = _amlx(project, "data", "register", "heart-failure", "data/heart_failure_clinical_records.csv")
    assert asset["type"] == "uri_file"
    job = _amlx(project, "automl", "--task", "classification", "--data", "azureml:heart-failure@latest",
                "--target", "DEATH_EVENT", "--metric", "AUC_weighted", "--cv", "3", "--max-trials", "4",
                "--allow", "RandomForest,LightGBM", "--experiment", "heart-automl", "--wait")
    assert job["status"] == "Completed", job.get("error")
    board = _amlx(project, "leaderboard", job["name"])
    assert board["trials"] == 4 and board["best_trial"] and board["primary_metric"] == "AUC_weighted"
    assert board["settings"]["training_data"] == f"azureml:heart-failure:{asset['version']}"
    best = _amlx(project, "best", "--parent", job["name"])
    assert best["name"] == board["best_trial"] and best["metrics"]["AUC_weighted"] == pytest.approx(board["best_score"])

    model = _amlx(project, "model", "register", "heart-automl-model", "--job", job["name"])
    assert model["format"] == "mlflow" and model["job"] == board["best_trial"]
    endpoint = _amlx(project, "endpoint", "deploy", "heart-automl-ep", "--model", "heart-automl-model",
                     "--timeout", "300")
    assert endpoint["deployments"][0]["status"] == "Succeeded"

    (tmp_path / "seed.json").write_text(json.dumps({"data": [SEED_ROW]}))
    seed = _amlx(project, "endpoint", "invoke", "heart-automl-ep", "--data", "seed.json")
    assert seed["status_code"] == 200 and seed["body"]["result"][0] in (0, 1), seed
    mlflow_form = {"input_data": {"columns": list(SEED_ROW), "index": [0], "data": [list(SEED_ROW.values())]}}
    (tmp_path / "mlflow.json").write_text(json.dumps(mlflow_form))
    azure = _amlx(project, "endpoint", "invoke", "heart-automl-ep", "--data", "mlflow.json")
    assert azure["status_code"] == 200 and azure["body"] == seed["body"]["result"], azure
    _amlx(project, "endpoint", "delete", "heart-automl-ep")
