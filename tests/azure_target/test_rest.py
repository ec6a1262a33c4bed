"""The REST API with the Azure target as the server's default: every route the sidebar uses for jobs, data,
computes, models and endpoints, answered by the real azure-ai-ml client against the loopback workspace and held to
the OpenAPI document."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.openapi import assert_matches
from tests.test_handlers_jobs import api, wait_for_status, write_notebook

from .helpers import azure_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def amlx_app_config() -> dict[str, Any]:
    return {"default_target": "azure"}


@pytest.fixture
def amlx_workspace_dir(tmp_path: Path, emulator: Any) -> Path:
    """The server's workspace folder, with the Azure section written before the server reads it."""
    folder = tmp_path / "amlx-workspace"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps({"azure": azure_settings(emulator, compute="cpu-cluster")}))
    return folder


async def test_the_sidebar_routes_drive_an_azure_job(jp_fetch, jp_root_dir: Path) -> None:
    write_notebook(
        jp_root_dir / "squares.ipynb",
        "n = 4",
        "import mlflow, os\nsquares = [i * i for i in range(n)]\nprint('squares', squares, flush=True)\n"
        "mlflow.log_metric('total', sum(squares))\nos.makedirs('outputs', exist_ok=True)\n"
        "open('outputs/squares.txt', 'w').write(str(squares))",
    )
    deadline = time.monotonic() + 60
    while (info := await api(jp_fetch, "workspace"))["health"]["state"] == "checking":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    assert_matches("/workspace", "GET", 200, json.dumps(info))
    assert info["target"] == "azure" and info["health"]["state"] == "ok", info["health"]
    assert info["health"]["identity"] and info["health"]["studio_url"]
    capabilities = info["capabilities"]
    assert capabilities["jobs"] and capabilities["data_assets"] and capabilities["computes"]
    assert capabilities["models"] and capabilities["endpoints"] and capabilities["instance_types"]
    assert capabilities["sort_keys"] == ["created_at"]

    computes = await api(jp_fetch, "computes")
    assert_matches("/computes", "GET", 200, json.dumps(computes))
    assert {"cpu-cluster", "serverless"} <= {c["name"] for c in computes["computes"]}
    sizes = await api(jp_fetch, "computes", "instance-types")
    assert_matches("/computes/instance-types", "GET", 200, json.dumps(sizes)) and sizes["instance_types"]

    response = await jp_fetch("amlx", "api", "jobs", method="POST", body=json.dumps(
        {"notebook": "squares.ipynb", "cell": 1, "experiment": "rest-azure", "parameters": {"n": 5}}))
    job = assert_matches("/jobs", "POST", response.code, response.body)
    assert job["compute"] == "cpu-cluster" and job["parameters"] == {"n": 5} and job["studio_url"]

    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=300)
    assert done["status"] == "Completed", done["error"]
    shown = await api(jp_fetch, "jobs", job["name"])
    assert_matches("/jobs/{name}", "GET", 200, json.dumps(shown))
    assert shown["started_at"] <= shown["ended_at"]

    logs = await api(jp_fetch, "jobs", job["name"], "logs", wait=5)
    assert_matches("/jobs/{name}/logs", "GET", 200, json.dumps(logs))
    assert "squares [0, 1, 4, 9, 16]" in logs["text"] and logs["complete"]
    metrics = await api(jp_fetch, "jobs", job["name"], "metrics")
    assert [p["value"] for p in metrics["metrics"]["total"]] == [30.0]
    outputs = await api(jp_fetch, "jobs", job["name"], "outputs")
    assert_matches("/jobs/{name}/outputs", "GET", 200, json.dumps(outputs))
    assert [f["path"] for f in outputs["files"]] == ["squares.txt"]
    downloaded = await jp_fetch("amlx", "api", "jobs", job["name"], "outputs", "squares.txt")
    assert downloaded.body == b"[0, 1, 4, 9, 16]"
    code = await api(jp_fetch, "jobs", job["name"], "code")
    assert_matches("/jobs/{name}/code", "GET", 200, json.dumps(code))
    assert {"main.py", "requirements.txt", "amlx-manifest.json"} <= {f["path"] for f in code["files"]}
    assert code["manifest"]["target_cell"]["index"] == 1
    script = await jp_fetch("amlx", "api", "jobs", job["name"], "code", "main.py")
    assert b"# %% cell 1" in script.body

    listed = await api(jp_fetch, "jobs", experiment="rest-azure")
    assert_matches("/jobs", "GET", 200, json.dumps(listed))
    assert [j["name"] for j in listed["items"]] == [job["name"]]
    experiments = await api(jp_fetch, "experiments")
    assert "rest-azure" in {e["name"] for e in experiments["experiments"]}


