"""The local AutoML engine, run inside the job's process: FLAML searches, we record, refit and save.

One job (``python -m amlx_lab.automl automl.json --training_data PATH``):

1. reads the CSV, sets the target aside, decides the featurization
   (``featurize.py``) and fixes the validation splits (``splits.py``);
2. trains the plain defaults (``learners.py``) on those splits;
3. lets FLAML search the remaining budget on the same splits, scoring every
   fold with Azure's metric (``metrics.py``); FLAML's ``_log_trial`` hook
   (called once per trial with ``log_type="all"``) hands each trial to the
   recorder (``recording.py``) and applies Azure's early termination and
   ``exit_score``;
4. refits the best candidate on every row as one scikit-learn pipeline
   (featurization + model), computes its charts from out-of-fold predictions,
   and saves it as an MLflow model in ``outputs/model`` (cloudpickle, with a
   signature and an input example; loadable without FLAML or amlx-lab).

The time limit covers the whole job: the search gets what is left after the
defaults, minus a reserve for the refit, and a timer stops a trial that
overruns (FLAML can overshoot its budget by seconds).
"""

from __future__ import annotations

import math
import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..specs import AutoMLJobSpec
from .charts import classification_charts, regression_charts
from .featurize import FeaturePlan, as_text, build_featurizer, plan_features
from .learners import Candidates, candidates, flaml_estimator, single_threaded
from .metrics import NEEDS_SCORES, Prediction, predict, score
from .recording import CHARTS_FILE, Board, Trial, TrialRecorder, write_json
from .splits import Splits, make_splits

MODEL_DIR = "model"
GRACE_S = 10.0  # how long a trial may overrun the time limit before the timer stops it
MIN_SEARCH_S = 2.0  # below this, FLAML is not started
LANDMARK_ITERATIONS = 20  # Azure's early termination never stops before these...
PATIENCE = 10  # ...and then stops once the best score has not improved for this many iterations


def early_termination(iterations: int, best_at: int) -> bool:
    """Azure's rule: never within the first 20 iterations (the landmarks); from then on, stop once the best
    score has not improved for 10 iterations, so iteration 31 is the earliest stop. ``best_at`` is the
    iteration (counted from 1) that found the best score so far."""
    return iterations > LANDMARK_ITERATIONS + PATIENCE and iterations - best_at >= PATIENCE


class UserError(Exception):
    """The data or the settings cannot work; the message is the sentence the job's error shows."""


class StopSearch(BaseException):
    """Ends FLAML's search from inside it (a BaseException, so no ``except Exception`` swallows it)."""


def log(message: str) -> None:
    print(f"[automl] {time.strftime('%H:%M:%S')} {message}", flush=True)


# -- data ------------------------------------------------------------------------------------


def load_frame(path: Path) -> Any:
    """The training table: a CSV or Parquet file, or a folder holding exactly one."""
    import pandas as pd

    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".parquet"))
        if len(found) != 1:
            raise UserError(f"The training data folder must hold exactly one .csv or .parquet file; it holds {len(found)}.")
        path = found[0]
    try:
        return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise UserError(f"Cannot read the training data {path.name}: {exc}") from None


