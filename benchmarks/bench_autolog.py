"""Benchmark (d): what a job costs against the same cells run in a notebook kernel, autolog on.

For each case (the three example notebooks' training cells, a cell that fits 50 models in
a loop, and a GridSearchCV cell) it times:

* kernel:   the cells the job runs (the slice), executed one by one in a fresh Jupyter
            kernel (nbclient), from the first cell's execute to the last cell's reply; the
            kernel's start is not counted. This is the notebook's own run time.
* job:      ``python main.py`` of the package built from the same cell, autolog on (the
            default), from process start to exit, with MLflow pointed at a pre-migrated
            sqlite store, as the local runner starts it.
* no-autolog: the same job packaged with ``autolog=False`` (what ``--no-autolog`` gives).

Both sides track into their own copy of the same pre-migrated store (its experiment
exists), so neither pays the 3 s of creating one. Runs are interleaved (kernel, job,
no-autolog, kernel, ...) so machine load hits all alike; medians are printed, with the
ratio job / kernel per case and the median ratio over the cases. It also prints what
the job's run holds afterwards: logged models, child runs, and how many lines of the job's
output (its std_log) came from MLflow. Numbers only, no assertions.

    python benchmarks/bench_autolog.py [--repeats 3] [--cases titanic,loop]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from amlx_lab.backends.local.layout import Layout
from amlx_lab.backends.local.supervisor import job_environment
from amlx_lab.backends.local.tracking import ensure_experiment, ensure_store
from amlx_lab.notebook import PackageOptions, build_package

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
EXPERIMENT = "bench-autolog"

_DATA = (
    "import numpy as np\n"
    "from sklearn.datasets import make_classification\n"
    "from sklearn.model_selection import train_test_split\n"
    "X, y = make_classification(n_samples=2000, n_features=20, n_informative=8, random_state=0)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"
)

# Synthetic notebooks: (cells, index of the cell to run as a job).
SYNTHETIC: dict[str, list[str]] = {
    "loop": [
        _DATA,
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score\n"
        "scores = {}\n"
        "for C in np.logspace(-3, 2, 50):\n"
        "    model = LogisticRegression(C=C, max_iter=500).fit(X_train, y_train)\n"
        "    scores[C] = accuracy_score(y_test, model.predict(X_test))\n"
        "best = max(scores, key=scores.get)\n"
        "print(f'best C: {best:.4g} accuracy: {scores[best]:.4f}')",
    ],
    "grid": [
        _DATA,
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from sklearn.model_selection import GridSearchCV\n"
        "grid = {'n_estimators': [20, 50], 'max_depth': [3, 6, None], 'min_samples_leaf': [1, 5]}\n"
        "search = GridSearchCV(RandomForestClassifier(random_state=0), grid, cv=3)\n"
        "search.fit(X_train, y_train)\n"
        "print('best:', search.best_params_, round(search.best_score_, 4))\n"
        "print('test accuracy:', round(search.score(X_test, y_test), 4))",
    ],
}
EXAMPLE_CASES = ("titanic", "heart_failure", "diabetes_ridge")


def write_notebook(path: Path, cells: list[str]) -> None:
    items = [
        {"cell_type": "code", "id": f"c{n}", "metadata": {}, "execution_count": None, "outputs": [], "source": src}
        for n, src in enumerate(cells)
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}}
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": items}))


class Case:
    """One notebook cell: its package (autolog on and off) and the notebook cells the slice runs."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        folder = root / name
        folder.mkdir()
        if name in SYNTHETIC:
            notebook = folder / f"{name}.ipynb"
            write_notebook(notebook, SYNTHETIC[name])
            cell: int | str = len(SYNTHETIC[name]) - 1
        else:
            notebook = folder / f"{name}.ipynb"
            shutil.copy(EXAMPLES / f"{name}.ipynb", notebook)
            shutil.copytree(EXAMPLES / "data", folder / "data")
            cell = "aml-train"
        self.workdir = folder
        self.on = build_package(notebook, cell=cell, out_dir=root / f"{name}-job")
        self.off = build_package(notebook, cell=cell, out_dir=root / f"{name}-job-noautolog",
                                 options=PackageOptions(autolog=False))
        source = json.loads(notebook.read_text())["cells"]
        self.cells = [source[c.index] for c in self.on.cells]


