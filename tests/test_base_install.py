"""The wheel installed into a fresh virtualenv with only the base dependencies (no ``[azure]`` extra).

This is what a user gets from ``pip install amlx_lab``: the CLI and the server
must work on the local target, and the Azure target must say how to install
its packages instead of failing. uv builds the wheel (the labextension is
prebuilt by ``make install-test``, so no Node.js runs) and creates the venv;
its cache lives in ``build/uv-cache`` so a second run takes seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.lab import LabServer, isolated_env

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PIP_HINT = "pip install 'amlx_lab[azure]'"


def _uv() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def _run(argv: list[str], *, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def base_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtualenv holding the wheel and its base dependencies only; yields its ``bin`` folder."""
    if not (REPO / "amlx_lab" / "labextension" / "static" / "style.js").is_file():
        pytest.fail("the labextension is not built: run make install-test (it builds it once)")
    tmp = tmp_path_factory.mktemp("base-install")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_", "PYTHONPATH"))}
    env["UV_CACHE_DIR"] = str(REPO / "build" / "uv-cache")
    wheels = tmp / "dist"
    built = _run([_uv(), "build", "--quiet", "--wheel", "--out-dir", str(wheels), str(REPO)], env=env)
    assert built.returncode == 0, built.stderr[-4000:]
    wheel = next(wheels.glob("amlx_lab-*.whl"))
    venv = tmp / "venv"
    made = _run([_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], env=env)
    assert made.returncode == 0, made.stderr[-4000:]
    installed = _run([_uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)], env=env)
    assert installed.returncode == 0, installed.stderr[-4000:]
    yield venv / "bin"


@pytest.fixture
def venv_env(base_venv: Path, tmp_path: Path) -> dict[str, str]:
    """The venv's bin first on PATH, every home-folder path (and the amlx workspace) in the test's folder."""
    env = isolated_env(tmp_path)
    env["PATH"] = f"{base_venv}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def test_the_venv_really_lacks_the_azure_extra(base_venv: Path, venv_env: dict[str, str]) -> None:
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('azure') is None else 1)"
    assert _run([str(base_venv / "python"), "-c", probe], env=venv_env).returncode == 0


def test_amlx_workspace_works_and_names_the_pip_command(base_venv: Path, venv_env: dict[str, str]) -> None:
    amlx = str(base_venv / "amlx")
    text = _run([amlx, "workspace"], env=venv_env)
    assert text.returncode == 0, text.stderr
    assert "Traceback" not in text.stdout + text.stderr
    assert "local (ok)" in text.stdout

    azure = _run([amlx, "--target", "azure", "workspace"], env=venv_env)
    assert azure.returncode == 0, azure.stderr
    assert PIP_HINT in azure.stdout

    record = _run([amlx, "--json", "workspace"], env=venv_env)
    assert record.returncode == 0, record.stderr
    targets = {t["name"]: t for t in json.loads(record.stdout)["targets"]}
    assert targets["local"]["health"]["state"] == "ok"
    assert PIP_HINT in targets["azure"]["health"]["message"]


def test_a_server_started_from_the_venv_answers_get_workspace(base_venv: Path, tmp_path: Path) -> None:
    root = tmp_path / "notebooks"
    root.mkdir()
    server = LabServer(base=tmp_path, root_dir=root, app="jupyter_server", python=str(base_venv / "python"))
    server.start()
    try:
        for query, target in (("", "local"), ("?target=azure", "azure")):
            request = urllib.request.Request(
                f"{server.url}amlx/api/workspace{query}", headers={"Authorization": f"token {server.token}"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
                info = json.loads(response.read())
            assert info["target"] == target
            azure = next(t for t in info["targets"] if t["name"] == "azure")
            assert PIP_HINT in azure["health"]["message"]
    finally:
        server.stop()
