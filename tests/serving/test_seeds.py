"""The two seed scenarios: Titanic's exact curl, and heart-failure's string-valued form payload."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from .helpers import KEY, TITANIC_SEED, score


@pytest.fixture(scope="module")
def seed_servers(servers, models, key_file):
    titanic, heart = servers.start_many(
        [
            ("titanic", {"model": models.titanic_dir, "key_file": key_file, "deployment": "titanic-blue"}),
            ("heart", {"model": models.heart_dir, "key_file": key_file, "deployment": "heart"}),
        ]
    )
    return {"titanic": titanic, "heart": heart}


def _curl(url: str, body: bytes, *extra: str) -> tuple[int, dict]:
    out = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", url, "-H", f"Authorization: Bearer {KEY}",
         "-H", "Content-Type: application/json", *extra, "-d", body.decode()],
        capture_output=True, timeout=30, check=True,
    )
    text, _, code = out.stdout.decode().rpartition("\n")
    return int(code), json.loads(text)


def test_titanic_seed_curl(seed_servers, models):
    proc = seed_servers["titanic"]
    expected = models.titanic.predict(pd.DataFrame([{"Age": 22, "Pclass": 3, "Sex": "male"}])).tolist()
    if shutil.which("curl"):
        status, body = _curl(proc.scoring_uri, TITANIC_SEED)
    else:  # pragma: no cover - curl is on the CI image; urllib is the same request
        reply = score(proc.port, TITANIC_SEED)
        status, body = reply.status, reply.json()
    assert status == 200, body
    assert body == {"result": expected}
    assert proc.state["scorer"]["numeric_fast_path"] is False  # a ColumnTransformer needs its DataFrame


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_expect_100_continue_and_oversized_curl(seed_servers):
    proc = seed_servers["titanic"]
    big = json.dumps({"data": [{"Age": 30, "Pclass": 1, "Sex": "female"}] * 200}).encode()
    status, body = _curl(proc.scoring_uri, big, "-H", "Expect: 100-continue")
    assert status == 200 and len(body["result"]) == 200


def test_titanic_accepts_strings_and_missing_age(seed_servers, models):
    port = seed_servers["titanic"].port
    reply = score(port, {"data": [{"Age": "22", "Pclass": "3", "Sex": "male"}, {"Age": None, "Pclass": 1, "Sex": "female"}]})
    assert reply.status == 200, reply
    frame = pd.DataFrame({"Age": [22.0, np.nan], "Pclass": [3, 1], "Sex": ["male", "female"]})
    assert reply.json()["result"] == models.titanic.predict(frame).tolist()
    reply = score(port, {"data": [{"Age": 22, "Sex": "male"}]})
    assert reply.status == 400 and "missing columns: ['Pclass']" in reply.error["message"]
    assert reply.error["details"]["missing_columns"] == ["Pclass"]


def _heart_form(models, row=0):
    """The seed's shape: every value a string, 0/1 flags spelled false/true."""
    rec = models.heart_frame.iloc[row].to_dict()
    flags = {"anaemia", "diabetes", "high_blood_pressure", "sex", "smoking"}
    return {k: (("true" if v else "false") if k in flags else str(int(v) if float(v).is_integer() else v)) for k, v in rec.items()}


def test_heart_failure_strings_are_coerced_by_the_signature(seed_servers, models):
    port = seed_servers["heart"].port
    forms = [_heart_form(models, i) for i in range(3)]
    reply = score(port, {"data": forms})
    assert reply.status == 200, reply
    result = reply.json()["result"]
    assert all(isinstance(v, bool) for v in result)  # labels stay booleans: {"result": [false, ...]}
    assert result == models.heart.predict(models.heart_frame.iloc[:3]).tolist()
    assert seed_servers["heart"].state["scorer"]["input_schema"]["source"] == "mlflow-signature"


def test_heart_failure_bad_value_names_the_column(seed_servers, models):
    form = _heart_form(models)
    form["ejection_fraction"] = "thirty"
    form["anaemia"] = "perhaps"
    reply = score(seed_servers["heart"].port, {"data": [form]})
    assert reply.status == 400
    message = reply.error["message"]
    assert "column 'ejection_fraction' (long) expects an integer" in message and '"thirty"' in message
    assert "column 'anaemia'" in message
    assert reply.error["details"]["columns"] == ["anaemia", "ejection_fraction"]
