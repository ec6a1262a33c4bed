"""Jobs exported from both targets reload with ``load_job`` offline, and the reloaded job, resubmitted
through the real azure-ai-ml client to the loopback workspace, runs the same work to completion."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from azure_emulator.helpers import wait_for_job

from amlx_lab.config import AmlxConfig
from amlx_lab.records import JobStatus
from amlx_lab.submission import SubmitRequest
from amlx_lab.workspace import Workspace

from .test_submit_requests import _workspace, notebook

pytestmark = pytest.mark.slow

REQUEST = SubmitRequest(notebook="train.ipynb", cell="aml-train", experiment="export-exp", parameters={"alpha": 0.7},
                        tags={"stage": "export"}, inputs={"data/big.csv": "data/big.csv"}, python=sys.executable)
#: what the cell prints: 11 lines in data/big.csv (header and 10 rows), the submitted alpha, the notebook's label
PRINTED = "rows 11 0.7 first try"


def _reload_and_resubmit(emulator: Any, job_yml: Path) -> tuple[Any, str]:
    """``load_job`` (no network), then ``jobs.create_or_update`` and wait: the finished job and its log."""
    from azure.ai.ml import MLClient, load_job

    loaded = load_job(job_yml)
    ml = MLClient(**emulator.mlclient_kwargs())
    submitted = ml.jobs.create_or_update(loaded)
    finished = wait_for_job(ml, submitted.name, timeout=240)
    return finished, submitted.name


def _log(ws: Workspace, name: str) -> str:
    return ws.jobs().logs(name, None, 1 << 20).text


def test_an_azure_job_exports_and_its_reloaded_resubmission_completes(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.ai.ml import load_job

    monkeypatch.chdir(tmp_path)
    notebook(tmp_path)
    ws = _workspace(emulator, tmp_path / "ws", tmp_path)
    try:
        asset = ws.register_data(f"big-{uuid.uuid4().hex[:8]}", "data/big.csv", base_dir=tmp_path)
        request = REQUEST.model_copy(update={"inputs": {"data/big.csv": asset.ref}})
        job = ws.wait(ws.submit(request, base_dir=tmp_path).name, timeout=240)
        assert job.status is JobStatus.COMPLETED, job.error
        result = ws.export_job(job.name, out_dir=tmp_path / "out")
        assert result.target == "azure" and not any("serverless" in n for n in result.notes)
        job_yml = tmp_path / "out" / job.name / "job.yml"

        loaded = load_job(job_yml)
        assert loaded.compute == "cpu-cluster" and loaded.experiment_name == "export-exp"
        assert loaded.tags["stage"] == "export"
        assert loaded.inputs["alpha"]._data in (0.7, "0.7")
        data = loaded.inputs["input_data_big_csv"]._data
        assert data.type == "uri_file" and data.path.removeprefix("azureml:") == f"{asset.name}:{asset.version}"
        assert f"path: azureml:{asset.name}:{asset.version}" in job_yml.read_text()
        assert "${{inputs.alpha}}" in loaded.command and "${{inputs.input_data_big_csv}}" in loaded.command

        finished, name = _reload_and_resubmit(emulator, job_yml)
        assert finished.status == "Completed"
        assert finished.experiment_name == "export-exp" and finished.compute == "cpu-cluster"
        assert PRINTED in _log(ws, job.name) and PRINTED in _log(ws, name)
    finally:
        ws.close()


def test_a_local_job_exports_and_its_reloaded_resubmission_completes_on_azure(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notebook(tmp_path)
    local = Workspace(AmlxConfig.resolve(workspace_dir=tmp_path / "local-ws", target="local"))
    azure = _workspace(emulator, tmp_path / "ws", tmp_path)
    try:
        job = local.wait(local.submit(REQUEST, base_dir=tmp_path).name, timeout=240)
        assert job.status is JobStatus.COMPLETED, job.error
        result = local.export_job(job.name, out_dir=tmp_path / "out")
        assert any("reads big.csv from this machine" in n for n in result.notes)

        finished, name = _reload_and_resubmit(emulator, tmp_path / "out" / job.name / "job.yml")
        assert finished.status == "Completed"
        assert finished.compute is None, "the local machine is no Azure compute: serverless"
        assert PRINTED in _log(azure, name)
    finally:
        local.close()
        azure.close()
