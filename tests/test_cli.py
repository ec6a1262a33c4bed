"""The ``amlx`` console script, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AMLX = Path(sys.executable).with_name("amlx")


def run_amlx(*args: str, workspace: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "AMLX_WORKSPACE": str(workspace), **env}
    return subprocess.run([str(AMLX), *args], capture_output=True, text=True, env=environ, timeout=120)


def test_amlx_workspace_prints_the_local_target(tmp_path: Path) -> None:
    result = run_amlx("workspace", workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    assert "target:    local" in result.stdout
    assert str(tmp_path / "ws") in result.stdout
    assert "health:    ok" in result.stdout


def test_amlx_workspace_json_matches_the_rest_record(tmp_path: Path) -> None:
    result = run_amlx("--json", "--target", "azure", "workspace", workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["target"] == "azure"
    assert info["health"]["state"] == "not_configured"
    assert set(info) >= {"target", "label", "location", "workspace_dir", "version", "health", "capabilities", "targets"}


def test_amlx_reports_a_bad_environment_value_as_a_warning(tmp_path: Path) -> None:
    result = run_amlx("workspace", workspace=tmp_path / "ws", AMLX_TARGET="moon")
    assert result.returncode == 0, result.stderr
    assert "target:    local" in result.stdout
    assert "AMLX_TARGET is 'moon'" in result.stdout


def test_amlx_without_a_command_explains_usage(tmp_path: Path) -> None:
    result = run_amlx(workspace=tmp_path / "ws")
    assert result.returncode == 2
    assert "usage: amlx" in result.stderr