class Dataset:
    """The rows to learn from: inputs as a request would bring them, the target, and what the featurizer makes of them."""

    def __init__(self, spec: AutoMLJobSpec, frame: Any) -> None:
        import pandas as pd

        target = spec.target_column_name
        self.notes: list[str] = []
        if target not in frame.columns:
            raise UserError(f"The training data has no column {target!r}; its columns are: {', '.join(map(str, frame.columns))}.")
        time_column = spec.forecasting.time_column_name if spec.forecasting else None
        if time_column is not None:
            if time_column not in frame.columns:
                raise UserError(f"The training data has no time column {time_column!r}.")
            parsed = pd.to_datetime(frame[time_column], errors="coerce")
            if parsed.isna().all():
                raise UserError(f"The time column {time_column!r} holds no dates or times.")
            frame = frame.assign(**{time_column: parsed}).dropna(subset=[time_column]).sort_values(time_column)
        missing = int(frame[target].isna().sum())
        if missing:
            frame = frame.dropna(subset=[target])
            self.notes.append(f"{missing} row(s) without a {target} value are left out")
        if len(frame) < 10:
            raise UserError(f"The training data has {len(frame)} usable rows; AutoML needs at least 10.")
        frame = frame.reset_index(drop=True)
        y_raw = frame[target]
        self.classification = spec.task == "classification"
        if self.classification:
            self.classes: np.ndarray | None = np.unique(y_raw.to_numpy())
            assert self.classes is not None
            if len(self.classes) < 2:
                raise UserError(f"{target} has a single value; classification needs at least two classes.")
            if len(self.classes) > 1000:
                raise UserError(f"{target} has {len(self.classes)} classes; is it a regression target?")
            self.y = np.searchsorted(self.classes, y_raw.to_numpy())
            self.value_range = 1.0
        else:
            values = pd.to_numeric(y_raw, errors="coerce")
            if values.isna().any():
                raise UserError(f"{target} holds values that are not numbers; {spec.task} needs a numeric target.")
            self.classes = None
            self.y = values.to_numpy(dtype=float)
            self.value_range = float(self.y.max() - self.y.min())
        raw = frame.drop(columns=[target])
        try:
            self.plan: FeaturePlan = plan_features(raw, mode=spec.featurization, time_column=time_column)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        self.notes += self.plan.notes()
        self.X = as_text(raw[self.plan.inputs], self.plan)
        self.featurizer = build_featurizer(self.plan).fit(self.X)
        self.features = np.asarray(self.featurizer.transform(self.X), dtype=float)
        self.time_column = time_column

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.classes] if self.classes is not None else []

    def final_target(self) -> np.ndarray:
        """What the deployed model is trained on: the original labels, or the values."""
        return self.classes[self.y] if self.classes is not None else self.y


# -- evaluation ------------------------------------------------------------------------------


class Evaluator:
    """Scores candidates on the job's splits with Azure's metric."""

    def __init__(self, spec: AutoMLJobSpec, data: Dataset, splits: Splits) -> None:
        self.metric = spec.primary_metric or "accuracy"
        self.minimize = spec.goal == "minimize"
        self.data = data
        self.splits = splits
        self.codes = np.arange(len(data.classes)) if data.classes is not None else None

    def fold_score(self, model: Any, X: Any, y: np.ndarray) -> float:
        prediction = predict(model, X, classification=self.data.classification, classes=self.codes)
        if self.metric in NEEDS_SCORES and prediction.scores is None:
            return float("nan")
        return score(self.metric, y, prediction, self.data.value_range)

    def loss(self, value: float) -> float:
        """FLAML minimises: errors as they are, scores as 1 - score (every maximised metric is at most 1)."""
        if not math.isfinite(value):
            return math.inf
        return value if self.minimize else 1.0 - value

    def out_of_fold(self, model: Any) -> tuple[list[float], tuple[np.ndarray, Prediction]]:
        """Each split's score for ``model`` (refit per split), and the validation rows with what it predicted."""
        from sklearn.base import clone

        X, y = self.data.features, self.data.y
        folds, rows, values, scores = [], [], [], []
        for train, test in self.splits.pairs:
            fitted = clone(model).fit(X[train], y[train])
            p = predict(fitted, X[test], classification=self.data.classification, classes=self.codes)
            valid = self.metric not in NEEDS_SCORES or p.scores is not None
            folds.append(score(self.metric, y[test], p, self.data.value_range) if valid else float("nan"))
            rows.append(test)
            values.append(p.values)
            if p.scores is not None:
                scores.append(p.scores)
        index = np.concatenate(rows)
        joined = np.vstack(scores) if scores and len(scores) == len(rows) else None
        return folds, (index, Prediction(np.concatenate(values), joined, self.codes))


