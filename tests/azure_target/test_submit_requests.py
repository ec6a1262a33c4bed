"""A notebook cell submitted to the Azure target: the exact requests azure-ai-ml sends for it."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from amlx_lab.config import AmlxConfig
from amlx_lab.submission import SubmitRequest
from amlx_lab.workspace import Workspace

from .helpers import arm_calls, azure_settings

pytestmark = pytest.mark.slow


def notebook(folder: Path) -> Path:
    """A notebook whose code is new to the session's workspace (so its first submit uploads it)."""
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "alpha = 0.5\nlabel = 'first try'\n"},
        {"cell_type": "code", "metadata": {}, "source": "import pathlib\nrows = pathlib.Path('data/big.csv').read_text()\n"},
        {"cell_type": "code", "metadata": {"tags": ["aml-train"]},
         "source": f"# {uuid.uuid4()}\nprint('rows', rows.count(chr(10)), alpha, label)\n"},
    ]
    for cell in cells:
        cell.update(outputs=[], execution_count=None)
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = folder / "train.ipynb"
    path.write_text(json.dumps(nb))
    (folder / "data").mkdir()
    (folder / "data" / "big.csv").write_text("a,b\n" + "1,2\n" * 10)
    return path


def _workspace(emulator: Any, root: Path, search_from: Path, **settings: str) -> Workspace:
    root.mkdir(exist_ok=True)
    azure = azure_settings(emulator, compute="cpu-cluster", **settings)
    (root / "settings.json").write_text(json.dumps({"azure": azure}))
    return Workspace(AmlxConfig.resolve(workspace_dir=root, target="azure"), search_from=search_from)


