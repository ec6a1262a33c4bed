"""The ``amlx`` console script, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AMLX = Path(sys.executable).with_name("amlx")


def run_amlx(*args: str, workspace: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "AMLX_WORKSPACE": str(workspace), **env}
    return subprocess.run([str(AMLX), *args], capture_output=True, text=True, env=environ, timeout=120)


def test_amlx_workspace_prints_the_local_target(tmp_path: Path) -> None:
    result = run_amlx("workspace", workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    assert "target:    local" in result.stdout
    assert str(tmp_path / "ws") in result.stdout
    assert "health:    ok" in result.stdout


def test_amlx_workspace_json_matches_the_rest_record(tmp_path: Path) -> None:
    result = run_amlx("--json", "--target", "azure", "workspace", workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["target"] == "azure"
    assert info["health"]["state"] == "not_configured"
    assert set(info) >= {"target", "label", "location", "workspace_dir", "version", "health", "capabilities", "targets"}


def test_amlx_reports_a_bad_environment_value_as_a_warning(tmp_path: Path) -> None:
    result = run_amlx("workspace", workspace=tmp_path / "ws", AMLX_TARGET="moon")
    assert result.returncode == 0, result.stderr
    assert "target:    local" in result.stdout
    assert "AMLX_TARGET is 'moon'" in result.stdout


def test_amlx_without_a_command_explains_usage(tmp_path: Path) -> None:
    result = run_amlx(workspace=tmp_path / "ws")
    assert result.returncode == 2
    assert "usage: amlx" in result.stderr


# -- jobs and data through the console script ----------------------------------------

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    import nbformat

    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "numbers.csv").write_text("x\n1\n2\n3\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("path = 'data/numbers.csv'\nscale = 2"),
        nbformat.v4.new_code_cell("print('plot me')"),
        nbformat.v4.new_code_cell("rows = open(path).read().split()[1:]\nprint('total', scale * sum(int(r) for r in rows))"),
    ]
    nb.cells[2].metadata["tags"] = ["aml-train"]
    nbformat.write(nb, folder / "sums.ipynb")
    return folder


def amlx_in(folder: Path, workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "AMLX_WORKSPACE": str(workspace)}
    return subprocess.run([str(AMLX), *args], capture_output=True, text=True, env=environ, cwd=folder, timeout=300)


@pytest.mark.slow
def test_submit_wait_streams_the_log_and_exits_with_the_job(project: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = amlx_in(project, ws, "submit", "sums.ipynb", "--cell", "aml-train", "--param", "scale=10",
                   "--python", BARE_PYTHON, "--wait")
    assert done.returncode == 0, done.stderr
    assert "total 60" in done.stdout
    name = done.stderr.split()[1].rstrip(";")
    assert f"{name}: Completed" in done.stderr

    listed = amlx_in(project, ws, "jobs")
    assert name in listed.stdout and "Completed" in listed.stdout
    shown = amlx_in(project, ws, "show", name)
    assert "parameters:  path=data/numbers.csv, scale=10" in shown.stdout
    logs = amlx_in(project, ws, "logs", name)
    assert "total 60" in logs.stdout
    system = amlx_in(project, ws, "logs", name, "--system")  # untracked (no mlflow here): nothing from MLflow
    assert system.returncode == 0 and "total 60" not in system.stdout
    refused = amlx_in(project, ws, "cancel", name)
    assert refused.returncode == 2 and "already Completed" in refused.stderr


@pytest.mark.slow
def test_submit_wait_fails_with_the_job(project: Path, tmp_path: Path) -> None:
    (project / "data" / "numbers.csv").write_text("x\n1\nnot-a-number\n")
    done = amlx_in(project, tmp_path / "ws", "submit", "sums.ipynb", "--cell", "2", "--python", BARE_PYTHON, "--wait")
    assert done.returncode == 1
    assert "ValueError" in done.stdout and ": Failed" in done.stderr


def test_submit_preview_shows_the_script_and_runs_nothing(project: Path, tmp_path: Path) -> None:
    shown = amlx_in(project, tmp_path / "ws", "submit", "sums.ipynb", "--cell", "aml-train", "--preview",
                    "--python", BARE_PYTHON)
    assert shown.returncode == 0, shown.stderr
    assert "print('total', scale * sum(int(r) for r in rows))" in shown.stdout
    assert "plot me" not in shown.stdout, "the display-only cell is not part of the slice"
    assert "parameters:   --path 'data/numbers.csv'" in shown.stdout and "data files:   data/numbers.csv" in shown.stdout
    assert "_amlx_runtime" not in shown.stdout  # main.py itself only with --script
    script = amlx_in(project, tmp_path / "ws", "submit", "sums.ipynb", "--cell", "aml-train", "--preview", "--script",
                     "--python", BARE_PYTHON)
    assert script.stdout.startswith("#!/usr/bin/env python3") and "_amlx_args = _amlx_runtime.start()" in script.stdout
    assert "No jobs." in amlx_in(project, tmp_path / "ws", "jobs").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("submit", "missing.ipynb", "--cell", "0"), "does not exist"),
        (("submit", "sums.ipynb", "--cell", "7"), "There is no cell 7"),
        (("submit", "sums.ipynb", "--cell", "2", "--param", "nope"), "must look like name=value"),
        (("submit", "sums.ipynb", "--cell", "2", "--param", "zzz=1"), "Unknown parameter 'zzz'"),
        (("show", "no_such_job"), "no job named 'no_such_job'"),
        (("logs", "no_such_job"), "no_such_job"),
        (("data", "register", "ds", "nothing.csv"), "does not exist"),
        (("data", "list", "no-such-asset"), "no-such-asset"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(project: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = amlx_in(project, tmp_path / "ws", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_data_register_and_list(project: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert "version 1" in amlx_in(project, ws, "data", "register", "numbers", "data/numbers.csv").stdout
    assert "version 2" in amlx_in(project, ws, "data", "register", "numbers", "data/numbers.csv", "--description", "v2").stdout
    listing = amlx_in(project, ws, "--json", "data", "list", "numbers")
    assert [a["version"] for a in json.loads(listing.stdout)["assets"]] == ["2", "1"]


# -- sweeps ------------------------------------------------------------------------------


@pytest.fixture
def search(tmp_path: Path) -> Path:
    import nbformat

    folder = tmp_path / "search"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("k = 1"), nbformat.v4.new_code_cell("import mlflow\nmlflow.log_metric('score', (k - 2) ** 2)")]
    nb.cells[1].metadata["tags"] = ["aml-train"]
    nbformat.write(nb, folder / "search.ipynb")
    return folder


def test_sweep_preview_shows_the_dimensions_and_points_and_runs_nothing(search: Path, tmp_path: Path) -> None:
    shown = amlx_in(search, tmp_path / "ws", "sweep", "search.ipynb", "--cell", "aml-train", "--param", "k=choice(1,2,3)",
                    "--objective", "score:min", "--sampling", "grid", "--preview")
    assert shown.returncode == 0, shown.stderr
    assert "k          int   1               choice(1, 2, 3)" in shown.stdout
    assert "First 3 of 3 trials:" in shown.stdout
    assert "No jobs." in amlx_in(search, tmp_path / "ws", "jobs").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("--param", "k=uniform(0,1)", "--objective", "score:min"), "Cannot search k with uniform(0, 1): the notebook value is a whole"),
        (("--param", "k=choice(1,2)"), "Name the objective, e.g. --objective rmse:min."),
        (("--param", "k=choice(1,2)", "--objective", "score"), "must look like rmse:min"),
        (("--param", "k=randint(5)", "--objective", "score:min", "--sampling", "grid"), "Grid sampling can only be used with choice"),
        (("--objective", "score:min"), "Open at least one dimension"),
        (("--param", "k=choice(1,2)", "--objective", "score:min", "--policy", "bandit"), "exactly one of slack_factor"),
        (("--param", "q=choice(1,2)", "--objective", "score:min"), "The cell has no parameter 'q'"),
    ],
)
def test_sweep_mistakes_are_one_line_and_exit_2(search: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = amlx_in(search, tmp_path / "ws", "sweep", "search.ipynb", "--cell", "aml-train", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_sweep_wait_follows_the_trials_and_best_finds_the_winner(search: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = amlx_in(search, ws, "sweep", "search.ipynb", "--cell", "aml-train", "--param", "k=choice(1,2,3)",
                   "--objective", "score:min", "--sampling", "grid", "--concurrent", "2", "--python", sys.executable, "--wait")
    assert done.returncode == 0, done.stderr + done.stdout
    name = done.stderr.split()[2].rstrip(";")
    for k in (1, 2, 3):
        assert f"(k={k}) score=" in done.stdout, done.stdout
    assert f"Sweep {name} (Completed): 3 of 3 trials (3 completed), minimize score; best {name}_1 with score 0" in done.stdout
    assert "best" in done.stdout.splitlines()[-2] and done.stdout.splitlines()[-2].split()[:2] == ["1", "Completed"]

    best = amlx_in(search, ws, "best", "--parent", name)
    assert best.returncode == 0 and f"{name}_1" in best.stdout.splitlines()[0]
    shown = amlx_in(search, ws, "show", name)
    assert shown.returncode == 0 and "TRIAL  STATUS     k  score  NOTE" in shown.stdout
    assert [line.split()[:2] for line in shown.stdout.splitlines()[-3:]] == [["0", "Completed"], ["1", "Completed"], ["2", "Completed"]]
    assert amlx_in(search, ws, "best", "--metric", "score").returncode == 2


def test_jobs_filter_selects_runs_and_a_bad_one_points_at_the_token(tmp_path: Path) -> None:
    from amlx_lab.backends.local import LocalBackend
    from tests.test_handlers_runs_manage import add_run

    backend = LocalBackend(tmp_path / "ws", compute_slots=2)
    try:
        add_run(backend, "ridge_run_one", {"rmse": 59.0}, {"alpha": "0.1"}, tags='{"stage": "baseline"}')
        add_run(backend, "ridge_run_two", {"rmse": 55.0}, {"alpha": "0.5"}, tags='{"stage": "baseline"}')
    finally:
        backend.close()
    issue = 'metrics.rmse < 58 and params.alpha >= 0.3 and tags.stage = "baseline" and status = "Completed"'
    result = run_amlx("--json", "jobs", "--filter", issue, workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    assert [j["name"] for j in json.loads(result.stdout)["items"]] == ["ridge_run_two"]
    result = run_amlx("jobs", "--filter", "metrics.rmse >", workspace=tmp_path / "ws")
    assert result.returncode == 2 and "(column 15)" in result.stderr and "Expected a value" in result.stderr


def test_tag_describe_archive_restore_and_delete_a_run(tmp_path: Path) -> None:
    from amlx_lab.backends.local import LocalBackend
    from tests.test_handlers_runs_manage import add_run

    backend = LocalBackend(tmp_path / "ws", compute_slots=2)
    try:
        add_run(backend, "ridge_run_one", {"rmse": 59.0}, {"alpha": "0.1"})
        add_run(backend, "ridge_run_two", {"rmse": 55.0}, {"alpha": "0.5"})
    finally:
        backend.close()
    ws = tmp_path / "ws"
    result = run_amlx("tag", "ridge_run_one", "stage=baseline", "note=leaks time", workspace=ws)
    assert result.returncode == 0, result.stderr
    assert "stage=baseline, note=leaks time" in result.stdout
    assert run_amlx("tag", "ridge_run_one", "--remove", "note", workspace=ws).stdout.strip() == "ridge_run_one: stage=baseline"
    assert run_amlx("describe", "ridge_run_one", "the baseline", workspace=ws).returncode == 0
    shown = run_amlx("show", "ridge_run_one", workspace=ws).stdout
    assert "description: the baseline" in shown and "tags:        stage=baseline" in shown
    listed = run_amlx("jobs", "--filter", "tags.stage = baseline", workspace=ws).stdout
    assert "ridge_run_one" in listed and "ridge_run_two" not in listed and "TAGS" in listed

    assert run_amlx("archive", "ridge_run_two", workspace=ws).returncode == 0
    assert "ridge_run_two" not in run_amlx("jobs", workspace=ws).stdout
    assert "ridge_run_two (archived)" not in run_amlx("jobs", workspace=ws).stdout
    assert "(archived)" in run_amlx("jobs", "--archived", workspace=ws).stdout
    assert run_amlx("restore", "ridge_run_two", workspace=ws).returncode == 0

    refused = run_amlx("delete", "ridge_run_two", workspace=ws)  # no terminal to ask on: --yes is needed
    assert refused.returncode == 2 and "Pass --yes" in refused.stderr and "cannot be undone" in refused.stderr
    assert "ridge_run_two" in run_amlx("jobs", workspace=ws).stdout
    assert run_amlx("delete", "ridge_run_two", "--yes", workspace=ws).returncode == 0
    assert run_amlx("show", "ridge_run_two", workspace=ws).returncode != 0
    bad = run_amlx("tag", "ridge_run_one", "amlx.seeded=no", workspace=ws)
    assert bad.returncode == 2 and "kept by amlx-lab" in bad.stderr
