"""The model's input schema and the coercion of JSON values to it.

A schema is an ordered list of named, typed columns. It comes, in this order,
from the MLflow signature in ``MLmodel``, from an ``input_schema.json`` file
recorded beside the model at save time (see ``record_input_schema``), or is
inferred from a fitted scikit-learn estimator (``feature_names_in_`` plus the
categories of the encoders in a ``ColumnTransformer``).

Coercion lets a form-like payload (``{"age": "60", "anaemia": "false"}``)
score: strings become numbers or booleans where the schema asks for them,
``""``/``"NaN"``/``null`` become missing values, and a value that cannot be
converted is reported with its column, row and expected type.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadRequestError

SCHEMA_FILE = "input_schema.json"
NUMERIC_TYPES = frozenset({"double", "float", "long", "integer", "boolean"})
KNOWN_TYPES = NUMERIC_TYPES | {"string", "binary", "datetime", "any"}

_TRUE = frozenset({"true", "t", "yes", "y", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "off"})
_MISSING = frozenset({"", "nan", "null", "none", "na", "n/a"})


class CoercionError(ValueError):
    """A value that cannot become the column's type (message says what was expected)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "any"
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "required": self.required}


@dataclass(frozen=True)
class InputSchema:
    columns: tuple[Column, ...]
    source: str  # "mlflow-signature" | "schema-file" | "estimator"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def all_numeric(self) -> bool:
        return all(c.type in NUMERIC_TYPES for c in self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "columns": [c.to_dict() for c in self.columns]}


# --- coercion -------------------------------------------------------------------------


def _number_from_str(text: str) -> float | int | bool | None:
    s = text.strip()
    low = s.lower()
    if low in _MISSING:
        return None
    if low in _TRUE:
        return 1
    if low in _FALSE:
        return 0
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        raise CoercionError("a number") from None


def _as_float(n: float) -> float:
    try:
        return float(n)
    except OverflowError:
        raise CoercionError("a number a float can hold (up to about 1.8e308)") from None


def to_double(v: Any) -> float | None:
    t = type(v)
    if t is float:
        return v
    if t is int or t is bool:
        return _as_float(v)
    if v is None:
        return None
    if t is str:
        n = _number_from_str(v)
        return None if n is None else _as_float(n)
    raise CoercionError("a number")


def to_long(v: Any) -> int | float | None:
    t = type(v)
    if t is int:
        return v
    if t is bool:
        return int(v)
    if t is float:
        return int(v) if v.is_integer() else v  # a fractional value is kept, not truncated
    if v is None:
        return None
    if t is str:
        try:
            n = _number_from_str(v)
        except CoercionError:
            raise CoercionError("an integer") from None
        if isinstance(n, float) and n.is_integer():
            return int(n)
        return n
    raise CoercionError("an integer")


def to_bool(v: Any) -> bool | None:
    t = type(v)
    if t is bool:
        return v
    if v is None:
        return None
    if (t is int or t is float) and v in (0, 1):
        return bool(v)
    if t is str:
        low = v.strip().lower()
        if low in _TRUE or low == "1":
            return True
        if low in _FALSE or low == "0":
            return False
        if low in _MISSING:
            return None
    raise CoercionError("a boolean (true/false)")


def to_string(v: Any) -> str | None:
    t = type(v)
    if t is str or v is None:
        return v
    if t is float:
        if not math.isfinite(v):
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    if t is int or t is bool:
        return str(v)
    raise CoercionError("a string")


def _keep(v: Any) -> Any:
    return v


COERCERS: dict[str, Callable[[Any], Any]] = {
    "double": to_double,
    "float": to_double,
    "long": to_long,
    "integer": to_long,
    "boolean": to_bool,
    "string": to_string,
}


def coercer_for(type_name: str) -> Callable[[Any], Any]:
    return COERCERS.get(type_name, _keep)


def coercion_error(problems: list[tuple[str, str, str, int, Any]]) -> BadRequestError:
    """One 400 naming every column that could not be converted (first bad row of each).

    ``problems`` holds (column, column type, what was expected, row, value).
    """
    parts = []
    seen: set[str] = set()
    for column, type_name, expected, row, value in problems:
        if column in seen:
            continue
        seen.add(column)
        try:
            shown = json.dumps(value)[:60]
        except (TypeError, ValueError):
            shown = type(value).__name__
        parts.append(f"column '{column}' ({type_name}) expects {expected}, got {shown} (row {row})")
    columns = sorted(seen)
    return BadRequestError(
        "could not convert the input: " + "; ".join(parts),
        field=columns[0] if len(columns) == 1 else "columns",
        details={"columns": columns},
    )


def missing_columns_error(missing: Iterable[str], expected: list[str]) -> BadRequestError:
    names = sorted(set(missing))
    return BadRequestError(
        f"missing columns: {names} (the model expects {expected})",
        field=names[0] if len(names) == 1 else "columns",
        details={"missing_columns": names},
    )


# --- where schemas come from --------------------------------------------------------


def from_mlflow_signature(mlmodel: dict[str, Any]) -> InputSchema | None:
    """Named column specs of ``signature.inputs`` (tensor signatures have no names: None)."""
    signature = mlmodel.get("signature") or {}
    raw = signature.get("inputs")
    if not raw:
        return None
    specs = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(specs, list) or not specs or not all(isinstance(s, dict) and s.get("name") for s in specs):
        return None
    cols = []
    for spec in specs:
        kind = spec.get("type", "any")
        cols.append(Column(str(spec["name"]), kind if kind in KNOWN_TYPES else "any", bool(spec.get("required", True))))
    return InputSchema(tuple(cols), "mlflow-signature")


