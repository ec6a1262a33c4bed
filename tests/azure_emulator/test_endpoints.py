"""Managed online endpoints and deployments through the raw SDK: create with key auth, keys and their
regeneration, a deployment of a registered model served by its own process, the scoring URI's key check,
deletion."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from .client import RunningEmulator
from .helpers import CURATED, arm_requests


@pytest.fixture
def model(ml_client: Any, tmp_path: Path) -> Any:
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Model

    (tmp_path / "model.pkl").write_bytes(b"not really a model")
    return ml_client.models.create_or_update(Model(name="emulator-endpoint-model", type=AssetTypes.CUSTOM_MODEL,
                                                   path=str(tmp_path / "model.pkl")))


def test_endpoint_and_deployment_lifecycle(
    ml_client: Any, azure_env: RunningEmulator, model: Any, tmp_path: Path
) -> None:
    from azure.ai.ml.entities import CodeConfiguration, ManagedOnlineDeployment, ManagedOnlineEndpoint
    from azure.core.exceptions import ResourceNotFoundError

    name = f"ep-{uuid.uuid4().hex[:8]}"
    mark = azure_env.mark()
    endpoint = ml_client.online_endpoints.begin_create_or_update(
        ManagedOnlineEndpoint(name=name, auth_mode="key")
    ).result()
    put = [r for r in azure_env.requests(mark) if r["method"] == "PUT"][-1]
    assert put["path"].endswith(f"/onlineEndpoints/{name}") and put["api_version"] == "2022-02-01-preview"
    assert put["body"]["properties"]["authMode"] == "Key"
    assert endpoint.provisioning_state == "Succeeded" and endpoint.auth_mode == "key"
    assert endpoint.scoring_uri == f"{azure_env.base_url}/endpoints/{name}/score"

    keys = ml_client.online_endpoints.get_keys(name)
    assert keys.primary_key and keys.secondary_key and keys.primary_key != keys.secondary_key
    ml_client.online_endpoints.begin_regenerate_keys(name, key_type="primary").result()
    renewed = ml_client.online_endpoints.get_keys(name)
    assert renewed.primary_key != keys.primary_key and renewed.secondary_key == keys.secondary_key

    score = tmp_path / "score"
    score.mkdir()
    (score / "score.py").write_text(
        "import json, os\n\ndef init():\n    global model\n"
        "    model = open(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'model.pkl'), 'rb').read().decode()\n\n"
        "def run(raw):\n    return {'model': model, 'rows': len(json.loads(raw)['data'])}\n"
    )
    mark = azure_env.mark()
    deployment = ml_client.online_deployments.begin_create_or_update(ManagedOnlineDeployment(
        name="blue", endpoint_name=name, model=f"azureml:{model.name}:{model.version}",
        code_configuration=CodeConfiguration(code=str(score), scoring_script="score.py"),
        environment=CURATED, instance_type="Standard_DS3_v2", instance_count=1,
    )).result()
    seen = arm_requests(azure_env.requests(mark), azure_env.workspace_path)
    assert ("PUT", f"/onlineEndpoints/{name}/deployments/blue", "2023-04-01-preview") in seen
    assert any(method == "POST" and path.endswith("/startPendingUpload") for method, path, _ in seen)  # score.py
    assert deployment.provisioning_state == "Succeeded" and deployment.scale_settings.type == "default"
    assert [d.name for d in ml_client.online_deployments.list(endpoint_name=name)] == ["blue"]
    logs = ml_client.online_deployments.get_logs(name="blue", endpoint_name=name, lines=10)
    assert "Succeeded" in logs and "scoring server ready on 127.0.0.1:" in logs

    endpoint.traffic = {"blue": 100}
    assert ml_client.online_endpoints.begin_create_or_update(endpoint).result().traffic == {"blue": 100}

    wrong = requests.post(endpoint.scoring_uri, json={"data": [[1]]}, headers={"Authorization": "Bearer nope"},
                          verify=azure_env.ca_bundle, timeout=30)
    assert wrong.status_code == 401
    right = requests.post(endpoint.scoring_uri, json={"data": [[1]]},
                          headers={"Authorization": f"Bearer {renewed.primary_key}"},
                          verify=azure_env.ca_bundle, timeout=30)
    assert right.status_code == 200 and right.json() == {"model": "not really a model", "rows": 1}
    assert right.headers["azureml-model-deployment"] == "blue"
    pinned = requests.post(endpoint.scoring_uri, json={"data": []}, verify=azure_env.ca_bundle, timeout=30,
                           headers={"Authorization": f"Bearer {renewed.secondary_key}", "azureml-model-deployment": "red"})
    assert pinned.status_code == 404, "a deployment the endpoint does not have"

    ml_client.online_deployments.begin_delete(name="blue", endpoint_name=name).result()
    assert list(ml_client.online_deployments.list(endpoint_name=name)) == []
    ml_client.online_endpoints.begin_delete(name=name).result()
    with pytest.raises(ResourceNotFoundError):
        ml_client.online_endpoints.get(name)


def test_slow_provisioning_is_a_long_running_operation(ml_client: Any, azure_env: RunningEmulator) -> None:
    from azure.ai.ml.entities import ManagedOnlineEndpoint

    name = f"ep-{uuid.uuid4().hex[:8]}"
    azure_env.configure(provisioning_seconds=1.5)
    try:
        poller = ml_client.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name=name, auth_mode="key"))
        assert ml_client.online_endpoints.get(name).provisioning_state == "Creating"
        assert poller.result().provisioning_state == "Succeeded"
    finally:
        azure_env.configure(provisioning_seconds=0)
    polls = [r for r in azure_env.requests() if "/mfeOperationsStatus/" in r["path"]]
    assert polls and polls[-1]["status"] == 200
    ml_client.online_endpoints.begin_delete(name=name).result()