async def test_a_running_azure_job_is_canceled_from_the_api(jp_fetch, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir / "slow.ipynb", "import time\nprint('started', flush=True)\ntime.sleep(300)")
    response = await jp_fetch("amlx", "api", "jobs", method="POST", body=json.dumps(
        {"notebook": "slow.ipynb", "cell": 0, "experiment": "rest-azure-cancel"}))
    job = json.loads(response.body)
    await wait_for_status(jp_fetch, job["name"], {"Running"}, deadline_s=180)
    canceled = await api(jp_fetch, "jobs", job["name"], "cancel", method="POST")
    assert_matches("/jobs/{name}/cancel", "POST", 200, json.dumps(canceled))
    assert canceled["status"] in ("CancelRequested", "Canceled")
    done = await wait_for_status(jp_fetch, job["name"], {"Canceled", "Failed", "Completed"}, deadline_s=120)
    assert done["status"] == "Canceled"


async def test_a_sweep_over_rest_on_azure_nests_its_trials_and_reports_the_best(jp_fetch, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir / "search.ipynb", "k = 1", "import mlflow\nmlflow.log_metric('score', (k - 2) ** 2)")
    sweep = {"search_space": {"k": "choice(1, 2, 3)"}, "objective": {"primary_metric": "score", "goal": "minimize"},
             "sampling_algorithm": "grid", "limits": {"max_concurrent_trials": 2}}
    random = {**sweep, "search_space": {"k": "randint(4)"}, "sampling_algorithm": {"type": "random", "seed": 2}}
    response = await jp_fetch("amlx", "api", "jobs", "sweep", "preview", method="POST", body=json.dumps(
        {"notebook": "search.ipynb", "cell": 1, "sweep": random}))
    preview = assert_matches("/jobs/sweep/preview", "POST", 200, response.body)
    assert len(preview["points"]) == 5 and any("draws the trials' points with its own sampler" in n for n in preview["notes"])
    response = await jp_fetch("amlx", "api", "jobs", "sweep", method="POST", body=json.dumps(
        {"notebook": "search.ipynb", "cell": 1, "experiment": "rest-azure-sweep", "sweep": sweep}))
    job = assert_matches("/jobs/sweep", "POST", response.code, response.body)
    assert job["type"] == "sweep" and job["compute"] == "cpu-cluster" and job["parameters"] == {"k": "choice(1, 2, 3)"}
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=300)
    assert done["status"] == "Completed", done["error"]

    trials = await api(jp_fetch, "jobs", parent=job["name"], limit=10)
    assert_matches("/jobs", "GET", 200, json.dumps(trials))
    assert sorted((t["name"], t["parameters"]["k"]) for t in trials["items"]) == [
        (f"{job['name']}_{i}", k) for i, k in enumerate((1, 2, 3))]
    top = await api(jp_fetch, "jobs", experiment="rest-azure-sweep", top_level="true", limit=50)
    assert [j["name"] for j in top["items"]] == [job["name"]]
    details = await api(jp_fetch, "jobs", job["name"], "sweep")
    assert_matches("/jobs/{name}/sweep", "GET", 200, json.dumps(details))
    assert (details["best_trial"], details["best_value"]) == (f"{job['name']}_1", 0.0)
    assert details["settings"]["search_space"]["k"] == {"type": "choice", "values": [1, 2, 3]}
    histories = await api(jp_fetch, "jobs", job["name"], "sweep", "metrics")
    assert_matches("/jobs/{name}/sweep/metrics", "GET", 200, json.dumps(histories))
    assert {n: [p["value"] for p in points] for n, points in histories["trials"].items()} == {
        f"{job['name']}_{i}": [float((k - 2) ** 2)] for i, k in enumerate((1, 2, 3))}


