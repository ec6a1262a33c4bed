"""Models and online endpoints through the REST API, with a real job, real scoring servers and the OpenAPI contract.

Every answer, success or error, is checked against ``schema/openapi.yaml``.
A fixture deletes every endpoint after each test and checks that none of its
supervisor or scoring processes is left.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from amlx_lab.backends.local.procs import is_alive, start_time
from tests.openapi import assert_matches
from tests.test_handlers_jobs import wait_for_status, write_notebook

pytestmark = pytest.mark.slow

ROW = {"Age": 22, "Pclass": 3}
DEPLOY_TIMEOUT = 150  # seconds: a deployment answers once its server is ready (up to about 75 s under load)


async def call(jp_fetch, method: str, *path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, Any]:
    """One request that never raises on 4xx/5xx: (status, parsed body, response)."""
    options: dict[str, Any] = {"method": method, "raise_error": False, **kwargs}
    if body is not None or method in ("POST", "PUT"):
        options["body"] = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    response = await jp_fetch("amlx", "api", *path, **options)
    try:
        data = json.loads(response.body) if response.body else None
    except ValueError:
        data = response.body
    return response.code, data, response


def spec_path(path: tuple[str, ...]) -> str:
    """``("models", "m", "versions", "1")`` -> ``/models/{name}/versions/{version}``."""
    templates = {
        ("models",): "/models",
        ("models", "*"): "/models/{name}",
        ("models", "*", "versions", "*"): "/models/{name}/versions/{version}",
        ("models", "*", "versions", "*", "download"): "/models/{name}/versions/{version}/download",
        ("jobs",): "/jobs",
        ("jobs", "*", "model-candidates"): "/jobs/{name}/model-candidates",
        ("endpoints",): "/endpoints",
        ("endpoints", "*"): "/endpoints/{name}",
        ("endpoints", "*", "keys"): "/endpoints/{name}/keys",
        ("endpoints", "*", "deployments"): "/endpoints/{name}/deployments",
        ("endpoints", "*", "deployments", "*"): "/endpoints/{name}/deployments/{deployment}",
        ("endpoints", "*", "traffic"): "/endpoints/{name}/traffic",
        ("endpoints", "*", "invoke"): "/endpoints/{name}/invoke",
        ("endpoints", "*", "curl"): "/endpoints/{name}/curl",
    }
    for shape, template in templates.items():
        if len(shape) == len(path) and all(s in ("*", p) for s, p in zip(shape, path)):
            return template
    raise AssertionError(f"no spec path for {path}")


async def checked(jp_fetch, method: str, *path: str, status: int, body: Any = None, **kwargs: Any) -> Any:
    """A request whose status and body must be the expected ones, as the spec documents them."""
    code, data, response = await call(jp_fetch, method, *path, body=body, **kwargs)
    assert code == status, (method, path, code, data)
    assert_matches(spec_path(path), method, code, response.body)
    return data


def endpoint_processes(workspace: Any) -> list[tuple[int, int | None]]:
    backend = workspace.backend("local")
    if not backend.layout.index_db.exists():
        return []
    rows = backend.store.query("SELECT supervisor_pid, supervisor_start, server_pid FROM deployments")
    found = [(r["supervisor_pid"], r["supervisor_start"]) for r in rows if r["supervisor_pid"]]
    return found + [(r["server_pid"], start_time(r["server_pid"])) for r in rows if r["server_pid"]]


def assert_gone(processes: list[tuple[int, int | None]], timeout: float = 30) -> None:

    deadline = time.monotonic() + timeout
    while [p for p, s in processes if s is not None and is_alive(p, s)]:
        assert time.monotonic() < deadline, f"processes left behind: {processes}"
        time.sleep(0.05)


@pytest.fixture
def workspace(jp_serverapp) -> Iterator[Any]:
    """The server's workspace facade; every endpoint is deleted afterwards and its processes checked gone."""
    ws = jp_serverapp.web_app.settings["amlx_workspace"]
    yield ws
    processes = endpoint_processes(ws)
    for endpoint in ws.endpoints("local").list_endpoints():
        ws.endpoints("local").delete_endpoint(endpoint.name)
    assert_gone(processes)


@pytest.fixture
def trained_job(jp_root_dir: Path) -> Path:
    return write_notebook(
        jp_root_dir / "tiny_model.ipynb",
        "import os\nimport joblib\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
        "X = pd.DataFrame({'Age': [22.0, 38.0, 26.0, 35.0, 54.0, 2.0], 'Pclass': [3, 1, 3, 1, 1, 3]})\n"
        "model = LogisticRegression().fit(X, [0, 1, 1, 1, 0, 0])\n"
        "os.makedirs('outputs', exist_ok=True)\njoblib.dump(model, 'outputs/model.pkl')",
    )