# -- the search ------------------------------------------------------------------------------


class Search:
    """Trains the defaults and runs FLAML within the limits, handing every trial to the recorder."""

    def __init__(self, spec: AutoMLJobSpec, data: Dataset, evaluator: Evaluator, recorder: TrialRecorder, job: str) -> None:
        self.spec = spec
        self.data = data
        self.evaluator = evaluator
        self.recorder = recorder
        self.job = job
        self.limits = spec.limits
        self.started = time.monotonic()
        self.deadline = None if self.limits.timeout_minutes is None else self.started + self.limits.timeout_minutes * 60
        self.n_jobs = max(1, min(self.limits.max_concurrent_trials, os.cpu_count() or 1))
        self.searching = False
        self.stop_reason: str | None = None
        self.best_index = -1
        self.models: dict[str, tuple[str, Any]] = {}  # trial name -> ("default", factory) | (flaml name, config)
        self.predictions: dict[str, tuple[np.ndarray, Prediction]] = {}  # the best default's out-of-fold predictions

    # -- limits --------------------------------------------------------------------------

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def trials_left(self) -> int:
        return self.limits.max_trials - len(self.recorder.board.trials)

    def _after_trial(self, improved: bool) -> None:
        """Azure's stopping rules, checked after every trial; raises ``StopSearch`` inside FLAML's loop."""
        count = len(self.recorder.board.trials)
        if improved:
            self.best_index = count
        best = self.recorder.board.best_trial()
        exit_score = self.limits.exit_score
        if exit_score is not None and best is not None and best.score is not None:
            reached = best.score <= exit_score if self.spec.goal == "minimize" else best.score >= exit_score
            if reached:
                self._stop(f"the best score {best.score:.4f} reached exit_score {exit_score:g}")
        if self.limits.enable_early_termination and early_termination(count, self.best_index):
            self._stop(f"early termination: no improvement in the last {PATIENCE} iterations")
        if self.trials_left() <= 0:
            self._stop(f"max_trials ({self.limits.max_trials}) reached")

    def _stop(self, reason: str) -> None:
        self.stop_reason = reason
        if self.searching:
            raise StopSearch(reason)

    def _on_alarm(self, signum: int, frame: Any) -> None:
        if self.searching:
            self.stop_reason = self.stop_reason or "the time limit was reached"
            raise StopSearch(self.stop_reason)

    # -- candidates ----------------------------------------------------------------------

    def run(self, chosen: Candidates) -> None:
        if hasattr(signal, "setitimer") and self.deadline is not None:
            signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, max(0.1, (self.remaining() or 0) + GRACE_S))
        try:
            self.searching = True
            try:
                self._defaults(chosen)
            except StopSearch:
                pass
            self.searching = False
            if self.stop_reason is None and chosen.searched:
                self._flaml(chosen)
        finally:
            self.searching = False
            if hasattr(signal, "setitimer") and self.deadline is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)

    def _record(self, **fields: Any) -> bool:
        index = len(self.recorder.board.trials)
        trial = Trial(index=index, name=f"{self.job}_{index}", **fields)
        improved = self.recorder.add(trial)
        shown = "failed" if trial.score is None else f"{trial.score:.4f} ± {trial.score_std or 0:.4f}"
        mark = "  (best so far)" if improved else ""
        log(f"trial {index:3d} {trial.algorithm:<20} {self.evaluator.metric} {shown} in {trial.duration_s:.1f} s{mark}")
        return improved

    def _defaults(self, chosen: Candidates) -> None:
        for algorithm, factory in chosen.plain.items():
            remaining = self.remaining()
            if (remaining is not None and remaining <= 0) or self.trials_left() <= 0:
                self.stop_reason = self.stop_reason or "the limits were reached while training the defaults"
                return
            model = factory()
            started, clock = time.time(), time.monotonic()
            name = f"{self.job}_{len(self.recorder.board.trials)}"
            try:
                folds, predictions = self.evaluator.out_of_fold(model)
                error = None
            except Exception as exc:  # one candidate failing is a failed trial, not a failed job
                folds, predictions, error = [], None, f"{type(exc).__name__}: {exc}"
            self.models[name] = ("default", model)
            improved = self._record(
                algorithm=algorithm, source="default", learner=type(model).__name__,
                hyperparameters={"settings": "scikit-learn defaults"}, fold_scores=folds,
                duration_s=time.monotonic() - clock, started_at=started, ended_at=time.time(),
                status="Completed" if error is None else "Failed", error=error,
            )
            if improved and predictions is not None:
                self.predictions = {name: predictions}  # charts of a default need no refits
            self._after_trial(improved)

    def _flaml(self, chosen: Candidates) -> None:
        from flaml import AutoML
        from flaml.automl.task.factory import task_factory

        remaining = self.remaining()
        reserve = 0.0 if remaining is None else max(2.0, 0.1 * remaining)
        budget = -1.0 if remaining is None else remaining - reserve
        if remaining is not None and budget < MIN_SEARCH_S:
            self.stop_reason = self.stop_reason or "no time was left for the search after the defaults"
            return
        search = self
        evaluator = self.evaluator
        learners = chosen.searched
        self.flaml_task = task_factory("classification" if self.data.classification else "regression", self.data.features, self.data.y)

        class RecordingAutoML(AutoML):
            """FLAML's AutoML, with its per-trial log hook turned into our recorder."""

            def _log_trial(self, search_state: Any, estimator: str) -> None:
                logged = search_state.metric_for_logging or {}
                config = {k: v for k, v in (search_state.config or {}).items() if k != "FLAML_sample_size"}
                duration = float(search_state.trial_time or 0.0)
                name = f"{search.job}_{len(search.recorder.board.trials)}"
                search.models[name] = (estimator, dict(config))
                ended = time.time()
                improved = search._record(
                    algorithm=learners.get(estimator, estimator), source="search", learner=estimator,
                    hyperparameters=config, fold_scores=list(logged.get("fold_scores") or []),
                    duration_s=duration, started_at=ended - duration, ended_at=ended,
                    status="Completed" if logged.get("fold_scores") else "Failed",
                )
                search._after_trial(improved)

        def metric(X_val: Any, y_val: Any, estimator: Any, labels: Any, X_train: Any, y_train: Any, *args: Any, **kwargs: Any) -> Any:
            value = evaluator.fold_score(estimator, X_val, np.asarray(y_val))
            return evaluator.loss(value), {"score": value}

        def aggregate(losses: list[float], logged: list[dict[str, float]]) -> Any:
            folds = [entry["score"] for entry in logged]
            finite = [v for v in folds if math.isfinite(v)]
            return float(np.mean(losses)), {"score": float(np.mean(finite)) if finite else float("nan"), "fold_scores": folds}

        settings: dict[str, Any] = dict(
            task="classification" if self.data.classification else "regression",
            metric=metric,
            cv_score_agg_func=aggregate,
            eval_method="cv",
            split_type=evaluator.splits,
            estimator_list=list(learners),
            time_budget=budget,
            max_iter=max(1, self.trials_left()),
            log_type="all",
            verbose=0,
            seed=1,
            n_jobs=self.n_jobs,
            retrain_full=False,
            mlflow_logging=False,
            keep_search_state=False,
        )
        if self.limits.trial_timeout_minutes is not None:
            settings["train_time_limit"] = self.limits.trial_timeout_minutes * 60
        log(f"searching {', '.join(sorted(set(learners.values())))} with FLAML"
            + (f" for up to {budget:.0f} s" if budget > 0 else ""))
        self.searching = True
        try:
            RecordingAutoML().fit(self.data.features, self.data.y, **settings)
        except StopSearch:
            pass
        except Exception as exc:  # the trials so far stand; the log says why the search ended early
            self.stop_reason = f"the search stopped: {type(exc).__name__}: {exc}"
            log(self.stop_reason)
        finally:
            self.searching = False
        if self.stop_reason is None:
            self.stop_reason = "the search used its time budget" if budget > 0 else "the search ended"

    def model_of(self, trial: Trial) -> Any:
        """An unfitted model with the trial's algorithm and hyperparameters."""
        from sklearn.base import clone

        kind, value = self.models[trial.name]
        if kind == "default":
            return clone(value)
        return flaml_estimator(self.flaml_task, kind, value, n_jobs=self.n_jobs)


