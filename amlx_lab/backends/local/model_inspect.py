"""A registered model's input columns and a one-row example request, for the UI's test panel.

Cheap sources are read in-process: the MLflow signature in ``MLmodel`` and an
``input_schema.json`` beside a pickle (both through ``amlx_lab.serving.schema``).
Otherwise the model must be loaded, which unpickles user code and imports
scikit-learn (a second or two, 100+ MB): that happens in a short-lived helper,
``python -m amlx_lab.backends.local.model_inspect <path>``, with the same loader
the scoring server uses, so the Jupyter server never holds the model.

The example is the model's own input example or a row of the data the job read
(``model_example``); without either, a plausible value per type, and for a column
a fitted encoder knows, its first category (``"female"`` rather than ``""``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...records import ModelColumn
from .model_example import mlflow_input_example, training_row

INSPECT_TIMEOUT = 120.0
_EXAMPLE_BY_TYPE: dict[str, Any] = {
    "double": 0.0, "float": 0.0, "long": 0, "integer": 0, "boolean": False, "string": "", "any": 0,
}


def example_body(columns: tuple[ModelColumn, ...] | None, known: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``{"data": [{column: value}]}``: one row a form can start from (``None`` without columns)."""
    if not columns:
        return None
    known = known or {}
    return {"data": [{c.name: known.get(c.name, _EXAMPLE_BY_TYPE.get(c.type, 0)) for c in columns}]}


def _columns(schema: Any) -> tuple[ModelColumn, ...] | None:
    if schema is None:
        return None
    return tuple(ModelColumn(name=c.name, type=c.type) for c in schema.columns)


def read_mlmodel(folder: Path) -> dict[str, Any] | None:
    """The ``MLmodel`` file of an MLflow model folder (PyYAML: a few ms, no MLflow)."""
    import yaml

    try:
        mlmodel = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return mlmodel if isinstance(mlmodel, dict) else None


def read_cheaply(folder: Path, fmt: str, mlmodel: dict[str, Any] | None = None) -> tuple[ModelColumn, ...] | None:
    """Columns from the MLflow signature or an ``input_schema.json``, without loading the model."""
    from ...serving.schema import SCHEMA_FILE, from_mlflow_signature, read_schema_file

    if fmt == "mlflow":
        mlmodel = mlmodel if mlmodel is not None else read_mlmodel(folder)
        return _columns(from_mlflow_signature(mlmodel)) if mlmodel is not None else None
    return _columns(read_schema_file(folder / SCHEMA_FILE))


def inspect(
    folder: Path, fmt: str, data_files: Iterable[Path] = ()
) -> tuple[tuple[ModelColumn, ...] | None, dict[str, Any] | None]:
    """Input columns and example body of the model in ``folder`` (``(None, None)`` if unknown).

    The example is real data when there is some (see ``model_example``): the model's own
    input example, else a row of ``data_files`` (what the job read). The model is loaded in
    a helper process only when the cheap sources give no columns, or when a made-up example
    needs the categories of string columns.
    """
    mlmodel = read_mlmodel(folder) if fmt == "mlflow" else None
    own = mlflow_input_example(folder, mlmodel) if mlmodel is not None else None
    columns = read_cheaply(folder, fmt, mlmodel)
    if columns is not None and (own is not None or not any(c.type == "string" for c in columns)):
        return columns, own or training_row(columns, data_files) or example_body(columns)
    row = training_row(columns, data_files)
    if columns is not None and row is not None:
        return columns, row
    found = _run_helper(folder)
    if found is None:
        return columns, own or row or example_body(columns)
    helper_columns = tuple(ModelColumn(**c) for c in found.get("columns") or ()) or None
    columns = columns or helper_columns
    example = own or training_row(columns, data_files) or example_body(columns, found.get("categories") or {})
    return columns, example


def _run_helper(folder: Path) -> dict[str, Any] | None:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "amlx_lab.backends.local.model_inspect", str(folder)],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=INSPECT_TIMEOUT, cwd=folder,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        found = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return found if isinstance(found, dict) else None


# -- the helper process ---------------------------------------------------------------------


def _first_categories(estimator: Any, names: list[str]) -> dict[str, Any]:
    """Column -> first category, from the encoders of the model's ColumnTransformer."""
    from ...serving.schema import find_column_transformer, resolve_columns

    found: dict[str, Any] = {}
    ct = find_column_transformer(estimator)
    for _, transformer, spec in getattr(ct, "transformers_", None) or ():
        parts = [step for _, step in getattr(transformer, "steps", None) or ()] or [transformer]
        categories = next((getattr(p, "categories_", None) for p in parts if getattr(p, "categories_", None) is not None), None)
        if categories is None:
            continue
        try:
            columns = resolve_columns(spec, names)
        except (IndexError, TypeError):
            continue
        for column, values in zip(columns, categories):
            if len(values):
                value = values[0].item() if hasattr(values[0], "item") else values[0]
                if isinstance(value, (str, int, float, bool)):
                    found[column] = value
    return found


def describe(path: str) -> dict[str, Any]:
    """Load the model as the scoring server does and describe its input."""
    from ...serving.loader import load_model

    loaded = load_model(path)
    schema = loaded.schema
    columns = [{"name": c.name, "type": c.type} for c in schema.columns] if schema else []
    names = [c["name"] for c in columns]
    return {"columns": columns, "categories": _first_categories(loaded.estimator, names) if names else {}}


def main(argv: list[str] | None = None) -> int:
    import warnings

    warnings.filterwarnings("ignore")
    args = sys.argv[1:] if argv is None else argv
    try:
        result = describe(args[0])
    except Exception as exc:  # reported to the caller, which registers the model without columns
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
