"""Request bodies -> one ``Batch`` shape, and predictions -> the response body.

Accepted bodies (a JSON object with exactly one of these keys):

=====================  ==========================================  =========================
key                    value                                       response
=====================  ==========================================  =========================
``data``               records ``[{col: v}]``, rows ``[[v]]``,     ``{"result": [...]}``
                       one record ``{col: v}`` or columns
                       ``{col: [v]}``
``input_data``         ``{"columns", "index"?, "data": [[v]]}``,   ``[...]`` (Azure's MLflow
                       rows ``[[v]]``, records, or named            deployment shape)
                       columns ``{col: [v]}``
``dataframe_split``    ``{"columns", "index"?, "data"}``           ``{"predictions": [...]}``
``dataframe_records``  records
``instances``          records, rows, a flat list, ``{col: [v]}``
``inputs``             same as ``instances``
=====================  ==========================================  =========================

MLflow's optional ``params`` key is tolerated and ignored (sklearn's predict
takes none). Anything else is a 400 that says which keys are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BadRequestError

STYLE_DATA = "data"
STYLE_AZURE = "azure"
STYLE_MLFLOW = "mlflow"

PAYLOAD_KEYS = {
    "data": STYLE_DATA,
    "input_data": STYLE_AZURE,
    "dataframe_split": STYLE_MLFLOW,
    "dataframe_records": STYLE_MLFLOW,
    "instances": STYLE_MLFLOW,
    "inputs": STYLE_MLFLOW,
}
_IGNORED_KEYS = {"params"}
_SCALARS = (str, int, float, bool, type(None))


@dataclass(slots=True)
class Batch:
    """The rows to score, in the form they arrived (the scorer aligns them to the model).

    Exactly one of ``records``, ``rows`` or ``flat`` is set. ``columns`` names the
    values of each row when the payload named them; None means positional.
    """

    style: str
    key: str
    records: list[dict[str, Any]] | None = None
    rows: list[list[Any]] | None = None
    columns: list[str] | None = None
    flat: list[Any] | None = None

    def __len__(self) -> int:
        for part in (self.records, self.rows, self.flat):
            if part is not None:
                return len(part)
        return 0


def _bad(message: str, field: str) -> BadRequestError:
    return BadRequestError(message, field=field)


def _check_columns(columns: Any, field: str) -> list[str]:
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise _bad(f"'{field}' must be a list of column names (strings)", field)
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise _bad(f"'{field}' names a column more than once: {dupes}", field)
    return columns


def _check_rows(rows: list[Any], width: int | None, field: str) -> list[list[Any]]:
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise _bad(f"'{field}' row {i} must be a list of values, got {type(row).__name__}", field)
        if width is not None and len(row) != width:
            raise _bad(f"'{field}' row {i} has {len(row)} values but {width} columns are named", field)
    return rows


def _from_columnar(style: str, key: str, value: dict[str, Any]) -> Batch:
    """``{col: [v, ...]}`` (named tensors / columns) or ``{col: v}`` (one record)."""
    if all(isinstance(v, list) for v in value.values()):
        lengths = {len(v) for v in value.values()}
        if len(lengths) > 1:
            raise _bad(f"'{key}' columns have different lengths: " + ", ".join(f"{k}={len(v)}" for k, v in value.items()), key)
        columns = list(value)
        rows = [list(r) for r in zip(*value.values())]
        return Batch(style, key, rows=rows, columns=columns)
    if all(isinstance(v, _SCALARS) for v in value.values()):
        return Batch(style, key, records=[value])
    raise _bad(f"'{key}' as an object must map column names to value lists (or to single values for one record)", key)


def _from_list(style: str, key: str, value: list[Any]) -> Batch:
    """Records, rows or a flat list, decided by the first element and checked for all."""
    first = value[0]
    if isinstance(first, dict):
        for i, rec in enumerate(value):
            if not isinstance(rec, dict):
                raise _bad(f"'{key}' mixes records and other values (item {i} is {type(rec).__name__})", key)
        return Batch(style, key, records=value)
    if isinstance(first, list):
        return Batch(style, key, rows=_check_rows(value, None, key))
    for i, v in enumerate(value):
        if not isinstance(v, _SCALARS):
            raise _bad(f"'{key}' item {i} must be a value like item 0, got {type(v).__name__}", key)
    return Batch(style, key, flat=value)


def _from_split(style: str, key: str, value: dict[str, Any]) -> Batch:
    """``{"columns": [...], "index": [...], "data": [[...]]}`` (pandas' split orient)."""
    if "data" not in value:
        raise _bad(f"'{key}' needs a 'data' list of rows (with 'columns' naming them)", f"{key}.data")
    rows = value["data"]
    if not isinstance(rows, list):
        raise _bad(f"'{key}.data' must be a list of rows", f"{key}.data")
    columns = _check_columns(value["columns"], f"{key}.columns") if value.get("columns") is not None else None
    if rows and not isinstance(rows[0], list) and columns is not None and len(columns) == 1:
        rows = [[v] for v in rows]  # a one-column frame sent as a flat list
    rows = _check_rows(rows, len(columns) if columns is not None else None, f"{key}.data")
    index = value.get("index")
    if index is not None and (not isinstance(index, list) or len(index) != len(rows)):
        raise _bad(f"'{key}.index' must be a list with one entry per row ({len(rows)})", f"{key}.index")
    return Batch(style, key, rows=rows, columns=columns)


def parse_payload(body: Any) -> Batch:
    """Validate a decoded JSON body and return its rows; BadRequestError says what is wrong."""
    if not isinstance(body, dict):
        raise _bad(
            f"the body must be a JSON object with one of {sorted(PAYLOAD_KEYS)}, got a JSON {_json_type(body)}", "body"
        )
    present = [k for k in body if k in PAYLOAD_KEYS]
    if len(present) != 1:
        unknown = sorted(k for k in body if k not in PAYLOAD_KEYS and k not in _IGNORED_KEYS)
        if not present:
            hint = f" (got {unknown})" if unknown else ""
            raise _bad(f"the body must have one of the keys {sorted(PAYLOAD_KEYS)}{hint}", "body")
        raise _bad(f"the body must have only one of {sorted(PAYLOAD_KEYS)}, got {sorted(present)}", "body")
    key = present[0]
    style = PAYLOAD_KEYS[key]
    value = body[key]
    if key == "dataframe_split" or (key == "input_data" and isinstance(value, dict) and "data" in value):
        if not isinstance(value, dict):
            raise _bad(f"'{key}' must be an object with 'columns' and 'data'", key)
        batch = _from_split(style, key, value)
    elif key == "dataframe_records":
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise _bad("'dataframe_records' must be a list of records (objects)", key)
        batch = Batch(style, key, records=value)
    elif isinstance(value, dict):
        if not value:
            raise _bad(f"'{key}' is empty: there are no rows to score", key)
        batch = _from_columnar(style, key, value)
    elif isinstance(value, list):
        if not value:
            raise _bad(f"'{key}' is empty: there are no rows to score", key)
        batch = _from_list(style, key, value)
    else:
        raise _bad(f"'{key}' must be a list of records or rows, got a JSON {_json_type(value)}", key)
    if len(batch) == 0:
        raise _bad(f"'{key}' has no rows to score", key)
    return batch


def render(style: str, predictions: list[Any]) -> Any:
    """The response body for the request's style (predictions already JSON-native)."""
    if style == STYLE_DATA:
        return {"result": predictions}
    if style == STYLE_MLFLOW:
        return {"predictions": predictions}
    return predictions


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "object"