def read_schema_file(path: str | os.PathLike[str]) -> InputSchema | None:
    """``{"columns": [{"name", "type", "required"?}]}`` written by ``record_input_schema``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    items = data.get("columns") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        return None
    cols = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            return None
        kind = item.get("type", "any")
        cols.append(Column(item["name"], kind if kind in KNOWN_TYPES else "any", bool(item.get("required", True))))
    return InputSchema(tuple(cols), "schema-file")


def _type_of_dtype(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"f": "double", "i": "long", "u": "long", "b": "boolean", "M": "datetime"}.get(kind, "string")


def record_input_schema(model_path: str | os.PathLike[str], frame: Any) -> Path:
    """Write ``input_schema.json`` beside a model from the training DataFrame's dtypes.

    Call it when saving a pickled model so the server can coerce string payloads.
    """
    target = Path(model_path)
    folder = target if target.is_dir() else target.parent
    columns = [{"name": str(name), "type": _type_of_dtype(dtype)} for name, dtype in frame.dtypes.items()]
    out = folder / SCHEMA_FILE
    out.write_text(json.dumps({"columns": columns}, indent=1), encoding="utf-8")
    return out


# --- inference from a fitted estimator ----------------------------------------------

_NAME_BASED = frozenset({"ColumnTransformer", "FunctionTransformer", "TransformedTargetRegressor"})


def _components(est: Any) -> list[Any]:
    """The estimator and every estimator nested in it (pipeline steps, meta-estimator parts)."""
    found = [est]
    steps = getattr(est, "steps", None)
    if isinstance(steps, list):
        for _, step in steps:
            if step not in (None, "passthrough", "drop"):
                found.extend(_components(step))
    get_params = getattr(est, "get_params", None)
    if callable(get_params):
        try:
            params = get_params(deep=True)
        except Exception:  # noqa: BLE001 - a broken get_params only makes us conservative
            return found + [object()]
        for value in params.values():
            if hasattr(value, "fit") and value is not est:
                found.append(value)
    for attr in ("best_estimator_", "estimator_"):
        inner = getattr(est, attr, None)
        if inner is not None:
            found.extend(_components(inner))
    return found


def is_positional(est: Any) -> bool:
    """True when the estimator only sees column positions: every part is a plain scikit-learn class.

    Such a model gives the same answer for a float ndarray in ``feature_names_in_``
    order as for the DataFrame, so the server may skip pandas per request.
    """
    for part in _components(est):
        cls = type(part)
        if not cls.__module__.startswith("sklearn.") or cls.__name__ in _NAME_BASED:
            return False
    return True


def find_column_transformer(est: Any) -> Any | None:
    """The ColumnTransformer a model starts with (itself, or a pipeline's first step), else None.

    Public because the registry's model inspection reads encoder categories from it too.
    """
    if type(est).__name__ == "ColumnTransformer":
        return est
    steps = getattr(est, "steps", None)
    if isinstance(steps, list) and steps:
        return find_column_transformer(steps[0][1])
    return None


def _kinds_for(transformer: Any, n_columns: int) -> list[str]:
    """Per-column input type a fitted transformer (or sub-pipeline) was trained on."""
    if isinstance(transformer, str):
        return ["any"] * n_columns  # "passthrough" (drop is handled by the caller)
    steps = getattr(transformer, "steps", None)
    if isinstance(steps, list):
        for _, step in steps:
            categories = getattr(step, "categories_", None)
            if categories is not None and len(categories) == n_columns:
                return [_type_of_dtype(c.dtype) for c in categories]
            statistics = getattr(step, "statistics_", None)
            if statistics is not None and getattr(statistics, "dtype", None) is not None and statistics.dtype.kind == "O":
                return ["string"] * n_columns
        return ["double"] * n_columns if is_positional(transformer) else ["any"] * n_columns
    categories = getattr(transformer, "categories_", None)
    if categories is not None and len(categories) == n_columns:
        return [_type_of_dtype(c.dtype) for c in categories]
    return ["double"] * n_columns if is_positional(transformer) else ["any"] * n_columns


def resolve_columns(spec: Any, names: list[str]) -> list[str]:
    """The input column names a ColumnTransformer column spec selects (names, positions, slice or mask)."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, slice):
        return names[spec]
    items = list(spec) if spec is not None else []
    if items and all(isinstance(i, bool) or type(i).__name__ == "bool_" for i in items):
        return [n for n, keep in zip(names, items) if keep]
    return [names[i] if not isinstance(i, str) else i for i in items]


def from_estimator(est: Any) -> InputSchema | None:
    """Columns from ``feature_names_in_``, typed from the ColumnTransformer's encoders."""
    names = getattr(est, "feature_names_in_", None)
    if names is None:
        return None
    names = [str(n) for n in names]
    types = dict.fromkeys(names, "double" if is_positional(est) else "any")
    optional: set[str] = set()
    ct = find_column_transformer(est)
    if ct is not None and hasattr(ct, "transformers_"):
        types = dict.fromkeys(names, "any")
        used: set[str] = set()
        dropped: set[str] = set()
        for _, transformer, spec in ct.transformers_:
            try:
                cols = resolve_columns(spec, names)
            except (IndexError, TypeError):
                continue
            if isinstance(transformer, str) and transformer == "drop":
                dropped.update(cols)
                continue
            used.update(cols)
            for col, kind in zip(cols, _kinds_for(transformer, len(cols))):
                types[col] = kind
        optional = dropped - used
    return InputSchema(tuple(Column(n, types[n], n not in optional) for n in names), "estimator")
