"""A finished local job that trains a small model, exported by the tests of this folder."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from amlx_lab.config import AmlxConfig
from amlx_lab.records import Job, JobStatus
from amlx_lab.submission import SubmitRequest
from amlx_lab.workspace import Workspace

ACTIONLINT = Path(sys.executable).with_name("actionlint")

CELLS = [
    "alpha = 0.5\nlabel = 'first try'\nepochs = 3\nscaled = True",
    "import os, pickle\n"
    "from sklearn.linear_model import Ridge\n"
    "model = Ridge(alpha=alpha).fit([[0.0], [1.0], [2.0]], [0.0, 2.0, 4.0])\n"
    "os.makedirs('outputs', exist_ok=True)\n"
    "pickle.dump(model, open('outputs/model.pkl', 'wb'))\n"
    "print('trained', label, epochs, scaled)",
]


def write_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells[1].metadata["tags"] = ["aml-train"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.ipynb"
    nbformat.write(nb, path)
    return path


@dataclass
class Trained:
    workspace_dir: Path
    project: Path
    job: Job


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, amlx_cache_dir: Path) -> Iterator[Trained]:
    """One completed local job of this venv's Python (sklearn, mlflow) with ``outputs/model.pkl``."""
    root = tmp_path_factory.mktemp("export-local")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.setenv("AMLX_CACHE_DIR", str(amlx_cache_dir))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        project = root / "project"
        write_notebook(project)
        ws = Workspace(AmlxConfig.resolve(workspace_dir=root / "ws", target="local"))
        try:
            request = SubmitRequest(notebook="train.ipynb", cell="aml-train", parameters={"alpha": 0.7},
                                    tags={"stage": "baseline"}, python=sys.executable)
            job = ws.submit(request, base_dir=project)
            job = ws.wait(job.name, timeout=240)
            assert job.status is JobStatus.COMPLETED, job.error
            yield Trained(root / "ws", project, job)
        finally:
            ws.close()


def workspace_of(trained: Trained) -> Workspace:
    return Workspace(AmlxConfig.resolve(workspace_dir=trained.workspace_dir, target="local"))


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ACTIONLINT), "-no-color", str(path)], capture_output=True, text=True, timeout=120)