def test_a_cell_becomes_a_command_job_with_code_environment_inputs_compute_and_experiment(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notebook(tmp_path)
    # a base image of its own: this environment is new to the session's workspace whatever ran before
    image = f"example.test/amlx-tests/{uuid.uuid4().hex}:1"
    ws = _workspace(emulator, tmp_path / "ws", tmp_path, base_image=image)
    request = SubmitRequest(notebook="train.ipynb", cell="aml-train", experiment="req-exp", parameters={"alpha": 0.7},
                            tags={"stage": "baseline"}, inputs={"data/big.csv": "data/big.csv"})
    mark = emulator.mark()
    job = ws.submit(request, base_dir=tmp_path)
    recorded = emulator.requests(mark)
    calls = arm_calls(recorded, emulator.workspace_path)

    expected = [
        ("GET", r"/computes", "2023-08-01-preview"),  # the named cluster exists, before anything is uploaded
        ("GET", r"/environments/amlx-job-env/versions/[0-9a-f]{20}", "2023-04-01-preview"),  # registered yet?
        ("PUT", r"/environments/amlx-job-env/versions/[0-9a-f]{20}", "2023-04-01-preview"),  # no: once per hash
        ("GET", r"/codes/[0-9a-f-]+/versions", "2023-04-01"),  # the code folder, looked up by content hash
        ("POST", r"/codes/[0-9a-f-]+/versions/1/startPendingUpload", "2023-04-01"),  # new: uploaded
        ("PUT", r"/codes/[0-9a-f-]+/versions/1", "2023-04-01"),
        ("GET", r"/datastores/workspaceblobstore", "2024-10-01-preview"),  # the local input file is uploaded
        ("POST", r"/datastores/workspaceblobstore/listSecrets", "2024-10-01-preview"),
        ("PUT", rf"/jobs/{job.name}", "2025-01-01-preview"),
    ]
    assert len(calls) == len(expected), calls
    for call, (method, path, version) in zip(calls, expected):
        assert call[0] == method and re.fullmatch(path, call[1]) and call[2] == version, (call, path)

    env_put = _body(recorded, "PUT", "/environments/")
    conda = yaml.safe_load(env_put["condaFile"])
    pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    projects = {re.split(r"[=<>!~ ]", line)[0] for line in pip}
    assert {"mlflow", "azureml-mlflow"} <= projects and env_put["image"] == image
    job_put = _body(recorded, "PUT", "/jobs/")
    ws_path = emulator.workspace_path
    assert job_put["jobType"] == "Command"
    assert job_put["command"] == (
        "python main.py --alpha ${{inputs.alpha}} --label '${{inputs.label}}' "
        "--input-data_big_csv ${{inputs.input_data_big_csv}}"
    )
    assert job_put["inputs"]["alpha"] == {"jobInputType": "literal", "value": "0.7"}
    assert job_put["inputs"]["label"] == {"jobInputType": "literal", "value": "first try"}
    uploaded = job_put["inputs"]["input_data_big_csv"]
    assert uploaded["jobInputType"] == "uri_file"
    assert re.fullmatch(r"azureml://datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]+/big\.csv", uploaded["uri"])
    assert job_put["computeId"] == f"{ws_path}/computes/cpu-cluster"
    assert job_put["experimentName"] == "req-exp" and job_put["displayName"] == "train cell 3 (alpha=0.7)"
    assert job_put["environmentId"] == f"{ws_path}{calls[2][1]}" and job_put["codeId"] == f"{ws_path}{calls[5][1]}"
    assert job_put["tags"] == {"amlx.notebook": "train.ipynb", "amlx.cell": "2", "stage": "baseline"}
    assert json.loads(job_put["properties"]["amlx.parameters"]) == {"alpha": 0.7, "label": "first try"}

    assert (job.compute, job.experiment, job.parameters) == ("cpu-cluster", "req-exp", {"alpha": 0.7, "label": "first try"})
    assert str(tmp_path) not in json.dumps(job.to_dict())
    done = ws.wait(job.name, timeout=180, target="azure")
    assert done.status.value == "Completed", done.error
    assert "rows 11 0.7 first try" in ws.jobs("azure").logs(job.name).text


def test_a_rerun_reuses_the_environment_and_the_uploaded_code_and_reads_a_data_asset(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notebook(tmp_path)
    first = _workspace(emulator, tmp_path / "ws", tmp_path)
    first.register_data("req-big", "data/big.csv", base_dir=tmp_path, target="azure")
    request = SubmitRequest(notebook="train.ipynb", cell="aml-train", experiment="req-exp",
                            inputs={"data/big.csv": "azureml:req-big@latest"})
    first.submit(request, base_dir=tmp_path)

    again = _workspace(emulator, tmp_path / "ws2", tmp_path)  # another process: nothing remembered
    mark = emulator.mark()
    job = again.submit(request.model_copy(update={"parameters": {"alpha": 0.9}}), base_dir=tmp_path)
    recorded = emulator.requests(mark)
    calls = [(m, re.sub(r"/[0-9a-f-]{36}", "/<id>", p)) for m, p, _ in arm_calls(recorded, emulator.workspace_path)]
    assert calls == [
        ("GET", "/computes"),  # the named cluster exists, before anything is uploaded
        ("GET", "/data/req-big"),  # azureml:req-big@latest: the asset's latest version...
        ("GET", "/data/req-big/versions/1"),  # ...resolved at submit, so the record names it
        ("GET", f"/environments/amlx-job-env/versions/{_environment_version(recorded)}"),  # exists: no PUT
        ("GET", "/codes/<id>/versions"),  # the code looked up by its content hash...
        ("GET", "/codes/<id>/versions/1"),  # ...found: no upload
        ("PUT", f"/jobs/{job.name}"),
    ], calls
    assert [r["query"].get("hash") for r in recorded if r["path"].endswith("/versions") and "/codes/" in r["path"]][0]
    job_put = _body(emulator.requests(mark), "PUT", "/jobs/")
    assert job_put["inputs"]["input_data_big_csv"]["jobInputType"] == "uri_file"
    assert job_put["inputs"]["input_data_big_csv"]["uri"].endswith("/data/req-big/versions/1")
    assert job_put["inputs"]["alpha"]["value"] == "0.9"
    assert job.inputs[0].ref == "azureml:req-big@latest" and job.inputs[0].asset == "req-big:1"
    done = again.wait(job.name, timeout=180, target="azure")
    assert done.status.value == "Completed", done.error
    assert "rows 11 0.9 first try" in again.jobs("azure").logs(job.name).text


def _environment_version(recorded: list[dict[str, Any]]) -> str:
    return next(r["path"].rsplit("/", 1)[1] for r in recorded if "/environments/amlx-job-env/versions/" in r["path"])


def _body(recorded: list[dict[str, Any]], method: str, part: str) -> dict[str, Any]:
    found = [r for r in recorded if r["method"] == method and part in r["path"]]
    assert len(found) == 1, [r["path"] for r in found]
    return dict(found[0]["body"]["properties"])


def test_without_a_cluster_a_job_goes_serverless_with_the_instance_type(emulator: Any, tmp_path: Path) -> None:
    from amlx_lab.backends.azure import AzureBackend
    from amlx_lab.config import AzureSettings
    from amlx_lab.specs import CommandJobSpec

    settings = AzureSettings.from_mapping(azure_settings(emulator, instance_type="Standard_DS3_v2",
                                                         environment="azureml:AzureML-sklearn-1.5@latest"))
    target = AzureBackend(settings, search_from=tmp_path, cache_dir=tmp_path / "cache")
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print('serverless')\n")
    try:
        assert target.traits().default_compute is None
        mark = emulator.mark()
        job = target.submit(CommandJobSpec(code_dir=code, experiment="serverless"))
        recorded = emulator.requests(mark)
    finally:
        target.close()
    assert not [r for r in recorded if "/environments/" in r["path"]], "a named environment is passed as given"
    job_put = _body(recorded, "PUT", "/jobs/")
    assert "computeId" not in job_put or job_put["computeId"] is None
    assert job_put["resources"]["instanceType"] == "Standard_DS3_v2"
    assert job_put["environmentId"] == "azureml:AzureML-sklearn-1.5@latest"
    assert job.compute == "serverless" and job.environment == "azureml:AzureML-sklearn-1.5@latest"
