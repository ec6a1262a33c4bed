"""main.py's contract, checked by running it: arguments, inputs, outputs, MLflow as the runner sets it up."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from amlx_lab.notebook import PackageOptions, build_package

MakeNotebook = Callable[..., Path]
RunJob = Callable[..., subprocess.CompletedProcess[str]]


def test_parameters_parse_with_their_types(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    path = notebook([
        ("rate = 0.5\nepochs = 3\nname = 'baseline'\nshuffle = True\nlayers = [64, 32]", ["parameters"]),
        "import json\nprint(json.dumps({'rate': rate, 'epochs': epochs, 'name': name, 'shuffle': shuffle, 'layers': layers}))",
    ])
    package = build_package(path, cell=1, out_dir=tmp_path / "pkg")
    folder = Path(package.root)  # type: ignore[arg-type]

    default = run_job(folder, env=without_mlflow)
    assert default.returncode == 0, default.stderr
    assert "mlflow is not installed; the job runs without tracking" in default.stdout
    assert json.loads(default.stdout.splitlines()[1]) == {
        "rate": 0.5, "epochs": 3, "name": "baseline", "shuffle": True, "layers": [64, 32],
    }

    argv = package.command_line({"rate": 0.1, "epochs": 10, "name": "two words", "shuffle": False, "layers": [8]})
    custom = run_job(folder, *argv[2:], env=without_mlflow)
    assert custom.returncode == 0, custom.stderr
    assert json.loads(custom.stdout.splitlines()[1]) == {
        "rate": 0.1, "epochs": 10, "name": "two words", "shuffle": False, "layers": [8],
    }

    bad = run_job(folder, "--epochs", "many", env=without_mlflow)
    assert bad.returncode == 2 and "--epochs" in bad.stderr
    helped = run_job(folder, "--help", env=without_mlflow)
    assert helped.returncode == 0 and "notebook value 0.5" in helped.stdout
    assert (folder / "outputs").is_dir()


def test_data_files_resolve_against_the_package_folder(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    path = notebook(["import csv", "rows = list(csv.reader(open('data/small.csv')))\nprint(len(rows))"])
    (path.parent / "data").mkdir()
    (path.parent / "data" / "small.csv").write_text("a\n1\n2\n")
    package = build_package(path, cell=1, out_dir=tmp_path / "pkg")
    done = run_job(Path(package.root), env=without_mlflow)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "3"


def test_large_inputs_need_their_option(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    path = notebook(["text = open('data/big.txt').read()\nprint(len(text))"])
    (path.parent / "data").mkdir()
    (path.parent / "data" / "big.txt").write_text("x" * 5000)
    package = build_package(path, cell=0, out_dir=tmp_path / "pkg", options=PackageOptions(max_copy_bytes=1000))
    folder = Path(package.root)  # type: ignore[arg-type]

    missing = run_job(folder, env=without_mlflow)
    assert missing.returncode != 0
    assert "'data/big.txt'" in missing.stderr and "--input-data_big_txt PATH" in missing.stderr

    elsewhere = tmp_path / "mounted" / "big.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text("y" * 7000)
    argv = package.command_line(inputs={"data/big.txt": str(elsewhere)})
    given = run_job(folder, *argv[2:], env=without_mlflow)
    assert given.returncode == 0, given.stderr
    assert given.stdout.splitlines()[1] == "7000"


def test_a_small_file_forced_to_a_job_input_reads_the_given_file(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]
) -> None:
    """What a data-asset override relies on: the code's path reads whatever file the option names."""
    path = notebook(["rows = open('data/titanic.csv').read().splitlines()\nprint(rows[1])"])
    (path.parent / "data").mkdir()
    (path.parent / "data" / "titanic.csv").write_text("who\nlocal\n")
    options = PackageOptions(job_inputs=("data/titanic.csv",))
    package = build_package(path, cell=0, out_dir=tmp_path / "pkg", options=options)
    folder = Path(package.root)  # type: ignore[arg-type]

    missing = run_job(folder, env=without_mlflow)
    assert missing.returncode != 0
    assert "'data/titanic.csv'" in missing.stderr and "pass --input-data_titanic_csv PATH" in missing.stderr

    other = tmp_path / "asset" / "other.csv"
    other.parent.mkdir()
    other.write_text("who\nthe asset\n")
    given = run_job(folder, *package.command_line(inputs={"data/titanic.csv": str(other)})[2:], env=without_mlflow)
    assert given.returncode == 0, given.stderr
    assert given.stdout.splitlines()[1] == "the asset"
    local = run_job(folder, "--input-data_titanic_csv", package.inputs[0].source, env=without_mlflow)
    assert local.returncode == 0 and local.stdout.splitlines()[1] == "local"  # as the runner passes it by default


