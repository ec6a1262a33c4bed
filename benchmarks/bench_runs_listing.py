"""Benchmark (b) of issue 4: the first page of 50 of 10,000 runs, through our REST API vs MLflow.

The third query filters (``metrics.rmse < 60 and metrics.r2 > 0.1``: ``q=`` against
``search_runs(filter_string=...)``). Both sides read the same runs: 10,000 finished jobs whose MLflow runs carry
``rmse``, ``mae`` and ``r2`` metrics and an ``alpha`` param, created in bulk
(``backends/local/seeding.py``). Ours is a real ``jupyter server`` answering
``GET /amlx/api/jobs`` over a kept-alive HTTP connection; the baseline is
``MlflowClient.search_runs(max_results=50)`` on the same SQLite store, in
process (so it pays no HTTP at all). Prints medians and the ratio; asserts nothing.

Run: ``.venv/bin/python benchmarks/bench_runs_listing.py [--runs 10000] [--repeat 15]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from amlx_lab.backends.local.backend import LocalBackend  # noqa: E402
from amlx_lab.backends.local.seeding import seed_completed_jobs  # noqa: E402
from tests.ui.lab import LabServer  # noqa: E402

EXPERIMENT = "ridge-sweep"
FILTER = "metrics.rmse < 60 and metrics.r2 > 0.1"


def seed(workspace: Path, runs: int) -> None:
    rng = random.Random(7)
    backend = LocalBackend(workspace, compute_slots=2)
    items = (
        {
            "display_name": f"alpha {i}",
            "params": {"alpha": round(rng.uniform(0.01, 1.0), 4), "solver": rng.choice(["svd", "cholesky"])},
            "metrics": {"rmse": rng.uniform(40, 80), "mae": rng.uniform(30, 60), "r2": rng.uniform(0, 0.6)},
        }
        for i in range(runs)
    )
    started = time.perf_counter()
    count = seed_completed_jobs(backend.store, backend.layout, EXPERIMENT, items)
    print(f"seeded {count} runs in {time.perf_counter() - started:.1f} s")
    backend.close()


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amlx-bench-list-") as tmp:
        base = Path(tmp)
        workspace = base / "amlx-workspace"  # the folder LabServer points AMLX_WORKSPACE at
        (base / "notebooks").mkdir()
        seed(workspace, args.runs)

        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=f"sqlite:///{workspace / 'mlflow' / 'mlflow.db'}")
        experiment_id = client.get_experiment_by_name(EXPERIMENT).experiment_id

        server = LabServer(base=base, root_dir=base / "notebooks", app="jupyter_server").start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            headers = {"Authorization": f"token {server.token}"}

            def rest(query: str) -> Callable[[], object]:
                def call() -> object:
                    conn.request("GET", f"/amlx/api/jobs?experiment={EXPERIMENT}&limit=50{query}", headers=headers)
                    response = conn.getresponse()
                    body = json.loads(response.read())
                    assert response.status == 200 and len(body["items"]) == 50, body
                    return body
                return call

            def mlflow(order_by: list[str] | None, filter_string: str = "") -> Callable[[], object]:
                def call() -> object:
                    runs = client.search_runs([experiment_id], filter_string, max_results=50, order_by=order_by)
                    assert len(runs) == 50
                    return runs
                return call

            cases = [
                ("newest first", rest(""), mlflow(None)),
                ("lowest rmse first", rest("&order_by=metrics.rmse&descending=false"), mlflow(["metrics.rmse ASC"])),
                # the runs filter: compiled to indexed SQL over the index (backends/local/filter_sql.py)
                ("filtered", rest("&q=" + quote(FILTER)), mlflow(None, FILTER)),
            ]
            print(f"\nfirst page of 50 of {args.runs:,} runs, median of {args.repeat} (min in brackets)")
            print(f"{'query':<20} {'amlx REST':>16} {'MlflowClient':>16} {'speed-up':>9}")
            for label, ours, theirs in cases:
                ours_ms, ours_min = median_ms(ours, args.repeat)
                theirs_ms, theirs_min = median_ms(theirs, args.repeat)
                print(f"{label:<20} {ours_ms:9.1f} ms ({ours_min:.1f}) {theirs_ms:9.1f} ms ({theirs_min:.1f}) "
                      f"{theirs_ms / ours_ms:8.1f}x")
            print("target: at least 10x faster than MlflowClient.search_runs(max_results=50)")

            def status() -> object:
                conn.request("GET", "/api/status", headers=headers)
                response = conn.getresponse()
                response.read()
                return response.status

            floor_ms, floor_min = median_ms(status, args.repeat)
            print(f"context: Jupyter's own GET /api/status, the floor of any authenticated request here: "
                  f"{floor_ms:.1f} ms ({floor_min:.1f})")
            conn.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
