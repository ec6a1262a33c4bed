"""``amlx automl`` / ``amlx leaderboard`` / ``amlx best --parent`` and ``%aml automl --data-var`` / ``%aml leaderboard``.

The CLI runs as a user runs it (a real subprocess); the magic in a real IPython
shell, saving a DataFrame of the kernel as a data asset first. Budgets are a
few trials on 3 folds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from amlx_lab.records import AutoMLDetails, Job
from amlx_lab.workspace import Workspace
from tests.test_cli import run_amlx
from tests.test_magics import _shell, run

pytestmark = pytest.mark.slow

HEART = Path(__file__).resolve().parents[1] / "examples" / "data" / "heart_failure_clinical_records.csv"
SMALL = ["--cv", "3", "--max-trials", "4", "--allow", "RandomForest,LightGBM"]


def test_amlx_automl_mistakes_are_one_line_and_its_target_is_the_column(tmp_path: Path) -> None:
    done = run_amlx("automl", "--task", "classification", "--data", str(HEART), "--target", "DEATH_EVENT",
                    "--metric", "r2_score", workspace=tmp_path / "ws")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("amlx: error: 'r2_score' is a regression metric; classification takes one of")
    done = run_amlx("automl", "--task", "classification", "--data", str(HEART), "--target", "DEATH_EVNT", workspace=tmp_path / "ws")
    assert done.returncode == 2 and "no column 'DEATH_EVNT'" in done.stderr
    done = run_amlx("best", "--metric", "AUC_weighted", workspace=tmp_path / "ws")
    assert done.returncode == 2 and "--min or --max" in done.stderr


def test_amlx_automl_waits_then_prints_the_leaderboard(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run_amlx("data", "register", "heart", str(HEART), workspace=ws).returncode == 0
    done = run_amlx("automl", "--task", "classification", "--data", "azureml:heart@latest", "--target", "DEATH_EVENT",
                    "--metric", "AUC_weighted", "--timeout", "2", "--concurrent", "3", *SMALL, "--wait", workspace=ws)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[automl]" in done.stdout and "AUC_WEIGHTED" in done.stdout and "\n*1 " in done.stdout
    name = done.stdout.split("amlx model register NAME --job ")[1].split()[0]
    board = json.loads(run_amlx("--json", "leaderboard", name, workspace=ws).stdout)
    assert board["name"] == name and len(board["leaderboard"]) == 4 and board["leaderboard"][0]["is_best"]
    best = json.loads(run_amlx("--json", "best", "--parent", name, workspace=ws).stdout)
    assert best["name"] == board["best_trial"] and best["parent"] == name


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    yield from _shell(tmp_path / "ws", monkeypatch)


def test_aml_automl_on_a_dataframe_then_its_leaderboard_and_best_trial(shell: InteractiveShell) -> None:
    shell.user_ns["df"] = pd.read_csv(HEART).head(200)
    with capture_output() as captured:
        job = run(shell, "%aml automl --task classification --data-var df --target DEATH_EVENT " + " ".join(SMALL) + " -o job")
    assert job is None and isinstance(shell.user_ns["job"], Job), captured.stderr
    assert "Saved df" in captured.stdout and "as data asset df version 1" in captured.stdout
    name = shell.user_ns["job"].name
    done = Workspace.from_environment().wait(name, timeout=300)
    assert done.status.value == "Completed", done.error
    assert done.inputs[0].asset == "df:1"

    frame = run(shell, f"%aml leaderboard {name}")
    assert list(frame.columns[:4]) == ["rank", "best", "trial", "algorithm"] and len(frame) == 4
    assert bool(frame.loc[0, "best"]) and frame.loc[0, "rank"] == 1
    assert "accuracy" in frame.columns, "the task's default metric names the score column"
    best = run(shell, f"%aml best --parent {name}")
    assert best.name == frame.loc[0, "trial"]
    with capture_output() as captured:
        run(shell, "%aml automl --task classification --data-var nope --target DEATH_EVENT")
    assert "there is no variable 'nope'" in captured.stderr
    details = Workspace.from_environment().automl_details(name)
    assert isinstance(details, AutoMLDetails) and details.settings["training_data"] == "azureml:df:1"
