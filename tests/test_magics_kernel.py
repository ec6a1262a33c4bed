"""``%aml`` in a real IPython kernel (jupyter_client), on the diabetes example.

The example's cells run in the kernel as a user runs them; its training cell
is then submitted twice with ``%%aml submit``: once without ``--wait`` (its
status display must be updated in place until Completed, by the magic's
background thread) and once with ``--wait`` (the log streams into the cell).
``%aml best`` must then name the run with the lowest rmse, which ``%aml jobs``
confirms, and ``%aml download`` fetches its model. Last, the kernel must shut
down promptly while a live status still watches a running job.

Also here: a kernel the Jupyter server starts (as JupyterLab starts one for a
notebook) logs its own MLflow runs to the workspace, where they are jobs of
type ``interactive``.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import KernelManager
from tornado.httpclient import HTTPClientError

from amlx_lab.backends.local.layout import Layout
from amlx_lab.backends.local.tracking import ensure_store
from amlx_lab.errors import ConflictError
from amlx_lab.workspace import Workspace
from tests.openapi import assert_matches

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
Message = dict[str, Any]


class Kernel:
    """A started kernel and every iopub message it sent, in order."""

    def __init__(self, manager: KernelManager) -> None:
        self.manager = manager
        self.client = manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)
        self.iopub: list[Message] = []

    def _pump(self, timeout: float) -> Message | None:
        try:
            msg = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        self.iopub.append(msg)
        return msg

    def run(self, code: str, timeout: float = 300) -> list[Message]:
        """Execute ``code``; the iopub messages of that execution once the kernel is idle again."""
        msg_id = self.client.execute(code)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"cell did not finish in {timeout:g} s: {code[:80]!r}")
            msg = self._pump(min(remaining, 1.0))
            if (msg is not None and msg["parent_header"].get("msg_id") == msg_id
                    and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"):
                break
        reply = self.client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:  # e.g. a second kernel_info reply of wait_for_ready
            reply = self.client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "ok", reply["content"]
        return [m for m in self.iopub if m["parent_header"].get("msg_id") == msg_id]

    def wait_for(self, found: Callable[[Message], bool], timeout: float, what: str) -> Message:
        """The first iopub message (already seen or still to come) for which ``found`` is true."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for msg in self.iopub[seen:]:
                if found(msg):
                    return msg
            seen = len(self.iopub)
            if time.monotonic() >= deadline:
                pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
            self._pump(0.5)


def stream(messages: list[Message], name: str = "stdout") -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == name)


def printed(kernel: Kernel, code: str) -> str:
    messages = kernel.run(code)
    assert stream(messages, "stderr") == "", stream(messages, "stderr")
    return stream(messages).strip()


