"""Benchmark: the diabetes sweep of 10 trials on 2 compute slots, against the same 10 trainings in one process.

The trials are the diabetes notebook's training cell (``examples/diabetes_ridge.ipynb``,
tagged ``aml-train``), packaged as ``main.py`` with MLflow tracking and scikit-learn
autologging, exactly what ``amlx sweep`` runs. The 10 values of ``alpha`` come from a
seeded Sobol sequence, so both sides train the same 10 models.

- baseline: one fresh Python process imports what ``main.py`` imports and runs it 10
  times back to back (each its own MLflow run, in the same store); its wall time
  divided by 2 is what 2 slots could at best achieve. Goal: sweep <= 1.5x that.
- sweep: ``submit_sweep`` until the parent job is Completed (controller start, warm
  worker, parent MLflow run, 10 trials, closing).
- time from a trial's start (the fork) to its first logged metric, per trial, read
  from MLflow's store. Goal: under 1 s on a quiet machine.

``--cold`` also runs the sweep with every trial a fresh interpreter (``AMLX_SWEEP_WARM=0``),
which is what the warm worker saves. One run each, printed; no assertions. The machine's
load average is printed too: on a shared 2-core box the absolute numbers move a lot.

    python benchmarks/bench_sweep.py [--trials 10] [--cold]
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

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local.layout import Layout
from amlx_lab.backends.local.tracking import ensure_experiment
from amlx_lab.notebook import build_package
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec, JobQuery, SweepJobSpec
from amlx_lab.sweep.sampling import preview

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "diabetes_ridge.ipynb"
EXPERIMENT = "bench-sweep"
SEED = 11

# Runs main.py N times in this one process, the way a notebook loop would.
IN_PROCESS = """
import json, os, runpy, sys, time
alphas = json.loads(sys.argv[1])
os.chdir(sys.argv[2])
sys.path.insert(0, sys.argv[2])
firsts = []
for i, alpha in enumerate(alphas):
    os.environ.pop("MLFLOW_RUN_ID", None)
    os.environ["MLFLOW_RUN_CONTEXT"] = json.dumps({"amlx.job_name": f"baseline_{i}"})
    sys.argv = ["main.py", "--alpha", str(alpha)]
    started = time.time()
    try:
        runpy.run_path("main.py", run_name="__main__")
    except SystemExit:
        pass
    firsts.append(started)
