"""Data assets through the raw SDK: a local file registered (uploaded to the blob datastore), read back,
listed by version, and used as a job input by version, by ``@latest`` and as a local file the SDK uploads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from .client import RunningEmulator
from .helpers import CURATED, arm_requests, wait_for_job

pytestmark = pytest.mark.slow


def _csv(path: Path, rows: int) -> Path:
    path.write_text("x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(rows)))
    return path


def test_uri_file_data_asset_is_uploaded_listed_and_read_by_jobs(
    ml_client: Any, azure_env: RunningEmulator, tmp_path: Path
) -> None:
    from azure.ai.ml import Input, command
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Data

    mark = azure_env.mark()
    v1 = ml_client.data.create_or_update(Data(name="emulator-table", version="1", type=AssetTypes.URI_FILE,
                                              path=str(_csv(tmp_path / "table.csv", 3))))
    seen = arm_requests(azure_env.requests(mark), azure_env.workspace_path)
    assert ("GET", "/datastores/workspaceblobstore", "2024-10-01-preview") in seen
    assert ("POST", "/datastores/workspaceblobstore/listSecrets", "2024-10-01-preview") in seen
    assert seen[-1] == ("PUT", "/data/emulator-table/versions/1", "2023-04-01-preview")
    assert v1.path.startswith("azureml://") and "/datastores/workspaceblobstore/paths/LocalUpload/" in v1.path
    (tmp_path / "v2").mkdir()
    ml_client.data.create_or_update(Data(name="emulator-table", version="2", type=AssetTypes.URI_FILE,
                                         path=str(_csv(tmp_path / "v2" / "table.csv", 5))))

    assert ml_client.data.get("emulator-table", version="1").path == v1.path
    assert ml_client.data.get("emulator-table", label="latest").version == "2"
    assert sorted(d.version for d in ml_client.data.list(name="emulator-table")) == ["1", "2"]
    assert "emulator-table" in {d.name for d in ml_client.data.list()}

    count = "python -c \"import sys; print('rows', sum(1 for _ in open(sys.argv[1])) - 1)\" ${{inputs.table}}"
    jobs = {
        expected: ml_client.jobs.create_or_update(command(
            command=count, inputs={"table": Input(type=AssetTypes.URI_FILE, path=path)}, environment=CURATED,
            compute="cpu-cluster", experiment_name="emulator-data",
        )).name
        for expected, path in [
            ("rows 3", "azureml:emulator-table:1"),
            # "name@latest": the SDK resolves the label itself. (With an "azureml:" prefix, azure-ai-ml 1.35.2
            # looks up an asset literally named "azureml:emulator-table"; the emulator answers 404 to that.)
            ("rows 5", "emulator-table@latest"),
            ("rows 7", str(_csv(tmp_path / "local.csv", 7))),  # a local file: the SDK uploads it first
        ]
    }
    for expected, name in jobs.items():
        assert wait_for_job(ml_client, name).status == "Completed"
        log_url = ml_client.jobs._runs_operations.get_run_details(name).log_files["user_logs/std_log.txt"]
        assert requests.get(log_url, timeout=30).text.strip() == expected


def test_uri_folder_input_is_downloaded_as_a_folder(ml_client: Any, tmp_path: Path) -> None:
    from azure.ai.ml import Input, command
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Data

    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(3):
        _csv(folder / f"part-{i}.csv", 1)
    ml_client.data.create_or_update(Data(name="emulator-parts", version="1", type=AssetTypes.URI_FOLDER,
                                         path=str(folder)))
    job = ml_client.jobs.create_or_update(command(
        command="ls ${{inputs.parts}}",
        inputs={"parts": Input(type=AssetTypes.URI_FOLDER, path="azureml:emulator-parts:1")},
        environment=CURATED, compute="cpu-cluster",
    ))
    assert wait_for_job(ml_client, job.name).status == "Completed"
    log_url = ml_client.jobs._runs_operations.get_run_details(job.name).log_files["user_logs/std_log.txt"]
    assert requests.get(log_url, timeout=30).text.split() == ["part-0.csv", "part-1.csv", "part-2.csv"]
