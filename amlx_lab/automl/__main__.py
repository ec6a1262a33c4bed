"""``python -m amlx_lab.automl automl.json --training_data PATH``: run one AutoML job in this process.

``automl.json`` is the job's ``AutoMLJobSpec``; the training data arrives as
the job input ``training_data`` (a local file, or a data asset the target
resolved). Outputs go to ``./outputs`` (the job's outputs); MLflow is the one
the target points the job at. A problem with the data or the settings ends
the job with exit code 2 and one sentence as the last line of the log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m amlx_lab.automl", description=__doc__)
    parser.add_argument("spec", type=Path, help="the job's automl.json")
    parser.add_argument("--training_data", type=Path, required=True, help="the training data (CSV or Parquet)")
    parser.add_argument("--outputs", type=Path, default=Path("outputs"))
    args = parser.parse_args(argv)
    # OpenMP threads (LightGBM, XGBoost, scikit-learn's gradient boosting) that spin while they wait are
    # catastrophic on a shared machine: a 0.1 s fit took 8 s with two spinning threads under load.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    from ..errors import ValidationError
    from ..specs import AutoMLJobSpec
    from .engine import UserError, run

    try:
        spec = AutoMLJobSpec.parse(json.loads(args.spec.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        print(f"AutoMLError: the job's settings cannot be read: {getattr(exc, 'message', exc)}", flush=True)
        return 2
    job = os.environ.get("AMLX_JOB_NAME") or "automl"
    try:
        run(spec, args.training_data, args.outputs, job)
    except UserError as exc:
        print(f"Traceback (most recent call last):\nAutoMLError: {exc}", flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
