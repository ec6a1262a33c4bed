"""Online endpoints on the Azure target: what azure-ai-ml sends, a real model served by the loopback workspace,
the seed's request and curl, and a deployment that fails with its container log."""

from __future__ import annotations

import shlex
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.config import AzureSettings
from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import Deployment, JobStatus
from amlx_lab.specs import CommandJobSpec

from .helpers import arm_calls, azure_settings, matches

pytestmark = pytest.mark.slow

TRAINS = """
import os
import joblib
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

rows = pd.DataFrame({"Age": [22, 38, 26, 35, 54, 2, 27, 14] * 5, "Pclass": [3, 1, 3, 1, 1, 3, 3, 2] * 5,
                     "Sex": ["male", "female", "female", "female", "male", "male", "female", "female"] * 5})
survived = (rows["Sex"] == "female").astype(int)
model = Pipeline([("prep", ColumnTransformer([("sex", OneHotEncoder(), ["Sex"]), ("num", "passthrough", ["Age", "Pclass"])])),
                  ("clf", LogisticRegression(max_iter=500))]).fit(rows, survived)
os.makedirs("outputs", exist_ok=True)
joblib.dump(model, "outputs/model.pkl")
"""

FAILS = """
def init():
    raise RuntimeError("the model file is not where init() looks")

def run(raw):
    return raw
"""


@pytest.fixture
def sized(emulator: Any, tmp_path: Path) -> Iterator[AzureBackend]:
    """An Azure target whose deployments ask for a VM size and count of their own."""
    settings = AzureSettings.from_mapping(azure_settings(
        emulator, compute="cpu-cluster", deployment_instance_type="Standard_F2s_v2", deployment_instance_count="2",
    ))
    target = AzureBackend(settings, search_from=tmp_path, cache_dir=tmp_path / "azure-cache")
    yield target
    target.close()


def _registered(backend: AzureBackend, tmp_path: Path, name: str) -> str:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text(TRAINS)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="azure-endpoints"))
    deadline = time.monotonic() + 180
    while not (done := backend.get_job(job.name)).status.terminal:
        assert time.monotonic() < deadline, f"{job.name} still {done.status.value}"
        time.sleep(0.2)
    assert done.status is JobStatus.COMPLETED, done.error
    return backend.register_model(name, job=job.name).ref


def _settled(backend: AzureBackend, endpoint: str, name: str, timeout: float = 180) -> Deployment:
    deadline = time.monotonic() + timeout
    while True:
        found = {d.name: d for d in backend.get_endpoint(endpoint).deployments}[name]
        if found.status not in ("Creating", "Updating") or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_custom_model_is_served_with_a_generated_script_and_answers_the_seed_request(
    sized: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    model = _registered(sized, tmp_path, f"titanic-{uuid.uuid4().hex[:6]}")
    endpoint = f"ep-{uuid.uuid4().hex[:8]}"
    mark = emulator.mark()
    created = sized.create_endpoint(endpoint, description="seed")
    recorded = emulator.requests(mark)
    put = next(r for r in recorded if r["method"] == "PUT" and r["path"].endswith(f"/onlineEndpoints/{endpoint}"))
    assert put["body"]["properties"]["authMode"] == "Key" and put["body"]["properties"]["description"] == "seed"
    assert created.auth_mode == "key" and created.scoring_uri == f"{emulator.base_url}/endpoints/{endpoint}/score"
    assert abs(created.created_at - time.time()) < 600, "the creation time comes from the resource's systemData"
    with pytest.raises(ConflictError):
        sized.create_endpoint(endpoint)

    mark = emulator.mark()
    started = sized.create_deployment(endpoint, "blue", model=model)
    recorded = emulator.requests(mark)
    calls = arm_calls(recorded, emulator.workspace_path)
    assert started.status == "Creating" and started.score_script == "score.py"
    assert matches(calls, "POST", r"/codes/[^/]+/versions/\d+/startPendingUpload") or matches(
        calls, "GET", r"/codes/[^/]+/versions"), "the generated score.py is uploaded as the deployment's code"
    body = next(r["body"] for r in recorded
                if r["method"] == "PUT" and r["path"].endswith(f"/onlineEndpoints/{endpoint}/deployments/blue"))
    props = body["properties"]
    assert props["instanceType"] == "Standard_F2s_v2" and body["sku"]["capacity"] == 2
    assert props["codeConfiguration"]["scoringScript"] == "score.py"
    assert props["model"].endswith(f"/models/{model.replace(':', '/versions/')}")
    assert props["environmentId"] == "azureml:AzureML-sklearn-1.5@latest"
    assert body["tags"] == {"amlx.traffic": "100"}

    blue = _settled(sized, endpoint, "blue")
    assert blue.status == "Succeeded", blue.last_error
    assert sized.get_endpoint(endpoint).traffic == {"blue": 100}, "the first deployment gets all traffic once ready"

    seed = {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}, {"Age": 30, "Pclass": 1, "Sex": "female"}]}
    mark = emulator.mark()
    answer = sized.invoke(endpoint, seed)
    assert answer.status_code == 200 and answer.body == {"result": [0, 1]} and answer.deployment == "blue"
    scored = [r for r in emulator.requests(mark) if r["path"] == f"/endpoints/{endpoint}/score"]
    assert len(scored) == 1 and scored[0]["authorized"] and scored[0]["body"] == seed
    assert scored[0]["headers"]["user-agent"].startswith("python-httpx/"), "not online_endpoints.invoke"
    split = {"input_data": {"columns": ["Age", "Pclass", "Sex"], "index": [0], "data": [[40, 1, "female"]]}}
    assert sized.invoke(endpoint, split).body == [1]
    wrong = sized.invoke(endpoint, {"rows": []})  # 400 where Azure's AMLResponse exists, else 200; same sentence
    assert wrong.body["error"].startswith('Send {"data": [...]}')

    keys = sized.endpoint_keys(endpoint)
    curl = sized.endpoint_curl(endpoint, {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]})
    assert curl.startswith(f"curl -X POST {created.scoring_uri} ") and keys.primary_key in curl
    ran = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "CURL_CA_BUNDLE": str(emulator.ca_bundle)})
    assert ran.returncode == 0 and ran.stdout.strip() == '{"result": [0]}', ran.stderr

    renewed = sized.regenerate_key(endpoint, "primary")
    assert renewed.primary_key != keys.primary_key and renewed.secondary_key == keys.secondary_key
    stale = subprocess.run(shlex.split(curl) + ["-o", "/dev/null", "-w", "%{http_code}"], capture_output=True,
                           text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "CURL_CA_BUNDLE": str(emulator.ca_bundle)})
    assert stale.stdout == "401", "the old key no longer scores"
    assert sized.invoke(endpoint, seed).status_code == 200, "invoke reads the new key"

    with pytest.raises(ConflictError):
        sized.set_traffic(endpoint, {"green": 100})
    with pytest.raises(ConflictError):
        sized.create_deployment(endpoint, "blue", model=model)
    with pytest.raises(ValidationError):
        sized.create_deployment(endpoint, "green", model=model, instance_count=0)

    mark = emulator.mark()
    sized.create_deployment(endpoint, "green", model=model, instance_type="Standard_E4s_v3", instance_count=3)
    green_put = next(r["body"] for r in emulator.requests(mark)
                     if r["method"] == "PUT" and r["path"].endswith("/deployments/green"))
    assert green_put["properties"]["instanceType"] == "Standard_E4s_v3" and green_put["sku"]["capacity"] == 3
    assert green_put["tags"] == {"amlx.traffic": "0"}, "a later deployment starts without traffic"
    assert _settled(sized, endpoint, "green").status == "Succeeded"
    assert sized.get_endpoint(endpoint).traffic == {"blue": 100}
    assert sized.invoke(endpoint, seed, deployment="green").deployment == "green"
    assert sized.set_traffic(endpoint, {"blue": 0, "green": 100}).traffic == {"green": 100}
    assert sized.invoke(endpoint, seed).deployment == "green"
    assert sized.get_endpoint(endpoint).traffic == {"green": 100}, "a share applied once is not applied again"
    with pytest.raises(ConflictError):
        sized.delete_deployment(endpoint, "green")  # it still has the traffic
    sized.delete_deployment(endpoint, "blue")
    assert [d.name for d in sized.get_endpoint(endpoint).deployments] == ["green"]
    sized.delete_endpoint(endpoint)
    with pytest.raises(NotFoundError):
        sized.get_endpoint(endpoint)


