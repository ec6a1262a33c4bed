"""Where a registered model's example request comes from, real data first.

A test panel prefilled with made-up values (``Pclass: 0``, a class that does
not exist) teaches the person nothing and scores nonsense. So the example is,
in this order:

1. the model's own input example: the rows MLflow saved with it
   (``log_model(..., input_example=...)``, ``saved_input_example_info`` in ``MLmodel``);
2. a row of the training data the job kept: the first complete row, in the model's
   input columns, of a CSV file the job read (copied into its code snapshot, or a job
   input);
3. else nothing here (``model_inspect.example_body`` then writes one value per type).

Everything is read with the standard library, a bounded number of bytes and rows,
and never through a symlink.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...records import ModelColumn

MAX_EXAMPLE_BYTES = 1_000_000  # an input example larger than this is not a test panel's body
MAX_EXAMPLE_ROWS = 5
MAX_SCANNED_ROWS = 2_000  # rows of a data file looked at for a complete one
DATA_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def mlflow_input_example(folder: Path, mlmodel: dict[str, Any] | None) -> dict[str, Any] | None:
    """The request body MLflow saved with the model, as ``{"data": [{column: value}, ...]}`` when it is a table."""
    info = (mlmodel or {}).get("saved_input_example_info")
    if not isinstance(info, dict):
        return None
    table = _read_json(folder, info.get("artifact_path"))
    if isinstance(table, dict) and isinstance(table.get("columns"), list) and isinstance(table.get("data"), list):
        columns = [str(c) for c in table["columns"]]
        rows = [dict(zip(columns, row)) for row in table["data"][:MAX_EXAMPLE_ROWS] if isinstance(row, list)]
        return {"data": rows} if rows else None
    if isinstance(table, list) and table and all(isinstance(row, dict) for row in table):
        return {"data": table[:MAX_EXAMPLE_ROWS]}
    # tensors and other shapes: MLflow's own serving body, which the scoring server also accepts
    serving = _read_json(folder, info.get("serving_input_path"))
    return serving if isinstance(serving, dict) and serving else None


def training_row(columns: tuple[ModelColumn, ...] | None, files: Iterable[Path]) -> dict[str, Any] | None:
    """``{"data": [row]}``: the first row of a kept data file that has a value in every input column."""
    if not columns:
        return None
    for path in files:
        delimiter = DATA_SUFFIXES.get(path.suffix.lower())
        if delimiter is None or path.is_symlink() or not path.is_file():
            continue
        row = _first_complete_row(path, delimiter, columns)
        if row is not None:
            return {"data": [row]}
    return None


def _read_json(folder: Path, name: object) -> Any:
    if not isinstance(name, str) or not name:
        return None
    path = folder / name
    try:
        if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()):
            return None
        if path.stat().st_size > MAX_EXAMPLE_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _first_complete_row(path: Path, delimiter: str, columns: tuple[ModelColumn, ...]) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            if reader.fieldnames is None or not {c.name for c in columns} <= set(reader.fieldnames):
                return None
            for index, record in enumerate(reader):
                if index >= MAX_SCANNED_ROWS:
                    return None
                row = {c.name: _value(record.get(c.name), c.type) for c in columns}
                if all(value is not None for value in row.values()):
                    return row
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _value(text: str | None, kind: str) -> Any:
    """A CSV cell as the JSON value the column takes; ``None`` when it is missing or does not fit."""
    if text is None or text.strip() == "" or text.strip().lower() in ("nan", "na", "null", "none"):
        return None
    text = text.strip()
    try:
        if kind in ("long", "integer"):
            number = float(text)
            return int(number) if number.is_integer() else None
        if kind in ("double", "float"):
            number = float(text)
            return number if math.isfinite(number) else None
        if kind == "boolean":
            lowered = text.lower()
            return True if lowered in ("true", "1", "yes") else False if lowered in ("false", "0", "no") else None
    except ValueError:
        return None
    if kind == "string":
        return text
    return _guess(text)


def _guess(text: str) -> Any:
    """A value of unknown type: a whole number, a number, else the text."""
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() and "." not in text else number
