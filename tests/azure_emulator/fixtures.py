"""Pytest fixtures for the loopback Azure ML workspace (registered as a plugin by ``tests/conftest.py``).

* ``azure_emulator`` (session): Azurite and the emulator, started once; a ``RunningEmulator``.
* ``azure_env`` (function): this process set up as a client (CA bundle, blob and MLflow seams, the
  process-wide ``AZUREML_CURRENT_CLOUD`` restored afterwards); yields the ``RunningEmulator``.
* ``ml_client`` (function): a real ``MLClient`` on the emulator, with a ``LoopbackCredential``.
* ``client_environment`` / ``guarded``: the same two as context managers, for wider-scoped fixtures.
* ``socket_guard`` (function): fails the test if this process, the emulator, its jobs or Azurite tried to
  reach anything but 127.0.0.1 while it ran.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .client import EmulatorOptions, RunningEmulator, start_emulator_process
from .socket_guard import LOG_VAR, SocketGuard, read_violations


@pytest.fixture(scope="session")
def azure_emulator_guard_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file every guarded process of this session appends refused connections to."""
    path = tmp_path_factory.mktemp("socket-guard") / "violations.jsonl"
    path.touch()
    return path


@pytest.fixture(scope="session")
def azure_emulator(
    tmp_path_factory: pytest.TempPathFactory, azure_emulator_guard_log: Path
) -> Iterator[RunningEmulator]:
    started = time.monotonic()
    emulator = start_emulator_process(
        tmp_path_factory.mktemp("azure-emulator"), EmulatorOptions(),
        env={LOG_VAR: str(azure_emulator_guard_log)},
    )
    emulator.settings["startup_seconds"] = round(time.monotonic() - started, 2)
    try:
        yield emulator
    finally:
        emulator.stop()


@contextmanager
def client_environment(emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    """This process as a client of ``emulator`` until the block ends (then everything is put back)."""
    from azure.ai.ml.constants._common import STORAGE_ACCOUNT_URLS

    from . import seams
    from .credentials import LoopbackCredential

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REQUESTS_CA_BUNDLE", emulator.ca_bundle)
        # MLClient(cloud=...) writes this for the whole process; restore what was there afterwards.
        mp.setenv("AZUREML_CURRENT_CLOUD", os.environ.get("AZUREML_CURRENT_CLOUD", emulator.settings["cloud_name"]))
        mp.setitem(STORAGE_ACCOUNT_URLS, "AzureBlob", STORAGE_ACCOUNT_URLS["AzureBlob"])
        seams.apply(emulator.settings, LoopbackCredential())
        yield emulator


@contextmanager
def guarded(log_path: Path) -> Iterator[SocketGuard]:
    """Refuse non-loopback sockets in this process; fail if any guarded process made an unexpected attempt."""
    guard = SocketGuard(str(log_path))
    _, offset = read_violations(str(log_path))
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
    found, _ = read_violations(str(log_path), offset)
    unexpected = [v for v in found if not any(e in v["what"] for e in guard.expected)]
    if unexpected:
        lines = [f"pid {v['pid']} ({v['process']}): {v['what']} at {' / '.join(v.get('where', []))}"
                 for v in unexpected]
        pytest.fail("Sockets left 127.0.0.1 during the test:\n  " + "\n  ".join(lines), pytrace=False)


@pytest.fixture
def azure_env(azure_emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    with client_environment(azure_emulator) as emulator:
        yield emulator


@pytest.fixture
def ml_client(azure_env: RunningEmulator) -> Any:
    from azure.ai.ml import MLClient

    return MLClient(**azure_env.mlclient_kwargs())


@pytest.fixture
def socket_guard(azure_emulator_guard_log: Path) -> Iterator[SocketGuard]:
    with guarded(azure_emulator_guard_log) as guard:
        yield guard