def test_a_failing_cell_fails_the_job(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    package = build_package(notebook(["x = 0", "print(1 / x)"]), cell=1, out_dir=tmp_path / "pkg")
    done = run_job(Path(package.root), env=without_mlflow)  # type: ignore[arg-type]
    assert done.returncode == 1 and "ZeroDivisionError" in done.stderr


TRAINING = [
    "import pathlib\nimport mlflow\nimport numpy as np\nfrom sklearn.linear_model import Ridge",
    ("alpha = 0.5", ["parameters"]),
    "X = np.arange(20, dtype=float).reshape(10, 2)\ny = X @ np.array([1.0, 2.0]) + np.sin(np.arange(10))",
    "mlflow.set_experiment('chosen-in-the-notebook')",
    (
        "mlflow.set_experiment('chosen-in-the-notebook')\n"
        "with mlflow.start_run():\n"
        "    model = Ridge(alpha=alpha).fit(X, y)\n"
        "    score = model.score(X, y)\n"
        "    mlflow.log_metric('alpha_value', alpha)\n"
        "    mlflow.log_metric('score', score)\n"
        "print(f'alpha_value: {alpha}')\n"
        "print(f'score: {score:.6f}')\n"
        "pathlib.Path('outputs/done.txt').write_text('ok')\n",
        ["aml-train"],
    ),
]


def _runner_run(uri: str, experiment: str, artifacts: Path) -> str:
    """What the job runner does before it starts main.py: an experiment and a run in its store."""
    import mlflow

    client = mlflow.MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment, artifact_location=artifacts.as_uri())
    return client.create_run(experiment_id).info.run_id


