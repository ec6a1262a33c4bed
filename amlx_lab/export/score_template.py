"""The ``score.py`` an exported deployment of a pickled, joblib or skops model runs on Azure ML.

Azure runs an MLflow model without a script; any other model needs ``init()``
and ``run()``. This one keeps the scoring contract of the local endpoints:
``{"data": [...]}`` (or ``input_data``), rows as lists or as objects with
column names, and the predictions back as a JSON list.
"""

SCORE_PY = '''\
"""Scoring script written by amlx-lab: the same request and response shapes as its local endpoints."""

import json
import os
import pathlib

model = None


def _load(path):
    if path.suffix == ".skops":
        import skops.io

        return skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    if path.suffix == ".joblib":
        import joblib

        return joblib.load(path)
    import pickle

    with open(path, "rb") as f:
        return pickle.load(f)


def init():
    global model
    root = pathlib.Path(os.environ.get("AZUREML_MODEL_DIR", "."))
    found = sorted(p for p in root.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib", ".skops"))
    if not found:
        raise RuntimeError(f"No .pkl, .joblib or .skops file under {root}")
    model = _load(found[0])


def run(raw_data):
    body = json.loads(raw_data) if isinstance(raw_data, (str, bytes)) else raw_data
    rows = body.get("data", body.get("input_data")) if isinstance(body, dict) else body
    if rows and isinstance(rows[0], dict):
        import pandas

        rows = pandas.DataFrame(rows)
    predictions = model.predict(rows)
    return predictions.tolist() if hasattr(predictions, "tolist") else list(predictions)
'''