# -- the best model ----------------------------------------------------------------------------


def _final_model(model: Any, data: Dataset) -> Any:
    """A classifier that answers with the original labels (trained on codes only where it needs them)."""
    if data.classes is None:
        return model
    if data.classes.dtype.kind in "iu" and np.array_equal(data.classes, np.arange(len(data.classes))):
        return model
    from .portable import DecodedClassifier

    return DecodedClassifier(model, labels=data.classes)


def _signature(data: Dataset, example_output: Any) -> Any:
    """Input columns typed from the training data; with featurization auto every column may be left out (imputed)."""
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types.schema import ColSpec, Schema, TensorSpec

    inferred = infer_signature(data.X.head(50), example_output)
    optional = data.plan.mode == "auto"
    columns: list[ColSpec | TensorSpec] = [
        ColSpec(spec.type, spec.name, required=not optional or spec.name == data.time_column)
        for spec in inferred.inputs.inputs
    ]
    return ModelSignature(inputs=Schema(columns), outputs=inferred.outputs)


def _input_example(data: Dataset, spec: AutoMLJobSpec) -> Any:
    """A few rows as a request would bring them; for a forecast, the next ``forecast_horizon`` times."""
    import pandas as pd

    if spec.forecasting is None or data.time_column is None:
        return data.X.head(3)
    times = pd.to_datetime(data.X[data.time_column])
    frequency = spec.forecasting.frequency or pd.infer_freq(times.tail(50)) or (times.iloc[-1] - times.iloc[-2])
    future = pd.date_range(times.iloc[-1], periods=spec.forecasting.forecast_horizon + 1, freq=frequency)[1:]
    last = data.X.tail(1)
    rows = pd.concat([last] * len(future), ignore_index=True)
    rows[data.time_column] = [t.isoformat() for t in future]
    return rows


