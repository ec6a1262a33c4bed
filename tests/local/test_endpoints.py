"""Local online endpoints with real scoring servers over loopback and real deployment supervisors.

A Titanic-like pipeline is trained once per module and registered; each test
creates its own endpoint and a fixture deletes every endpoint afterwards and
checks that no supervisor or scoring process is left. Waits are bounded polls
of a condition.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import signal
import stat
import subprocess
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields
from types import SimpleNamespace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local.endpoint_index import blend
from amlx_lab.backends.endpoint_rules import check_traffic
from amlx_lab.backends.local.procs import is_alive, start_time
from amlx_lab.errors import ConflictError, NotFoundError, UpstreamError, ValidationError
from amlx_lab.records import Deployment

from .conftest import stop_everything, wait_until
from .test_models import train

pytestmark = pytest.mark.slow

SEED = {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}


@dataclass
class Served:
    backend: LocalBackend
    model: str  # "name:version"


def _processes(backend: LocalBackend) -> list[tuple[int, int | None]]:
    """(pid, start time) of every supervisor and scoring server the index knows."""
    found = []
    for row in backend.store.query("SELECT supervisor_pid, supervisor_start, server_pid FROM deployments"):
        if row["supervisor_pid"]:
            found.append((row["supervisor_pid"], row["supervisor_start"]))
        if row["server_pid"]:
            found.append((row["server_pid"], start_time(row["server_pid"])))
    return found


def delete_all_endpoints(backend: LocalBackend) -> None:
    """Delete every endpoint and check that none of their processes is left."""
    processes = _processes(backend)
    for endpoint in backend.endpoints.list():
        backend.delete_endpoint(endpoint.name)
    wait_until(
        lambda: not [p for p, s in processes if s is not None and is_alive(p, s)], 30, "endpoint processes to end"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, amlx_cache: Path) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("endpoints")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AMLX_CACHE_DIR", str(amlx_cache))
        env.setenv("HOME", str(root / "home"))
        env.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        backend = LocalBackend(root / "ws", compute_slots=2)
        try:
            job = train(backend, root / "code", mlflow=False)
            version = backend.register_model("titanic", job=job, path="outputs/model.pkl")
            yield Served(backend, version.ref)
        finally:
            delete_all_endpoints(backend)
            stop_everything(backend)
            backend.close()


@pytest.fixture
def backend(served: Served) -> Iterator[LocalBackend]:
    yield served.backend
    delete_all_endpoints(served.backend)


def port_of(uri: str) -> int:
    return int(urlparse(uri).port or 0)


def post(uri: str, body: Any, key: str | None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    """One POST straight to a scoring URI (bytes are sent as they are)."""
    conn = http.client.HTTPConnection("127.0.0.1", port_of(uri), timeout=30)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    try:
        conn.request("POST", "/score", body=body if isinstance(body, bytes) else json.dumps(body).encode(), headers=sent)
        response = conn.getresponse()
        raw = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(raw or b"null")
    finally:
        conn.close()


def deployment(backend: LocalBackend, endpoint: str, name: str = "blue") -> SimpleNamespace:
    """The deployment's record plus what only the local index knows: its server's pid and port."""
    record = next(d for d in backend.get_endpoint(endpoint).deployments if d.name == name)
    row = backend.store.query("SELECT server_pid, port FROM deployments WHERE endpoint = ? AND name = ?", (endpoint, name))[0]
    pid = row["server_pid"] if record.status == "Succeeded" else None
    return SimpleNamespace(**{f.name: getattr(record, f.name) for f in fields(Deployment)}, pid=pid, port=row["port"])


def create(backend: LocalBackend, endpoint: str, name: str, **options: Any) -> SimpleNamespace:
    """Start a deployment and follow it, as a client of the long-running operation does, until it settles."""
    started = backend.create_deployment(endpoint, name, **options)
    assert started.status == "Creating"
    wait_until(lambda: deployment(backend, endpoint, name).status != "Creating", 90, f"deployment {name} to settle")
    return deployment(backend, endpoint, name)


def gone(pid: int, started: int | None) -> bool:
    return not is_alive(pid, started)


# -- pure parts ---------------------------------------------------------------------------


def test_traffic_rules() -> None:
    assert check_traffic({"blue": 90, "green": 10}) == {"blue": 90, "green": 10}
    for bad in ({}, {"blue": 90}, {"blue": 90.0, "green": 10}, {"blue": True}, {"blue": 101, "green": -1}, [1]):
        with pytest.raises(ValidationError):
            check_traffic(bad)
    assert blend({"blue": 100}, "green", 10) == {"blue": 90, "green": 10}
    assert blend({"blue": 50, "green": 50}, "red", 33) == {"blue": 34, "green": 33, "red": 33}
    assert sum(blend({"a": 33, "b": 33, "c": 34}, "d", 7).values()) == 100


# -- endpoints without deployments --------------------------------------------------------


def test_endpoint_keys_and_errors(backend: LocalBackend) -> None:
    endpoint = backend.create_endpoint("ep-keys", description="keys only")
    assert endpoint.status == "Succeeded" and endpoint.traffic == {} and endpoint.deployments == ()
    assert endpoint.scoring_uri.startswith("http://127.0.0.1:") and endpoint.scoring_uri.endswith("/score")
    key_file = backend.layout.endpoint_keys("ep-keys")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    keys = backend.endpoint_keys("ep-keys")
    assert keys.primary_key != keys.secondary_key and min(len(keys.primary_key), len(keys.secondary_key)) >= 40
    assert keys.primary_key not in repr(keys)
    for size in ({"instance_type": "Standard_DS3_v2"}, {"instance_count": 2}):
        with pytest.raises(ValidationError, match="no instance types"):
            backend.create_deployment("ep-keys", "blue", model="titanic", **size)  # type: ignore[arg-type]

    renewed = backend.regenerate_key("ep-keys", "secondary")
    assert renewed.primary_key == keys.primary_key and renewed.secondary_key != keys.secondary_key
    assert backend.get_endpoint("ep-keys").scoring_uri == endpoint.scoring_uri

    with pytest.raises(ConflictError):
        backend.create_endpoint("ep-keys")
    for kwargs, field in [
        (dict(name="1-starts-with-digit"), "name"),
        (dict(name="ab"), "name"),
        (dict(name="has_underscore"), "name"),
        (dict(name="fine-name", auth_mode="aml_token"), "auth_mode"),
    ]:
        with pytest.raises(ValidationError) as caught:
            backend.create_endpoint(**kwargs)
        assert caught.value.details["field"] == field
    with pytest.raises(ValidationError):
        backend.regenerate_key("ep-keys", "tertiary")
    with pytest.raises(ConflictError):
        backend.invoke("ep-keys", SEED)
    with pytest.raises(ConflictError):
        backend.set_traffic("ep-keys", {"blue": 100})
    with pytest.raises(ValidationError):
        backend.set_traffic("ep-keys", {"blue": 50})
    with pytest.raises(NotFoundError):
        backend.create_deployment("ep-keys", "blue", model="no-such-model")
    with pytest.raises(NotFoundError):
        backend.get_endpoint("ep-missing")

    backend.delete_endpoint("ep-keys")
    with pytest.raises(NotFoundError):
        backend.get_endpoint("ep-keys")
    assert not backend.layout.endpoint_dir("ep-keys").exists()


# -- one deployment -------------------------------------------------------------------------


def test_deploy_score_payloads_and_key_rotation(backend: LocalBackend, served: Served) -> None:
    endpoint = backend.create_endpoint("ep-main")
    blue = create(backend, "ep-main", "blue", model="titanic")  # latest version
    assert blue.status == "Succeeded", blue.last_error
    assert blue.model == served.model and blue.pid and blue.restarts == 0
    assert blue.deployment_uri == f"http://127.0.0.1:{blue.port}/score"
    assert backend.get_endpoint("ep-main").traffic == {"blue": 100}

    answer = backend.invoke("ep-main", SEED)
    assert answer.status_code == 200 and answer.deployment == "blue"
    assert answer.body["result"][0] in (0, 1)

    uri, keys = endpoint.scoring_uri, backend.endpoint_keys("ep-main")
    assert post(uri, SEED, keys.primary_key)[0] == 200
    assert post(uri, SEED, keys.secondary_key)[0] == 200
    assert post(uri, SEED, "not-the-key-" * 4)[0] == 401
    assert post(uri, SEED, None)[0] == 401

    # other payload shapes, through the facade (the serving tests cover every shape)
    split = {"input_data": {"columns": ["Age", "Pclass", "Sex"], "index": [0], "data": [[22, 3, "male"]]}}
    assert backend.invoke("ep-main", split).body == answer.body["result"]
    records = backend.invoke("ep-main", {"dataframe_records": [{"Age": "38", "Pclass": "1", "Sex": "female"}]})
    assert records.status_code == 200 and records.body["predictions"] == [1]

    # bad payloads are answered with a 400 naming the problem, and never take the server down
    missing = backend.invoke("ep-main", {"data": [{"Age": 22, "Pclass": 3}]})
    assert missing.status_code == 400 and "Sex" in missing.body["error"]["message"]
    wrong = backend.invoke("ep-main", {"data": [{"Age": "old", "Pclass": 3, "Sex": "male"}]})
    assert wrong.status_code == 400 and "Age" in wrong.body["error"]["message"]
    assert post(uri, b'{"data": [', keys.primary_key)[0] == 400
    assert backend.invoke("ep-main", {"nothing": []}).status_code == 400
    with pytest.raises(ValidationError):
        backend.invoke("ep-main", "not an object")
    still = deployment(backend, "ep-main")
    assert (still.status, still.pid, still.restarts) == ("Succeeded", blue.pid, 0)

    # a new primary key works at once and the old one stops working, with no restart
    rotated = backend.regenerate_key("ep-main", "primary")
    assert post(uri, SEED, keys.primary_key)[0] == 401
    assert post(uri, SEED, rotated.primary_key)[0] == 200
    assert post(uri, SEED, keys.secondary_key)[0] == 200
    assert deployment(backend, "ep-main").pid == blue.pid

    stats = wait_until(
        lambda: (s := deployment(backend, "ep-main").stats) and s.requests >= 11 and s, 15, "the stats file"
    )
    assert stats.errors >= 4 and stats.p50_ms is not None

    # the curl command is the real thing: run it
    command = backend.endpoint_curl("ep-main")
    assert f"Bearer {rotated.primary_key}" in command and uri in command
    done = subprocess.run(shlex.split(command) + ["-s"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "result" in json.loads(done.stdout)


# -- restarts ----------------------------------------------------------------------------------


def test_a_dead_server_is_restarted_and_a_lost_supervisor_brought_back(backend: LocalBackend) -> None:
    endpoint = backend.create_endpoint("ep-restart")
    first = create(backend, "ep-restart", "blue", model="titanic")
    assert first.status == "Succeeded", first.last_error
    first_start = start_time(first.pid)

    os.kill(first.pid, signal.SIGKILL)
    back = wait_until(
        lambda: (d := deployment(backend, "ep-restart")).status == "Succeeded" and d.pid not in (None, first.pid) and d,
        90, "the supervisor to restart the server",
    )
    assert back.restarts == 1 and "SIGKILL" in back.last_error and back.port == first.port
    assert gone(first.pid, first_start)
    assert backend.invoke("ep-restart", SEED).status_code == 200

    # a machine restart: supervisor and server both die; reconcile (server start-up, or any read) brings it back
    row = backend.store.query("SELECT supervisor_pid, supervisor_start FROM deployments WHERE endpoint = 'ep-restart'")[0]
    server_start = start_time(back.pid)
    os.kill(row["supervisor_pid"], signal.SIGKILL)
    os.kill(back.pid, signal.SIGKILL)
    wait_until(lambda: gone(row["supervisor_pid"], row["supervisor_start"]) and gone(back.pid, server_start), 30, "both to die")
    # never reported Succeeded without a server (read without the reconcile that backend reads do)
    assert backend.endpoints.get("ep-restart").deployments[0].status == "Restarting"
    assert backend.reconcile_endpoints() == ("ep-restart/blue",)
    again = wait_until(
        lambda: (d := deployment(backend, "ep-restart")).status == "Succeeded" and d.pid not in (None, back.pid) and d,
        90, "reconcile to bring the deployment back",
    )
    assert again.restarts == 2 and again.port == first.port
    assert backend.get_endpoint("ep-restart").scoring_uri == endpoint.scoring_uri
    assert backend.invoke("ep-restart", SEED).status_code == 200
    assert backend.reconcile_endpoints() == (), "a running supervisor is left alone"


# -- blue/green -----------------------------------------------------------------------------------


def test_blue_green_traffic(backend: LocalBackend) -> None:
    backend.create_endpoint("ep-bg")
    blue = create(backend, "ep-bg", "blue", model="titanic")
    green = create(backend, "ep-bg", "green", model="titanic:1")
    assert (blue.status, green.status) == ("Succeeded", "Succeeded"), (blue.last_error, green.last_error)
    assert backend.get_endpoint("ep-bg").traffic == {"blue": 100, "green": 0}
    assert backend.invoke("ep-bg", SEED, deployment="green").deployment == "green"  # tried before it gets traffic
    assert backend.invoke("ep-bg", SEED).deployment == "blue"

    endpoint = backend.set_traffic("ep-bg", {"blue": 90, "green": 10})
    assert endpoint.traffic == {"blue": 90, "green": 10}
    served = Counter(backend.invoke("ep-bg", SEED).deployment for _ in range(100))
    assert set(served) == {"blue", "green"} and served["blue"] > served["green"], served

    with pytest.raises(ConflictError):
        backend.set_traffic("ep-bg", {"blue": 90, "red": 10})
    with pytest.raises(ConflictError):
        backend.delete_deployment("ep-bg", "green")  # it still has 10 %
    backend.set_traffic("ep-bg", {"blue": 100})
    green_start = start_time(green.pid)
    backend.delete_deployment("ep-bg", "green")
    assert gone(green.pid, green_start)
    after = backend.get_endpoint("ep-bg")
    assert [d.name for d in after.deployments] == ["blue"] and after.traffic == {"blue": 100}
    assert backend.invoke("ep-bg", SEED).deployment == "blue"


# -- score.py and a deployment that cannot start ----------------------------------------------


def test_a_custom_score_script_and_a_broken_one(backend: LocalBackend, tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text(textwrap.dedent("""
        import json, os
        import joblib
        import pandas as pd

        def init():
            global model
            model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

        def run(raw_data):
            rows = json.loads(raw_data)["data"]
            return {"survived": [bool(p) for p in model.predict(pd.DataFrame(rows))], "by": "score.py"}
    """))
    (tmp_path / "broken.py").write_text("def init():\n    raise RuntimeError('no model here')\n\ndef run(raw):\n    return raw\n")
    backend.create_endpoint("ep-script")
    scripted = create(backend, "ep-script", "blue", model="titanic", score_script=tmp_path / "score.py")
    assert scripted.status == "Succeeded", scripted.last_error
    assert scripted.score_script == "score.py"
    answer = backend.invoke("ep-script", SEED)
    assert answer.status_code == 200 and answer.body["by"] == "score.py" and answer.body["survived"] in ([True], [False])

    broken = create(backend, "ep-script", "green", model="titanic", score_script=tmp_path / "broken.py")
    assert broken.status == "Failed" and "no model here" in broken.last_error and broken.pid is None
    row = backend.store.query("SELECT supervisor_pid, supervisor_start FROM deployments WHERE name = 'green'")[0]
    wait_until(lambda: gone(row["supervisor_pid"], row["supervisor_start"]), 30, "the supervisor of a failed deployment to exit")
    assert backend.reconcile_endpoints() == (), "a deployment that never started is not retried"
    assert backend.get_endpoint("ep-script").traffic == {"blue": 100, "green": 0}


def test_an_unreachable_endpoint_is_a_502(backend: LocalBackend) -> None:
    backend.create_endpoint("ep-down")
    with backend.store.write() as tx:  # a deployment row whose server never ran (as right after a reboot)
        tx.execute(
            "INSERT INTO deployments (endpoint, name, model_name, model_version, model_path, port, status, created_at) "
            "VALUES ('ep-down', 'blue', 'titanic', '1', '/nowhere', 1, 'Failed', 0)"
        )
    with pytest.raises(UpstreamError):
        backend.endpoints.invoke("ep-down", SEED)


# -- the amlx command line ------------------------------------------------------------------------


def test_the_cli_deploys_invokes_and_prints_the_curl(
    backend: LocalBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from amlx_lab.cli import main

    monkeypatch.chdir(tmp_path)
    root = str(backend.root)

    def amlx(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--workspace", root, *args])
        return code, capsys.readouterr().out

    code, out = amlx("endpoint", "deploy", "ep-cli", "--model", "titanic")
    assert code == 0 and "blue" in out and "Succeeded" in out and "100%" in out
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    code, out = amlx("--json", "endpoint", "invoke", "ep-cli", "--data", "seed.json")
    result = json.loads(out)
    assert code == 0 and result["status_code"] == 200 and result["body"]["result"][0] in (0, 1)
    (tmp_path / "bad.json").write_text(json.dumps({"data": [{"Age": 22}]}))
    code, out = amlx("endpoint", "invoke", "ep-cli", "--data", "bad.json")
    assert code == 1 and "HTTP 400" in out and "Pclass" in out

    keys = backend.endpoint_keys("ep-cli")
    code, out = amlx("endpoint", "curl", "ep-cli")
    assert code == 0 and out.startswith("curl -X POST http://127.0.0.1:") and f"Bearer {keys.primary_key}" in out
    code, out = amlx("endpoint", "keys", "ep-cli", "--regenerate", "secondary")
    assert code == 0 and keys.primary_key in out and keys.secondary_key not in out
    code, out = amlx("endpoint", "traffic", "ep-cli", "blue=50")
    assert code == 2  # a split must add up to 100
    code, out = amlx("--json", "endpoint", "list")
    assert [e["name"] for e in json.loads(out)["endpoints"]] == ["ep-cli"]
    code, out = amlx("model", "list")
    assert code == 0 and "titanic" in out
    code, out = amlx("endpoint", "delete", "ep-cli")
    assert code == 0 and "Deleted" in out


def test_a_hung_server_fails_its_health_checks_and_is_restarted(backend: LocalBackend, tmp_path: Path) -> None:
    """A predict that never returns: past the server's --hung-after, /health answers 503; the supervisor restarts it."""
    (tmp_path / "score.py").write_text(textwrap.dedent("""
        import json, time

        def init():
            pass

        def run(raw_data):
            if json.loads(raw_data).get("hang"):
                time.sleep(3600)
            return {"ok": True}
    """))
    endpoint = backend.create_endpoint("ep-hang")
    first = create(backend, "ep-hang", "blue", model="titanic", score_script=tmp_path / "score.py")
    assert first.status == "Succeeded", first.last_error
    keys = backend.endpoint_keys("ep-hang")
    conn = http.client.HTTPConnection("127.0.0.1", port_of(endpoint.scoring_uri), timeout=120)
    try:
        conn.request("POST", "/score", body=b'{"hang": true}', headers={
            "Authorization": f"Bearer {keys.primary_key}", "Content-Type": "application/json",
        })
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            conn.getresponse().read()  # the connection dies with the hung server
    finally:
        conn.close()
    back = wait_until(
        lambda: (d := deployment(backend, "ep-hang")).status == "Succeeded" and d.pid not in (None, first.pid) and d,
        90, "the hung server to be replaced",
    )
    assert back.restarts == 1 and "stopped answering /health" in back.last_error
    assert backend.invoke("ep-hang", {"data": []}).body == {"ok": True}
