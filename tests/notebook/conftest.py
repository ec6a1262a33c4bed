"""Fixtures for the cell -> job package tests: real notebook files in a temporary folder."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
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


# -- running cells for real, to compare a slice with every cell above --------------------------

_WORKER = r'''
import contextlib, io, json, os, random, sys, warnings

warnings.simplefilter("ignore")  # deprecations (pandas' inplace=) are not what is compared

protocol = os.fdopen(os.dup(1), "w")  # answers go here; the programs' own output is captured
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
for line in sys.stdin:
    request = json.loads(line)
    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    namespace = {"__name__": "__main__"}
    outputs, error = [], None
    for index, code in enumerate(request["cells"]):
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                exec(compile(code, f"<cell {index}>", "exec"), namespace)
        except BaseException as exc:  # the comparison reports it
            error = {"cell": index, "error": f"{type(exc).__name__}: {exc}"}
        outputs.append(buffer.getvalue())
        if error:
            break
    protocol.write(json.dumps({"outputs": outputs, "error": error}) + "\n")
    protocol.flush()
'''


@dataclass(frozen=True)
class CellsRun:
    """What running a list of cells in one fresh namespace printed, cell by cell, and the first error."""

    outputs: list[str]
    error: dict | None

    @property
    def last(self) -> str:
        return self.outputs[-1] if self.outputs else ""


class CellRunner:
    """One Python subprocess that runs lists of cells, each list in a fresh namespace.

    Importing pandas costs about a second, so the worker imports it once and
    every program after that is an ``exec`` away; stdout is captured per cell.
    """

    def __init__(self, cwd: Path, preload: Sequence[str] = ("pandas", "numpy")) -> None:
        code = "".join(f"import {m}\n" for m in preload) + _WORKER
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_job_env(None)
        )

    def run(self, cells: Sequence[str], timeout: float = 120) -> CellsRun:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"cells": list(cells)}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.proc.kill()
            raise TimeoutError(f"the cells did not finish within {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the cell runner died (exit status {self.proc.wait()})")
        answer = json.loads(line)
        return CellsRun(answer["outputs"], answer["error"])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def cell_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CellRunner]:
    """A session-wide :class:`CellRunner` working in its own empty folder."""
    runner = CellRunner(tmp_path_factory.mktemp("cell-runner"))
    try:
        yield runner
    finally:
        runner.close()
