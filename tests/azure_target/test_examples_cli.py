"""The three example notebooks submitted with ``amlx --target azure`` (a real subprocess) to the loopback workspace.

The CLI process gets only what a user's shell would (the workspace's settings.json with the Azure section)
plus the emulator's client variables (its certificate, the test credential plugin, the blob seam) and the
socket guard. Each job runs, completes, and its MLflow metrics (autologged or logged by the cell) are read
back from the workspace.
"""

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
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def project(emulator: Any, azure_emulator_guard_log: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("examples-cli")
    shutil.copytree(EXAMPLES, root / "notebooks")
    workspace = root / "ws"
    workspace.mkdir()
    (workspace / "settings.json").write_text(json.dumps({"azure": azure_settings(emulator, compute="cpu-cluster")}))
    env = {**os.environ, **emulator.client_env(), "AMLX_WORKSPACE": str(workspace), "HOME": str(root / "home"),
           LOG_VAR: str(azure_emulator_guard_log), "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("AZUREML_CURRENT_CLOUD", None)
    return {"cwd": root / "notebooks", "env": env}


def amlx(project: dict[str, Any], *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """One ``amlx`` run (each pays azure-ai-ml's import, several seconds on a busy machine: keep them few)."""
    return subprocess.run([str(AMLX), "--target", "azure", *args], cwd=project["cwd"], env=project["env"],
                          capture_output=True, text=True, timeout=timeout)


def submitted(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr[-3000:]
    job = json.loads(result.stdout)
    assert job["status"] == "Completed", job["error"]
    return job


SEED_CURL = ("curl -X POST $ENDPOINT_URL -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" "
             "-d '{\"data\": [{\"Age\": 22, \"Pclass\": 3, \"Sex\": \"male\"}]}'")


def test_titanic_end_to_end_data_job_model_endpoint_and_the_seeds_curl(project: dict[str, Any], emulator: Any) -> None:
    registered = amlx(project, "--json", "data", "register", "titanic-dataset", "data/titanic.csv")
    assert registered.returncode == 0, registered.stderr
    assert json.loads(registered.stdout)["type"] == "uri_file"
    job = submitted(amlx(project, "--json", "submit", "titanic.ipynb", "--cell", "aml-train", "--experiment",
                         "titanic-demo", "--input", "data/titanic.csv=azureml:titanic-dataset@latest", "--wait"))
    assert job["experiment"] == "titanic-demo" and job["compute"] == "cpu-cluster"
    assert job["inputs"][0]["asset"].startswith("titanic-dataset:") and job["studio_url"]
    assert job["metrics"], "sklearn autolog in the job logged to the workspace's MLflow"
    listed = amlx(project, "jobs", "--experiment", "titanic-demo")
    assert job["name"] in listed.stdout

    model = amlx(project, "--json", "model", "register", "titanic-model", "--job", job["name"], "--path",
                 "outputs/model.pkl")
    assert model.returncode == 0, model.stderr[-3000:]
    assert json.loads(model.stdout)["source"] == "outputs/model.pkl"
    deployed = amlx(project, "--json", "endpoint", "deploy", "titanic-endpoint", "--model", "titanic-model",
                    "--instance-type", "Standard_DS2_v2", "--instance-count", "1", "--timeout", "300")
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    assert deployed.stdout.strip(), deployed.stderr[-3000:]
    endpoint = json.loads(deployed.stdout)
    assert endpoint["traffic"] == {"blue": 100} and endpoint["deployments"][0]["status"] == "Succeeded"
    keys = amlx(project, "--json", "endpoint", "keys", "titanic-endpoint")
    assert keys.returncode == 0, keys.stderr[-3000:]
    token = json.loads(keys.stdout)["primary_key"]
    printed = amlx(project, "endpoint", "curl", "titanic-endpoint")
    assert printed.returncode == 0 and endpoint["scoring_uri"] in printed.stdout and token in printed.stdout

    # the seed's curl, verbatim, with the real scoring URI and key
    ran = subprocess.run(["bash", "-c", SEED_CURL], capture_output=True, text=True, timeout=60, env={
        "PATH": "/usr/bin:/bin", "ENDPOINT_URL": endpoint["scoring_uri"], "TOKEN": token,
        "CURL_CA_BUNDLE": str(emulator.ca_bundle)})
    assert ran.returncode == 0 and json.loads(ran.stdout) == {"result": [0]}, (ran.stdout, ran.stderr)
    deleted = amlx(project, "endpoint", "delete", "titanic-endpoint")
    assert deleted.returncode == 0, deleted.stderr[-3000:]


def test_diabetes_logs_its_metrics_with_the_overridden_parameter(project: dict[str, Any]) -> None:
    job = submitted(amlx(project, "--json", "submit", "diabetes_ridge.ipynb", "--cell", "aml-train", "--param",
                         "alpha=0.3", "--wait"))
    assert job["parameters"]["alpha"] == 0.3
    assert job["metrics"]["alpha_value"] == 0.3 and job["metrics"]["rmse"] > 0
    best = amlx(project, "--json", "best", "--metric", "rmse", "--min", "--experiment", job["experiment"])
    assert best.returncode == 0 and json.loads(best.stdout)["name"] == job["name"]


def test_heart_failure_trains_and_leaves_its_model_in_the_outputs(project: dict[str, Any], backend: Any) -> None:
    job = submitted(amlx(project, "--json", "submit", "heart_failure.ipynb", "--cell", "aml-train", "--wait"))
    assert job["metrics"], "autologged"
    outputs = {f.path for f in backend.list_outputs(job["name"])}
    assert any(path.startswith("model") for path in outputs), outputs
    computes = amlx(project, "compute")
    assert computes.returncode == 0 and "cpu-cluster *" in computes.stdout and "serverless" in computes.stdout


def test_the_diabetes_sweep_on_azure_best_trial_registered_and_exported(project: dict[str, Any]) -> None:
    """The diabetes example's search (alpha 0.1 to 1.0, lowest rmse) as a sweep job, as a user runs it."""
    result = amlx(project, "--json", "sweep", "diabetes_ridge.ipynb", "--cell", "aml-train", "--param",
                  "alpha=uniform(0.1, 1.0)", "--objective", "rmse:min", "--sampling", "sobol", "--seed", "5",
                  "--trials", "4", "--concurrent", "2", "--experiment", "diabetes-sweep-azure", "--wait")
    assert result.returncode == 0, result.stderr[-3000:]
    followed = json.loads(result.stdout)
    parent, details, trials = followed["job"], followed["sweep"], followed["trials"]
    assert (parent["type"], parent["status"], parent["compute"]) == ("sweep", "Completed", "cpu-cluster")
    assert parent["parameters"]["alpha"] == "uniform(0.1, 1)"
    assert sorted(t["name"] for t in trials) == [f"{parent['name']}_{i}" for i in range(4)]
    for trial in trials:
        assert trial["parent"] == parent["name"] and trial["status"] == "Completed"
        assert 0.1 <= trial["parameters"]["alpha"] <= 1.0 and trial["metrics"]["rmse"] > 0
        assert trial["metrics"]["alpha_value"] == pytest.approx(trial["parameters"]["alpha"]), "the sampled value reached the cell"
    best = min(trials, key=lambda t: t["metrics"]["rmse"])
    assert (details["best_trial"], details["trial_counts"]) == (best["name"], {"Completed": 4})
    assert details["best_value"] == pytest.approx(best["metrics"]["rmse"])
    assert details["settings"]["sampling_algorithm"] == {"type": "random", "rule": "sobol", "seed": 5}

    chosen = amlx(project, "--json", "best", "--parent", parent["name"])
    assert chosen.returncode == 0, chosen.stderr[-3000:]
    assert json.loads(chosen.stdout)["name"] == best["name"]
    model = amlx(project, "--json", "model", "register", "diabetes-best", "--job", best["name"])
    assert model.returncode == 0, model.stderr[-3000:]
    assert json.loads(model.stdout)["job"] == best["name"]

    exported = amlx(project, "--json", "export", parent["name"], "-o", "exports")
    assert exported.returncode == 0, exported.stderr[-3000:]
    export = json.loads(exported.stdout)
    from azure.ai.ml import load_job

    loaded = load_job(project["cwd"] / export["folder"] / export["files"][0])
    assert loaded.type == "sweep" and loaded.objective.primary_metric == "rmse" and loaded.objective.goal == "minimize"
    assert loaded.search_space["alpha"].type == "uniform" and loaded.search_space["alpha"].max_value == 1.0
    assert "${{search_space.alpha}}" in loaded.trial.command and loaded.limits.max_total_trials == 4
