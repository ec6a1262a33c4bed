"""In-process checks of the pure parts: payload shapes, coercion, schemas, routing, stats, keys."""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import numpy as np
import pytest

from amlx_lab.serving import keys as keys_mod
from amlx_lab.serving.errors import BadRequestError, UnauthorizedError
from amlx_lab.serving.jsonout import encode, to_native
from amlx_lab.serving.keys import KeyFileError, KeyRing, read_key_file, write_key_file
from amlx_lab.serving.loader import load_model
from amlx_lab.serving.payloads import parse_payload, render
from amlx_lab.serving.routing import Routing, RoutingFile
from amlx_lab.serving.schema import from_estimator, is_positional, record_input_schema, to_bool, to_double, to_long
from amlx_lab.serving.scorer import ModelScorer
from amlx_lab.serving.stats import DeploymentStats

from .helpers import KEY, SECONDARY

pytestmark = pytest.mark.filterwarnings(
    "ignore:X does not have valid feature names",
    "ignore:.*Add type hints to the `predict` method",
    "ignore:.*An input example was not provided",
)

# --- payloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, style, attr, expected",
    [
        ({"data": [{"a": 1}]}, "data", "records", [{"a": 1}]),
        ({"data": [[1, 2]]}, "data", "rows", [[1, 2]]),
        ({"data": {"a": 1, "b": 2}}, "data", "records", [{"a": 1, "b": 2}]),
        ({"data": {"a": [1, 2], "b": [3, 4]}}, "data", "rows", [[1, 3], [2, 4]]),
        ({"input_data": {"columns": ["a"], "index": [0], "data": [[1]]}}, "azure", "rows", [[1]]),
        ({"input_data": [[1, 2]]}, "azure", "rows", [[1, 2]]),
        ({"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}, "mlflow", "rows", [[1, 2]]),
        ({"dataframe_records": [{"a": 1}]}, "mlflow", "records", [{"a": 1}]),
        ({"instances": [[1, 2]]}, "mlflow", "rows", [[1, 2]]),
        ({"instances": [1, 2, 3]}, "mlflow", "flat", [1, 2, 3]),
        ({"inputs": {"a": [1], "b": [2]}, "params": {}}, "mlflow", "rows", [[1, 2]]),
    ],
)
def test_every_payload_shape_parses(body, style, attr, expected):
    batch = parse_payload(body)
    assert batch.style == style
    assert getattr(batch, attr) == expected


@pytest.mark.parametrize(
    "body, words",
    [
        ([1, 2], "JSON object"),
        ({"rows": []}, "one of the keys"),
        ({"data": [], }, "no rows"),
        ({"data": [1], "inputs": [1]}, "only one of"),
        ({"input_data": {"columns": ["a", "b"], "data": [[1]]}}, "row 0 has 1 values but 2 columns"),
        ({"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}, "more than once"),
        ({"data": {"a": [1, 2], "b": [3]}}, "different lengths"),
        ({"data": "x"}, "list of records or rows"),
        ({"dataframe_records": [[1]]}, "list of records"),
    ],
)
def test_bad_payloads_say_what_is_wrong(body, words):
    with pytest.raises(BadRequestError) as info:
        parse_payload(body)
    assert words in info.value.message


def test_response_shapes_per_style():
    assert render("data", [1]) == {"result": [1]}
    assert render("azure", [1]) == [1]
    assert render("mlflow", [1]) == {"predictions": [1]}


def test_numpy_values_become_json_native():
    out = to_native(np.array([1.5, np.nan, np.inf]))
    assert out == [1.5, None, None]
    assert to_native(np.array([True, False])) == [True, False]
    assert to_native(np.array(["a", "b"], dtype=object)) == ["a", "b"]
    assert to_native(np.int64(3)) == 3 and type(to_native(np.int64(3))) is int
    assert json.loads(encode({"x": np.float32(0.5)})) == {"x": 0.5}


# --- coercion -----------------------------------------------------------------------------------


def test_coercion_of_form_strings():
    assert to_double("60") == 60.0 and to_double(" 1.5 ") == 1.5 and to_double("") is None
    assert to_double("false") == 0.0 and to_double(True) == 1.0
    assert to_long("false") == 0 and to_long("3") == 3 and to_long("3.0") == 3 and to_long(2.5) == 2.5
    assert to_bool("true") is True and to_bool(0) is False and to_bool("0") is False
    for bad, fn in (("sixty", to_double), ("abc", to_long), ("maybe", to_bool), ([1], to_double)):
        with pytest.raises(ValueError):
            fn(bad)


def test_schema_inferred_from_a_column_transformer(models):
    schema = from_estimator(models.titanic)
    assert schema is not None
    types = {c.name: c.type for c in schema.columns}
    assert types == {"Age": "double", "Pclass": "long", "Sex": "string"}
    assert not is_positional(models.titanic)
    assert is_positional(models.ridge)


def test_recorded_schema_file_is_used(tmp_path, models):
    import joblib

    model = tmp_path / "model.pkl"
    joblib.dump(models.ridge, model)
    record_input_schema(model, models.diabetes_X.astype({"age": "int64"}))
    loaded = load_model(model)
    assert loaded.schema is not None and loaded.schema.source == "schema-file"
    assert loaded.schema.columns[0].type == "long"


def test_schemaless_model_scores_positional_rows(tmp_path, models):
    import joblib
    from sklearn.linear_model import Ridge

    X = models.diabetes_X.to_numpy()
    est = Ridge().fit(X, np.arange(len(X)))
    joblib.dump(est, tmp_path / "np.pkl")
    scorer = ModelScorer(load_model(tmp_path / "np.pkl"))
    out = json.loads(scorer.score(json.dumps({"data": X[:2].tolist()}).encode(), {}))
    assert out["result"] == pytest.approx(est.predict(X[:2]).tolist())
    with pytest.raises(BadRequestError, match="expects 10"):
        scorer.score(b'{"data": [[1, 2]]}', {})


def test_fast_path_is_verified_against_the_dataframe_path(models):
    scorer = ModelScorer(load_model(models.pkl))
    assert scorer.numeric_fast_path
    row = models.diabetes_X.iloc[:1].to_dict(orient="records")
    first = json.loads(scorer.score(json.dumps({"data": row}).encode(), {}))
    assert scorer.numeric_fast_path  # both paths agreed
    assert first["result"] == pytest.approx(models.ridge.predict(models.diabetes_X.iloc[:1]).tolist())
    # A 100-row first request sums in another order on the two paths: still accepted.
    other = ModelScorer(load_model(models.pkl))
    rows = models.diabetes_X.iloc[:100]
    split = {"input_data": {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}}
    assert json.loads(other.score(json.dumps(split).encode(), {})) == pytest.approx(models.ridge.predict(rows).tolist())
    assert other.numeric_fast_path


# --- routing ------------------------------------------------------------------------------------


def test_routing_weights_front_and_pinning():
    r = Routing.parse({"traffic": {"blue": 90, "green": 10}, "deployments": {"blue": {"port": 1}, "green": {"port": 2}}})
    assert r.front() == "blue"
    assert r.choose(None, rnd=0.0) == "blue" and r.choose(None, rnd=0.95) == "green"
    assert r.choose("green") == "green"
    picks = [r.choose(None, rnd=i / 1000) for i in range(1000)]
    assert picks.count("green") == 100
    assert Routing.parse({"traffic": {"a": 50, "b": 50}}).front() == "a"
    assert Routing.parse({"traffic": {"a": 0}, "deployments": {"a": {"port": 1}}}).choose(None) is None


def test_routing_file_keeps_last_good_version(tmp_path):
    path = tmp_path / "routing.json"
    path.write_text(json.dumps({"traffic": {"blue": 100}}))
    rf = RoutingFile(path)
    assert rf.current is not None and rf.current.front() == "blue"
    path.write_text(json.dumps({"traffic": {"blue": "lots"}}))
    os.utime(path, ns=(1, 1))
    assert rf.refresh().front() == "blue" and "number" in (rf.last_error or "")
    path.unlink()
    assert rf.refresh() is None


# --- stats --------------------------------------------------------------------------------------


def test_stats_persist_across_processes(tmp_path):
    path = tmp_path / "stats.json"
    s = DeploymentStats("blue", path)
    for ms in (0.5, 1.0, 2.0, 50.0):
        s.record(200, ms)
    s.record(400, 0.1)
    s.record_forward("green")
    s.flush()
    again = DeploymentStats("blue", path)
    snap = again.snapshot()
    assert snap["requests"] == 5 and snap["errors"] == 1 and snap["process_starts"] == 2
    assert snap["status_counts"] == {"200": 4, "400": 1} and snap["forwarded"] == {"green": 1}
    assert snap["latency_ms"]["all"]["count"] == 5 and snap["latency_ms"]["all"]["p50"] is not None
    assert DeploymentStats("other", path).requests == 0  # another deployment's file is not adopted


# --- keys ---------------------------------------------------------------------------------------


def test_key_file_is_0600_and_checked_in_constant_time(tmp_path, monkeypatch):
    path = tmp_path / "keys.json"
    write_key_file(path, primary=KEY, secondary=SECONDARY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = KeyRing(path)
    calls = []
    real = keys_mod.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(keys_mod.hmac, "compare_digest", spy)
    ring.check(f"Bearer {SECONDARY}")
    assert len(calls) == 2  # both keys compared, no early exit
    for header in (None, "", "Basic abc", f"Bearer {KEY}x", "Bearer"):
        with pytest.raises(UnauthorizedError) as info:
            ring.check(header)
        assert KEY not in info.value.message


def test_open_key_file_is_refused(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"primary": KEY}))
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        read_key_file(path)
    path.chmod(0o600)
    assert read_key_file(path) == (KEY.encode(),)
    Path(path).write_text(json.dumps({"primary": "short"}))
    with pytest.raises(KeyFileError, match="no usable key"):
        read_key_file(path)


@pytest.mark.filterwarnings("ignore::UserWarning")  # mlflow's hints about type hints and input examples
def test_non_sklearn_mlflow_model_goes_through_pyfunc(tmp_path, models):
    import mlflow.pyfunc
    import pandas as pd
    from mlflow.models import infer_signature

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mlflow suggests type hints and an input example

        class Doubler(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                return (model_input["x"] * 2).tolist()

        frame = pd.DataFrame({"x": [1.0, 2.0]})
        folder = tmp_path / "pyfunc"
        mlflow.pyfunc.save_model(folder, python_model=Doubler(), pip_requirements=["mlflow"],
                                 signature=infer_signature(frame, [2.0, 4.0]))
    scorer = ModelScorer(load_model(folder))
    assert scorer.model.format == "mlflow-pyfunc" and not scorer.numeric_fast_path
    out = json.loads(scorer.score(b'{"dataframe_records": [{"x": "1.5"}, {"x": 3}]}', {}))
    assert out == {"predictions": [3.0, 6.0]}
