"""Capabilities are what a target implements, and a missing one is a 409 sentence everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from amlx_lab.backends.base import CAPABILITY_PROTOCOLS, capabilities_of, has_capability
from amlx_lab.config import AmlxConfig
from amlx_lab.errors import NotSupportedError
from amlx_lab.records import Health, HealthState, TargetTraits
from amlx_lab.workspace import Workspace

from .conftest import Target


def test_capabilities_are_derived_from_the_protocols(target: Target) -> None:
    backend = target.ws.backend(target.name)
    capabilities = capabilities_of(backend)
    for flag, protocol in CAPABILITY_PROTOCOLS.items():
        assert getattr(capabilities, flag) == isinstance(backend, protocol)
    assert capabilities.sort_keys == backend.traits().sort_keys


class _DataOnly:
    """A target that implements data assets and nothing else."""

    name = "local"
    label = "Half-built target"

    def location(self) -> str:
        return "nowhere"

    def health(self) -> Health:
        return Health(HealthState.OK, "fine")

    def traits(self) -> TargetTraits:
        return TargetTraits()

    def on_server_start(self) -> None:
        return None

    def close(self) -> None:
        return None

    def register_data(self, name: str, path: Any, description: Any = None, version: Any = None) -> Any:
        raise AssertionError("not called")

    def list_data(self, name: Any = None) -> Any:
        return ()

    def get_data(self, name: str, version: Any = "latest") -> Any:
        raise AssertionError("not called")


def test_a_target_without_a_capability_refuses_it_with_a_sentence(tmp_path) -> None:
    ws = Workspace(AmlxConfig.resolve(workspace_dir=tmp_path, target="local"))
    ws._backends["local"] = _DataOnly()  # type: ignore[assignment]
    assert has_capability(ws.backend(), "data_assets") and ws.data().list_data() == ()
    info = ws.info()
    assert (info.capabilities.data_assets, info.capabilities.jobs, info.capabilities.endpoints) == (True, False, False)
    for accessor, word in ((ws.jobs, "jobs"), (ws.sweeps, "sweep jobs"), (ws.models, "model registry"),
                           (ws.endpoints, "online endpoints")):
        with pytest.raises(NotSupportedError) as refused:
            accessor()
        assert refused.value.status == 409 and refused.value.code == "not_supported"
        assert word in refused.value.message and "Half-built target" in refused.value.message
    with pytest.raises(NotSupportedError):
        ws.best_job("rmse")
