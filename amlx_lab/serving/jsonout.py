"""Turn model outputs into JSON-native values and encode response bodies.

Predictions come back as numpy arrays, pandas objects or numpy scalars; the
wire format needs plain lists, ``bool``/``int``/``float``/``str`` and ``null``
for NaN (JSON has no NaN). Booleans stay booleans and class labels keep the
type the model gives them.
"""

from __future__ import annotations

import json
import math
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _clean_floats(values: list[Any]) -> list[Any]:
    """Replace NaN/inf floats (at any depth) by None."""
    out: list[Any] = []
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            out.append(None)
        elif isinstance(v, list):
            out.append(_clean_floats(v))
        else:
            out.append(v)
    return out


def to_native(value: Any) -> Any:
    """Recursively convert numpy/pandas values to JSON-native Python values."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_native(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_native(v) for v in value]
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None and hasattr(value, "tolist"):
        if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
            return to_native(value.to_dict(orient="records"))
        plain = value.tolist()  # ndarray, Series, numpy scalar: natives except in object arrays
        if kind == "O":
            return to_native(plain)
        if kind in "fc" and isinstance(plain, list):
            return _clean_floats(plain)
        if isinstance(plain, float) and not math.isfinite(plain):
            return None
        if kind in "mM":
            return to_native(plain)
        return plain
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return [to_native(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "item"):
        return to_native(value.item())
    return str(value)


def encode(body: Any) -> bytes:
    """Encode an already JSON-native value (fast path: no conversion walk)."""
    try:
        return _ENCODER.encode(body).encode("utf-8")
    except (TypeError, ValueError):
        return _ENCODER.encode(to_native(body)).encode("utf-8")
