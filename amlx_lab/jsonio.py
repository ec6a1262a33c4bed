"""JSON for the API: records serialised by orjson (dataclasses and enums natively, about 25x faster).

Listings send thousands of fields per answer; ``json.dumps(to_jsonable(...))``
cost more than the query itself. orjson also writes NaN as ``null`` where the
standard library would write invalid JSON.
"""

from __future__ import annotations

from typing import Any

import orjson

from .records import to_jsonable

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _fallback(value: Any) -> Any:
    converted = to_jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_fallback, option=_OPTIONS)


loads = orjson.loads
