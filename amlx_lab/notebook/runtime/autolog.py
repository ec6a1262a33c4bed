"""scikit-learn autologging at a cost a job can afford: parameters and metrics per fit, one model at the end.

MLflow's own defaults log, on every top-level ``fit``: the parameters, training
metrics, the training data's digest (and again for every ``predict`` it is
scored on), a full model (pickled, with its environment and signature) and, for
a classifier, three matplotlib plots (confusion matrix, ROC and precision-recall
curves) drawn on the training data. A cell that fits in a loop therefore saves a
model and draws three plots per iteration, each overwriting the last, and fails
to overwrite the parameters each time. Here autologging keeps the parameters, the
training metrics and the metrics the notebook's code computes (SETTINGS), and
draws no plots per fit (``_plots_off``); the fits are followed (``FitTracker``)
and the last top-level estimator fitted (the last one that can predict, if any)
is logged once, as ``model``, with its training plots, when the job ends
successfully.

Turning the per-fit plots off replaces one private function of MLflow's
(``mlflow.sklearn.utils._get_classifier_artifacts``); if a future MLflow does not
have it, nothing is replaced and MLflow draws its plots as before.

A notebook that calls ``mlflow.autolog()`` or ``mlflow.sklearn.autolog()`` itself
gets what it asked for: if that turns per-fit models back on, no second model is
logged at the end.
"""

from __future__ import annotations

import copy
import functools
import os
import tempfile
import threading
import time
from typing import Any

from . import systemlog

# Chosen by measurement (benchmarks/bench_autolog.py); see docs/architecture.md.
SETTINGS: dict[str, Any] = {
    "log_models": False,  # the final model is logged once at the end instead
    "log_datasets": False,  # a digest of the data per fit and per scored predict, plus a write each
    "log_post_training_metrics": True,  # accuracy_score(y_test, ...) in the notebook becomes a metric
    "max_tuning_runs": 5,  # child runs for a search's best candidates (MLflow's default)
    "silent": False,  # MLflow's warnings still go to the system log, not the user's log
}
EXAMPLE_ROWS = 5
METHODS = ("fit", "fit_transform", "fit_predict")
# Data preparation, not models: MLflow does not autolog these on their own (only inside a Pipeline),
# and neither are they a job's final model (f1_score fits a LabelEncoder, for one).
NOT_MODELS = ("sklearn.preprocessing", "sklearn.impute", "sklearn.feature_extraction", "sklearn.feature_selection")
NOT_MODEL_CLASSES = ("sklearn.compose._column_transformer.ColumnTransformer",)


def enable(mlflow: Any) -> FitTracker | None:
    """Turn on scikit-learn autologging (SETTINGS) and follow the fits; None when scikit-learn is missing."""
    try:
        import mlflow.sklearn

        mlflow.sklearn.autolog(**SETTINGS)
    except Exception as exc:  # scikit-learn missing or an unsupported version
        print(f"amlx: scikit-learn autologging is off: {exc}", flush=True)
        return None
    tracker = FitTracker()
    try:
        tracker.install()
    except Exception as exc:  # cannot follow the fits: let MLflow log a model per fit, as it would by itself
        systemlog.write(f"fits not followed ({exc!r}); MLflow logs a model per fit")
        mlflow.sklearn.autolog(**{**SETTINGS, "log_models": True})
        return None
    _plots_off()
    print("amlx: MLflow autologging is on: parameters and metrics of every fit, the final model at the end.", flush=True)
    return tracker


def _plots_off() -> None:
    """No training plots per fit (they cost about a second each, and each fit overwrites the last's)."""
    try:
        import mlflow.sklearn.utils as utils
    except ImportError:
        return
    if callable(getattr(utils, "_get_classifier_artifacts", None)):
        utils._get_classifier_artifacts = lambda *args, **kwargs: []


