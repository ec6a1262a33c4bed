"""Recording trials: one MLflow child run each, and the leaderboard file the job keeps current.

Each finished trial becomes a child run of the job's run (tag
``mlflow.parentRunId``) carrying its algorithm, hyperparameters and score,
which is what Azure ML shows as an AutoML job's child jobs; the local target
mirrors them into its index as jobs whose ``parent`` is the AutoML job. The
writes happen on a background thread, so the search never waits for the
tracking store. ``outputs/leaderboard.json`` is rewritten (atomically) after
every trial: the leaderboard can be read while the job runs.
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

LEADERBOARD_FILE = "leaderboard.json"
CHARTS_FILE = "charts.json"
PARENT_TAG = "amlx.automl_parent"
TRIAL_TAG = "amlx.trial"
INDEX_TAG = "amlx.trial_index"
ALGORITHM_TAG = "amlx.algorithm"
JOB_TAG = "amlx.job_name"  # the trial is a job of its own (the local index mirrors it under this name)


def plain(value: Any) -> Any:
    """JSON-ready values (numpy scalars and arrays, NaN as ``None``)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Trial:
    """One candidate that was trained and validated."""

    index: int
    name: str
    algorithm: str  # Azure's name
    source: str  # "default" (a plain scikit-learn default) or "search" (a FLAML trial)
    learner: str  # the FLAML estimator, or the scikit-learn class of a default
    hyperparameters: dict[str, Any]
    fold_scores: list[float]
    duration_s: float
    started_at: float
    ended_at: float
    status: str = "Completed"
    error: str | None = None

    @property
    def score(self) -> float | None:
        values = [s for s in self.fold_scores if s is not None and math.isfinite(s)]
        return float(np.mean(values)) if values else None

    @property
    def score_std(self) -> float | None:
        values = [s for s in self.fold_scores if s is not None and math.isfinite(s)]
        return float(np.std(values, ddof=1)) if len(values) > 1 else (0.0 if values else None)


@dataclass
class Board:
    """What ``leaderboard.json`` holds."""

    task: str
    primary_metric: str
    goal: str
    target_column_name: str
    validation: str
    notes: list[str] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    best: str | None = None
    state: str = "running"  # running | finished
    stop_reason: str | None = None
    model: str | None = None

    def better(self, a: float | None, b: float | None) -> bool:
        if a is None:
            return False
        if b is None:
            return True
        return a < b if self.goal == "minimize" else a > b

    def best_trial(self) -> Trial | None:
        best: Trial | None = None
        for trial in self.trials:
            if trial.status == "Completed" and self.better(trial.score, best.score if best else None):
                best = trial
        return best

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "trials"}
        ranked = sorted(
            (t for t in self.trials if t.score is not None),
            key=lambda t: (t.score if self.goal == "minimize" else -(t.score or 0.0), t.index),
        )
        ranks = {t.name: i + 1 for i, t in enumerate(ranked)}
        data["trials"] = [
            {**asdict(t), "score": t.score, "score_std": t.score_std, "rank": ranks.get(t.name)} for t in self.trials
        ]
        return plain(data)


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(plain(data), indent=1), encoding="utf-8")
    os.replace(tmp, path)


class TrialRecorder:
    """Keeps the board and writes each trial to MLflow (a background thread) and to ``leaderboard.json``."""

    def __init__(self, board: Board, outputs: Path, *, run: Any | None) -> None:
        self.board = board
        self.path = outputs / LEADERBOARD_FILE
        self.run = run  # the job's active MLflow run, or None when the job tracks nothing
        self._queue: queue.Queue[tuple[Trial, bool] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="trial-writer", daemon=True)
        self._thread.start()
        self.save()

    def add(self, trial: Trial) -> bool:
        """Record a trial; ``True`` when it is the new best."""
        previous = self.board.best_trial()
        self.board.trials.append(trial)
        best = self.board.best_trial()
        improved = best is trial and best is not previous
        if best is not None:
            self.board.best = best.name
        self.save()
        self._queue.put((trial, improved))
        return improved

    def save(self) -> None:
        write_json(self.path, self.board.to_json())

    def close(self, timeout: float = 60.0) -> None:
        """Wait (bounded) until every trial is in MLflow."""
        self._queue.put(None)
        self._thread.join(timeout)

    # -- the writer thread ---------------------------------------------------------------

    def _drain(self) -> None:
        client = None
        while True:
            item = self._queue.get()
            if item is None or self.run is None:
                if item is None:
                    return
                continue
            trial, improved = item
            try:
                if client is None:
                    from mlflow.tracking import MlflowClient

                    client = MlflowClient()
                self._write(client, trial, improved)
            except Exception as exc:  # a trial missing from MLflow must not end the search
                print(f"[automl] could not record trial {trial.name} in MLflow: {type(exc).__name__}: {exc}", flush=True)

    def _write(self, client: Any, trial: Trial, improved: bool) -> None:
        from mlflow.entities import Metric, Param, RunTag

        metric = self.board.primary_metric
        assert self.run is not None
        info = self.run.info
        tags = {
            "mlflow.parentRunId": info.run_id,
            "mlflow.runName": trial.name,
            PARENT_TAG: os.environ.get("AMLX_JOB_NAME", ""),
            TRIAL_TAG: trial.name,
            JOB_TAG: trial.name,
            INDEX_TAG: str(trial.index),
            ALGORITHM_TAG: trial.algorithm,
        }
        child = client.create_run(info.experiment_id, start_time=int(trial.started_at * 1000), tags=tags, run_name=trial.name)
        stamp = int(trial.ended_at * 1000)
        metrics = [Metric(metric, v, stamp, 0) for v in [trial.score] if v is not None]
        if trial.score_std is not None:
            metrics.append(Metric(f"{metric}_std", trial.score_std, stamp, 0))
        metrics.append(Metric("duration_s", trial.duration_s, stamp, 0))
        params = {"algorithm": trial.algorithm, "learner": trial.learner, "source": trial.source}
        params.update({k: json.dumps(plain(v)) if not isinstance(v, str) else v for k, v in trial.hyperparameters.items()})
        client.log_batch(
            child.info.run_id,
            metrics=metrics,
            params=[Param(k, str(v)[:6000]) for k, v in params.items()],
            tags=[RunTag("amlx.fold_scores", json.dumps(plain(trial.fold_scores)))],
        )
        client.set_terminated(child.info.run_id, status="FINISHED" if trial.status == "Completed" else "FAILED", end_time=stamp)
        best = self.board.best_trial()
        if improved and best is not None and best.score is not None:
            client.log_metric(info.run_id, metric, best.score, timestamp=stamp, step=trial.index)
            client.set_tag(info.run_id, "amlx.best_trial", best.name)


def now() -> float:
    return time.time()
