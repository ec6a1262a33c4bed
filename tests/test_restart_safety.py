"""Jobs outlive the Jupyter server: ``kill -9`` it mid-job, start a new one, the job completes."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.ui.lab import LabServer

pytestmark = pytest.mark.slow

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


def call(server: LabServer, path: str, body: Any = None, timeout: float = 60) -> Any:
    request = urllib.request.Request(
        f"{server.url}amlx/api/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_status(server: LabServer, name: str, wanted: set[str], deadline_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + deadline_s
    cursor = call(server, "events")["cursor"]  # the present, taken before the job is read
    job = call(server, f"jobs/{name}")
    if job["status"] in wanted:
        return job
    while time.monotonic() < deadline:
        changes = call(server, f"events?cursor={cursor}&wait=10", timeout=30)
        cursor = changes["cursor"]
        for job in changes["jobs"]:
            if job["name"] == name and job["status"] in wanted:
                return job
    raise AssertionError(f"{name} never reached {wanted}")


def test_a_job_survives_kill_9_of_the_server(tmp_path: Path) -> None:
    root = tmp_path / "notebooks"
    root.mkdir()
    go = tmp_path / "go"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os, time\nprint('waiting for the go file', flush=True)\n"
        "while not os.path.exists(os.environ['AMLX_TEST_GO']):\n    time.sleep(0.05)\n"
        "print('finished after the restart')"
    )]
    nbformat.write(nb, root / "waits.ipynb")
    env = {"AMLX_TEST_GO": str(go)}

    first = LabServer(base=tmp_path, root_dir=root, app="jupyter_server", extra_env=env).start()
    try:
        job = call(first, "jobs", {"notebook": "waits.ipynb", "cell": 0, "python": BARE_PYTHON})
        wait_status(first, job["name"], {"Running"})
    finally:
        assert first.process is not None
        os.kill(first.process.pid, signal.SIGKILL)  # the server only: the job's supervisor is detached
        first.process.wait(timeout=30)

    go.touch()  # let the job finish while no server is running
    second = LabServer(base=tmp_path, root_dir=root, app="jupyter_server", extra_env=env).start()
    try:
        done = wait_status(second, job["name"], {"Completed", "Failed", "Canceled"})
        assert done["status"] == "Completed", done["error"]
        log = call(second, f"jobs/{job['name']}/logs")
        assert "finished after the restart" in log["text"]
    finally:
        second.stop()