def example_cells() -> tuple[list[str], str]:
    """The diabetes notebook's code cells above the training cell, and the training cell."""
    nb = json.loads((EXAMPLES / "diabetes_ridge.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    tags = [c["metadata"].get("tags", []) for c in nb["cells"] if c["cell_type"] == "code"]
    train = next(i for i, t in enumerate(tags) if "aml-train" in t)
    return sources[:train], sources[train]


@pytest.fixture
def kernel(tmp_path: Path) -> Any:
    """A kernel in a notebook folder, with MLflow pointed at the workspace's store as the Jupyter server points it."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    layout = Layout(tmp_path / "ws")
    ensure_store(layout)  # the server builds it at start-up
    env = {**os.environ, "AMLX_WORKSPACE": str(tmp_path / "ws"), "MLFLOW_DISABLE_TELEMETRY": "true",
           "MLFLOW_TRACKING_URI": layout.mlflow_uri}
    env.pop("JPY_SESSION_NAME", None)
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(folder), env=env)
    kernel = Kernel(manager)
    try:
        yield kernel
    finally:
        kernel.client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)


def submitted_job(messages: list[Message]) -> tuple[str, str]:
    """The job name and display id of a ``%%aml submit`` status display."""
    shown = next(m for m in messages if m["msg_type"] == "display_data")
    name = next(line.split()[1] for line in shown["content"]["data"]["text/plain"].splitlines() if line.startswith("name:"))
    return name, shown["content"]["transient"]["display_id"]


@pytest.mark.slow
def test_diabetes_example_submit_wait_then_best(kernel: Kernel, tmp_path: Path) -> None:
    earlier, train = example_cells()
    kernel.run("%load_ext amlx_lab")
    for source in earlier:  # the example as a user runs it, plots and all
        kernel.run(source)

    # without --wait: returns at once with a status display that the magic keeps current; no --experiment: the
    # notebook's own mlflow.set_experiment("diabetes-ridge") names it
    first = kernel.run(f"%%aml submit --param alpha=0.1\n{train}")
    assert stream(first, "stderr") == ""
    first_name, display_id = submitted_job(first)
    html = next(m for m in first if m["msg_type"] == "display_data")["content"]["data"]["text/html"]
    assert first_name in html and "class='amlx-status'" in html

    # with --wait: the job's log streams into the cell, then the finished job is the result
    second = kernel.run(f"%%aml submit --wait\n{train}")
    log = stream(second)
    assert "alpha_value: 0.5" in log and "rmse:" in log, log
    result = next(m for m in second if m["msg_type"] == "execute_result")["content"]["data"]
    assert "status:      Completed" in result["text/plain"] and "Completed" in result["text/html"]
    second_name = result["text/plain"].split()[1]

    updated = kernel.wait_for(
        lambda m: m["msg_type"] == "update_display_data"
        and m["content"]["transient"]["display_id"] == display_id
        and "status:      Completed" in m["content"]["data"]["text/plain"],
        timeout=240, what=f"the live status of {first_name} to reach Completed",
    )
    assert "Completed" in updated["content"]["data"]["text/html"]

    # the body ran as jobs only, never in the kernel
    assert printed(kernel, "print('model' in globals(), 'rmse' in globals())") == "False False"

    # the tutorial's best-run loop in one line, checked against the jobs table
    searched = stream(kernel.run("%aml best --metric rmse --min -o best"))
    assert searched.strip() == "Searched experiment 'diabetes-ridge' (the notebook's mlflow.set_experiment) for the lowest rmse."
    best = printed(kernel, "print(best.name, best.metrics['rmse'])").split()
    kernel.run("%aml jobs --experiment diabetes-ridge -o runs")
    table = printed(kernel, "print(runs.sort_values('metrics.rmse')['name'].iloc[0], len(runs), sorted(runs['params.alpha']))")
    assert table == f"{best[0]} 2 [0.1, 0.5]"
    assert best[0] in (first_name, second_name)
    jobs = {n: Workspace.from_environment(workspace_dir=tmp_path / "ws").jobs().get_job(n) for n in (first_name, second_name)}
    assert {j.experiment for j in jobs.values()} == {"diabetes-ridge"}
    rmse = {n: j.metrics["rmse"] for n, j in jobs.items()}
    assert best[0] == min(rmse, key=rmse.get) and float(best[1]) == pytest.approx(min(rmse.values()))

    fetched = kernel.run(f"%aml download {best[0]} --path model.pkl")
    assert "Wrote 1 file," in next(m for m in fetched if m["msg_type"] == "execute_result")["content"]["data"]["text/plain"]
    assert (tmp_path / "notebooks" / "outputs" / best[0] / "model.pkl").stat().st_size > 0
    assert not (tmp_path / "notebooks" / "mlflow.db").exists(), "the kernel's MLflow wrote to the workspace"


@pytest.mark.slow
def test_kernel_exits_while_a_live_status_watches_a_running_job(kernel: Kernel, tmp_path: Path) -> None:
    release = tmp_path / "release"
    body = f"import os, time\nwhile not os.path.exists({str(release)!r}):\n    time.sleep(0.05)"
    kernel.run("%load_ext amlx_lab")
    messages = kernel.run(f"%%aml submit --experiment waiting\n{body}")
    name, _ = submitted_job(messages)
    assert printed(kernel, "print(get_ipython().find_magic('aml').__self__.live.watching)") == f"('{name}',)"

    kernel.client.shutdown()  # what closing the notebook's kernel sends
    deadline = time.monotonic() + 20
    while kernel.manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not kernel.manager.is_alive(), "the live status thread must not keep the kernel alive"

    ws = Workspace.from_environment(workspace_dir=tmp_path / "ws")
    assert not ws.jobs().get_job(name).status.terminal, "the job outlives the kernel"
    try:
        ws.jobs().cancel(name)
    except ConflictError:
        pass
    ws.close()


# -- kernels the Jupyter server starts ---------------------------------------------------------------------


async def run_in_kernel(kernel: Any, code: str, timeout: float = 120) -> str:
    """Execute ``code`` in a kernel the server manages; its stdout (a failure shows the traceback)."""
    client = kernel.client()  # an asynchronous client: the server's event loop keeps serving meanwhile
    client.start_channels()
    out: list[str] = []

    def keep(msg: Message) -> None:
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    try:
        await client.wait_for_ready(timeout=timeout)
        reply = await client.execute_interactive(code, timeout=timeout, output_hook=keep)
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


async def amlx_get(jp_fetch: Any, *path: str, **params: str) -> Any:
    response = await jp_fetch("amlx", "api", *path, params=params)
    spec_path = "/" + "/".join("{name}" if i == 1 and path[0] == "jobs" else p for i, p in enumerate(path))
    return assert_matches(spec_path, "GET", response.code, response.body)


@pytest.mark.slow
async def test_a_kernel_the_server_starts_logs_its_runs_to_the_workspace(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, amlx_workspace_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"sqlite:///{amlx_workspace_dir / 'mlflow' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    deadline = time.monotonic() + 120
    while not (amlx_workspace_dir / "mlflow" / "mlflow.db").exists():  # built by the server's start-up work
        assert time.monotonic() < deadline, "the server never built the workspace's MLflow store"
        await asyncio.sleep(0.1)

    # as JupyterLab opens a notebook: a session, whose kernel the server starts
    body = json.dumps({"path": "work.ipynb", "type": "notebook", "name": "work.ipynb", "kernel": {"name": "python3"}})
    session = json.loads((await jp_fetch("api", "sessions", method="POST", body=body)).body)
    kernel = jp_serverapp.kernel_manager.get_kernel(session["kernel"]["id"])
    code = (
        "import os, mlflow\n"
        "print(os.environ.get('MLFLOW_TRACKING_URI'))\n"
        "mlflow.set_experiment('kernel-runs')\n"
        "with mlflow.start_run(run_name='tried-in-the-notebook'):\n"
        "    mlflow.log_param('alpha', 0.5)\n"
        "    mlflow.log_metric('rmse', 1.25)\n"
        "print('logged')"
    )
    printed = await run_in_kernel(kernel, code)
    assert printed.split() == [uri, "logged"]
    assert not (jp_root_dir / "mlflow.db").exists() and not (jp_root_dir / "mlruns").exists(), "nothing next to the notebook"

    # the run is a job of the workspace, as REST (and so the sidebar) lists it
    deadline = time.monotonic() + 60
    while not (page := await amlx_get(jp_fetch, "jobs", experiment="kernel-runs"))["items"]:
        assert time.monotonic() < deadline, "the notebook's run never showed up among the jobs"
        await asyncio.sleep(0.25)
    (job,) = page["items"]
    assert job["name"].startswith("run_") and job["type"] == "interactive"
    assert (job["display_name"], job["status"], job["metrics"], job["params"]) == (
        "tried-in-the-notebook", "Completed", {"rmse": 1.25}, {"alpha": "0.5"}
    )

    # what makes no sense for it is a clear answer, never a 500
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("amlx", "api", "jobs", job["name"], "cancel", method="POST", body="")
    assert refused.value.code == 409
    error = assert_matches("/jobs/{name}/cancel", "POST", 409, refused.value.response.body)["error"]
    assert "interactive MLflow run" in error["message"]
    log = await amlx_get(jp_fetch, "jobs", job["name"], "logs")
    assert (log["text"], log["complete"]) == ("", True)
    assert (await amlx_get(jp_fetch, "jobs", job["name"], "code"))["files"] == []
    assert (await amlx_get(jp_fetch, "jobs", job["name"], "outputs"))["files"] == []


@pytest.fixture
def tracking_uri_set_by_the_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


@pytest.mark.slow
async def test_a_tracking_uri_the_user_set_is_kept(tracking_uri_set_by_the_user: str, jp_fetch: Any) -> None:
    await jp_fetch("amlx", "api", "workspace")  # the server (and its amlx_lab extension) is running
    assert os.environ["MLFLOW_TRACKING_URI"] == tracking_uri_set_by_the_user
