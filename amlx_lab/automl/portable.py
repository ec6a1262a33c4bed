"""The few pieces of a saved AutoML model that are not plain scikit-learn, pickled *by value*.

A saved model must load where neither FLAML nor amlx-lab is installed (an
Azure ML endpoint, a colleague's machine). cloudpickle stores the classes of
this module inside the pickle (``register_pickle_by_value``), so loading it
needs scikit-learn, pandas and numpy only. Keep this module free of imports
from the rest of the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

CALENDAR_PARTS = ("year", "month", "day", "dayofweek", "dayofyear", "hour", "minute")


class CalendarFeatures(TransformerMixin, BaseEstimator):
    """Numbers a regressor can use from timestamps: calendar parts plus elapsed time (the trend).

    Parts that never change in the training data (the hour of daily data) are
    left out. Timestamps may arrive as text (a JSON request) or datetimes.
    """

    def __init__(self, column: str = "time") -> None:
        self.column = column

    def _times(self, X: Any) -> Any:
        import pandas as pd

        values = X[self.column] if hasattr(X, "columns") else np.asarray(X)[:, 0]
        return pd.to_datetime(pd.Series(np.asarray(values)), errors="coerce")

    def fit(self, X: Any, y: Any = None) -> CalendarFeatures:
        times = self._times(X)
        self.origin_ = times.min()
        self.parts_ = [p for p in CALENDAR_PARTS if getattr(times.dt, p).nunique() > 1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        times = self._times(X)
        columns = [getattr(times.dt, p).to_numpy(dtype=float) for p in self.parts_]
        elapsed = (times - self.origin_).dt.total_seconds().to_numpy(dtype=float) / 86400.0
        return np.column_stack([*columns, elapsed])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"{self.column}_{p}" for p in self.parts_] + [f"{self.column}_elapsed_days"], dtype=object)


class DecodedClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained on label codes 0..k-1 (XGBoost needs them) that answers with the original labels."""

    def __init__(self, estimator: Any = None, labels: Any = None) -> None:
        self.estimator = estimator
        self.labels = labels

    def fit(self, X: Any, y: Any) -> DecodedClassifier:
        self.classes_ = np.asarray(self.labels)
        codes = np.searchsorted(self.classes_, np.asarray(y))
        self.estimator.fit(X, codes)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.asarray(self.estimator.predict(X)).astype(int)]

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.estimator.predict_proba(X))


def register_by_value() -> None:
    """Make cloudpickle store this module's classes inside the pickle instead of a reference to amlx-lab."""
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
