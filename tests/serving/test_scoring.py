"""Real scoring processes over loopback: every model format and every payload shape."""

from __future__ import annotations

import pytest

from .helpers import KEY, SECONDARY, request, score

FORMATS = ["pkl", "joblib", "skops", "mlflow_dir"]


@pytest.fixture(scope="module")
def ridge_servers(servers, models, key_file):
    """One server per model format, started in parallel."""
    specs = [(fmt, {"model": getattr(models, fmt), "key_file": key_file, "deployment": f"ridge-{fmt}"}) for fmt in FORMATS]
    return dict(zip(FORMATS, servers.start_many(specs)))


def _expected(models, n):
    return models.ridge.predict(models.diabetes_X.iloc[:n]).tolist()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_answers_the_seed_shape(ridge_servers, models, fmt):
    proc = ridge_servers[fmt]
    assert proc.state["status"] == "ready" and proc.state["host"] == "127.0.0.1"
    records = models.diabetes_X.iloc[:3].to_dict(orient="records")
    reply = score(proc.port, {"data": records})
    assert reply.status == 200, reply
    assert reply.json()["result"] == pytest.approx(_expected(models, 3))
    assert reply.headers["azureml-model-deployment"] == f"ridge-{fmt}"
    assert proc.state["scorer"]["numeric_fast_path"] is True


def _shapes(models):
    X = models.diabetes_X.iloc[:2]
    cols = list(X.columns)
    rows = X.to_numpy().tolist()
    recs = X.to_dict(orient="records")
    columnar = {c: X[c].tolist() for c in cols}
    return [
        ("data-records", {"data": recs}, lambda j: j["result"]),
        ("data-rows", {"data": rows}, lambda j: j["result"]),
        ("data-columnar", {"data": columnar}, lambda j: j["result"]),
        ("azure-split", {"input_data": {"columns": cols, "index": [0, 1], "data": rows}}, lambda j: j),
        ("azure-rows", {"input_data": rows}, lambda j: j),
        ("mlflow-split", {"dataframe_split": {"columns": cols, "data": rows}}, lambda j: j["predictions"]),
        ("mlflow-records", {"dataframe_records": recs}, lambda j: j["predictions"]),
        ("mlflow-instances", {"instances": recs}, lambda j: j["predictions"]),
        ("mlflow-instances-rows", {"instances": rows}, lambda j: j["predictions"]),
        ("mlflow-inputs", {"inputs": columnar}, lambda j: j["predictions"]),
        ("reordered-split", {"dataframe_split": {"columns": cols[::-1], "data": [r[::-1] for r in rows]}}, lambda j: j["predictions"]),
    ]


def test_every_payload_shape_over_the_wire(ridge_servers, models):
    port = ridge_servers["mlflow_dir"].port
    expected = _expected(models, 2)
    for name, payload, pick in _shapes(models):
        reply = score(port, payload)
        assert reply.status == 200, (name, reply)
        assert pick(reply.json()) == pytest.approx(expected), name


def test_hundred_rows_and_secondary_key(ridge_servers, models):
    X = models.diabetes_X.iloc[:100]
    reply = score(ridge_servers["skops"].port, {"input_data": {"columns": list(X.columns), "data": X.to_numpy().tolist()}}, key=SECONDARY)
    assert reply.status == 200
    assert reply.json() == pytest.approx(models.ridge.predict(X).tolist())


def test_missing_and_unconvertible_columns_are_named(ridge_servers, models):
    port = ridge_servers["pkl"].port
    rec = models.diabetes_X.iloc[0].to_dict()
    del rec["bmi"]
    reply = score(port, {"data": [rec]})
    assert reply.status == 400
    assert "missing columns: ['bmi']" in reply.error["message"]
    rec = models.diabetes_X.iloc[0].to_dict()
    rec["s3"] = "lots"
    reply = score(port, {"data": [rec]})
    assert reply.status == 400
    assert "column 's3' (double) expects a number, got \"lots\"" in reply.error["message"]
    rec["s3"] = "0.01"  # numeric strings are fine
    assert score(port, {"data": [rec]}).status == 200


def test_nan_input_still_gets_sklearns_error(ridge_servers, models):
    port = ridge_servers["pkl"].port
    score(port, {"data": models.diabetes_X.iloc[:1].to_dict(orient="records")})  # past the first-request check
    for payload in ({"data": [[None] * 10]}, {"data": [[0.1] * 9 + ["NaN"]]}):
        reply = score(port, payload)
        assert reply.status == 400, reply
        assert "NaN" in reply.error["message"]


def test_stats_and_metadata_routes_need_the_key(ridge_servers):
    port = ridge_servers["joblib"].port
    assert request(port, "GET", "/stats", key=None).status == 401
    assert request(port, "GET", "/metadata", key="wrong-key-wrong-key").status == 401
    before = request(port, "GET", "/stats").json()["requests"]
    score(port, {"data": [[0] * 10]})
    stats = request(port, "GET", "/stats").json()
    assert stats["requests"] == before + 1 and stats["deployment"] == "ridge-joblib"
    assert stats["latency_ms"]["recent"]["p50"] is not None
    meta = request(port, "GET", "/metadata").json()
    assert meta["scorer"]["format"] == "joblib"
    assert [c["name"] for c in meta["scorer"]["input_schema"]["columns"]][:2] == ["age", "sex"]
    assert KEY not in str(meta)


def test_health_needs_no_key_and_says_nothing_else(ridge_servers):
    for path in ("/", "/health"):
        reply = request(ridge_servers["pkl"].port, "GET", path, key=None)
        assert reply.status == 200 and reply.json() == {"status": "Healthy"}
