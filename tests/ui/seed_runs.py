"""Seed finished runs into a local workspace in bulk: ``python -m tests.ui.seed_runs WORKSPACE COUNT EXPERIMENT``.

A separate process on purpose: MLflow refuses writes through its default (read-only)
sessions whenever ``PYTEST_CURRENT_TEST`` is set, and the seeding helper uses those.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path


def seed(workspace: Path, count: int, experiment: str) -> int:
    from amlx_lab.backends.local.backend import LocalBackend
    from amlx_lab.backends.local.seeding import seed_completed_jobs

    rng = random.Random(7)
    backend = LocalBackend(workspace, compute_slots=2)
    items = (
        {
            "display_name": f"alpha {i}",
            "params": {"alpha": round(rng.uniform(0.01, 1.0), 4)},
            "metrics": {"rmse": rng.uniform(40, 80), "mae": rng.uniform(30, 60), "r2": rng.uniform(0, 0.6)},
        }
        for i in range(count)
    )
    try:
        return seed_completed_jobs(backend.store, backend.layout, experiment, items)
    finally:
        backend.close()


if __name__ == "__main__":
    started = time.perf_counter()
    made = seed(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
    print(f"seeded {made} runs in {time.perf_counter() - started:.1f} s")
