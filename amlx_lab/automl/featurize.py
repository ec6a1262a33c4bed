"""Featurization ``auto`` and ``off``: which columns a model reads, and the scikit-learn steps that prepare them.

``auto`` is a small, explainable subset of Azure's automatic featurization:
numbers get median imputation (with a missing-value indicator where values
were missing) and standard scaling (harmless for trees, needed by the linear
learners); text and categorical columns get a constant for missing values and
one-hot encoding (at most ``MAX_CATEGORIES`` columns, rare values pooled);
a forecasting job's time column becomes calendar parts and elapsed time.
Columns that cannot help are dropped, each with the reason: empty, constant,
free text or identifiers (most values distinct), whole-number row ids.
``off`` reads every numeric column as it is and refuses text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_CATEGORIES = 30
#: A text column with more distinct values than this, and mostly distinct, is free text or an id.
MAX_TEXT_DISTINCT = 50


class FeaturizationError(ValueError):
    """The data cannot be featurized as asked (the message says which column and why)."""


@dataclass
class FeaturePlan:
    """The columns a model reads, by kind, and those left out with the reason."""

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    time: str | None = None
    dropped: dict[str, str] = field(default_factory=dict)
    mode: str = "auto"

    @property
    def inputs(self) -> list[str]:
        """The columns a request must (or may) carry, in training order."""
        return [*([self.time] if self.time else []), *self.numeric, *self.categorical]

    def notes(self) -> list[str]:
        return [f"column {name!r} is not used: {reason}" for name, reason in self.dropped.items()]


def plan_features(X: Any, *, mode: str = "auto", time_column: str | None = None) -> FeaturePlan:
    """Decide what to do with each column of the DataFrame ``X`` (the target already removed)."""
    import pandas as pd

    plan = FeaturePlan(time=time_column, mode=mode)
    n = len(X)
    for name in X.columns:
        if name == time_column:
            continue
        column = X[name]
        values = column.dropna()
        numeric = pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
        if mode == "off":
            if not numeric:
                raise FeaturizationError(
                    f"Column {name!r} holds text, and featurization is off: make it numeric, drop it, "
                    "or use featurization auto."
                )
            plan.numeric.append(str(name))
            continue
        if values.empty:
            plan.dropped[str(name)] = "it has no values"
        elif values.nunique() == 1:
            plan.dropped[str(name)] = "it has the same value in every row"
        elif not numeric:
            distinct = values.astype(str).nunique()
            if distinct > MAX_TEXT_DISTINCT and distinct > 0.5 * len(values):
                plan.dropped[str(name)] = f"free text or an identifier ({distinct} distinct values in {len(values)} rows)"
            else:
                plan.categorical.append(str(name))
        elif pd.api.types.is_integer_dtype(column) and n >= 20 and values.nunique() == n:
            plan.dropped[str(name)] = "a row identifier (a different whole number in every row)"
        else:
            plan.numeric.append(str(name))
    if not plan.inputs:
        raise FeaturizationError("No column is left to learn from once the target is set aside.")
    return plan


def build_featurizer(plan: FeaturePlan) -> Any:
    """An unfitted ``ColumnTransformer`` for ``plan`` (dense output, columns chosen by name)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from .portable import CalendarFeatures

    parts: list[tuple[str, Any, list[str]]] = []
    if plan.time:
        parts.append(("time", Pipeline([("calendar", CalendarFeatures(plan.time)), ("scale", StandardScaler())]), [plan.time]))
    if plan.numeric:
        if plan.mode == "off":
            parts.append(("numeric", "passthrough", plan.numeric))
        else:
            numeric = Pipeline([
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                ("scale", StandardScaler()),
            ])
            parts.append(("numeric", numeric, plan.numeric))
    if plan.categorical:
        categorical = Pipeline([
            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
            ("encode", OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES, sparse_output=False)),
        ])
        parts.append(("categorical", categorical, plan.categorical))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False)


def as_text(X: Any, plan: FeaturePlan) -> Any:
    """``X`` with the categorical columns as text (or missing), the form a JSON request brings them in."""
    X = X.copy()
    for name in plan.categorical:
        column = X[name]
        X[name] = column.where(column.isna(), column.astype(str)).astype(object)
    if plan.time:
        X[plan.time] = X[plan.time].astype(str)
    return X