@pytest.mark.slow
def test_job_logs_into_the_runners_run(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, mlflow_store: Callable[[Path], str]
) -> None:
    import mlflow

    package = build_package(notebook(TRAINING), cell="aml-train", out_dir=tmp_path / "pkg")
    folder = Path(package.root)  # type: ignore[arg-type]
    assert [c.index for c in package.cells] == [0, 1, 2, 4]  # the set_experiment cell is not needed
    uri = mlflow_store(tmp_path)
    run_id = _runner_run(uri, "runner-experiment", tmp_path / "artifacts")
    env = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_EXPERIMENT_NAME": "runner-experiment", "MLFLOW_RUN_ID": run_id}

    done = run_job(folder, *package.command_line({"alpha": 0.25})[2:], env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "alpha_value: 0.25" in done.stdout
    printed = float(done.stdout.split("score: ")[1].split()[0])

    client = mlflow.MlflowClient(uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["alpha_value"] == 0.25
    assert run.data.metrics["score"] == pytest.approx(printed, abs=1e-6)
    assert run.data.params["alpha"] == "0.25"  # our parameter, also autolog's Ridge param: same value
    experiment = client.get_experiment_by_name("runner-experiment")
    runs = client.search_runs([experiment.experiment_id])
    assert [r.info.run_id for r in runs] == [run_id]  # notebook's start_run joined the job's run
    assert client.get_experiment_by_name("chosen-in-the-notebook") is None  # set_experiment was ignored
    models = client.search_logged_models(experiment_ids=[experiment.experiment_id])
    assert [m.source_run_id for m in models] == [run_id]  # autolog logged the Ridge model
    assert (folder / "outputs" / "done.txt").read_text() == "ok"
    assert not (folder / "mlflow.db").exists() and not (folder / "mlruns").exists()


@pytest.mark.slow
def test_failure_marks_the_run_failed(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, mlflow_store: Callable[[Path], str]) -> None:
    import mlflow

    cells = ["import mlflow", "mlflow.log_metric('before', 1.0)\nraise RuntimeError('boom')"]
    package = build_package(notebook(cells), cell=1, out_dir=tmp_path / "pkg", options=PackageOptions(autolog=False))
    uri = mlflow_store(tmp_path)
    run_id = _runner_run(uri, "failing", tmp_path / "artifacts")
    done = run_job(Path(package.root), env={"MLFLOW_TRACKING_URI": uri, "MLFLOW_RUN_ID": run_id})  # type: ignore[arg-type]
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr
    run = mlflow.MlflowClient(uri).get_run(run_id)
    assert run.info.status == "FAILED" and run.data.metrics["before"] == 1.0


@pytest.mark.slow
def test_autolog_param_clash_does_not_crash_the_job(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, mlflow_store: Callable[[Path], str]
) -> None:
    """Our ``n_estimators`` (5) differs from the estimator's (10), which MLflow refuses to overwrite."""
    import mlflow

    cells = [
        "from sklearn.datasets import load_iris\nfrom sklearn.ensemble import RandomForestClassifier",
        "n_estimators = 5\nX, y = load_iris(return_X_y=True)",
        "clf = RandomForestClassifier(n_estimators=n_estimators * 2, random_state=0).fit(X, y)\nprint('trees:', len(clf.estimators_))",
    ]
    package = build_package(notebook(cells), cell=2, out_dir=tmp_path / "pkg")
    uri = mlflow_store(tmp_path)
    run_id = _runner_run(uri, "clash", tmp_path / "artifacts")
    done = run_job(Path(package.root), env={"MLFLOW_TRACKING_URI": uri, "MLFLOW_RUN_ID": run_id})  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trees: 10" in done.stdout
    run = mlflow.MlflowClient(uri).get_run(run_id)
    assert run.data.params["n_estimators"] == "5" and run.info.status == "FINISHED"
    assert "training_accuracy_score" in run.data.metrics  # autolog's metrics still arrive


@pytest.mark.slow
def test_plain_run_keeps_tracking_inside_outputs(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob) -> None:
    cells = ["from sklearn.linear_model import LinearRegression", "m = LinearRegression().fit([[0], [1]], [0, 1])\nprint('ok')"]
    package = build_package(notebook(cells), cell=1, out_dir=tmp_path / "pkg")
    folder = Path(package.root)  # type: ignore[arg-type]
    done = run_job(folder)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (folder / "outputs" / "mlflow" / "mlflow.db").is_file()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["_amlx_runtime", "amlx-manifest.json", "logs", "main.py", "requirements.txt", "outputs"]
    )
    # creating the store is MLflow's business: its messages are in the system log (Azure ML's logs/), not the output
    assert "Creating initial MLflow database tables" in (folder / "logs" / "system_log.txt").read_text()
    assert "MLflow database" not in done.stdout + done.stderr


def test_a_file_inside_a_job_input_folder_comes_with_the_folder(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]
) -> None:
    """Copying data/small.csv on its own would create data/, where the folder's link must go."""
    path = notebook(["import os\nprint(sorted(os.listdir('data')), open('data/small.csv').read().strip())"])
    data = path.parent / "data"
    data.mkdir()
    (data / "small.csv").write_text("a\n")
    (data / "big.bin").write_bytes(b"x" * 5000)
    package = build_package(path, cell=0, out_dir=tmp_path / "pkg", options=PackageOptions(max_copy_bytes=1000))
    assert [(i.path, i.mode) for i in package.inputs] == [("data", "job_input")]
    folder = Path(package.root)  # type: ignore[arg-type]
    assert not (folder / "data").exists()
    done = run_job(folder, *package.command_line(inputs={"data": str(data)})[2:], env=without_mlflow)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "['big.bin', 'small.csv'] a"