def save_best(search: Search, data: Dataset, spec: AutoMLJobSpec, best: Trial, outputs: Path) -> Path:
    """Refit the best candidate on every row as featurization + model, and save it as an MLflow model."""
    import mlflow.sklearn
    from sklearn.pipeline import Pipeline

    from .portable import register_by_value

    model = single_threaded(_final_model(search.model_of(best), data))
    pipeline = Pipeline([("featurize", build_featurizer(data.plan)), ("model", model)])
    pipeline.fit(data.X, data.final_target())
    example = _input_example(data, spec)
    register_by_value()
    folder = outputs / MODEL_DIR
    mlflow.sklearn.save_model(
        pipeline,
        str(folder),
        serialization_format="cloudpickle",
        signature=_signature(data, pipeline.predict(data.X.head(50))),
        input_example=example,
        pyfunc_predict_fn="predict",
        metadata={"amlx.automl_trial": best.name, "amlx.algorithm": best.algorithm},
    )
    return folder


def charts_of(search: Search, data: Dataset, best: Trial) -> dict[str, Any]:
    found = search.predictions.get(best.name)
    index, prediction = found if found is not None else search.evaluator.out_of_fold(search.model_of(best))[1]
    y = data.y[index]
    if data.classification:
        return classification_charts(y, prediction, data.labels)
    return regression_charts(y, prediction.values)


# -- the job -----------------------------------------------------------------------------------


