"""The three example notebooks: well-formed, and their training cell as a job prints the notebook's numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from amlx_lab.notebook import PackageOptions, build_package

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

METRIC_LINE = re.compile(r"^(\w+): (-?\d+(?:\.\d+)?)$", re.MULTILINE)

# notebook -> (cells the training cell needs, parameters offered)
EXPECTED = {
    "titanic": ([1, 3, 11, 12, 15], {"FEATURES", "TARGET", "TEST_SIZE", "SEED"}),
    "heart_failure": ([1, 2, 4, 11, 12, 13, 15], {"SEED", "N_ESTIMATORS", "MAX_DEPTH", "LABEL"}),
    "diabetes_ridge": ([1, 4, 6, 9, 11], {"alpha"}),
}


def _load(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_is_clean_and_tagged(name: str) -> None:
    nb = _load(name)
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), "outputs must be cleared"
    assert all(c.get("id") for c in nb["cells"])
    tagged = [c for c in code if "aml-train" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    text = "".join(tagged[0]["source"]) if isinstance(tagged[0]["source"], list) else tagged[0]["source"]
    assert "outputs/model.pkl" in text
    assert any(c["cell_type"] == "markdown" for c in nb["cells"])


def test_diabetes_has_a_parameters_cell() -> None:
    cells = [c for c in _load("diabetes_ridge")["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(cells) == 1 and "".join(cells[0]["source"]).strip() == "alpha = 0.5"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_slice_leaves_exploration_out(name: str) -> None:
    from amlx_lab.notebook import preview_package

    package = preview_package(EXAMPLES / f"{name}.ipynb", cell="aml-train")
    cells, parameters = EXPECTED[name]
    assert [c.index for c in package.cells] == cells
    assert set(package.parameters) == parameters
    assert [i.path for i in package.inputs if i.kind == "file"] == (
        [] if name == "diabetes_ridge" else [f"data/{'titanic' if name == 'titanic' else 'heart_failure_clinical_records'}.csv"]
    )


def _run_notebook(folder: Path, name: str) -> str:
    """Run the notebook top to bottom in a real kernel; the training cell's printed text."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    (cell,) = [c for c in nb.cells if "aml-train" in c.metadata.get("tags", [])]
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_job_prints_the_notebooks_numbers(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    start_job: Callable[..., subprocess.Popen[str]],
    mlflow_store: Callable[[Path], str],
) -> None:
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID"):
        monkeypatch.delenv(var, raising=False)
    package = build_package(EXAMPLES / f"{name}.ipynb", cell="aml-train", out_dir=tmp_path / "job")
    folder = Path(package.root)  # type: ignore[arg-type]
    uri = mlflow_store(tmp_path)
    # the job and the notebook run side by side (2 cores); neither sees the other's files
    job = start_job(folder, env={"MLFLOW_TRACKING_URI": uri, "MLFLOW_EXPERIMENT_NAME": f"example-{name}"})
    try:
        workdir = tmp_path / "notebook-run"
        workdir.mkdir()
        shutil.copy(EXAMPLES / f"{name}.ipynb", workdir)
        shutil.copytree(EXAMPLES / "data", workdir / "data")
        notebook_numbers = dict(METRIC_LINE.findall(_run_notebook(workdir, name)))
    finally:
        stdout, stderr = job.communicate(timeout=600)
    assert len(notebook_numbers) >= 2
    assert job.returncode == 0, stderr[-3000:]
    job_numbers = dict(METRIC_LINE.findall(stdout))
    assert job_numbers == notebook_numbers

    import joblib
    import mlflow
    import pandas as pd

    model = joblib.load(folder / "outputs" / "model.pkl")  # written by the job this test ran
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name(f"example-{name}").experiment_id])
    assert run.info.status == "FINISHED"
    if name == "titanic":
        assert model.predict(pd.DataFrame([{"Age": 22, "Pclass": 3, "Sex": "male"}])).tolist() in ([0], [1])
    elif name == "heart_failure":
        row = pd.read_csv(EXAMPLES / "data" / "heart_failure_clinical_records.csv").drop(columns=["DEATH_EVENT", "time"]).head(1)
        row["platelets"] = row["platelets"] / 1000
        assert model.predict(row).tolist() in ([0], [1])
    else:
        assert run.data.metrics["alpha_value"] == float(notebook_numbers["alpha_value"])
        assert f"{run.data.metrics['rmse']:.4f}" == notebook_numbers["rmse"]
        assert run.data.params["alpha"] == "0.5"
    assert any(k.startswith("training_") for k in run.data.metrics)  # autolog ran


@pytest.mark.slow
def test_sweep_style_override_changes_the_result(
    tmp_path: Path, run_job: Callable[..., subprocess.CompletedProcess[str]], mlflow_store: Callable[[Path], str]
) -> None:
    """A sweep trial passes --alpha; the job trains with it (the notebook's alpha=0.5 gives rmse 57.4359)."""
    options = PackageOptions(autolog=False)  # explicit log_metric calls only: keeps the test short
    package = build_package(EXAMPLES / "diabetes_ridge.ipynb", cell="aml-train", out_dir=tmp_path / "job", options=options)
    uri = mlflow_store(tmp_path)
    argv = package.command_line({"alpha": 0.1})
    assert argv == ["python", "main.py", "--alpha", "0.1"]
    done = run_job(Path(package.root), *argv[2:], env={"MLFLOW_TRACKING_URI": uri, "MLFLOW_EXPERIMENT_NAME": "sweep"})  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr[-3000:]
    numbers = dict(METRIC_LINE.findall(done.stdout))
    assert numbers["alpha_value"] == "0.1"
    assert numbers["rmse"] != "57.4359"
