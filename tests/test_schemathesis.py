"""schemathesis against a live ``jupyter server``: every check, a bounded number of examples, a fixed seed.

It generates requests from ``schema/openapi.yaml`` (valid ones, and ones that
break the schema), sends them to a real server on 127.0.0.1 and checks every
answer: no 5xx, every status and body as documented, bad input refused and
good input accepted, 405 with ``Allow`` for undocumented methods, no answer
without authentication. A failure prints schemathesis' report with a curl
command that reproduces it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from amlx_lab.backends.local import LocalBackend
from tests.local.conftest import stop_everything
from tests.ui.lab import LabServer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SEED = 20240612
EXAMPLES = 8  # per operation and phase: the whole run takes about a minute here


def test_schemathesis_finds_no_server_error_and_no_contract_violation(tmp_path: Path) -> None:
    root = tmp_path / "notebooks"
    root.mkdir()
    server = LabServer(base=tmp_path, root_dir=root, app="jupyter_server", extra_env={"AMLX_COMPUTE_SLOTS": "1"})
    server.start()
    try:
        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli", "--config-file", str(REPO / "tests" / "schemathesis.toml"),
                "run", str(REPO / "schema" / "openapi.yaml"),
                "--url", f"{server.url}amlx/api",
                "--header", f"Authorization: token {server.token}",
                "--checks", "all",
                "--max-examples", str(EXAMPLES),
                "--seed", str(SEED),
                "--workers", "1",
                "--request-timeout", "60",
                "--no-color",
            ],
            capture_output=True, text=True, timeout=600, cwd=tmp_path, stdin=subprocess.DEVNULL,
        )
    finally:
        server.stop()
        backend = LocalBackend(server.workspace_dir, compute_slots=1)
        try:
            stop_everything(backend)  # a generated submission may have started a job
        finally:
            backend.close()
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