TRAINS = (
    "import os, joblib\nfrom sklearn.dummy import DummyClassifier\n"
    "model = DummyClassifier(strategy='constant', constant=1).fit([[0], [1]], [0, 1])\n"
    "os.makedirs('outputs', exist_ok=True)\njoblib.dump(model, 'outputs/model.pkl')\nprint('saved', flush=True)"
)


async def test_the_sidebar_routes_register_deploy_follow_and_invoke_on_azure(jp_fetch, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir / "dummy.ipynb", TRAINS)
    response = await jp_fetch("amlx", "api", "jobs", method="POST", body=json.dumps(
        {"notebook": "dummy.ipynb", "cell": 0, "experiment": "rest-azure-models"}))
    job = json.loads(response.body)
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=300)
    assert done["status"] == "Completed", done["error"]

    candidates = await api(jp_fetch, "jobs", job["name"], "model-candidates")
    assert_matches("/jobs/{name}/model-candidates", "GET", 200, json.dumps(candidates))
    assert [c["source"] for c in candidates["candidates"]] == ["outputs/model.pkl"]
    model_name = f"rest-{job['name'][-8:]}"
    response = await jp_fetch("amlx", "api", "models", method="POST",
                              body=json.dumps({"name": model_name, "job": job["name"]}))
    version = assert_matches("/models", "POST", response.code, response.body)
    assert (version["version"], version["source"], version["format"]) == ("1", "outputs/model.pkl", "pickle")
    models = await api(jp_fetch, "models")
    assert_matches("/models", "GET", 200, json.dumps(models))
    assert model_name in {m["name"] for m in models["models"]}

    endpoint = f"ep-{job['name'][-8:]}".replace("_", "-")
    response = await jp_fetch("amlx", "api", "endpoints", method="POST", body=json.dumps({"name": endpoint}))
    assert_matches("/endpoints", "POST", response.code, response.body)
    response = await jp_fetch("amlx", "api", "endpoints", endpoint, "deployments", method="POST", body=json.dumps(
        {"name": "blue", "model": f"{model_name}:1", "instance_type": "Standard_F4s_v2", "instance_count": 2}))
    assert response.code == 202, "provisioning is a long-running operation the sidebar follows"
    started = assert_matches("/endpoints/{name}/deployments", "POST", 202, response.body)
    assert started["status"] == "Creating" and response.headers["Location"].endswith(f"/endpoints/{endpoint}/deployments/blue")
    deadline = time.monotonic() + 180
    while (state := await api(jp_fetch, "endpoints", endpoint, "deployments", "blue"))["status"] == "Creating":
        assert time.monotonic() < deadline, state
        await asyncio.sleep(0.2)
    assert_matches("/endpoints/{name}/deployments/{deployment}", "GET", 200, json.dumps(state))
    assert state["status"] == "Succeeded", state["last_error"]

    shown = await api(jp_fetch, "endpoints", endpoint)
    assert_matches("/endpoints/{name}", "GET", 200, json.dumps(shown))
    assert shown["traffic"] == {"blue": 100} and shown["auth_mode"] == "key"
    response = await jp_fetch("amlx", "api", "endpoints", endpoint, "invoke", method="POST",
                              body=json.dumps({"payload": {"data": [[5], [7]]}}))
    answer = assert_matches("/endpoints/{name}/invoke", "POST", 200, response.body)
    assert answer["status_code"] == 200 and answer["body"] == {"result": [1, 1]} and answer["deployment"] == "blue"
    curl = await api(jp_fetch, "endpoints", endpoint, "curl")
    assert_matches("/endpoints/{name}/curl", "GET", 200, json.dumps(curl))
    assert shown["scoring_uri"] in curl["command"]

    response = await jp_fetch("amlx", "api", "endpoints", endpoint, method="DELETE")
    assert response.code in (200, 204)
