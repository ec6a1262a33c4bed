"""What the best model's charts are drawn from: its out-of-fold predictions on the validation rows.

Classification: the confusion matrix (rows are the true labels) and one ROC
curve per class (one-vs-rest; for two classes, the positive class), each cut
to about ``ROC_POINTS`` points. Regression and forecasting: predicted against
actual for up to ``SCATTER_POINTS`` rows and a histogram of the residuals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .metrics import Prediction

ROC_POINTS = 101
SCATTER_POINTS = 500
RESIDUAL_BINS = 20


def _thin(fpr: np.ndarray, tpr: np.ndarray) -> tuple[list[float], list[float]]:
    if len(fpr) <= ROC_POINTS:
        return [float(v) for v in fpr], [float(v) for v in tpr]
    keep = np.unique(np.linspace(0, len(fpr) - 1, ROC_POINTS).round().astype(int))
    return [float(v) for v in fpr[keep]], [float(v) for v in tpr[keep]]


def classification_charts(y: np.ndarray, prediction: Prediction, labels: list[str]) -> dict[str, Any]:
    """``y`` and the predictions are label codes 0..k-1; ``labels`` are the classes as text."""
    from sklearn.metrics import auc, confusion_matrix, roc_curve

    codes = np.arange(len(labels))
    matrix = confusion_matrix(y, prediction.values, labels=codes)
    curves = []
    if prediction.scores is not None:
        classes = [1] if len(labels) == 2 else list(codes)
        for code in classes:
            positives = y == code
            if positives.all() or not positives.any():
                continue
            fpr, tpr, _ = roc_curve(positives, prediction.scores[:, code])
            xs, ys = _thin(fpr, tpr)
            curves.append({"label": labels[code], "auc": float(auc(fpr, tpr)), "fpr": xs, "tpr": ys})
    return {
        "kind": "classification",
        "rows": int(len(y)),
        "confusion_labels": labels,
        "confusion_matrix": matrix.astype(int).tolist(),
        "roc": curves,
    }


def regression_charts(y: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    y = y.astype(float)
    predicted = predicted.astype(float)
    residuals = y - predicted
    counts, edges = np.histogram(residuals, bins=RESIDUAL_BINS)
    pick = np.arange(len(y))
    if len(y) > SCATTER_POINTS:
        pick = np.sort(np.random.default_rng(0).choice(len(y), SCATTER_POINTS, replace=False))
    return {
        "kind": "regression",
        "rows": int(len(y)),
        "predicted": [float(v) for v in predicted[pick]],
        "actual": [float(v) for v in y[pick]],
        "residual_bins": [float(v) for v in edges],
        "residual_counts": [int(v) for v in counts],
    }
