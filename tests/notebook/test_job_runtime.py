"""The job behaves like the notebook: main.py is the cells, errors name cells, figures are outputs, autolog is cheap.

Each test runs a built package's main.py as the runner does. The quick ones run
where ``import mlflow`` and ``import amlx_lab`` fail (``without_mlflow``), as in a
job image that has neither: the runtime shipped in the package needs neither.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from amlx_lab.notebook import JobPackage, PackageOptions, build_package

MakeNotebook = Callable[..., Path]
RunJob = Callable[..., subprocess.CompletedProcess[str]]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _folder(package: JobPackage) -> Path:
    assert package.root is not None
    return Path(package.root)


def _outside_cells(package: JobPackage) -> list[str]:
    """main.py's lines that are not the code of an included cell."""
    inside = {n for c in package.cells for n in range(c.script_start or 0, (c.script_end or -1) + 1)}
    return [line for n, line in enumerate(package.script.splitlines(), start=1) if n not in inside]


def test_doc_is_not_replaced_by_ours(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    package = build_package(notebook(["x = 1", "print('doc:', repr(__doc__))"]), cell=1, out_dir=tmp_path / "pkg")
    done = run_job(_folder(package), env=without_mlflow)
    assert done.returncode == 0, done.stderr
    assert "doc: None" in done.stdout.splitlines()


def test_main_py_is_the_cells_plus_two_lines(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]
) -> None:
    path = notebook([
        "import json",
        ("rate = 0.5\nname = 'run'", ["parameters"]),
        "def scaled(v):\n    return v * rate",
        "print(json.dumps({'value': scaled(4), 'name': name}))",
    ])
    (path.parent / "data.csv").write_text("a\n1\n")
    package = build_package(path, cell=3, out_dir=tmp_path / "pkg")
    outside = _outside_cells(package)
    code = [line for line in outside if line.strip() and not line.lstrip().startswith("#")]
    assert code == ["import _amlx_runtime", "_amlx_args = _amlx_runtime.start()"]
    headers = [line for line in outside if line.startswith(("# %% cell", "# amlx: "))]
    assert len(headers) == 2 * len(package.cells)
    assert len([line for line in outside if line.startswith("#")]) - len(headers) <= 6  # the file's own header
    assert len(package.script.splitlines()) < 45
    # each cell's lines are the cell as written, plus the override line of each parameter
    lines = package.script.splitlines()
    params = package.cells[1]
    assert lines[params.script_start - 1 : params.script_end] == [  # type: ignore[operator]
        "rate = 0.5",
        "rate = _amlx_args.rate  # amlx: --rate overrides this value",
        "name = 'run'",
        "name = _amlx_args.name  # amlx: --name overrides this value",
    ]
    done = run_job(_folder(package), "--rate", "2", env=without_mlflow)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[1]) == {"value": 8, "name": "run"}


FAILING = [
    "import warnings",
    ("alpha = 0.5\nbeta = 2", ["parameters"]),
    "def divide(v):\n    # the notebook's helper\n    return beta / v",
    "warnings.warn('check the data')\nprint('before')\nprint(divide(alpha - 0.5))",
]


def test_a_traceback_names_the_cell_and_line(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]
) -> None:
    package = build_package(notebook(FAILING), cell=3, out_dir=tmp_path / "pkg")
    target, helper = package.cells[-1], package.cells[-2]
    done = run_job(_folder(package), env=without_mlflow)
    assert done.returncode == 1
    assert "before" in done.stdout
    err = done.stderr
    # innermost last, as Python prints it: the target cell's line 3, then the helper's line 3, each with its source
    assert f"  cell 3, line 3, in <module> (main.py, line {target.script_start + 2})\n    print(divide(alpha - 0.5))\n" in err  # type: ignore[operator]
    assert f"  cell 2, line 3, in divide (main.py, line {helper.script_start + 2})\n    return beta / v\n" in err  # type: ignore[operator]
    assert err.rstrip().endswith("ZeroDivisionError: float division by zero")
    assert 'main.py", line' not in err
    # a warning the notebook's code raises names its cell too
    assert "cell 3, line 1: UserWarning: check the data\n" in err


def test_a_parameter_line_shifts_nothing(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    """The override lines amlx adds inside a cell are not counted as the cell's lines."""
    package = build_package(notebook([("a = 1\nb = 0\nprint(a / b)", ["parameters"])]), cell=0, out_dir=tmp_path / "pkg")
    done = run_job(_folder(package), env=without_mlflow)
    assert "  cell 0, line 3, in <module> (main.py, line" in done.stderr
    assert "    print(a / b)\n" in done.stderr


def test_an_edited_main_py_keeps_pythons_own_traceback(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]
) -> None:
    """After a hand edit the recorded lines may be wrong; main.py's own numbers are then the honest ones."""
    package = build_package(notebook(FAILING), cell=3, out_dir=tmp_path / "pkg")
    script = _folder(package) / "main.py"
    script.write_text("# my note\n" + script.read_text())
    done = run_job(_folder(package), env=without_mlflow)
    assert done.returncode == 1
    assert 'main.py", line' in done.stderr and "cell 3, line 3" not in done.stderr