class FitTracker:
    """Remembers the last estimator fitted at the top level (not a Pipeline's steps or a search's clones)."""

    def __init__(self) -> None:
        self.fits = 0
        self.last: Any = None
        self.last_predictor: Any = None
        self.examples: dict[int, Any] = {}
        self.training: dict[int, tuple[Any, Any]] = {}  # the last predictor's (X, y), for its plots
        self._local = threading.local()

    def install(self) -> None:
        """Wrap the fit methods of the scikit-learn estimator classes autologging follows."""
        from sklearn.utils import all_estimators

        for _, cls in all_estimators():
            if cls.__module__.startswith(NOT_MODELS) or f"{cls.__module__}.{cls.__name__}" in NOT_MODEL_CLASSES:
                continue
            for name in METHODS:
                method = cls.__dict__.get(name)
                if callable(method) and not getattr(method, "_amlx_follows", False):
                    setattr(cls, name, self._wrap(method))

    def _wrap(self, method: Any) -> Any:
        tracker = self

        @functools.wraps(method)
        def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(tracker._local, "depth", 0)
            tracker._local.depth = depth + 1
            try:
                result = method(self, *args, **kwargs)
            finally:
                tracker._local.depth = depth
            if depth == 0:
                X = args[0] if args else kwargs.get("X")
                y = args[1] if len(args) > 1 else kwargs.get("y")
                tracker._fitted(self, X, y)
            return result

        fit._amlx_follows = True  # type: ignore[attr-defined]
        return fit

    def _fitted(self, estimator: Any, X: Any, y: Any) -> None:
        self.fits += 1
        self.last = estimator
        if hasattr(estimator, "predict"):
            self.last_predictor = estimator
            self.training = {id(estimator): (X, y)}
            try:
                self.examples = {id(estimator): copy.deepcopy(X[:EXAMPLE_ROWS])}
            except Exception:
                self.examples = {}

    def final_model(self) -> Any:
        return self.last_predictor if self.last_predictor is not None else self.last


def log_final_model(mlflow: Any, tracker: FitTracker | None) -> None:
    """Log the job's final estimator as the run's ``model`` (once), and say what autologging cost."""
    if tracker is None:
        return
    model = tracker.final_model()
    if model is None:
        return
    if _user_logs_models():
        print(f"amlx: the notebook turned per-fit model logging on; no extra final model. {HINT}", flush=True)
        return
    started = time.perf_counter()
    try:
        import mlflow.sklearn

        mlflow.sklearn.autolog(disable=True)  # our own predict() calls below are not the notebook's
        example = tracker.examples.get(id(model))
        signature = _signature(mlflow, model, example)
        params = model.get_params(deep=not hasattr(model, "best_params_"))  # as autologging gives them
        mlflow.sklearn.log_model(model, name="model", signature=signature, serialization_format="cloudpickle", params=params)
        if id(model) in tracker.training:
            _log_training_plots(mlflow, model, *tracker.training[id(model)])
    except Exception as exc:
        print(f"amlx: the final model ({type(model).__name__}) could not be logged: {type(exc).__name__}: {exc}", flush=True)
        systemlog.write(f"final model not logged: {exc!r}")
        return
    took = time.perf_counter() - started
    fits = f"{tracker.fits} fit{'s' if tracker.fits != 1 else ''}"
    print(f"amlx: autologged {fits}; logged the final model ({type(model).__name__}) in {took:.1f} s. {HINT}", flush=True)


HINT = "Autologging costs time on every fit; turn it off with --no-autolog (%aml submit, amlx submit) or \"autolog\": false."


def _user_logs_models() -> bool:
    """Did the notebook's own autolog() call turn per-fit models back on?"""
    try:
        from mlflow.utils.autologging_utils import get_autologging_config

        return bool(get_autologging_config("sklearn", "log_models", False))
    except Exception:
        return False


def _log_training_plots(mlflow: Any, model: Any, X: Any, y: Any) -> None:
    """The final classifier's plots on its training data, as autologging draws them for every fit."""
    from sklearn.base import is_classifier

    if y is None or not is_classifier(model):
        return
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

    plots: list[tuple[str, Any]] = [("training_confusion_matrix", ConfusionMatrixDisplay)]
    if len(getattr(model, "classes_", ())) == 2:
        plots += [("training_roc_curve", RocCurveDisplay), ("training_precision_recall_curve", PrecisionRecallDisplay)]
    with tempfile.TemporaryDirectory() as folder:
        for name, display in plots:
            try:
                shown = display.from_estimator(model, X, y)
                shown.figure_.savefig(os.path.join(folder, f"{name}.png"), format="png")
                plt.close(shown.figure_)
            except Exception as exc:
                systemlog.write(f"{name}.png not drawn: {exc!r}")
        mlflow.log_artifacts(folder)


def _signature(mlflow: Any, model: Any, example: Any) -> Any:
    if example is None:
        return None
    try:
        from mlflow.models import infer_signature

        output = model.predict(copy.deepcopy(example))
        return infer_signature(example, output)
    except Exception as exc:
        systemlog.write(f"no signature for the final model: {exc!r}")
        return None

