"""The Titanic seed, end to end through the REST API, with the real ``examples/titanic.ipynb``.

Register ``data/titanic.csv`` as ``titanic-dataset``; submit the ``aml-train``
cell in experiment ``titanic-demo`` reading the asset; register ``outputs/model.pkl``
as ``titanic-model``; create ``titanic-endpoint`` (key auth) and deployment
``blue`` with all traffic; then the seed's curl, verbatim, with
``$ENDPOINT_URL`` and ``$TOKEN`` taken from the REST answers, returns a prediction.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.openapi import assert_matches
from tests.test_handlers_jobs import api, wait_for_status
from tests.test_handlers_models_endpoints import (  # noqa: F401 (workspace is a fixture)
    assert_gone,
    endpoint_processes,
    follow_deployment,
    workspace,
)

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEED_CURL = (
    'curl -X POST $ENDPOINT_URL -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" '
    """-d '{"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}'"""
)


def seed_argv(endpoint_url: str, token: str) -> list[str]:
    """The seed's command line as the shell splits it, with the two variables expanded."""
    values = {"$ENDPOINT_URL": endpoint_url, "$TOKEN": token}
    argv = shlex.split(SEED_CURL)
    return [values.get(arg, arg).replace("$TOKEN", token) for arg in argv]


async def test_titanic_from_data_asset_to_a_curl_prediction(jp_fetch, jp_root_dir: Path, workspace) -> None:  # noqa: F811
    shutil.copytree(EXAMPLES, jp_root_dir, dirs_exist_ok=True)

    asset = await api(jp_fetch, "data", method="POST", body={"name": "titanic-dataset", "path": "data/titanic.csv"})
    assert (asset["name"], asset["version"]) == ("titanic-dataset", "1")

    job = await api(jp_fetch, "jobs", method="POST", body={
        "notebook": "titanic.ipynb", "cell": "aml-train", "experiment": "titanic-demo",
        "inputs": {"data/titanic.csv": "azureml:titanic-dataset@latest"},
    })
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"}, deadline_s=400)
    assert done["status"] == "Completed", done["error"]
    assert done["experiment"] == "titanic-demo"
    assert any(i["asset"] == "titanic-dataset:1" for i in done["inputs"])

    candidates = await api(jp_fetch, "jobs", job["name"], "model-candidates")
    assert {"mlflow:model", "outputs/model.pkl"} <= {c["source"] for c in candidates["candidates"]}, "autolog logged one too"

    model = await api(jp_fetch, "models", method="POST", body={"name": "titanic-model", "job": job["name"], "path": "outputs/model.pkl"})
    assert (model["name"], model["version"], model["format"]) == ("titanic-model", "1", "pickle")
    assert [c["name"] for c in model["input_columns"]] == ["Age", "Pclass", "Sex"]

    endpoint = await api(jp_fetch, "endpoints", method="POST", body={"name": "titanic-endpoint", "auth_mode": "key"})
    response = await jp_fetch(
        "amlx", "api", "endpoints", "titanic-endpoint", "deployments", method="POST",
        body=json.dumps({"name": "blue", "model": "titanic-model:1", "traffic": 100}), request_timeout=150,
    )
    started = assert_matches("/endpoints/{name}/deployments", "POST", 202, response.body)
    assert started["status"] == "Creating"
    blue = await follow_deployment(jp_fetch, "titanic-endpoint", "blue")
    assert blue["status"] == "Succeeded", blue["last_error"]
    shown = await api(jp_fetch, "endpoints", "titanic-endpoint")
    assert shown["traffic"] == {"blue": 100}

    ENDPOINT_URL = shown["scoring_uri"]  # noqa: N806 - the seed's names
    TOKEN = (await api(jp_fetch, "endpoints", "titanic-endpoint", "keys"))["primary_key"]  # noqa: N806
    assert ENDPOINT_URL == endpoint["scoring_uri"]
    ran = subprocess.run(seed_argv(ENDPOINT_URL, TOKEN) + ["-s", "-w", "\\n%{http_code}"], capture_output=True, text=True, timeout=60)
    body, _, status = ran.stdout.rpartition("\n")
    assert ran.returncode == 0 and status == "200", ran
    prediction = json.loads(body)
    assert prediction["result"] in ([0], [1]), prediction

    # the sidebar's copyable curl is the same call
    curl = await api(jp_fetch, "endpoints", "titanic-endpoint", "curl")
    assert curl["command"].startswith(f"curl -X POST {ENDPOINT_URL} -H \"Authorization: Bearer {TOKEN}\"")
    again = subprocess.run(shlex.split(curl["command"]) + ["-s"], capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)["result"] in ([0], [1])

    processes = endpoint_processes(workspace)
    assert await api(jp_fetch, "endpoints", "titanic-endpoint", method="DELETE") == {"deleted": "titanic-endpoint"}
    assert_gone(processes)
