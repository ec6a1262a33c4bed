"""Benchmark: a 60 s AutoML job against plain scikit-learn baselines on the same folds, and the best model's latency.

For heart failure (``DEATH_EVENT``) and Titanic (``Survived``), primary metric
``AUC_weighted``:

* baselines, measured in this run: logistic regression (scaled), a random
  forest and histogram gradient boosting, each a plain scikit-learn pipeline
  (median imputation, one-hot encoding of the text columns Titanic's seed
  uses), cross-validated on exactly the splits the AutoML job uses (Azure's
  choice: 10 folds below 1,000 rows; ``amlx_lab.automl.splits``);
* AutoML: a real local job (``submit_automl``, supervisor, MLflow, trials
  mirrored) with ``timeout_minutes=1`` and early termination off, so it
  searches for the whole minute; its score is the best trial's mean over
  those folds. The goal is at least the best baseline.

Then the heart-failure job's best model is registered, deployed to a local
endpoint, and timed: one-row requests through the endpoint (HTTP with the
key) against the same model's predict in this process (the serving loader's
scorer without HTTP), p50 and p99, and their ratio.

Numbers only, no assertions; one run:

    python benchmarks/bench_automl.py [--seconds 60] [--requests 200]
"""

from __future__ import annotations

import os

# The AutoML job runs with passive OpenMP waits (spinning threads made a 0.1 s fit take 8 s on a busy
# machine); the baselines get the same, so the comparison is of models, not of thread policies.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from amlx_lab.automl.metrics import predict, score
from amlx_lab.automl.splits import make_splits
from amlx_lab.config import AmlxConfig
from amlx_lab.specs import AutoMLJobSpec
from amlx_lab.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"
DATASETS = {
    "heart failure": (DATA / "heart_failure_clinical_records.csv", "DEATH_EVENT", None),
    "Titanic": (DATA / "titanic.csv", "Survived", ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]),
}


