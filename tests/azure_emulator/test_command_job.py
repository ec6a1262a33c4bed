"""A command job submitted with the raw azure-ai-ml SDK runs end to end against the loopback workspace:
the exact requests of a submit, status, logs (Range reads), MLflow metrics, outputs, a model from them."""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.storage.blob import BlobServiceClient

from .client import RunningEmulator
from .fixtures import client_environment, guarded
from .helpers import IMAGE, arm_requests, wait_for_job, write_code

pytestmark = pytest.mark.slow

TRAIN = """
    import argparse, os, pickle
    import mlflow

    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, required=True)
    alpha = parser.parse_args().alpha
    print(f"training with alpha={alpha}", flush=True)
    with mlflow.start_run():
        mlflow.log_param("alpha", alpha)
        for step in range(3):
            mlflow.log_metric("rmse", 1.0 / (step + 1 + alpha), step=step)
    os.makedirs("outputs", exist_ok=True)
    with open("outputs/model.pkl", "wb") as f:
        pickle.dump({"alpha": alpha}, f)
    print("saved outputs/model.pkl", flush=True)
"""


@dataclass
class Submitted:
    name: str
    requests: list[dict[str, Any]]
    job: Any


@pytest.fixture(scope="module")
def trained(azure_emulator: RunningEmulator, azure_emulator_guard_log: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Submitted:
    from azure.ai.ml import MLClient, command
    from azure.ai.ml.entities import Environment

    code = write_code(tmp_path_factory.mktemp("train") / "src", TRAIN)
    with guarded(azure_emulator_guard_log), client_environment(azure_emulator) as emulator:
        ml = MLClient(**emulator.mlclient_kwargs())
        mark = emulator.mark()
        job = ml.jobs.create_or_update(command(
            code=str(code), command="python main.py --alpha ${{inputs.alpha}}", inputs={"alpha": 0.5},
            environment=Environment(image=IMAGE, conda_file={
                "name": "train", "channels": ["conda-forge"],
                "dependencies": ["python=3.11", "pip", {"pip": ["mlflow", "azureml-mlflow"]}],
            }),
            compute="cpu-cluster", experiment_name="emulator-e2e", display_name="train-cell",
            tags={"origin": "amlx-tests"},
        ))
        sent = emulator.requests(mark)
        finished = wait_for_job(ml, job.name)
    return Submitted(job.name, sent, finished)


def test_submit_sends_code_upload_environment_and_job_put(trained: Submitted, azure_emulator: RunningEmulator) -> None:
    ws = azure_emulator.workspace_path
    seen = arm_requests(trained.requests, ws)
    patterns = [
        ("GET", r"/codes/[0-9a-f-]+/versions", "2023-04-01"),
        ("POST", r"/codes/[0-9a-f-]+/versions/1/startPendingUpload", "2023-04-01"),
        ("PUT", r"/codes/[0-9a-f-]+/versions/1", "2023-04-01"),
        ("PUT", r"/environments/CliV2AnonymousEnvironment/versions/[0-9a-f]+", "2023-04-01-preview"),
        ("PUT", rf"/jobs/{trained.name}", "2025-01-01-preview"),
    ]
    assert len(seen) == len(patterns), seen
    for (method, path, version), (want_method, want_path, want_version) in zip(seen, patterns, strict=True):
        assert (method, version) == (want_method, want_version) and re.fullmatch(want_path, path), (method, path)
    lookup = trained.requests[0]
    assert lookup["query"]["hash"] and lookup["query"]["hashVersion"] == ["202208"]

    code_put, env_put, job_put = (r["body"]["properties"] for r in trained.requests[2:5])
    env = trained.requests[3]["path"]
    assert env_put["image"] == IMAGE and "azureml-mlflow" in env_put["condaFile"]
    assert job_put["jobType"] == "Command"
    assert job_put["command"] == "python main.py --alpha ${{inputs.alpha}}"
    assert job_put["inputs"] == {"alpha": {"jobInputType": "literal", "value": "0.5"}}
    assert job_put["computeId"].endswith(f"{ws}/computes/cpu-cluster")
    assert job_put["experimentName"] == "emulator-e2e" and job_put["displayName"] == "train-cell"
    assert job_put["environmentId"] == env and job_put["codeId"] == trained.requests[2]["path"]
    assert job_put["tags"] == {"origin": "amlx-tests"}

    # The files went to the container the server handed out (the code version's codeUri points there).
    container, _, folder = code_put["codeUri"].split("/devstoreaccount1/", 1)[1].partition("/")
    blobs = BlobServiceClient(azure_emulator.settings["blob_account_url"], credential=_azurite_key())
    assert [b.name for b in blobs.get_container_client(container).list_blobs()] == [f"{folder}/main.py"]


def test_job_completes_with_its_status_on_the_resource_and_in_run_history(trained: Submitted, ml_client: Any) -> None:
    assert trained.job.status == "Completed"
    assert trained.job.experiment_name == "emulator-e2e" and trained.job.compute == "cpu-cluster"
    details = ml_client.jobs._runs_operations.get_run_details(trained.name)
    assert details.status == "Completed" and details.error is None
    assert details.start_time_utc is not None and details.end_time_utc >= details.start_time_utc


def test_log_file_is_readable_from_run_details_with_range_reads(trained: Submitted, ml_client: Any) -> None:
    details = ml_client.jobs._runs_operations.get_run_details(trained.name)
    url = details.log_files["user_logs/std_log.txt"]
    full = requests.get(url, timeout=30)
    assert full.status_code == 200
    assert "training with alpha=0.5" in full.text and "saved outputs/model.pkl" in full.text
    offset = full.text.index("saved")
    tail = requests.get(url, headers={"Range": f"bytes={offset}-"}, timeout=30)
    assert tail.status_code == 206 and tail.content == full.content[offset:]


def test_metrics_logged_by_the_job_are_read_with_mlflow_at_the_workspace_tracking_uri(
    trained: Submitted, ml_client: Any, azure_env: RunningEmulator
) -> None:
    from mlflow.tracking import MlflowClient

    tracking_uri = ml_client.workspaces.get(azure_env.settings["workspace_name"]).mlflow_tracking_uri
    # The resource says .../mlflow/v1.0/...; with azureml-mlflow installed the SDK hands out the v2.0 form.
    assert tracking_uri == azure_env.tracking_uri.replace("/mlflow/v1.0/", "/mlflow/v2.0/")
    client = MlflowClient(tracking_uri=tracking_uri)
    run = client.get_run(trained.name)  # the run id is the job name, as on Azure
    assert run.data.params == {"alpha": "0.5"} and run.info.status == "FINISHED"
    history = client.get_metric_history(trained.name, "rmse")
    assert [(m.step, round(m.value, 4)) for m in history] == [(0, 0.6667), (1, 0.4), (2, 0.2857)]
    experiment = client.get_experiment_by_name("emulator-e2e")
    assert experiment is not None
    found = client.search_runs([experiment.experiment_id], filter_string="params.alpha = '0.5'")
    assert [r.info.run_id for r in found] == [trained.name]
    mlflow_calls = [r for r in azure_env.requests() if r["path"].startswith("/mlflow/v2.0/")]
    assert any(r["path"].endswith("/api/2.0/mlflow/metrics/get-history") for r in mlflow_calls)


def test_download_brings_outputs_and_logs(trained: Submitted, ml_client: Any, tmp_path: Path) -> None:
    ml_client.jobs.download(trained.name, download_path=str(tmp_path), all=True)
    artifacts = tmp_path / "artifacts"
    assert pickle.loads((artifacts / "outputs" / "model.pkl").read_bytes()) == {"alpha": 0.5}
    assert "training with alpha=0.5" in (artifacts / "user_logs" / "std_log.txt").read_text()


def test_model_registered_from_a_job_output_lists_and_downloads(
    trained: Submitted, ml_client: Any, tmp_path: Path
) -> None:
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Model

    model = ml_client.models.create_or_update(Model(
        name="emulator-model", type=AssetTypes.CUSTOM_MODEL,
        path=f"azureml://jobs/{trained.name}/outputs/artifacts/paths/outputs/model.pkl",
    ))
    assert model.version == "1" and model.job_name == trained.name
    stored = f"/datastores/workspaceartifactstore/paths/ExperimentRun/dcid.{trained.name}/outputs/model.pkl"
    assert model.path.endswith(stored)  # the service resolves a job-output path to the datastore path
    assert [m.version for m in ml_client.models.list(name="emulator-model")] == ["1"]
    ml_client.models.download("emulator-model", "1", download_path=str(tmp_path))
    assert pickle.loads((tmp_path / "emulator-model" / "model.pkl").read_bytes()) == {"alpha": 0.5}


def test_model_from_a_path_the_job_did_not_write_is_refused(trained: Submitted, ml_client: Any) -> None:
    from azure.ai.ml.entities import Model
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError, match="has no output at 'outputs/missing.pkl'"):
        ml_client.models.create_or_update(Model(
            name="emulator-missing", path=f"azureml://jobs/{trained.name}/outputs/artifacts/paths/outputs/missing.pkl",
        ))


def _azurite_key() -> dict[str, str]:
    from .config import AZURITE_ACCOUNT, AZURITE_KEY

    return {"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}
