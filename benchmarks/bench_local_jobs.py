"""Benchmark (a): a local job's wall time against ``python main.py`` of the same package.

The package trains a scikit-learn random forest for about 5 s with
``mlflow.autolog()`` on. Both sides use the same interpreter and environment
and a pre-migrated sqlite MLflow store whose experiment already exists; only
the tracking URI differs. The local job is timed from ``submit()`` to the
moment the index reports it Completed (what a user waits for); the direct
run from process start to exit. Also printed: submit-to-first-log-line
latency, and where the overhead goes.

Runs are interleaved (direct, local, direct, local, ...) so that machine load
affects both alike; medians are reported. Numbers only, no assertions.

    python benchmarks/bench_local_jobs.py [--repeats 3] [--seconds 5] [--log-models]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local.layout import Layout
from amlx_lab.backends.local.tracking import ensure_experiment, ensure_store
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

MAIN = """
print("job starting", flush=True)
import sys, time
import mlflow
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

mlflow.autolog(log_models={log_models})
X, y = make_classification(n_samples=4000, n_features=30, n_informative=10, random_state=0)
start = time.perf_counter()
with mlflow.start_run():
    RandomForestClassifier(n_estimators=int(sys.argv[1]), n_jobs=1, random_state=0).fit(X, y)
print(f"training took {{time.perf_counter() - start:.2f}} s", flush=True)
"""

EXPERIMENT = "bench-local-jobs"


def training_seconds(text: str) -> float:
    """The "training took" line main.py prints: tells machine noise apart from our overhead."""
    match = re.search(r"training took ([0-9.]+) s", text)
    return float(match.group(1)) if match else float("nan")


def run_direct(code: Path, tracking_uri: str, estimators: int, deadline: float) -> dict[str, float]:
    env = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri, MLFLOW_EXPERIMENT_NAME=EXPERIMENT, PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "main.py", str(estimators)],
        cwd=code,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=max(1.0, deadline - time.monotonic()),
    )
    return {"wall": time.perf_counter() - started, "training": training_seconds(done.stdout)}


def run_local(backend: LocalBackend, code: Path, estimators: int, deadline: float) -> dict[str, float]:
    started = time.perf_counter()
    job = backend.submit(CommandJobSpec(code_dir=code, experiment=EXPERIMENT, command=("python", "main.py", str(estimators))))
    submitted = time.perf_counter()
    log = Path(job.log_path)
    first_line = None
    while time.monotonic() < deadline:
        if first_line is None and log.stat().st_size > 0:
            first_line = time.perf_counter()
        current = backend.get_job(job.name)
        if current.status.terminal:
            break
        time.sleep(0.005 if first_line is None else 0.02)
    finished = time.perf_counter()
    if current.status is not JobStatus.COMPLETED:
        raise SystemExit(f"job {job.name} ended {current.status.value}: {current.error}\n{backend.logs(job.name).text}")
    return {
        "wall": finished - started,
        "submit_call": submitted - started,
        "first_log": (first_line or finished) - started,
        "to_process_start": current.started_at - current.created_at,
        "ended_to_seen": finished - started - (current.ended_at - current.created_at),
        "training": training_seconds(backend.logs(job.name).text),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--estimators", type=int, default=320, help="trees (320: about 5 s of training here)")
    parser.add_argument("--log-models", action="store_true", help="let autolog log the model too (adds ~5 s to both sides)")
    parser.add_argument("--timeout", type=float, default=900, help="give up after this many seconds in total")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    with tempfile.TemporaryDirectory(prefix="amlx-bench-") as tmp:
        root = Path(tmp)
        code = root / "package"
        code.mkdir()
        (code / "main.py").write_text(textwrap.dedent(MAIN.format(log_models=args.log_models)))
        direct_code = root / "direct-package"
        shutil.copytree(code, direct_code)

        backend = LocalBackend(root / "workspace", compute_slots=2)
        # Steady state for both sides: migrated store, experiment present, files in the page cache.
        t0 = time.perf_counter()
        first = backend.submit(CommandJobSpec(code_dir=code, experiment=EXPERIMENT, command=("python", "main.py", "1")))
        first_done = backend.wait(first.name, timeout=max(1.0, deadline - time.monotonic()))
        first_wall = time.perf_counter() - t0
        if first_done.status is not JobStatus.COMPLETED:
            raise SystemExit(f"warm-up job failed: {first_done.error}\n{backend.logs(first.name).text}")
        direct_layout = Layout(root / "direct")
        ensure_store(direct_layout)
        ensure_experiment(direct_layout, EXPERIMENT)
        run_direct(direct_code, direct_layout.mlflow_uri, 1, deadline)

        direct, local = [], []
        for _ in range(args.repeats):
            direct.append(run_direct(direct_code, direct_layout.mlflow_uri, args.estimators, deadline))
            local.append(run_local(backend, code, args.estimators, deadline))
        backend.close()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    wall_local = med([r["wall"] for r in local])
    wall_direct = med([r["wall"] for r in direct])
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; {args.repeats} runs each, interleaved")
    print(f"warm-up (first job of a new workspace, 1 tree, builds store + experiment): {first_wall:.2f} s")
    direct_runs = ", ".join(f"{r['wall']:.2f}" for r in direct)
    local_runs = ", ".join(f"{r['wall']:.2f}" for r in local)
    print(f"python main.py directly      : median {wall_direct:.2f} s  runs {direct_runs}")
    print(f"local job, submit->Completed : median {wall_local:.2f} s  runs {local_runs}")
    print(f"ratio local / direct         : {wall_local / wall_direct:.3f}  (target <= 1.10)")
    print(
        f"training inside main.py      : median direct {med([r['training'] for r in direct]):.2f} s, "
        f"local {med([r['training'] for r in local]):.2f} s (machine noise shows here)"
    )
    print(f"submit() call                : median {med([r['submit_call'] for r in local]) * 1000:.0f} ms")
    print(f"submit -> first log line     : median {med([r['first_log'] for r in local]) * 1000:.0f} ms")
    print(f"submit -> job process started: median {med([r['to_process_start'] for r in local]) * 1000:.0f} ms")
    print(f"job ended -> seen Completed  : median {med([r['ended_to_seen'] for r in local]) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