print(json.dumps(firsts))
"""


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def first_metrics(layout: Layout, tag: str, value: str) -> float | None:
    with sqlite3.connect(layout.mlflow_db) as conn:
        row = conn.execute(
            "SELECT MIN(m.timestamp) FROM metrics m JOIN tags t ON t.run_uuid = m.run_uuid WHERE t.key = ? AND t.value = ?",
            (tag, value),
        ).fetchone()
    return row[0] / 1000 if row and row[0] else None


def baseline(code: Path, layout: Layout, alphas: list[float]) -> tuple[float, list[float]]:
    env = dict(os.environ, MLFLOW_TRACKING_URI=layout.mlflow_uri, MLFLOW_EXPERIMENT_NAME=EXPERIMENT, PYTHONUNBUFFERED="1",
               MPLBACKEND="Agg")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, json.dumps(alphas), str(code)], env=env, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=3600)
    wall = time.perf_counter() - started
    starts = json.loads(done.stdout.strip().splitlines()[-1])
    latency = [first - s for i, s in enumerate(starts) if (first := first_metrics(layout, "amlx.job_name", f"baseline_{i}"))]
    return wall, latency


def sweep(root: Path, code: Path, trials: int, warm: bool) -> dict[str, object]:
    backend = LocalBackend(root, compute_slots=2)
    layout = backend.layout
    ensure_experiment(layout, EXPERIMENT)
    trial = CommandJobSpec(code_dir=code, experiment=EXPERIMENT, command=("python", "main.py", "--alpha", "${{inputs.alpha}}"),
                           parameters={"alpha": 0.5}, display_name="bench sweep")
    spec = SweepJobSpec(
        trial=trial, search_space={"alpha": "uniform(0.1, 1.0)"}, objective={"primary_metric": "rmse", "goal": "minimize"},
        sampling_algorithm={"type": "random", "rule": "sobol", "seed": SEED},
        limits={"max_total_trials": trials, "max_concurrent_trials": 2},
    )
    os.environ["AMLX_SWEEP_WARM"] = "1" if warm else "0"
    try:
        started = time.perf_counter()
        submitted_at = time.time()
        job = backend.submit_sweep(spec)
        while not (done := backend.get_job(job.name)).status.terminal:
            time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        os.environ.pop("AMLX_SWEEP_WARM", None)
    if done.status is not JobStatus.COMPLETED:
        raise SystemExit(f"the sweep ended {done.status.value}: {done.error}")
    rows = list(backend.list_jobs(JobQuery(parent=job.name, descending=False, limit=100)).items)
    latency = []
    for row in rows:
        first = first_metrics(layout, "amlx.job_name", row.name)
        if first is not None and row.started_at is not None:
            latency.append(first - row.started_at)
    first_start = min(r.started_at for r in rows if r.started_at)
    last_end = max(r.ended_at for r in rows if r.ended_at)
    worker = layout.logs_dir(job.name) / "warm_worker.txt"
    ready = next((line.split(" in ")[1].split(" s")[0] for line in (worker.read_text().splitlines() if worker.exists() else [])
                  if "imported" in line), "-")
    backend.close()
    return {
        "wall": wall, "latency": latency, "until_first_trial": first_start - submitted_at,
        "after_last_trial": (done.ended_at or 0) - last_end, "worker_ready": ready,
        "trials": [(r.parameters["alpha"], r.metrics.get("rmse")) for r in rows],
    }


def describe(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):.2f} s, min {min(values):.2f} s, max {max(values):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--cold", action="store_true", help="also run the sweep with cold trials")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    os.environ.setdefault("AMLX_CACHE_DIR", str(work / "cache"))
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    try:
        package = build_package(EXAMPLE, cell="aml-train", out_dir=work / "package")
        assert package.root is not None
        code = Path(package.root)
        settings = SweepJobSpec(
            trial=CommandJobSpec(code_dir=code, command=("python", "main.py", "--alpha", "${{inputs.alpha}}")),
            search_space={"alpha": "uniform(0.1, 1.0)"}, objective={"primary_metric": "rmse", "goal": "minimize"},
            sampling_algorithm={"type": "random", "rule": "sobol", "seed": SEED}, limits={"max_total_trials": args.trials},
        )
        alphas = [p["alpha"] for p in preview(settings, SEED, args.trials)]
        print(f"diabetes sweep: {args.trials} trials, 2 slots, alpha from sobol(seed {SEED}); load average {load()}")

        base_layout = Layout(work / "baseline-ws")
        ensure_experiment(base_layout, EXPERIMENT)
        base_wall, base_latency = baseline(code, base_layout, alphas)
        print(f"baseline, {args.trials} trainings in one process: {base_wall:.1f} s; /2 slots = {base_wall / 2:.1f} s")
        print(f"  start of a training to its first metric (in-process, warm): {describe(base_latency)}")

        runs = [("warm", True)] + ([("cold", False)] if args.cold else [])
        for label, warm in runs:
            result = sweep(work / f"{label}-ws", code, args.trials, warm)
            wall = float(result["wall"])  # type: ignore[arg-type]
            print(f"sweep ({label} trials): {wall:.1f} s = {wall / (base_wall / 2):.2f}x the baseline/2 (goal <= 1.5x); "
                  f"load average {load()}")
            print(f"  trial start to first logged metric: {describe(result['latency'])}  (goal < 1 s on a quiet machine)")  # type: ignore[arg-type]
            print(f"  submit to first trial start {float(result['until_first_trial']):.1f} s (warm worker imports: "  # type: ignore[arg-type]
                  f"{result['worker_ready']} s); last trial end to sweep Completed {float(result['after_last_trial']):.1f} s")  # type: ignore[arg-type]
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
