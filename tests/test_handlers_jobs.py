"""Jobs through the REST API, with real supervisor processes, real SQLite and real MLflow.

Every wait is a long-poll on ``/events`` or ``/jobs/{name}/logs`` with a
deadline: the tests never sleep to synchronise.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from amlx_lab.backends.local.backend import LocalBackend
from tests.conftest import error_of
from tests.local.conftest import stop_everything
from tests.openapi import assert_matches

pytestmark = pytest.mark.slow

# An interpreter without mlflow: its jobs skip tracking and start in milliseconds,
# which keeps the concurrency test about the REST layer and the slot limit.
BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


def write_notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


@pytest.fixture(autouse=True)
def no_job_outlives_its_test(amlx_workspace_dir: Path):
    """Cancel whatever a test left running and wait for its processes to end."""
    yield
    if (amlx_workspace_dir / "amlx.db").exists():
        backend = LocalBackend(amlx_workspace_dir, compute_slots=2)
        try:
            stop_everything(backend)
        finally:
            backend.close()


@pytest.fixture
def notebooks(jp_root_dir: Path) -> Path:
    write_notebook(
        jp_root_dir / "tiny.ipynb",
        "n = 3",
        "import mlflow\nsquares = [i * i for i in range(n)]\nprint('squares', squares)\nmlflow.log_metric('total', n * 10)",
    )
    write_notebook(jp_root_dir / "fails.ipynb", "def train():\n    raise ValueError('boom: bad data')", "train()")
    write_notebook(
        jp_root_dir / "ticks.ipynb",
        "import time\nfor i in range(100000):\n    print('tick', i, flush=True)\n    time.sleep(0.05)",
    )
    write_notebook(jp_root_dir / "broken.ipynb", "x = 1", "def f(:\n    pass")
    write_notebook(jp_root_dir / "bare.ipynb", "k = 1", "print('bare job', k)")
    write_notebook(jp_root_dir / "reads.ipynb", "print(open('data.csv').read())")
    (jp_root_dir / "data.csv").write_text("a,b\n1,2\n")
    return jp_root_dir


async def api(jp_fetch, *path: str, method: str = "GET", body: Any = None, **params: Any) -> Any:
    kwargs: dict[str, Any] = {"method": method}
    if body is None and method == "POST":
        body = ""
    if body is not None:
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    if params:
        kwargs["params"] = {k: str(v) for k, v in params.items()}
    response = await jp_fetch("amlx", "api", *path, **kwargs)
    return json.loads(response.body) if response.body else None


async def wait_for_status(jp_fetch, name: str, statuses: set[str], deadline_s: float = 240) -> dict[str, Any]:
    """Long-poll ``/events`` until job ``name`` has one of ``statuses``."""
    deadline = time.monotonic() + deadline_s
    cursor = (await api(jp_fetch, "events"))["cursor"]  # the present, taken before the job is read
    job = await api(jp_fetch, "jobs", name)
    if job["status"] in statuses:
        return job
    while time.monotonic() < deadline:
        changes = await api(jp_fetch, "events", cursor=cursor, wait=10)
        assert_matches("/events", "GET", 200, json.dumps(changes))
        cursor = changes["cursor"]
        for job in changes["jobs"]:
            if job["name"] == name and job["status"] in statuses:
                return job
    raise AssertionError(f"job {name} did not reach {statuses} within {deadline_s} s")


async def read_logs_until(jp_fetch, name: str, needle: str, deadline_s: float = 120) -> str:
    """Long-poll the log route until ``needle`` appears."""
    deadline = time.monotonic() + deadline_s
    text, offset = "", None
    while time.monotonic() < deadline:
        where = {} if offset is None else {"offset": offset}
        chunk = await api(jp_fetch, "jobs", name, "logs", wait=10, **where)
        text += chunk["text"]
        offset = chunk["next_offset"]
        if needle in text:
            return text
        if chunk["complete"]:
            break
    raise AssertionError(f"{needle!r} not in the logs of {name}:\n{text[-2000:]}")


async def test_submit_runs_the_cell_and_tracks_it(jp_fetch, notebooks: Path, amlx_workspace_dir: Path) -> None:
    response = await jp_fetch("amlx", "api", "jobs", method="POST", body=json.dumps({"notebook": "tiny.ipynb", "cell": 1}))
    assert response.code == 201
    job = assert_matches("/jobs", "POST", 201, response.body)
    assert job["status"] == "Queued"
    assert response.headers["Location"].endswith(f"/amlx/api/jobs/{job['name']}")
    assert job["experiment"] == "tiny" and job["parameters"] == {"n": 3}
    assert job["display_name"] == "tiny cell 2", "cells are counted from 1, as in JupyterLab"

    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"})
    assert done["status"] == "Completed", done.get("error")
    shown = await api(jp_fetch, "jobs", job["name"])
    assert_matches("/jobs/{name}", "GET", 200, json.dumps(shown))
    assert shown["metrics"]["total"] == 30.0
    assert shown["exit_code"] == 0

    logs = await read_logs_until(jp_fetch, job["name"], "squares [0, 1, 4]")
    assert "squares [0, 1, 4]" in logs

    history = await api(jp_fetch, "jobs", job["name"], "metrics", "total")
    assert [p["value"] for p in history["points"]] == [30.0]
    code = await api(jp_fetch, "jobs", job["name"], "code")
    assert_matches("/jobs/{name}/code", "GET", 200, json.dumps(code))
    assert {"main.py", "requirements.txt", "_amlx_runtime/__init__.py"} <= {f["path"] for f in code["files"]}
    assert not [f["path"] for f in code["files"] if "__pycache__" in f["path"]]  # the snapshot is what was submitted
    experiments = await api(jp_fetch, "experiments")
    assert {"name": "tiny", "job_count": 1} == {k: experiments["experiments"][0][k] for k in ("name", "job_count")}

    # the same run is in the workspace's MLflow store, where mlflow.search_runs finds it
    import mlflow

    previous = mlflow.get_tracking_uri()  # process-global: other tests may have set it
    mlflow.set_tracking_uri(f"sqlite:///{amlx_workspace_dir / 'mlflow' / 'mlflow.db'}")
    try:
        runs = mlflow.search_runs(experiment_names=["tiny"])
    finally:
        mlflow.set_tracking_uri(previous)
    assert list(runs["metrics.total"]) == [30.0]
    assert list(runs["run_id"]) == [shown["mlflow_run_id"]]


async def test_preview_describes_the_package_without_running_it(jp_fetch, notebooks: Path, amlx_workspace_dir: Path) -> None:
    package = await api(jp_fetch, "jobs", "preview", method="POST", body={"notebook": "tiny.ipynb", "cell": 1})
    assert_matches("/jobs/preview", "POST", 200, json.dumps(package))
    assert "print('squares', squares)" in package["script"]
    assert package["parameters"]["n"]["default"] == 3
    assert [c["index"] for c in package["cells"]] == [0, 1]
    assert package["cells"][1]["explanation"] == "Cell 2 is the target cell."
    assert package["cells"][0]["explanation"].startswith("Cell 1 defines ")
    assert (await api(jp_fetch, "jobs"))["items"] == []


async def test_a_failing_cell_is_failed_with_its_traceback(jp_fetch, notebooks: Path) -> None:
    job = await api(jp_fetch, "jobs", method="POST", body={"notebook": "fails.ipynb", "cell": 1, "python": BARE_PYTHON})
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"})
    assert done["status"] == "Failed"
    assert done["exit_code"] not in (0, None)
    # the run details name the notebook cell and line, not main.py's
    assert done["error"].endswith("ValueError: boom: bad data (cell 0, line 2: raise ValueError('boom: bad data'))"), done["error"]
    logs = await read_logs_until(jp_fetch, job["name"], "ValueError: boom: bad data")
    assert "Traceback" in logs
    assert "  cell 1, line 1, in <module> (main.py, line " in logs and "\n    train()\n" in logs
    assert "  cell 0, line 2, in train (main.py, line " in logs
    assert 'main.py", line' not in logs


async def test_figures_are_outputs_and_mlflow_writes_to_the_system_log(jp_fetch, jp_root_dir: Path) -> None:
    write_notebook(
        jp_root_dir / "plots.ipynb",
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nfrom sklearn.linear_model import Ridge",
        "for alpha in (0.1, 1.0):\n    Ridge(alpha=alpha).fit([[0], [1], [2]], [0, 1, 2])\n"
        "plt.plot([1, 3, 2])\nplt.title('progress')\nplt.show()\nprint('plotted')",
    )
    body = {"notebook": "plots.ipynb", "cell": 1, "python": sys.executable}
    job = await api(jp_fetch, "jobs", method="POST", body=body)
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"})
    assert done["status"] == "Completed", done.get("error")

    outputs = await api(jp_fetch, "jobs", job["name"], "outputs")
    assert "figures/figure-01-cell-1.png" in {f["path"] for f in outputs["files"]}
    png = await jp_fetch("amlx", "api", "jobs", job["name"], "outputs", "figures/figure-01-cell-1.png")
    assert png.body[:8] == b"\x89PNG\r\n\x1a\n" and len(png.body) > 1000

    user = await read_logs_until(jp_fetch, job["name"], "plotted")
    system = await api(jp_fetch, "jobs", job["name"], "logs", log="system")
    assert_matches("/jobs/{name}/logs", "GET", 200, json.dumps(system))
    # the second fit's alpha cannot overwrite the run's parameter: MLflow says so in the system log only
    assert "Changing param values is not allowed" in system["text"] and system["complete"]
    assert "Changing param values" not in user and "WARNING" not in user
    assert "figure saved to outputs/figures/figure-01-cell-1.png" in user


async def test_cancel_stops_a_running_job(jp_fetch, notebooks: Path) -> None:
    job = await api(jp_fetch, "jobs", method="POST", body={"notebook": "ticks.ipynb", "cell": 0, "python": BARE_PYTHON})
    await read_logs_until(jp_fetch, job["name"], "tick 3")
    cancelled = await api(jp_fetch, "jobs", job["name"], "cancel", method="POST")
    assert_matches("/jobs/{name}/cancel", "POST", 200, json.dumps(cancelled))
    assert cancelled["status"] in {"CancelRequested", "Canceled"}
    done = await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"})
    assert done["status"] == "Canceled"
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", job["name"], "cancel", method="POST")
    assert caught.value.code == 409
    assert_matches("/jobs/{name}/cancel", "POST", 409, caught.value.response.body)


async def test_logs_long_poll_returns_as_soon_as_text_arrives(jp_fetch, notebooks: Path) -> None:
    job = await api(jp_fetch, "jobs", method="POST", body={"notebook": "ticks.ipynb", "cell": 0, "python": BARE_PYTHON})
    try:
        await read_logs_until(jp_fetch, job["name"], "tick 1")
        size = (await api(jp_fetch, "jobs", job["name"], "logs", offset=-1))["size"]
        started = time.monotonic()
        chunk = await api(jp_fetch, "jobs", job["name"], "logs", offset=size, wait=30)
        assert chunk["text"].startswith("tick") or "tick" in chunk["text"]
        assert time.monotonic() - started < 25, "the long-poll must answer when text arrives, not at the deadline"
    finally:
        await api(jp_fetch, "jobs", job["name"], "cancel", method="POST")
        await wait_for_status(jp_fetch, job["name"], {"Canceled", "Failed", "Completed"})


@pytest.mark.parametrize(
    "body, status, field",
    [
        ("{not json", 400, "body"),
        ("[1, 2]", 400, "body"),
        ({}, 400, "cell"),
        ({"notebook": "tiny.ipynb"}, 400, "cell"),
        ({"notebook": "tiny.ipynb", "cell": True}, 400, "cell"),
        ({"notebook": "tiny.ipynb", "cell": 1, "bogus": 1}, 400, "bogus"),
        ({"notebook": "tiny.ipynb", "cell": 1, "parameters": {"zzz": 1}}, 400, "parameters"),
        ({"notebook": "tiny.ipynb", "cell": 1, "parameters": {"n": [1]}}, 400, "parameters.n"),
        ({"notebook": "tiny.ipynb", "cell": 1, "autolog": "yes"}, 400, "autolog"),
        ({"sources": ["x = 1"], "cell": 0, "cell_source": "print(x)"}, 400, "cell_source"),
        ({"notebook": "tiny.ipynb", "cell": 1, "cell_source": 3}, 400, "cell_source"),
        ({"notebook": "tiny.ipynb", "cell": 1, "cell_source": "print(undefined_here)"}, 422, None),
        ({"notebook": "../outside.ipynb", "cell": 0}, 400, "notebook"),
        ({"notebook": "/etc/passwd", "cell": 0}, 400, "notebook"),
        ({"notebook": "missing.ipynb", "cell": 0}, 404, "notebook"),
        ({"notebook": "tiny.ipynb", "cell": 99}, 404, None),
        ({"notebook": "broken.ipynb", "cell": 1}, 422, None),
        # refused by the job spec or the target, which preview consults as submit does
        ({"notebook": "tiny.ipynb", "cell": 1, "compute": "gpu-cluster"}, 400, "compute"),
        ({"notebook": "tiny.ipynb", "cell": 1, "experiment": "no spaces allowed"}, 400, "experiment"),
        ({"notebook": "tiny.ipynb", "cell": 1, "tags": {"k": "v" * 6000}}, 400, "tags"),
        ({"notebook": "reads.ipynb", "cell": 0, "inputs": {"data.csv": "../outside.csv"}}, 400, "inputs.data.csv"),
        ({"notebook": "reads.ipynb", "cell": 0, "inputs": {"data.csv": "azureml:no-such-asset@latest"}}, 400, None),
        ({"notebook": "reads.ipynb", "cell": 0, "inputs": {"other.csv": "data.csv"}}, 400, None),
    ],
)
async def test_bad_submissions_are_explained(jp_fetch, notebooks: Path, body: Any, status: int, field: str | None) -> None:
    (notebooks.parent / "outside.ipynb").write_text((notebooks / "tiny.ipynb").read_text())
    (notebooks.parent / "outside.csv").write_text("secret\n")
    for route in (("jobs",), ("jobs", "preview")):
        with pytest.raises(HTTPClientError) as caught:
            await api(jp_fetch, *route, method="POST", body=body)
        assert caught.value.code == status, caught.value.response.body
        error = error_of(caught.value)
        assert error["message"] and "Traceback" not in error["message"]
        if field:
            assert error["details"].get("field") == field
        assert_matches("/" + "/".join(route), "POST", status, caught.value.response.body)
    if status == 422:
        assert error["details"]["cell_index"] == 1 and error["details"]["line"] == 1
        assert "cell 1" in error["message"]
    assert (await api(jp_fetch, "jobs"))["items"] == [], "nothing is recorded for a refused submission"


@pytest.mark.parametrize(
    "path, params, status",
    [
        (("jobs", "no_such_job"), {}, 404),
        (("jobs", "no_such_job", "logs"), {}, 404),
        (("jobs", "no_such_job", "logs"), {"log": "kernel"}, 400),
        (("jobs", "no_such_job", "outputs"), {}, 404),
        (("jobs", "no_such_job", "code"), {}, 404),
        (("jobs",), {"limit": 0}, 400),
        (("jobs",), {"limit": "many"}, 400),
        (("jobs",), {"order_by": "metrics."}, 400),
        (("events",), {"since": -1}, 400),
        (("events",), {"wait": 1000}, 400),
        (("data", "no-such-asset"), {}, 404),
    ],
)
async def test_bad_reads_are_explained(jp_fetch, path: tuple[str, ...], params: dict[str, Any], status: int) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, *path, **params)
    assert caught.value.code == status
    assert error_of(caught.value)["message"]


async def test_output_download_and_traversal(
    jp_fetch, notebooks: Path, jp_root_dir: Path, http_server_client, jp_base_url: str, jp_auth_header: dict[str, str]
) -> None:
    write_notebook(
        jp_root_dir / "writes.ipynb",
        "import os\nos.makedirs('outputs/sub', exist_ok=True)\nopen('outputs/sub/result.txt', 'w').write('forty-two')",
    )
    job = await api(jp_fetch, "jobs", method="POST", body={"notebook": "writes.ipynb", "cell": 0, "python": BARE_PYTHON})
    assert (await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed"}))["status"] == "Completed"
    listing = await api(jp_fetch, "jobs", job["name"], "outputs")
    assert_matches("/jobs/{name}/outputs", "GET", 200, json.dumps(listing))
    assert [f["path"] for f in listing["files"]] == ["sub/result.txt"]
    response = await jp_fetch("amlx", "api", "jobs", job["name"], "outputs", "sub", "result.txt")
    assert response.body == b"forty-two"
    assert "attachment" in response.headers["Content-Disposition"]
    # raw URLs: jp_fetch would escape the escapes
    for escape in ("..%2F..%2Famlx.db", "%2Fetc%2Fpasswd", "..%2Fcode%2Fmain.py", "sub%2F..%2F..%2Fcode%2Fmain.py"):
        url = f"{jp_base_url}amlx/api/jobs/{job['name']}/outputs/{escape}"
        response = await http_server_client.fetch(url, headers=jp_auth_header, raise_error=False)
        assert response.code in (400, 404), (escape, response.code)
        assert json.loads(response.body)["error"]["message"]
        assert b"import" not in response.body and b"root:" not in response.body
    # the code snapshot's files: main.py is what the Code tab shows; outputs and escapes are refused
    script = await jp_fetch("amlx", "api", "jobs", job["name"], "code", "main.py")
    assert b"forty-two" in script.body and "attachment" in script.headers["Content-Disposition"]
    code = await api(jp_fetch, "jobs", job["name"], "code")
    assert "main.py" in [f["path"] for f in code["files"]]
    for escape, status in (("outputs%2Fsub%2Fresult.txt", 404), ("..%2Foutputs%2Fsub%2Fresult.txt", 400),
                           ("%2Fetc%2Fpasswd", 400), ("no-such.py", 404)):
        url = f"{jp_base_url}amlx/api/jobs/{job['name']}/code/{escape}"
        response = await http_server_client.fetch(url, headers=jp_auth_header, raise_error=False)
        assert response.code == status, (escape, response.code)
        assert json.loads(response.body)["error"]["message"]
        assert b"forty-two" not in response.body
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "jobs", "no_such_job", "code", "main.py")
    assert caught.value.code == 404


async def test_data_assets_are_versioned(jp_fetch, jp_root_dir: Path, amlx_workspace_dir: Path) -> None:
    (jp_root_dir / "data").mkdir()
    csv = jp_root_dir / "data" / "titanic.csv"
    csv.write_text("Age,Pclass,Sex,Survived\n22,3,male,0\n")
    first = await api(jp_fetch, "data", method="POST", body={"name": "titanic-dataset", "path": "data/titanic.csv"})
    assert_matches("/data", "POST", 201, json.dumps(first))
    csv.write_text("Age,Pclass,Sex,Survived\n22,3,male,0\n38,1,female,1\n")
    second = await api(jp_fetch, "data", method="POST", body={"name": "titanic-dataset", "path": "data/titanic.csv"})
    assert (first["version"], second["version"]) == ("1", "2")
    assert first["type"] == "uri_file"
    listed = await api(jp_fetch, "data")
    assert [(a["name"], a["version"]) for a in listed["assets"]] == [("titanic-dataset", "2")]
    versions = await api(jp_fetch, "data", "titanic-dataset")
    assert_matches("/data/{name}", "GET", 200, json.dumps(versions))
    assert sorted(v["version"] for v in versions["versions"]) == ["1", "2"]
    copy = next((amlx_workspace_dir / "data" / "titanic-dataset").glob("1/*"))
    assert copy.read_text().count("\n") == 2, "version 1 keeps its own copy"
    for body, status in [
        ({"name": "x", "path": "../../etc/passwd"}, 400),
        ({"name": "x", "path": "data/missing.csv"}, 404),
        ({"name": "bad name!", "path": "data/titanic.csv"}, 400),
        ({"path": "data/titanic.csv"}, 400),
    ]:
        with pytest.raises(HTTPClientError) as caught:
            await api(jp_fetch, "data", method="POST", body=body)
        assert caught.value.code == status, (body, caught.value.response.body)


@pytest.fixture
def amlx_app_config() -> dict[str, Any]:
    return {"compute_slots": 2}


async def test_fifty_concurrent_submissions_are_all_recorded_and_limited(jp_fetch, notebooks: Path) -> None:
    body = json.dumps({"notebook": "bare.ipynb", "cell": 1, "python": BARE_PYTHON, "experiment": "burst"})
    responses = await asyncio.gather(
        *(jp_fetch("amlx", "api", "jobs", method="POST", body=body, request_timeout=300) for _ in range(50))
    )
    names = [json.loads(r.body)["name"] for r in responses]
    assert len(set(names)) == 50

    deadline = time.monotonic() + 400
    page: dict[str, Any] = {}
    while time.monotonic() < deadline:
        cursor = (await api(jp_fetch, "events"))["cursor"]
        page = await api(jp_fetch, "jobs", experiment="burst", limit=100)
        if all(j["status"] in ("Completed", "Failed", "Canceled") for j in page["items"]):
            break
        await api(jp_fetch, "events", cursor=cursor, wait=10)
    jobs = page["items"]
    assert sorted(j["name"] for j in jobs) == sorted(names), "none lost, none duplicated"
    assert all(j["status"] == "Completed" for j in jobs), [j["error"] for j in jobs if j["status"] != "Completed"]
    events = sorted([(j["started_at"], 1) for j in jobs] + [(j["ended_at"], -1) for j in jobs], key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert peak <= 2, f"{peak} jobs ran at once with 2 compute slots"


# An interpreter that does not answer until the test creates RELEASE: the package build asks the
# kernel's interpreter for its packages, so a submission using it holds its thread that long.
SLOW_PYTHON = """#!/bin/sh
touch "{folder}/started-$$"
i=0
while [ ! -e "{folder}/RELEASE" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
exec {python} "$@"
"""


async def test_reads_answer_while_submissions_hold_every_work_thread(jp_fetch, notebooks: Path, tmp_path: Path) -> None:
    """Eight slow submissions are more than tornado's default executor has threads (6 on 2 cores):
    when reads shared it, GET /workspace waited behind them."""
    folder = tmp_path / "slow-python"
    folder.mkdir()
    slow = folder / "python"
    slow.write_text(SLOW_PYTHON.format(folder=folder, python=BARE_PYTHON))
    slow.chmod(0o755)
    body = json.dumps({"notebook": "bare.ipynb", "cell": 1, "python": str(slow), "experiment": "slow"})
    submits = [
        asyncio.ensure_future(jp_fetch("amlx", "api", "jobs", method="POST", body=body, request_timeout=300))
        for _ in range(8)
    ]
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob("started-*")) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert list(folder.glob("started-*")), "no submission reached the package build"
        assert not any(s.done() for s in submits)
        info = await asyncio.wait_for(api(jp_fetch, "workspace"), timeout=60)
        assert info["target"] == "local"
        assert not any(s.done() for s in submits), "the read answered while every submission was still held"
    finally:
        (folder / "RELEASE").touch()
        responses = await asyncio.gather(*submits, return_exceptions=True)
    assert all(getattr(r, "code", None) == 201 for r in responses), responses


async def test_a_run_is_named_by_its_cell_and_the_parameters_it_set(jp_fetch, notebooks: Path) -> None:
    """Runs of one cell differ by the parameters submitted: the default name says which (CLI and magics alike)."""
    base = {"notebook": "bare.ipynb", "cell": 1, "python": BARE_PYTHON, "experiment": "naming"}
    plain = await api(jp_fetch, "jobs", method="POST", body=base)
    changed = await api(jp_fetch, "jobs", method="POST", body={**base, "parameters": {"k": 4}})
    named = await api(jp_fetch, "jobs", method="POST", body={**base, "parameters": {"k": 5}, "display_name": "mine"})
    assert [plain["display_name"], changed["display_name"], named["display_name"]] == [
        "bare cell 2", "bare cell 2 (k=4)", "mine",
    ]
    # the value as the person gave it: a float parameter set to 2 reads "alpha=2", as typed, not "alpha=2.0"
    write_notebook(notebooks / "ridge.ipynb", "alpha = 0.5", "print('alpha', alpha)")
    typed = await api(jp_fetch, "jobs", method="POST", body={**base, "notebook": "ridge.ipynb", "parameters": {"alpha": 2}})
    assert typed["display_name"] == "ridge cell 2 (alpha=2)" and typed["parameters"] == {"alpha": 2.0}
    for job in (plain, changed, named, typed):
        await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed", "Canceled"})


async def test_a_data_asset_replaces_the_file_the_cell_reads(jp_fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "data").mkdir()
    csv = jp_root_dir / "data" / "numbers.csv"
    csv.write_text("x\n100\n200\n")
    await api(jp_fetch, "data", method="POST", body={"name": "numbers", "path": "data/numbers.csv"})
    csv.write_text("x\n1\n2\n")  # the notebook's own copy now differs from the registered asset
    write_notebook(jp_root_dir / "sums.ipynb", "rows = open('data/numbers.csv').read().split()[1:]\nprint('sum', sum(map(int, rows)))")
    body = {"notebook": "sums.ipynb", "cell": 0, "python": BARE_PYTHON,
            "inputs": {"data/numbers.csv": "azureml:numbers@latest"}}
    preview = await api(jp_fetch, "jobs", "preview", method="POST", body=body)
    assert [(i["path"], i["mode"]) for i in preview["inputs"]] == [("data/numbers.csv", "job_input")]
    job = await api(jp_fetch, "jobs", method="POST", body=body)
    assert (await wait_for_status(jp_fetch, job["name"], {"Completed", "Failed"}))["status"] == "Completed"
    assert "sum 300" in await read_logs_until(jp_fetch, job["name"], "sum ")
    shown = await api(jp_fetch, "jobs", job["name"])
    assert [i["asset"] for i in shown["inputs"]] == ["numbers:1"]

    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", method="POST", body={**body, "inputs": {"data/other.csv": "numbers:1"}})
    assert caught.value.code == 400 and "data/numbers.csv" in error_of(caught.value)["message"]


async def test_error_bodies_name_paths_as_the_user_gave_them(jp_fetch, notebooks: Path, jp_root_dir: Path, tmp_path: Path,
                                                            amlx_workspace_dir: Path) -> None:
    """Errors raised deep down may hold resolved paths; no body leaves with the server's folders in it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "link.csv").symlink_to(secret)
    (jp_root_dir / "corrupt.ipynb").write_text("{not json")
    (jp_root_dir / "folder.ipynb").mkdir()
    cases = [
        (("data",), {"name": "linked", "path": "data"}, 400),
        (("jobs", "preview"), {"notebook": "corrupt.ipynb", "cell": 0}, 422),
        (("jobs", "preview"), {"notebook": str(jp_root_dir / "folder.ipynb"), "cell": 0}, 404),
        (("jobs",), {"notebook": str(jp_root_dir / "missing.ipynb"), "cell": 0}, 404),
    ]
    for route, body, status in cases:
        with pytest.raises(HTTPClientError) as caught:
            await api(jp_fetch, *route, method="POST", body=body)
        text = caught.value.response.body.decode()
        assert caught.value.code == status, text
        for folder in {str(jp_root_dir), str(jp_root_dir.resolve()), str(amlx_workspace_dir), str(tmp_path)}:
            assert folder not in text, f"{route} {body} answered with a server path: {text}"
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "data", method="POST", body={"name": "linked", "path": "data"})
    assert "'link.csv'" in error_of(caught.value)["message"]