def _runtime_config(folder: Path) -> dict:
    return json.loads((folder / "_amlx_runtime" / "job.json").read_text())


def test_autolog_only_for_scikit_learn_code_and_when_asked(notebook: MakeNotebook, tmp_path: Path) -> None:
    cells = ["from sklearn.linear_model import LinearRegression", "m = LinearRegression().fit([[0], [1]], [0, 1])"]
    path = notebook(cells)
    on = build_package(path, cell=1, out_dir=tmp_path / "on")
    off = build_package(path, cell=1, out_dir=tmp_path / "off", options=PackageOptions(autolog=False))
    plain = build_package(notebook(["x = 1\nprint(x)"], name="plain.ipynb"), cell=0, out_dir=tmp_path / "plain")
    assert [_runtime_config(Path(p.root))["autolog"] for p in (on, off, plain)] == [True, False, False]  # type: ignore[arg-type]
    assert on.content_hash != off.content_hash


def _model_requirements(uri: str, run_id: str) -> tuple[list[str], str]:
    """requirements.txt of the one model the run logged, and the sklearn flavor's serialization format."""
    import mlflow
    from mlflow.models import Model

    client = mlflow.MlflowClient(uri)
    (model,) = client.search_logged_models(experiment_ids=[client.get_run(run_id).info.experiment_id],
                                           filter_string=f"source_run_id = '{run_id}'")
    folder = Path(urlparse(model.artifact_location).path)
    flavor = Model.load(str(folder / "MLmodel")).flavors["sklearn"]
    lines = [line for line in (folder / "requirements.txt").read_text().splitlines() if line.strip()]
    return lines, flavor["serialization_format"]


@pytest.mark.slow
def test_logged_model_lists_the_pinned_requirements(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, mlflow_store: Callable[[Path], str]
) -> None:
    """Autolog's model takes requirements.txt's pins instead of MLflow's (slow) inference; without the file, MLflow infers."""
    import mlflow
    import mlflow.sklearn

    cells = [
        "import joblib\nfrom sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression",
        "X, y = load_iris(return_X_y=True)\nclf = LogisticRegression(max_iter=500).fit(X, y)\njoblib.dump(clf, 'outputs/model.joblib')",
    ]
    package = build_package(notebook(cells), cell=1, out_dir=tmp_path / "pkg")
    folder = Path(package.root)  # type: ignore[arg-type]
    uri = mlflow_store(tmp_path)
    env = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_EXPERIMENT_NAME": "pins"}

    run_id = _runner_run(uri, "pins", tmp_path / "artifacts")
    done = run_job(folder, env={**env, "MLFLOW_RUN_ID": run_id})
    assert done.returncode == 0, done.stderr[-3000:]
    lines, serialization = _model_requirements(uri, run_id)
    pinned = {r for r in package.requirements if not r.startswith("mlflow==")}
    assert any(r.startswith("joblib==") for r in pinned)  # imported by the notebook; MLflow would not infer it
    # MLflow itself adds its own pin first and the flavor's defaults (e.g. cloudpickle, which the model needs)
    flavor_defaults = mlflow.sklearn.get_default_pip_requirements(
        include_cloudpickle=serialization == "cloudpickle", include_skops=serialization == "skops"
    )
    assert lines[0] == f"mlflow=={mlflow.__version__}"
    assert sorted(lines[1:]) == sorted(pinned | set(flavor_defaults))

    (folder / "requirements.txt").unlink()  # e.g. a hand-made folder: MLflow's inference is left alone
    run_id = _runner_run(uri, "pins", tmp_path / "artifacts")
    done = run_job(folder, env={**env, "MLFLOW_RUN_ID": run_id})
    assert done.returncode == 0, done.stderr[-3000:]
    inferred, _ = _model_requirements(uri, run_id)
    assert not any(r.startswith("joblib==") for r in inferred) and any(r.startswith("numpy==") for r in inferred)