def _search_and_save(spec: AutoMLJobSpec, data: Dataset, board: Board, search: Search, outputs: Path) -> None:
    search.run(candidates(spec.task, spec.allowed_training_algorithms, spec.blocked_training_algorithms))
    board.stop_reason = search.stop_reason
    log(f"search ended: {search.stop_reason}; {len(board.trials)} trial(s)")
    best = board.best_trial()
    if best is None or best.score is None:
        raise UserError("No trial produced a score; see the trials' errors in the leaderboard.")
    log(f"best: {best.name} {best.algorithm} {spec.primary_metric} {best.score:.4f}; refitting it on all {len(data.y)} rows")
    save_best(search, data, spec, best, outputs)
    board.model = f"outputs/{MODEL_DIR}"
    try:
        write_json(outputs / CHARTS_FILE, charts_of(search, data, best))
    except Exception as exc:  # charts are a view; the model stands without them
        log(f"could not compute the charts: {type(exc).__name__}: {exc}")


def run(spec: AutoMLJobSpec, data_path: Path, outputs: Path, job: str) -> None:
    """The whole job; raises ``UserError`` with the sentence to show when it cannot succeed."""
    import mlflow

    outputs.mkdir(parents=True, exist_ok=True)
    log(f"{spec.task} of {spec.target_column_name!r}, primary metric {spec.primary_metric} ({spec.goal})")
    data = Dataset(spec, load_frame(data_path))
    horizon = spec.forecasting.forecast_horizon if spec.forecasting else 1
    try:
        splits, split_notes = make_splits(
            data.y, task=spec.task, n_cross_validations=spec.n_cross_validations,
            validation_data_size=spec.validation_data_size, horizon=horizon,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    chosen = candidates(spec.task, spec.allowed_training_algorithms, spec.blocked_training_algorithms)
    if not chosen.plain and not chosen.searched:
        raise UserError("None of the allowed algorithms can be trained locally: " + "; ".join(chosen.notes()) + ".")
    notes = data.notes + split_notes + chosen.notes()
    n_jobs = max(1, min(spec.limits.max_concurrent_trials, os.cpu_count() or 1))
    if spec.limits.max_concurrent_trials > 1:
        notes.append(
            f"max_concurrent_trials {spec.limits.max_concurrent_trials}: trials run one at a time locally, "
            f"each with {n_jobs} thread(s)"
        )
    log(f"{len(data.y)} rows, {len(data.plan.inputs)} input columns, {data.features.shape[1]} features; validation: {splits.description}")
    for note in notes:
        log(f"note: {note}")

    board = Board(
        task=spec.task, primary_metric=spec.primary_metric or "", goal=spec.goal,
        target_column_name=spec.target_column_name, validation=splits.description, notes=notes,
    )
    tracking = bool(os.environ.get("MLFLOW_TRACKING_URI"))
    active = mlflow.start_run() if tracking else None
    if active is not None:
        mlflow.log_params({
            "task": spec.task, "primary_metric": spec.primary_metric, "target_column_name": spec.target_column_name,
            "featurization": spec.featurization, "validation": splits.description[:500],
        })
        mlflow.set_tag("amlx.automl", "true")
    recorder = TrialRecorder(board, outputs, run=active)
    search = Search(spec, data, Evaluator(spec, data, splits), recorder, job)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(n_jobs):  # OpenMP and BLAS use the trial's threads, no more
        try:
            _search_and_save(spec, data, board, search, outputs)
        finally:
            board.state = "finished"
            recorder.save()
            recorder.close()
    if active is not None:
        best = board.best_trial()
        if best is not None and best.score is not None:
            mlflow.log_metric(spec.primary_metric or "score", best.score, step=len(board.trials))
            mlflow.set_tag("amlx.best_trial", best.name)
        mlflow.log_metric("trials", len(board.trials))
        mlflow.end_run()
    log(f"saved the best model to outputs/{MODEL_DIR}")
