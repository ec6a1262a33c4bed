"""A job keeps the experiment its code names with ``mlflow.set_experiment("...")``, unless the user names another."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from amlx_lab.config import AmlxConfig
from amlx_lab.notebook import build_package, load_package, preview_package
from amlx_lab.notebook.experiment import ExperimentChoice, chosen_experiment
from amlx_lab.submission import SubmitRequest
from amlx_lab.workspace import Workspace
from tests.local.conftest import stop_everything

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


@pytest.mark.parametrize(
    "cells, expected",
    [
        (["import mlflow", "mlflow.set_experiment('diabetes-ridge')"], ExperimentChoice("diabetes-ridge", 1, 1)),
        (["mlflow.set_experiment(experiment_name='by-keyword')"], ExperimentChoice("by-keyword", 0, 1)),
        (["import mlflow as mf\nx = 1\nmf.set_experiment('aliased')"], ExperimentChoice("aliased", 0, 3)),
        (["from mlflow import set_experiment as use", "use('imported')"], ExperimentChoice("imported", 1, 1)),
        (["mlflow.set_experiment('first')", "mlflow.set_experiment('second')"], ExperimentChoice("second", 1, 1)),
        (["mlflow.set_experiment('a'); mlflow.set_experiment('b')"], ExperimentChoice("b", 0, 1)),
        (["name = 'x'", "mlflow.set_experiment(name)"], ExperimentChoice(None, 1, 1)),
        (["mlflow.set_experiment(experiment_id='3')"], ExperimentChoice(None, 0, 1)),
        (["mlflow.set_experiment('kept')", "def later():\n    mlflow.set_experiment('only-if-called')"],
         ExperimentChoice("kept", 0, 1)),
        (["with open('f') as f:\n    mlflow.set_experiment('in-a-block')"], ExperimentChoice("in-a-block", 0, 2)),
        (["mlflow.log_metric('rmse', 1)", "other.set_experiment('not-mlflow')", "def f(:"], None),
    ],
)
def test_the_last_set_experiment_call_counts(cells: list[str], expected: ExperimentChoice | None) -> None:
    assert chosen_experiment(enumerate(cells)) == expected


def test_the_example_keeps_its_experiment_though_the_call_is_outside_the_slice(tmp_path: Path) -> None:
    package = preview_package(EXAMPLES / "diabetes_ridge.ipynb", cell="aml-train")
    assert 2 not in [c.index for c in package.cells], "the set_experiment cell defines nothing the slice needs"
    assert package.experiment == "diabetes-ridge"
    built = build_package(EXAMPLES / "diabetes_ridge.ipynb", cell="aml-train", out_dir=tmp_path / "pkg")
    assert load_package(built.root).experiment == "diabetes-ridge"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call, warning",
    [
        ("mlflow.set_experiment(f'exp-{1}')", "names no literal experiment"),
        ("mlflow.set_experiment('has spaces')", "is not a valid experiment name"),
    ],
)
def test_an_experiment_the_job_cannot_use_is_a_warning(notebook: Callable[..., Path], call: str, warning: str) -> None:
    package = preview_package(notebook(["import mlflow", call, "print(1)"]), cell=2, options=None)
    assert package.experiment is None
    assert any(warning in w and w.startswith("cell 1 ") and "line 1:" in w for w in package.warnings), package.warnings


@pytest.mark.slow
def test_submit_defaults_to_the_experiment_the_code_names(notebook: Callable[..., Path], tmp_path: Path) -> None:
    named = notebook(["import json", "mlflow.set_experiment('named-in-code')", "print(json.dumps(1))"], name="work.ipynb")
    plain = notebook(["print(2)"], name="plain.ipynb")
    ws = Workspace(AmlxConfig.resolve(workspace_dir=tmp_path / "ws"))
    try:
        def submit(path: Path, **fields: object) -> str:
            request = SubmitRequest.from_json({"notebook": str(path), "cell": -1, "python": BARE_PYTHON, **fields})
            return ws.submit(request, base_dir=path.parent).experiment

        assert submit(named) == "named-in-code"
        assert submit(named, experiment="chosen-by-the-user") == "chosen-by-the-user"
        assert submit(named, default_experiment="fallback") == "named-in-code", "the code's choice outranks a client's default"
        assert submit(plain, default_experiment="fallback") == "fallback"
        assert submit(plain) == "plain"
    finally:
        stop_everything(ws.backend("local"))  # the experiments are what the test is about, not the runs
        ws.close()
