"""Shared fixtures: a throw-away HOME for every test and a Jupyter server with amlx_lab enabled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# azure_emulator.fixtures: the loopback Azure ML workspace (one per session, shared by every test dir).
pytest_plugins = ("pytest_jupyter.jupyter_server", "azure_emulator.fixtures")


@pytest.fixture(scope="session")
def amlx_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache per test session, so the migrated MLflow template is built once, not per test."""
    return tmp_path_factory.mktemp("amlx-cache")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, amlx_cache_dir: Path) -> Path:
    """No test reads or writes the real home folder or inherits the developer's amlx settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in ("AMLX_WORKSPACE", "AMLX_TARGET", "AMLX_COMPUTE_SLOTS", "IPYTHONDIR", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AMLX_CACHE_DIR", str(amlx_cache_dir))
    monkeypatch.setenv("IPYTHONDIR", str(home / ".ipython"))
    return home


@pytest.fixture(autouse=True)
def jobs_see_no_test_pythonpath(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-jupyter's ``jp_environ`` exports the test's ``sys.path`` as PYTHONPATH, and the server's job
    supervisors pass it on: a bare interpreter would import this venv's mlflow (3-4 s per job) and stop being
    bare. A server started by a person has no such variable; tests should not either."""
    if "jp_environ" in request.fixturenames:
        request.getfixturevalue("jp_environ")
        monkeypatch.delenv("PYTHONPATH", raising=False)


@pytest.fixture
def amlx_workspace_dir(tmp_path: Path) -> Path:
    return tmp_path / "amlx-workspace"


@pytest.fixture
def amlx_app_config() -> dict[str, Any]:
    """Extra ``AmlxApp`` traitlets a test module may override."""
    return {}


@pytest.fixture
def jp_server_config(amlx_workspace_dir: Path, amlx_app_config: dict[str, Any]) -> dict[str, Any]:
    """The server under test: default auth settings (token required), amlx_lab enabled."""
    return {
        "ServerApp": {"jpserver_extensions": {"amlx_lab": True}},
        "AmlxApp": {"workspace_dir": str(amlx_workspace_dir), **amlx_app_config},
    }


def error_of(exc: Any) -> dict[str, Any]:
    """The ``error`` object of an HTTPClientError's JSON body."""
    return json.loads(exc.response.body)["error"]