def test_display_prints_without_a_notebook(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    package = build_package(notebook(["display({'rows': 3})"]), cell=0, out_dir=tmp_path / "pkg")
    done = run_job(_folder(package), env=without_mlflow)
    assert done.returncode == 0, done.stderr
    assert "{'rows': 3}" in done.stdout.splitlines()


def _png(path: Path) -> tuple[int, ...]:
    """The pixel array's shape of a PNG file (fails unless it is a real, readable PNG)."""
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    return tuple(matplotlib.image.imread(path).shape)


def test_figures_are_saved_as_png_outputs(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]) -> None:
    cells = [
        "%matplotlib inline\nimport matplotlib.pyplot as plt",
        "for k in (1, 2):\n    plt.plot([1, 2, 3], [k, 2 * k, 3 * k])\n    plt.title(f'line {k}')\n    plt.show()",
        "fig, ax = plt.subplots()\nax.bar(['a', 'b'], [3, 1])\nprint('open figures:', len(plt.get_fignums()))",
    ]
    package = build_package(notebook(cells), cell=2, out_dir=tmp_path / "pkg", options=PackageOptions(include_all_above=True))
    done = run_job(_folder(package), env={**without_mlflow, "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    assert done.returncode == 0, done.stderr
    assert "open figures: 1" in done.stdout  # show() saved and closed the loop's figures, as the inline backend does
    figures = _folder(package) / "outputs" / "figures"
    names = sorted(p.name for p in figures.iterdir())
    assert names == ["figure-01-cell-1.png", "figure-02-cell-1.png", "figure-03.png"]  # the last one: still open at exit
    for name in names:
        height, width, channels = _png(figures / name)
        assert height > 100 and width > 100 and channels in (3, 4)
    assert "FigureCanvasAgg is non-interactive" not in done.stderr


def test_figures_open_when_a_cell_fails_are_kept(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, without_mlflow: dict[str, str]
) -> None:
    cells = ["import matplotlib.pyplot as plt", "plt.plot([3, 1, 2])\nraise RuntimeError('after the plot')"]
    package = build_package(notebook(cells), cell=1, out_dir=tmp_path / "pkg")
    done = run_job(_folder(package), env=without_mlflow)
    assert done.returncode == 1 and "RuntimeError: after the plot" in done.stderr
    assert _png(_folder(package) / "outputs" / "figures" / "figure-01.png")


# -- autologging --------------------------------------------------------------------------


LOOP = [
    "from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
    "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import GridSearchCV",
    "X, y = load_iris(return_X_y=True)",
    "for C in (0.01, 0.1, 1.0, 10.0, 100.0):\n"
    "    model = LogisticRegression(C=C, max_iter=300).fit(X, y)\n"
    "    print('accuracy', C, round(accuracy_score(y, model.predict(X)), 3))\n"
    "search = GridSearchCV(LogisticRegression(max_iter=300), {'C': [0.1, 1.0, 7.0]}, cv=3).fit(X, y)\n"
    "final = LogisticRegression(C=search.best_params_['C'], max_iter=300).fit(X, y)\n"
    "print('best C', search.best_params_['C'])",
]


def _runner_run(uri: str, experiment: str, artifacts: Path) -> str:
    """What the job runner does before it starts main.py: an experiment and a run in its store."""
    import mlflow

    client = mlflow.MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment, artifact_location=artifacts.as_uri())
    return client.create_run(experiment_id).info.run_id


@pytest.mark.slow
def test_autolog_logs_the_final_model_once_and_keeps_mlflow_out_of_the_log(
    notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, mlflow_store: Callable[[Path], str]
) -> None:
    import mlflow
    import mlflow.sklearn

    package = build_package(notebook(LOOP), cell=2, out_dir=tmp_path / "pkg")
    uri = mlflow_store(tmp_path)
    run_id = _runner_run(uri, "loop", tmp_path / "artifacts")
    system_log = tmp_path / "logs" / "system_log.txt"
    env = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_RUN_ID": run_id, "AMLX_SYSTEM_LOG": str(system_log)}
    done = run_job(_folder(package), env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    best = float(done.stdout.split("best C ")[1].split()[0])

    client = mlflow.MlflowClient(uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert any(key.startswith("training_") for key in run.data.metrics)  # autolog's metrics still arrive
    models = client.search_logged_models(experiment_ids=[run.info.experiment_id])
    assert [(m.name, m.source_run_id) for m in models] == [("model", run_id)]  # 7 top-level fits, one model
    loaded = mlflow.sklearn.load_model(urlparse(models[0].artifact_location).path)
    assert loaded.C == best  # the last estimator fitted, not the first or the search
    children = client.search_runs([run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    assert 1 <= len(children) <= 3  # the search's candidates, at most max_tuning_runs

    user_log = done.stdout + done.stderr
    assert "autologged 7 fits; logged the final model (LogisticRegression)" in done.stdout
    assert "--no-autolog" in done.stdout  # how to turn the cost off, where the cost shows
    for noise in ("Changing param values", "mlflow", "WARNING"):
        assert noise not in user_log.replace("amlx: MLflow run", ""), noise
    assert "Changing param values is not allowed" in system_log.read_text()


@pytest.mark.slow
def test_no_autolog_logs_no_model(notebook: MakeNotebook, tmp_path: Path, run_job: RunJob, mlflow_store: Callable[[Path], str]) -> None:
    package = build_package(notebook(LOOP), cell=2, out_dir=tmp_path / "pkg", options=PackageOptions(autolog=False))
    uri = mlflow_store(tmp_path)
    run_id = _runner_run(uri, "off", tmp_path / "artifacts")
    done = run_job(_folder(package), env={"MLFLOW_TRACKING_URI": uri, "MLFLOW_RUN_ID": run_id})
    assert done.returncode == 0, done.stderr[-3000:]
    with sqlite3.connect(uri.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM logged_models").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM metrics WHERE run_uuid = ?", (run_id,)).fetchone()[0] == 0
    assert "autologged" not in done.stdout