def run_kernel(case: Case, env: dict[str, str]) -> float:
    """Seconds the slice's cells take in a fresh kernel (kernel start not counted)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                for c in case.cells]
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(case.workdir)}})
        with client.setup_kernel():
            started = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            return time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_job(folder: Path, env: dict[str, str]) -> tuple[float, str]:
    """Seconds ``python main.py`` takes, and its output (stdout and stderr, as in std_log.txt)."""
    shutil.rmtree(folder / "outputs", ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "main.py"], cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{folder.name} failed:\n{done.stdout[-4000:]}")
    return elapsed, done.stdout


def store_counts(db: Path) -> tuple[int, int]:
    """(logged models, child runs) in a store."""
    with sqlite3.connect(db) as conn:
        models = conn.execute("SELECT COUNT(*) FROM logged_models").fetchone()[0]
        children = conn.execute("SELECT COUNT(*) FROM tags WHERE key = 'mlflow.parentRunId'").fetchone()[0]
    return models, children


def mlflow_lines(output: str) -> int:
    """Lines of the job's log that MLflow (or its warnings) wrote, not the notebook code or amlx."""
    keys = ("mlflow", "MLflow", "Changing param values", "alembic", "Warning:", "warnings.warn")
    return sum(1 for line in output.splitlines() if any(k in line for k in keys) and not line.startswith("amlx:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join((*EXAMPLE_CASES, *SYNTHETIC)))
    args = parser.parse_args()
    names = [n for n in args.cases.split(",") if n]

    with tempfile.TemporaryDirectory(prefix="amlx-bench-autolog-") as tmp:
        root = Path(tmp)
        template = Layout(root / "template")
        ensure_store(template)
        ensure_experiment(template, EXPERIMENT)

        def fresh_store(tag: str) -> Layout:
            layout = Layout(root / "stores" / tag)
            layout.mlflow_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(template.mlflow_db, layout.mlflow_db)
            return layout

        cases = [Case(n, root) for n in names]
        results: dict[str, dict[str, list[float]]] = {c.name: {"kernel": [], "job": [], "off": []} for c in cases}
        last: dict[str, tuple[str, tuple[int, int]]] = {}
        for rep in range(args.repeats):
            for case in cases:
                kernel_store = fresh_store(f"{case.name}-kernel-{rep}")
                kernel_env = {"MLFLOW_TRACKING_URI": kernel_store.mlflow_uri, "MLFLOW_EXPERIMENT_NAME": EXPERIMENT}
                results[case.name]["kernel"].append(run_kernel(case, kernel_env))
                for key, package in (("job", case.on), ("off", case.off)):
                    store = fresh_store(f"{case.name}-{key}-{rep}")
                    env = job_environment(store, f"{case.name}-{key}-{rep}", EXPERIMENT, dict(os.environ))
                    elapsed, output = run_job(Path(package.root), env)  # type: ignore[arg-type]
                    results[case.name][key].append(elapsed)
                    if key == "job":
                        last[case.name] = (output, store_counts(store.mlflow_db))

    med = statistics.median
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; {args.repeats} runs each, interleaved")
    print(f"{'case':15} {'kernel s':>9} {'job s':>8} {'job/kernel':>10} {'no-autolog s':>13} {'ratio':>6}"
          f" {'models':>7} {'child runs':>10} {'mlflow lines':>12}")
    ratios = []
    for case in cases:
        r = results[case.name]
        kernel, job, off = med(r["kernel"]), med(r["job"]), med(r["off"])
        ratios.append(job / kernel)
        output, (models, children) = last[case.name]
        print(f"{case.name:15} {kernel:9.2f} {job:8.2f} {job / kernel:10.2f} {off:13.2f} {off / kernel:6.2f}"
              f" {models:7d} {children:10d} {mlflow_lines(output):12d}")
    print(f"median job/kernel over the cases: {med(ratios):.2f}  (max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
