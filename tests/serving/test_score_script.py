"""Custom score.py with Azure's init()/run(raw_data) contract, run by a real server process."""

from __future__ import annotations

import textwrap

import pytest

from .helpers import KEY, request, score

SCRIPT = textwrap.dedent(
    '''
    import json
    import os

    import joblib

    model = None
    seen = {}


    def init():
        global model
        seen["model_dir"] = os.environ["AZUREML_MODEL_DIR"]
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))


    def run(raw_data, request_headers=None):
        if not isinstance(raw_data, str):
            raise TypeError("raw_data must be the body as str")
        body = json.loads(raw_data)
        if body.get("explode"):
            raise ValueError("asked to explode")
        if body.get("as_text"):
            return "plain string"
        rows = body["data"]
        return {
            "result": model.predict(rows).tolist(),
            "model_dir": seen["model_dir"],
            "header_names": sorted(request_headers or {}),
        }
    '''
)


@pytest.fixture(scope="module")
def script_server(servers, models, key_file, tmp_path_factory):
    import joblib
    from sklearn.linear_model import Ridge

    root = tmp_path_factory.mktemp("script")
    model_dir = root / "model"
    model_dir.mkdir()
    X = models.diabetes_X.to_numpy()
    joblib.dump(Ridge().fit(X, range(len(X))), model_dir / "model.pkl")
    src = root / "src"
    src.mkdir()
    (src / "score.py").write_text(SCRIPT)
    proc = servers.start("script", score_script=src / "score.py", model=model_dir, key_file=key_file, deployment="custom")
    return proc, model_dir


def test_run_gets_the_body_and_model_dir(script_server, models):
    proc, model_dir = script_server
    assert proc.state["scorer"]["kind"] == "score_script"
    rows = models.diabetes_X.iloc[:2].to_numpy().tolist()
    reply = score(proc.port, {"data": rows}, headers={"x-ms-client-request-id": "abc"})
    assert reply.status == 200, reply
    body = reply.json()
    assert len(body["result"]) == 2
    assert body["model_dir"] == str(model_dir.resolve())
    assert "authorization" not in body["header_names"] and "x-ms-client-request-id" in body["header_names"]
    assert KEY not in reply.body.decode()


def test_return_value_is_json_encoded_like_azure(script_server):
    reply = score(script_server[0].port, {"as_text": True})
    assert reply.status == 200 and reply.json() == "plain string"


def test_run_exception_is_500_and_server_lives_on(script_server):
    port = script_server[0].port
    reply = score(port, {"explode": True})
    assert reply.status == 500
    assert reply.error["code"] == "scoring_failed" and "ValueError: asked to explode" in reply.error["message"]
    assert score(port, {"data": [[0.0] * 10]}).status == 200
    assert request(port, "GET", "/stats").json()["status_counts"]["500"] == 1


def test_script_requests_still_need_key_and_json(script_server):
    port = script_server[0].port
    assert score(port, {"data": [[0.0] * 10]}, key=None).status == 401
    assert score(port, b"data", content_type="text/plain").status == 415


def test_broken_script_fails_the_start_with_its_reason(fresh_servers, key_file, tmp_path):
    from amlx_lab.serving import ServerStartError

    bad = tmp_path / "score.py"
    bad.write_text("def init():\n    raise RuntimeError('no model here')\n\ndef run(raw_data):\n    return 1\n")
    with pytest.raises(ServerStartError, match="init\\(\\) raised RuntimeError: no model here"):
        fresh_servers.start("broken", score_script=bad, key_file=key_file)
