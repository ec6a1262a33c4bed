"""A client in another process (as a Jupyter server or the CLI would be) reaches the emulator with only
``RunningEmulator.client_env()``: ``site/sitecustomize.py`` applies the blob and MLflow seams on import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .client import PACKAGE_PARENT, RunningEmulator
from .socket_guard import LOG_VAR

CLIENT = """
    import json, sys
    from azure.ai.ml import MLClient
    from azure.ai.ml.constants import AssetTypes
    from azure.ai.ml.entities import Data
    from azure_emulator.credentials import LoopbackCredential
    from mlflow.tracking import MlflowClient

    s = json.load(open(sys.argv[1]))
    ml = MLClient(LoopbackCredential(), s["subscription_id"], s["resource_group"], s["workspace_name"],
                  cloud=s["cloud_name"], cloud_metadata=s["cloud_metadata"], enable_telemetry=False)
    data = ml.data.create_or_update(Data(name="from-subprocess", version="1", type=AssetTypes.URI_FILE,
                                         path=sys.argv[2]))
    tracking_uri = ml.workspaces.get(s["workspace_name"]).mlflow_tracking_uri
    names = [e.name for e in MlflowClient(tracking_uri=tracking_uri).search_experiments()]
    print(json.dumps({"data_path": data.path, "experiments": names}))
"""


@pytest.mark.slow
def test_client_subprocess_needs_only_the_client_env(azure_emulator: RunningEmulator, azure_emulator_guard_log: Path,
                                                     tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("a\n1\n")
    env = {**os.environ, **azure_emulator.client_env(), LOG_VAR: str(azure_emulator_guard_log)}
    env["PYTHONPATH"] += os.pathsep + str(PACKAGE_PARENT)
    env.pop("AZUREML_CURRENT_CLOUD", None)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CLIENT), azure_emulator.settings["settings_file"],
         str(tmp_path / "rows.csv")],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "/datastores/workspaceblobstore/paths/LocalUpload/" in result["data_path"]
    assert "Default" in result["experiments"]