def post_score(uri: str, key: str, payload: Any) -> int:
    parsed = urlparse(uri)
    conn = http.client.HTTPConnection("127.0.0.1", parsed.port, timeout=30)
    try:
        conn.request("POST", parsed.path, body=json.dumps(payload), headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json",
        })
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


async def test_register_deploy_invoke_and_delete_through_every_route(jp_fetch, workspace, trained_job: Path) -> None:
    job = await checked(jp_fetch, "POST", "jobs", status=201, body={"notebook": trained_job.name, "cell": 1, "autolog": False})
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"})
    assert done["status"] == "Completed", done["error"]

    candidates = await checked(jp_fetch, "GET", "jobs", job["name"], "model-candidates", status=200)
    assert [c["source"] for c in candidates["candidates"]] == ["outputs/model.pkl"]

    # -- the registry
    first = await checked(jp_fetch, "POST", "models", status=201, body={
        "name": "tiny-model", "job": job["name"], "path": "outputs/model.pkl", "description": "two features",
        "tags": {"stage": "test"},
    })
    assert (first["version"], first["format"], first["tags"]) == ("1", "pickle", {"stage": "test"})
    assert [c["name"] for c in first["input_columns"]] == ["Age", "Pclass"]
    assert first["example"] == {"data": [{"Age": 0.0, "Pclass": 0.0}]}
    second = await checked(jp_fetch, "POST", "models", status=201, body={"name": "tiny-model", "job": job["name"]})
    assert second["version"] == "2" and second["source"] == "outputs/model.pkl"
    listed = await checked(jp_fetch, "GET", "models", status=200)
    assert [(m["name"], m["latest_version"], m["version_count"]) for m in listed["models"]] == [("tiny-model", "2", 2)]
    versions = await checked(jp_fetch, "GET", "models", "tiny-model", status=200)
    assert [v["version"] for v in versions["versions"]] == ["2", "1"]
    assert (await checked(jp_fetch, "GET", "models", "tiny-model", "versions", "latest", status=200))["version"] == "2"
    assert (await checked(jp_fetch, "GET", "models", "tiny-model", "versions", "1", status=200)) == first
    download = await jp_fetch("amlx", "api", "models", "tiny-model", "versions", "1", "download")
    registry = workspace.backend("local").models
    assert download.body == (registry.folder(registry.get("tiny-model", 1)) / "model.pkl").read_bytes()
    assert 'filename="model.pkl"' in download.headers["Content-Disposition"]

    # -- an endpoint and its deployment
    created = await checked(jp_fetch, "POST", "endpoints", status=201, body={"name": "ep-rest", "auth_mode": "key"})
    assert created["deployments"] == [] and created["scoring_uri"].startswith("http://127.0.0.1:")
    code, keys, response = await call(jp_fetch, "GET", "endpoints", "ep-rest", "keys")
    assert code == 200 and response.headers["Cache-Control"] == "no-store"
    assert_matches("/endpoints/{name}/keys", "GET", 200, response.body)
    code, started, response = await call(
        jp_fetch, "POST", "endpoints", "ep-rest", "deployments", body={"name": "blue", "model": "tiny-model:1"}
    )
    assert code == 202 and started["status"] == "Creating", "provisioning is a long-running operation"
    assert_matches("/endpoints/{name}/deployments", "POST", 202, response.body)
    assert response.headers["Location"].endswith("/amlx/api/endpoints/ep-rest/deployments/blue")
    blue = await follow_deployment(jp_fetch, "ep-rest", "blue")
    assert blue["status"] == "Succeeded", blue["last_error"]
    assert blue["model"] == "tiny-model:1" and blue["restarts"] == 0
    server_pid = served_by(workspace, "ep-rest", "blue")
    endpoint = await checked(jp_fetch, "GET", "endpoints", "ep-rest", status=200)
    assert endpoint["traffic"] == {"blue": 100} and endpoint["status"] == "Succeeded"
    assert (await checked(jp_fetch, "GET", "endpoints", status=200))["endpoints"][0]["name"] == "ep-rest"
    assert (await checked(jp_fetch, "GET", "endpoints", "ep-rest", "deployments", "blue", status=200)) == blue

    scored = await checked(jp_fetch, "POST", "endpoints", "ep-rest", "invoke", status=200, body={"payload": {"data": [ROW]}})
    assert scored["status_code"] == 200 and scored["body"]["result"][0] in (0, 1) and scored["deployment"] == "blue"
    pinned = await checked(
        jp_fetch, "POST", "endpoints", "ep-rest", "invoke", status=200, body={"payload": {"data": [ROW]}, "deployment": "blue"}
    )
    assert pinned["deployment"] == "blue"
    missing = await checked(jp_fetch, "POST", "endpoints", "ep-rest", "invoke", status=200, body={"payload": {"data": [{"Age": 22}]}})
    assert missing["status_code"] == 400 and "Pclass" in missing["body"]["error"]["message"]

    # -- keys: the old one stops working at once, the running server is not restarted
    renewed = await checked(jp_fetch, "POST", "endpoints", "ep-rest", "keys", status=200, body={"regenerate": "primary"})
    assert renewed["secondary_key"] == keys["secondary_key"] and renewed["primary_key"] != keys["primary_key"]
    assert post_score(created["scoring_uri"], keys["primary_key"], {"data": [ROW]}) == 401
    assert post_score(created["scoring_uri"], renewed["primary_key"], {"data": [ROW]}) == 200
    assert served_by(workspace, "ep-rest", "blue") == server_pid

    # -- the copyable curl runs as it is
    curl = await checked(jp_fetch, "GET", "endpoints", "ep-rest", "curl", status=200)
    assert renewed["primary_key"] in curl["command"] and created["scoring_uri"] in curl["command"]
    ran = subprocess.run(shlex.split(curl["command"]) + ["-s"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and "result" in json.loads(ran.stdout)
    # ... and with the body the person edited in the test panel (two rows, two answers)
    edited = {"data": [ROW, {**ROW, "Pclass": 1}]}
    code, curl, response = await call(jp_fetch, "POST", "endpoints", "ep-rest", "curl", body={"payload": edited})
    assert code == 200 and response.headers["Cache-Control"] == "no-store"
    assert_matches("/endpoints/{name}/curl", "POST", 200, response.body)
    ran = subprocess.run(shlex.split(curl["command"]) + ["-s"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and len(json.loads(ran.stdout)["result"]) == 2

    # -- traffic, then deletion
    assert (await checked(jp_fetch, "PUT", "endpoints", "ep-rest", "traffic", status=200, body={"blue": 100}))["traffic"] == {"blue": 100}
    await checked(jp_fetch, "POST", "endpoints", "ep-rest", "deployments", status=409, body={"name": "blue", "model": "tiny-model"})
    processes = endpoint_processes(workspace)
    assert await checked(jp_fetch, "DELETE", "endpoints", "ep-rest", "deployments", "blue", status=200) == {"deleted": "blue"}
    assert_gone(processes, timeout=1)
    assert (await checked(jp_fetch, "GET", "endpoints", "ep-rest", status=200))["deployments"] == []
    assert await checked(jp_fetch, "DELETE", "endpoints", "ep-rest", status=200) == {"deleted": "ep-rest"}
    await checked(jp_fetch, "GET", "endpoints", "ep-rest", status=404)


async def follow_deployment(jp_fetch, endpoint: str, name: str) -> dict[str, Any]:
    """Follow a deployment as the sidebar does, until provisioning is decided."""
    deadline = time.monotonic() + DEPLOY_TIMEOUT
    while time.monotonic() < deadline:
        deployment = await checked(jp_fetch, "GET", "endpoints", endpoint, "deployments", name, status=200)
        if deployment["status"] != "Creating":
            return deployment
        await asyncio.sleep(0.1)
    raise AssertionError(f"deployment {name} of {endpoint} still Creating after {DEPLOY_TIMEOUT} s")


def served_by(workspace, endpoint: str, name: str) -> int:
    """The pid of the scoring server behind a deployment (a local detail the API does not show)."""
    rows = workspace.backend("local").store.query(
        "SELECT server_pid FROM deployments WHERE endpoint = ? AND name = ?", (endpoint, name)
    )
    assert rows and rows[0]["server_pid"], "the deployment has a running server"
    return int(rows[0]["server_pid"])


@pytest.fixture
def empty_endpoint(workspace) -> str:
    return workspace.endpoints("local").create_endpoint("ep-empty").name


@pytest.mark.parametrize(
    "method, path, body, status, field",
    [
        ("GET", ("models", "nope"), None, 404, None),
        ("GET", ("models", "nope", "versions", "1"), None, 404, None),
        ("GET", ("models", "nope", "versions", "v1"), None, 400, "version"),
        ("GET", ("models", "nope", "versions", "1", "download"), None, 404, None),
        ("POST", ("models",), {}, 400, "name"),
        ("POST", ("models",), {"name": "m"}, 400, "job"),
        ("POST", ("models",), {"name": "m", "job": "no_such_job"}, 404, None),
        ("POST", ("models",), {"name": "m", "job": "no_such_job", "bogus": 1}, 400, "bogus"),
        ("POST", ("models",), {"name": "bad name", "job": "no_such_job"}, 400, "name"),
        ("POST", ("models",), {"name": "m", "job": "no_such_job", "tags": ["x"]}, 400, "tags"),
        ("POST", ("models",), "{not json", 400, "body"),
        ("GET", ("jobs", "no_such_job", "model-candidates"), None, 404, None),
        ("GET", ("endpoints", "nope"), None, 404, None),
        ("DELETE", ("endpoints", "nope"), None, 404, None),
        ("GET", ("endpoints", "nope", "keys"), None, 404, None),
        ("GET", ("endpoints", "nope", "curl"), None, 404, None),
        ("POST", ("endpoints", "nope", "curl"), {"payload": {"data": [ROW]}}, 404, None),
        ("POST", ("endpoints", "ep-empty", "curl"), {}, 400, "payload"),
        ("POST", ("endpoints", "nope", "invoke"), {"payload": {"data": [ROW]}}, 404, None),
        ("PUT", ("endpoints", "nope", "traffic"), {"blue": 100}, 404, None),
        ("POST", ("endpoints",), {}, 400, "name"),
        ("POST", ("endpoints",), {"name": "under_score"}, 400, "name"),
        ("POST", ("endpoints",), {"name": "ep-x", "auth_mode": "aml_token"}, 400, "auth_mode"),
        ("POST", ("endpoints",), "[1, 2]", 400, "body"),
        ("POST", ("endpoints",), {"name": "ep-empty"}, 409, None),
        ("PUT", ("endpoints", "ep-empty", "traffic"), {"blue": 100}, 409, None),
        ("PUT", ("endpoints", "ep-empty", "traffic"), {"blue": 50}, 400, "traffic"),
        ("PUT", ("endpoints", "ep-empty", "traffic"), {"blue": "all"}, 400, "traffic.blue"),
        ("PUT", ("endpoints", "ep-empty", "traffic"), {}, 400, "traffic"),
        ("PUT", ("endpoints", "ep-empty", "traffic"), "{bad", 400, "body"),
        ("POST", ("endpoints", "ep-empty", "keys"), {}, 400, "regenerate"),
        ("POST", ("endpoints", "ep-empty", "keys"), {"regenerate": "tertiary"}, 400, "regenerate"),
        ("POST", ("endpoints", "ep-empty", "invoke"), {}, 400, "payload"),
        ("POST", ("endpoints", "ep-empty", "invoke"), {"payload": "text"}, 400, "payload"),
        ("POST", ("endpoints", "ep-empty", "invoke"), {"payload": {"data": [ROW]}}, 409, None),
        ("POST", ("endpoints", "ep-empty", "deployments"), {"name": "blue", "model": "nope"}, 404, None),
        ("POST", ("endpoints", "ep-empty", "deployments"), {"name": "blue"}, 400, "model"),
        ("POST", ("endpoints", "ep-empty", "deployments"), {"name": "b_1", "model": "nope"}, 400, "name"),
        ("POST", ("endpoints", "ep-empty", "deployments"), {"name": "blue", "model": "nope", "traffic": "all"}, 400, "traffic"),
        ("POST", ("endpoints", "ep-empty", "deployments"),
         {"name": "blue", "model": "nope", "score_script": "../outside.py"}, 400, "score_script"),
        ("GET", ("endpoints", "ep-empty", "deployments", "nope"), None, 404, None),
        ("DELETE", ("endpoints", "ep-empty", "deployments", "nope"), None, 404, None),
    ],
)
async def test_bad_requests_are_explained(
    jp_fetch, empty_endpoint: str, method: str, path: tuple[str, ...], body: Any, status: int, field: str | None
) -> None:
    code, data, response = await call(jp_fetch, method, *path, body=body)
    assert code == status, data
    assert_matches(spec_path(path), method, code, response.body)
    assert data["error"]["message"] and "Traceback" not in data["error"]["message"]
    if field:
        assert data["error"]["details"].get("field") == field, data


@pytest.mark.parametrize(
    "method, path",
    [("GET", ("models",)), ("GET", ("endpoints",)), ("POST", ("endpoints",)), ("GET", ("endpoints", "ep-x", "keys")),
     ("GET", ("endpoints", "ep-x", "curl")), ("POST", ("endpoints", "ep-x", "curl"))],
)
async def test_every_route_needs_jupyter_auth(jp_fetch, method: str, path: tuple[str, ...]) -> None:
    code, _, response = await call(jp_fetch, method, *path, body={"name": "ep-x"} if method == "POST" else None,
                                   headers={"Authorization": ""})
    assert code == 403
    assert_matches(spec_path(path), method, code, response.body)


STUB_SCORE = "def init():\n    pass\n\ndef run(raw_data):\n    return {'result': ['stub']}\n"


@pytest.fixture
def lost_deployment(amlx_workspace_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """Before the Jupyter server starts: a deployment whose supervisor and server died (as in a machine restart).

    A score.py deployment starts in well under a second (no scikit-learn), so
    the model is a stub file from a quick job.
    """
    import os
    import signal
    import sys

    from amlx_lab.backends.local import LocalBackend
    from amlx_lab.specs import CommandJobSpec

    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("import os\nos.makedirs('outputs', exist_ok=True)\nopen('outputs/model.pkl', 'wb').write(b'stub')\n")
    (tmp_path / "score.py").write_text(STUB_SCORE)
    backend = LocalBackend(amlx_workspace_dir, compute_slots=1)
    try:
        job = backend.submit(CommandJobSpec(code_dir=code, interpreter=str(Path(sys.base_prefix) / "bin" / "python3")))
        assert backend.wait(job.name, timeout=120).status.value == "Completed"
        backend.register_model("stub", job=job.name)
        endpoint = backend.create_endpoint("ep-back")
        backend.create_deployment("ep-back", "blue", model="stub", score_script=tmp_path / "score.py")
        deadline = time.monotonic() + 90
        while (blue := backend.get_endpoint("ep-back").deployments[0]).status == "Creating":
            assert time.monotonic() < deadline, "the deployment never settled"
            time.sleep(0.05)
        assert blue.status == "Succeeded", blue.last_error
        row = backend.store.query("SELECT supervisor_pid, supervisor_start, server_pid FROM deployments")[0]
        lost = [(row["supervisor_pid"], row["supervisor_start"]), (row["server_pid"], start_time(row["server_pid"]))]
        for pid, _ in lost:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(is_alive(p, s) for p, s in lost):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        state = backend.layout.deployment_dir("ep-back", "blue") / "state.json"
        return {"scoring_uri": endpoint.scoring_uri, "old_pid": row["server_pid"], "state": state,
                "lock": state.with_name("supervisor.lock")}
    finally:
        backend.close()


async def test_deployments_come_back_when_the_jupyter_server_starts(lost_deployment: dict[str, Any], jp_fetch, workspace) -> None:
    """The extension reconciles at start-up: the supervisor is back before anything reads the endpoint."""

    from amlx_lab.backends.local.procs import is_locked
    from amlx_lab.serving import is_serving_process, read_state

    await jp_fetch("amlx", "api", "workspace")  # the server is up; nothing has read endpoints yet
    deadline = time.monotonic() + 60
    while True:
        state = read_state(lost_deployment["state"]) or {}
        pid = state.get("pid")
        if is_locked(lost_deployment["lock"]) and state.get("status") == "ready" and pid != lost_deployment["old_pid"] \
                and is_serving_process(pid, lost_deployment["state"]):
            break
        assert time.monotonic() < deadline, "the deployment was not brought back at server start"
        time.sleep(0.05)
    while True:  # the supervisor records Succeeded just after the server's state file says ready
        endpoint = await checked(jp_fetch, "GET", "endpoints", "ep-back", status=200)
        if endpoint["deployments"][0]["status"] == "Succeeded":
            break
        assert time.monotonic() < deadline, endpoint
        time.sleep(0.05)
    assert endpoint["scoring_uri"] == lost_deployment["scoring_uri"]
    assert endpoint["deployments"][0]["restarts"] == 1
    scored = await checked(jp_fetch, "POST", "endpoints", "ep-back", "invoke", status=200, body={"payload": {"data": []}})
    assert scored["body"] == {"result": ["stub"]}


@pytest.mark.parametrize("path", [("models",), ("endpoints",)])
async def test_a_target_without_models_or_endpoints_says_so(jp_fetch, path: tuple[str, ...]) -> None:
    code, data, response = await call(jp_fetch, "GET", *path, params={"target": "azure"})
    assert code == 409 and data["error"]["details"]["target"] == "azure"
    assert_matches(spec_path(path), "GET", code, response.body)