def test_a_deployment_whose_init_fails_is_failed_with_its_container_log(
    backend: AzureBackend, tmp_path: Path
) -> None:
    model = _registered(backend, tmp_path, f"broken-{uuid.uuid4().hex[:6]}")
    endpoint = f"ep-{uuid.uuid4().hex[:8]}"
    backend.create_endpoint(endpoint)
    script = tmp_path / "broken_score.py"
    script.write_text(FAILS)
    try:
        backend.create_deployment(endpoint, "blue", model=model, score_script=script)
        failed = _settled(backend, endpoint, "blue")
        assert failed.status == "Failed" and failed.score_script == "broken_score.py"
        assert failed.last_error and "the model file is not where init() looks" in failed.last_error
        assert backend.get_endpoint(endpoint).traffic == {}, "a failed deployment gets no traffic"
        refused = backend.invoke(endpoint, {"data": [{"Age": 1}]})
        assert refused.status_code == 424, "no deployment to route to"
    finally:
        backend.delete_endpoint(endpoint)


SAVES_MLFLOW = """
import mlflow.sklearn
from sklearn.dummy import DummyClassifier

model = DummyClassifier(strategy="constant", constant=7).fit([[0], [1]], [7, 3])
mlflow.sklearn.save_model(model, "outputs/model")
"""


def test_an_mlflow_model_is_deployed_without_a_scoring_script(backend: AzureBackend, emulator: Any,
                                                              tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text(SAVES_MLFLOW)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="azure-endpoints"))
    deadline = time.monotonic() + 180
    while not (done := backend.get_job(job.name)).status.terminal:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert done.status is JobStatus.COMPLETED, done.error
    model = backend.register_model(f"mlf-{uuid.uuid4().hex[:6]}", job=job.name)  # the one MLflow folder
    assert (model.format, model.source) == ("mlflow", "outputs/model")
    endpoint = f"ep-{uuid.uuid4().hex[:8]}"
    backend.create_endpoint(endpoint)
    try:
        mark = emulator.mark()
        started = backend.create_deployment(endpoint, "blue", model=model.ref)
        body = next(r["body"] for r in emulator.requests(mark)
                    if r["method"] == "PUT" and r["path"].endswith("/deployments/blue"))
        assert "codeConfiguration" not in body["properties"] and "environmentId" not in body["properties"]
        assert started.score_script is None
        blue = _settled(backend, endpoint, "blue")
        assert blue.status == "Succeeded", blue.last_error
        answer = backend.invoke(endpoint, {"input_data": {"columns": ["x"], "index": [0, 1], "data": [[5], [9]]}})
        assert answer.status_code == 200 and answer.body == [7, 7]
    finally:
        backend.delete_endpoint(endpoint)