def baselines(frame: pd.DataFrame, target: str, columns: list[str] | None) -> dict[str, list[float]]:
    """Fold scores of the three plain pipelines on the AutoML job's splits."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    y_raw = frame[target].to_numpy()
    classes = np.unique(y_raw)
    y = np.searchsorted(classes, y_raw)
    X = frame.drop(columns=[target])[columns] if columns else frame.drop(columns=[target])
    text = [c for c in X.columns if X[c].dtype == object]
    numbers = [c for c in X.columns if c not in text]
    splits, _ = make_splits(y, task="classification", n_cross_validations=None, validation_data_size=None)

    def prepared(scale: bool) -> ColumnTransformer:
        numeric = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
        return ColumnTransformer([
            ("numbers", make_pipeline(*numeric), numbers),
            ("text", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), text),
        ])

    models = {
        "logistic regression": Pipeline([("prep", prepared(True)), ("model", LogisticRegression(max_iter=1000))]),
        "random forest": Pipeline([("prep", prepared(False)), ("model", RandomForestClassifier(random_state=0))]),
        "hist gradient boosting": Pipeline([("prep", prepared(False)), ("model", HistGradientBoostingClassifier(random_state=0))]),
    }
    scores: dict[str, list[float]] = {}
    for name, model in models.items():
        folds = []
        for train, test in splits.pairs:
            fitted = model.fit(X.iloc[train], y[train])
            folds.append(score("AUC_weighted", y[test], predict(fitted, X.iloc[test], classification=True, classes=np.arange(2))))
        scores[name] = folds
    return scores


def automl_job(ws: Workspace, path: Path, target: str, seconds: float, root: Path) -> tuple[str, dict]:
    spec = AutoMLJobSpec(
        task="classification", training_data=str(path), target_column_name=target, primary_metric="AUC_weighted",
        limits={"timeout_minutes": seconds / 60, "enable_early_termination": False}, experiment="bench-automl",
    )
    started = time.monotonic()
    job = ws.submit_automl(spec, base_dir=root)
    done = ws.wait(job.name, timeout=seconds * 4 + 300)
    details = ws.automl_details(job.name)
    wall = time.monotonic() - started
    return job.name, {"status": done.status.value, "error": done.error, "details": details, "wall": wall}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def latency(ws: Workspace, job: str, root: Path, requests: int) -> dict[str, float]:
    from amlx_lab.serving.loader import load_model
    from amlx_lab.serving.scorer import ModelScorer

    models, endpoints = ws.models(), ws.endpoints()
    version = models.register_model("bench-heart-automl", job=job)
    ws.deploy(version.ref, endpoint="bench-heart", wait=300)
    endpoint = endpoints.get_endpoint("bench-heart")
    key = endpoints.endpoint_keys("bench-heart").primary_key
    row = pd.read_csv(DATASETS["heart failure"][0]).drop(columns=["DEATH_EVENT"]).iloc[0].to_dict()
    body = json.dumps({"data": [row]}).encode()

    def call() -> float:
        request = urllib.request.Request(
            endpoint.scoring_uri, data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
        return (time.perf_counter() - started) * 1000

    scorer = ModelScorer(load_model(root / "ws" / "jobs" / job / "outputs" / "model"))

    def in_process() -> float:
        started = time.perf_counter()
        scorer.score(body, {})
        return (time.perf_counter() - started) * 1000

    for _ in range(10):
        call()
        in_process()
    http, local = [], []
    for _ in range(requests):  # interleaved, so load swings on the shared machine hit both alike
        http.append(call())
        local.append(in_process())
    endpoints.delete_endpoint("bench-heart")
    p50, p99 = percentiles(http)
    b50, b99 = percentiles(local)
    return {"p50": p50, "p99": p99, "in_process_p50": b50, "in_process_p99": b99}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-automl-"))
    ws = Workspace(AmlxConfig.resolve(workspace_dir=root / "ws", target="local", compute_slots=1), search_from=root)
    rows = []
    heart_job = None
    try:
        for name, (path, target, columns) in DATASETS.items():
            frame = pd.read_csv(path)
            t = time.monotonic()
            base = baselines(frame, target, columns)
            base_s = time.monotonic() - t
            data = path
            if columns:  # AutoML reads what the baselines read (the seed's columns), plus the target
                data = root / f"{path.stem}-columns.csv"
                frame[[*columns, target]].to_csv(data, index=False)
            job, result = automl_job(ws, data, target, args.seconds, root)
            if name == "heart failure":
                heart_job = job
            rows.append((name, base, base_s, result))
        lines = ["", f"AutoML ({args.seconds:g} s budget, early termination off) vs plain scikit-learn on the same folds; AUC_weighted"]
        for name, base, base_s, result in rows:
            details = result["details"]
            means = {k: float(np.mean(v)) for k, v in base.items()}
            best_name = max(means, key=lambda k: means[k])
            lines.append(f"\n{name}: {details.validation}; baselines took {base_s:.1f} s")
            for model, folds in base.items():
                lines.append(f"  {model:<24} {np.mean(folds):.4f} ± {np.std(folds, ddof=1):.4f}")
            if details.best_score is None:
                lines.append(f"  AutoML: {result['status']} without a score: {result['error']}")
                continue
            gap = details.best_score - means[best_name]
            lines.append(
                f"  AutoML best: {details.best_algorithm} ({'default' if details.leaderboard[0].source == 'default' else 'searched'}) "
                f"{details.best_score:.4f} ± {details.best_score_std:.4f} after {details.trials} trials, job wall {result['wall']:.0f} s"
            )
            best_searched = max((e.score for e in details.leaderboard if e.source == "search" and e.score is not None), default=None)
            if best_searched is not None:
                lines.append(f"  best FLAML trial: {best_searched:.4f}")
            lines.append(
                f"  vs best baseline ({best_name} {means[best_name]:.4f}): {gap:+.4f} -> goal (>= best baseline) "
                + ("met" if gap >= 0 else "NOT met")
            )
        if heart_job is not None:
            timing = latency(ws, heart_job, root, args.requests)
            lines += [
                "",
                f"Best heart-failure model through a local endpoint ({args.requests} one-row requests):",
                f"  HTTP p50 {timing['p50']:.2f} ms, p99 {timing['p99']:.2f} ms",
                f"  in-process scorer p50 {timing['in_process_p50']:.2f} ms, p99 {timing['in_process_p99']:.2f} ms",
                f"  ratio p50 {timing['p50'] / timing['in_process_p50']:.1f}x",
            ]
        print("\n".join(lines))
    finally:
        ws.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
