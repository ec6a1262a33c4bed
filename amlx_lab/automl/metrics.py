"""Azure ML's primary metrics computed the way Azure defines them, from labels, scores and the target's range.

Azure normalises the regression errors by the range of the target in the
training data (``max(y) - min(y)``), so ``normalized_root_mean_squared_error``
is RMSE / range; ``norm_macro_recall`` rescales macro recall so that a random
guess scores 0 and a perfect model 1; the ``_weighted`` metrics average the
per-class values weighted by each class's support. For binary labels
``AUC_weighted`` equals the plain ROC AUC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Prediction:
    """What a fitted model said about some rows: labels (classification) or values, and class scores."""

    values: np.ndarray
    scores: np.ndarray | None = None  # (n, n_classes) probabilities or decision values, in ``classes`` order
    classes: np.ndarray | None = None


def _auc_weighted(y: np.ndarray, p: Prediction, _range: float) -> float:
    from sklearn.metrics import roc_auc_score

    assert p.scores is not None and p.classes is not None
    present = np.unique(y)
    if len(present) < 2:
        return float("nan")
    if len(p.classes) == 2:
        return float(roc_auc_score(y == p.classes[1], p.scores[:, 1]))
    keep = np.isin(p.classes, present)
    scores = p.scores[:, keep]
    if len(present) == 2:
        return float(roc_auc_score(y == present[1], scores[:, 1]))
    sums = scores.sum(axis=1, keepdims=True)
    scores = np.divide(scores, sums, out=np.full_like(scores, 1 / scores.shape[1]), where=sums > 0)
    return float(roc_auc_score(y, scores, average="weighted", multi_class="ovr", labels=p.classes[keep]))


def _average_precision_weighted(y: np.ndarray, p: Prediction, _range: float) -> float:
    from sklearn.metrics import average_precision_score

    assert p.scores is not None and p.classes is not None
    total, weight = 0.0, 0
    for i, label in enumerate(p.classes):
        positives = y == label
        n = int(positives.sum())
        if n == 0:
            continue
        total += n * float(average_precision_score(positives, p.scores[:, i]))
        weight += n
    return total / weight if weight else float("nan")


def _norm_macro_recall(y: np.ndarray, p: Prediction, _range: float) -> float:
    from sklearn.metrics import recall_score

    classes = np.unique(y)
    if len(classes) < 2:
        return float("nan")
    chance = 1 / len(classes)
    macro = float(recall_score(y, p.values, labels=classes, average="macro", zero_division=0))
    return (macro - chance) / (1 - chance)


def _accuracy(y: np.ndarray, p: Prediction, _range: float) -> float:
    return float(np.mean(y == p.values))


def _precision_weighted(y: np.ndarray, p: Prediction, _range: float) -> float:
    from sklearn.metrics import precision_score

    return float(precision_score(y, p.values, average="weighted", zero_division=0))


def _nrmse(y: np.ndarray, p: Prediction, value_range: float) -> float:
    rmse = float(np.sqrt(np.mean((y.astype(float) - p.values.astype(float)) ** 2)))
    return rmse / value_range if value_range > 0 else rmse


def _nmae(y: np.ndarray, p: Prediction, value_range: float) -> float:
    mae = float(np.mean(np.abs(y.astype(float) - p.values.astype(float))))
    return mae / value_range if value_range > 0 else mae


def _r2(y: np.ndarray, p: Prediction, _range: float) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, p.values)) if len(y) > 1 else float("nan")


def _spearman(y: np.ndarray, p: Prediction, _range: float) -> float:
    from scipy.stats import spearmanr

    if len(y) < 2 or np.all(p.values == p.values[0]):
        return 0.0  # a constant prediction ranks nothing
    return float(spearmanr(y, p.values).statistic)


METRICS: dict[str, Callable[[np.ndarray, Prediction, float], float]] = {
    "accuracy": _accuracy,
    "AUC_weighted": _auc_weighted,
    "norm_macro_recall": _norm_macro_recall,
    "average_precision_score_weighted": _average_precision_weighted,
    "precision_score_weighted": _precision_weighted,
    "normalized_root_mean_squared_error": _nrmse,
    "r2_score": _r2,
    "spearman_correlation": _spearman,
    "normalized_mean_absolute_error": _nmae,
}
#: Metrics that need class scores, not only the predicted labels.
NEEDS_SCORES = frozenset({"AUC_weighted", "average_precision_score_weighted"})


def score(metric: str, y: np.ndarray, prediction: Prediction, value_range: float = 1.0) -> float:
    """The value of Azure's ``metric`` for true values ``y``."""
    return METRICS[metric](np.asarray(y), prediction, value_range)


def predict(model: Any, X: Any, *, classification: bool, classes: np.ndarray | None = None) -> Prediction:
    """Labels or values, plus class scores (probabilities, else decision values) for a classifier."""
    values = np.asarray(model.predict(X))
    if not classification:
        return Prediction(values)
    model_classes = np.asarray(getattr(model, "classes_", classes if classes is not None else np.unique(values)))
    scores: np.ndarray | None = None
    if hasattr(model, "predict_proba"):
        try:
            scores = np.asarray(model.predict_proba(X), dtype=float)
        except (AttributeError, NotImplementedError):
            scores = None
    if scores is None and hasattr(model, "decision_function"):
        decision = np.asarray(model.decision_function(X), dtype=float)
        scores = np.column_stack([-decision, decision]) if decision.ndim == 1 else decision
    if scores is not None and classes is not None and len(model_classes) != len(classes):
        full = np.zeros((len(values), len(classes)))  # a fold that lacked a class: its column stays 0
        for i, label in enumerate(model_classes):
            full[:, int(np.flatnonzero(classes == label)[0])] = scores[:, i]
        scores, model_classes = full, classes
    return Prediction(values, scores, model_classes)
