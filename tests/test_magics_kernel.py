"""``%aml`` in a real IPython kernel (jupyter_client), on the diabetes example.

The example's cells run in the kernel as a user runs them; its training cell
is then submitted twice with ``%%aml submit``: once without ``--wait`` (its
status display must be updated in place until Completed, by the magic's
background thread) and once with ``--wait`` (the log streams into the cell).
``%aml best`` must then name the run with the lowest rmse, which ``%aml jobs``
confirms, and ``%aml download`` fetches its model. Last, the kernel must shut
down promptly while a live status still watches a running job.
"""

from __future__ import annotations

import json
import os
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import KernelManager

from amlx_lab.errors import ConflictError
from amlx_lab.workspace import Workspace

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
    folder = tmp_path / "notebooks"
    folder.mkdir()
    env = {**os.environ, "AMLX_WORKSPACE": str(tmp_path / "ws"), "MLFLOW_DISABLE_TELEMETRY": "true"}
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

    # without --wait: returns at once with a status display that the magic keeps current
    first = kernel.run(f"%%aml submit --experiment diabetes-ridge --param alpha=0.1\n{train}")
    assert stream(first, "stderr") == ""
    first_name, display_id = submitted_job(first)
    html = next(m for m in first if m["msg_type"] == "display_data")["content"]["data"]["text/html"]
    assert first_name in html and "class='amlx-status'" in html

    # with --wait: the job's log streams into the cell, then the finished job is the result
    second = kernel.run(f"%%aml submit --experiment diabetes-ridge --wait\n{train}")
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
    kernel.run("%aml best --experiment diabetes-ridge --metric rmse --min -o best")
    best = printed(kernel, "print(best.name, best.metrics['rmse'])").split()
    kernel.run("%aml jobs --experiment diabetes-ridge -o runs")
    table = printed(kernel, "print(runs.sort_values('metrics.rmse')['name'].iloc[0], len(runs), sorted(runs['params.alpha']))")
    assert table == f"{best[0]} 2 [0.1, 0.5]"
    assert best[0] in (first_name, second_name)
    rmse = {n: Workspace.from_environment(workspace_dir=tmp_path / "ws").jobs().get_job(n).metrics["rmse"]
            for n in (first_name, second_name)}
    assert best[0] == min(rmse, key=rmse.get) and float(best[1]) == pytest.approx(min(rmse.values()))

    fetched = kernel.run(f"%aml download {best[0]} --path model.pkl")
    assert "Wrote 1 file(s)" in next(m for m in fetched if m["msg_type"] == "execute_result")["content"]["data"]["text/plain"]
    assert (tmp_path / "notebooks" / "outputs" / best[0] / "model.pkl").stat().st_size > 0


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
