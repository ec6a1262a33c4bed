"""The Azure target's own tests run against the loopback Azure ML workspace, each under the socket guard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure_emulator.fixtures import client_environment, guarded

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.config import AzureSettings

from .helpers import azure_settings


@pytest.fixture(autouse=True)
def _loopback_only(socket_guard: Any) -> Any:
    return socket_guard


@pytest.fixture(scope="module")
def emulator(azure_emulator: Any, azure_emulator_guard_log: Path) -> Iterator[Any]:
    """The session's emulator, with this process set up as its client and the loopback credential plugin on the path."""
    with guarded(azure_emulator_guard_log), client_environment(azure_emulator) as em, pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(em.settings["seams_dir"])
        yield em


@pytest.fixture
def backend(emulator: Any, tmp_path: Path) -> Iterator[AzureBackend]:
    """A fresh Azure target on the emulator (compute cpu-cluster by default)."""
    settings = AzureSettings.from_mapping(azure_settings(emulator, compute="cpu-cluster"))
    target = AzureBackend(settings, search_from=tmp_path, cache_dir=tmp_path / "azure-cache")
    yield target
    target.close()
