"""The backend conformance suite: every behaviour the facade relies on, tested once per target.

Tests reach a target only through the facade's capability accessors
(``ws.jobs(t)``, ``ws.data(t)``, ``ws.models(t)``, ``ws.endpoints(t)``), i.e.
through the protocols of ``amlx_lab/backends/base.py``. A target that lacks a
capability must refuse it with a 409 ``not_supported`` sentence; its tests for
that capability then stop there. A new target joins by adding its name to
``TARGETS`` and a way to build it in ``_workspace``.

The Azure target runs against the loopback Azure ML workspace (``tests/azure_emulator``): the real
azure-ai-ml client signs in through the test-only ``loopback`` credential plugin and reaches the
emulator through its cloud settings; every Azure test runs under the socket guard.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from amlx_lab.backends.base import has_capability
from amlx_lab.config import AmlxConfig
from amlx_lab.errors import NotSupportedError
from amlx_lab.records import Job
from amlx_lab.specs import CommandJobSpec
from amlx_lab.workspace import Workspace
from azure_target.helpers import azure_settings

TARGETS = ("local", "azure")
T = TypeVar("T")

#: An interpreter without this venv's packages: small jobs start in a few ms instead of seconds.
BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


@dataclass
class Target:
    """One target under test: the facade, its name, and a folder for job code."""

    ws: Workspace
    name: str
    root: Path

    def has(self, capability: str) -> bool:
        return has_capability(self.ws.backend(self.name), capability)

    def require(self, capability: str) -> None:
        """Skip the rest of a test when the target lacks ``capability``, after checking it says so properly."""
        if self.has(capability):
            return
        accessor = {"jobs": self.ws.jobs, "sweeps": self.ws.sweeps, "automl": self.ws.automl, "data_assets": self.ws.data,
                    "models": self.ws.models, "endpoints": self.ws.endpoints, "computes": self.ws.computes}[capability]
        with pytest.raises(NotSupportedError) as refused:
            accessor(self.name)
        assert refused.value.status == 409 and capability in refused.value.details["capability"]
        pytest.skip(f"the {self.name} target has no {capability} (and says so with a 409)")

    def code(self, main: str, **files: str) -> Path:
        """A fresh code folder holding ``main.py`` (dedented) and ``files``."""
        folder = self.root / f"code-{time.monotonic_ns()}"
        folder.mkdir(parents=True)
        (folder / "main.py").write_text(textwrap.dedent(main))
        for name, text in files.items():
            (folder / name).write_text(textwrap.dedent(text))
        return folder

    def submit(self, main: str, *, bare: bool = True, **spec: Any) -> Job:
        spec.setdefault("experiment", "conformance")
        if bare:
            spec.setdefault("interpreter", BARE_PYTHON)
        return self.ws.jobs(self.name).submit(CommandJobSpec(code_dir=self.code(main), **spec))

    def finished(self, job: Job, timeout: float = 120) -> Job:
        done = self.ws.wait(job.name, timeout=timeout, target=self.name)
        assert done.status.terminal, f"job {job.name} still {done.status.value} after {timeout:g} s"
        return done


def wait_until(condition: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def _workspace(name: str, root: Path, emulator: Any = None) -> Workspace:
    if name == "local":
        return Workspace(AmlxConfig.resolve(workspace_dir=root / "ws", target="local", compute_slots=2), search_from=root)
    if name == "azure":
        (root / "ws").mkdir(parents=True)
        (root / "ws" / "settings.json").write_text(json.dumps({"azure": azure_settings(emulator)}))
        return Workspace(AmlxConfig.resolve(workspace_dir=root / "ws", target="azure"), search_from=root)
    raise ValueError(name)


@pytest.fixture(scope="module", params=TARGETS)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, amlx_cache_dir: Path) -> Iterator[Target]:
    root = tmp_path_factory.mktemp(f"conformance-{request.param}")
    with ExitStack() as stack:
        env = stack.enter_context(pytest.MonkeyPatch.context())
        env.setenv("AMLX_CACHE_DIR", str(amlx_cache_dir))
        env.setenv("HOME", str(root / "home"))
        env.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        emulator = None
        if request.param == "azure":
            from azure_emulator.fixtures import client_environment, guarded

            emulator = request.getfixturevalue("azure_emulator")
            stack.enter_context(guarded(request.getfixturevalue("azure_emulator_guard_log")))
            stack.enter_context(client_environment(emulator))
            env.syspath_prepend(emulator.settings["seams_dir"])  # the test-only "loopback" credential plugin
        ws = _workspace(request.param, root, emulator)
        try:
            yield Target(ws, request.param, root)
        finally:
            _clean_up(ws, request.param)
            ws.close()


@pytest.fixture(autouse=True)
def _azure_tests_are_socket_guarded(request: pytest.FixtureRequest) -> None:
    """A test on the Azure target fails if any socket leaves 127.0.0.1 while it runs."""
    if "target" in request.fixturenames and request.getfixturevalue("target").name == "azure":
        request.getfixturevalue("socket_guard")


def _clean_up(ws: Workspace, name: str) -> None:
    """Endpoints deleted and running jobs canceled, so no process outlives the module."""
    backend = ws.backend(name)
    if has_capability(backend, "endpoints"):
        for endpoint in ws.endpoints(name).list_endpoints():
            ws.endpoints(name).delete_endpoint(endpoint.name)
    if has_capability(backend, "jobs"):
        jobs = ws.jobs(name)
        active = ws.list_jobs(target=name, status=("Queued", "Preparing", "Starting", "Running"), limit=500).items
        for job in active:
            try:
                jobs.cancel(job.name)
            except Exception:  # noqa: BLE001 - it may have finished meanwhile
                pass
        for job in active:
            ws.wait(job.name, timeout=60, target=name)
