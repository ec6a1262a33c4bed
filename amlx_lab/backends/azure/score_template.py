"""Scoring script amlx uploads with a custom model that has none of its own (Azure ML's ``init()``/``run()``).

It answers the request shapes local amlx endpoints answer, so one payload works
on both targets: ``{"data": [...]}`` (records, rows, one record, or columns)
gives ``{"result": [...]}``; ``{"input_data": {"columns", "index", "data"}}``
(or rows, or records) gives a plain list, as Azure's MLflow deployments do.
It runs in the deployment's environment, where amlx is not installed: the
standard library, joblib/pickle and (when present) pandas only; an MLflow model
folder (an AutoML job's best model) is loaded with ``mlflow.pyfunc``, which
Azure's scikit-learn environments carry.
"""

import json
import os
import pickle

MODEL_SUFFIXES = (".pkl", ".pickle", ".joblib")
model = None


def _find_model(root):
    found = []
    for folder, _, files in os.walk(root):
        found.extend(os.path.join(folder, f) for f in files if f.lower().endswith(MODEL_SUFFIXES))
    if len(found) != 1:
        raise RuntimeError(f"expected one model file under AZUREML_MODEL_DIR, found {len(found)}")
    return found[0]


def _mlflow_folder(root):
    for folder, _, files in os.walk(root):
        if "MLmodel" in files:
            return folder
    return None


class _Cast:
    """An MLflow model whose input columns are cast to its signature's types first (``{"age": 60}`` is a
    whole number in JSON; a double column must still take it)."""

    def __init__(self, pyfunc):
        self.pyfunc = pyfunc
        schema = pyfunc.metadata.get_input_schema()
        self.types = {}
        if schema is not None and schema.has_input_names():
            for spec in schema.inputs:
                try:
                    self.types[spec.name] = spec.type.to_pandas()
                except (AttributeError, TypeError, ValueError):
                    pass

    def predict(self, frame):
        if hasattr(frame, "columns"):
            for name, kind in self.types.items():
                if name in frame.columns:
                    try:
                        frame[name] = _cast(frame[name], kind)
                    except (TypeError, ValueError):
                        pass
        return self.pyfunc.predict(frame)


_BOOLEAN_WORDS = {"true": 1, "false": 0}


def _cast(values, kind):
    """One column as ``kind``; text such as ``"582"`` or ``"false"`` in a numeric column becomes its number."""
    import pandas as pd

    if values.dtype == object and getattr(kind, "kind", "O") in "biuf":
        values = pd.to_numeric(values.map(
            lambda v: _BOOLEAN_WORDS.get(v.strip().lower(), v) if isinstance(v, str) else v))
    return values.astype(kind)


def init():
    global model
    root = os.environ.get("AZUREML_MODEL_DIR", ".")
    folder = _mlflow_folder(root)
    if folder is not None:
        import mlflow.pyfunc

        model = _Cast(mlflow.pyfunc.load_model(folder))
        return
    path = _find_model(root)
    try:
        import joblib

        model = joblib.load(path)
    except ImportError:
        with open(path, "rb") as f:
            model = pickle.load(f)


def _table(rows, columns):
    """A DataFrame when the rows are named (pipelines select columns by name), else the rows as they are."""
    if columns is None:
        return rows
    try:
        import pandas as pd
    except ImportError:
        return [[row.get(c) if isinstance(row, dict) else row[i] for i, c in enumerate(columns)] for row in rows]
    if rows and isinstance(rows[0], dict):
        return pd.DataFrame.from_records(rows, columns=columns)
    return pd.DataFrame(rows, columns=columns)


def _columns_of(records):
    columns = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    return columns


def _rows(value):
    """(rows, columns) from records, rows, one record, or named columns."""
    if isinstance(value, dict) and set(value) >= {"columns", "data"}:
        return value["data"], list(value["columns"])
    if isinstance(value, dict):
        if value and all(isinstance(v, list) for v in value.values()):
            names = list(value)
            return [dict(zip(names, vals)) for vals in zip(*value.values())], names
        return [value], list(value)
    if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
        return value, _columns_of(value)
    if isinstance(value, list):
        return value, None
    raise ValueError("the rows must be a list of records or of lists")


def _plain(values):
    out = values.tolist() if hasattr(values, "tolist") else list(values)
    return [v.item() if hasattr(v, "item") else v for v in out]


def _error(message):
    try:
        from azureml.contrib.services.aml_response import AMLResponse

        return AMLResponse(json.dumps({"error": message}), 400)
    except ImportError:
        return {"error": message}


def run(raw_data):
    try:
        body = json.loads(raw_data)
    except ValueError:
        return _error("The request body is not JSON.")
    keys = [k for k in ("data", "input_data") if isinstance(body, dict) and k in body]
    if len(keys) != 1:
        return _error('Send {"data": [...]} (records or rows) or {"input_data": {"columns": [...], "data": [...]}}.')
    try:
        rows, columns = _rows(body[keys[0]])
        predictions = _plain(model.predict(_table(rows, columns)))
    except Exception as exc:  # noqa: BLE001 - the caller gets the model's own sentence
        return _error(f"{type(exc).__name__}: {exc}")
    return {"result": predictions} if keys[0] == "data" else predictions
