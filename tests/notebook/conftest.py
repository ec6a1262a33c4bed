"""Fixtures for the cell -> job package tests: real notebook files in a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

CellSpec = str | tuple[str, Sequence[str]] | dict


def write_notebook(path: Path, cells: Sequence[CellSpec], *, kernel: str | None = "python3", nbformat_major: int = 4) -> Path:
    """An nbformat 4.5 file; a cell is source text, (source, tags), or {"markdown": text}."""
    items = []
    for n, spec in enumerate(cells):
        if isinstance(spec, dict):
            items.append({"cell_type": "markdown", "id": f"md{n}", "metadata": {}, "source": spec["markdown"]})
            continue
        source, tags = (spec, ()) if isinstance(spec, str) else spec
        items.append(
            {
                "cell_type": "code",
                "id": f"c{n}",
                "metadata": {"tags": list(tags)} if tags else {},
                "execution_count": None,
                "outputs": [],
                "source": source,
            }
        )
    metadata: dict = {"language_info": {"name": "python"}}
    if kernel:
        metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    doc = {"nbformat": nbformat_major, "nbformat_minor": 5, "metadata": metadata, "cells": items}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def notebook(tmp_path: Path) -> Callable[..., Path]:
    """``notebook(cells, name="nb.ipynb", **kw)`` writes a notebook under tmp_path/project."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)

    def make(cells: Sequence[CellSpec], name: str = "nb.ipynb", **kwargs: object) -> Path:
        return write_notebook(project / name, cells, **kwargs)  # type: ignore[arg-type]

    return make


def _job_env(env: dict[str, str] | None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    base.update(env or {})
    return base


def _run_job(folder: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` in the package folder, the way the job runner starts it (no MLFLOW_* inherited)."""
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=folder, env=_job_env(env), capture_output=True, text=True, timeout=timeout
    )


def _start_job(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Like ``_run_job`` but returns at once, so a test can do other work while the job runs."""
    return subprocess.Popen(
        [sys.executable, "main.py", *args], cwd=folder, env=_job_env(env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.fixture
def run_job() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_job(folder, *args, env=...)``: run a package's main.py as the runner would."""
    return _run_job


@pytest.fixture
def start_job() -> Callable[..., subprocess.Popen[str]]:
    """``start_job(folder, *args, env=...)``: main.py as a running process (collect with communicate())."""
    return _start_job


@pytest.fixture
def without_mlflow(tmp_path: Path) -> dict[str, str]:
    """Environment in which ``import mlflow`` and ``import amlx_lab`` fail, as in a job image without them."""
    shadow = tmp_path / "shadow"
    for name in ("mlflow", "amlx_lab"):
        (shadow / name).mkdir(parents=True)
        (shadow / name / "__init__.py").write_text(f"raise ImportError('{name} is not installed here')\n")
    return {"PYTHONPATH": str(shadow)}


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], str]:
    """A migrated MLflow sqlite store, created once and copied per test (creating one costs seconds)."""
    template = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    subprocess.run(
        [sys.executable, "-c", f"import mlflow; mlflow.set_tracking_uri('sqlite:///{template}'); mlflow.search_experiments()"],
        check=True,
        capture_output=True,
        timeout=300,
    )

    def copy(folder: Path) -> str:
        target = folder / "mlflow.db"
        target.write_bytes(template.read_bytes())
        return f"sqlite:///{target}"

    return copy
