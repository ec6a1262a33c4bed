"""Health on the Azure target is honest: it signs in and reaches the workspace before it says ok, and caches that."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.config import AzureSettings
from amlx_lab.records import HealthState

from .helpers import azure_settings


def test_health_reports_the_workspace_region_studio_and_identity_once_reached(emulator: Any, tmp_path: Path) -> None:
    target = AzureBackend(AzureSettings.from_mapping(azure_settings(emulator)), search_from=tmp_path, cache_dir=tmp_path,
                          health_wait=0.0)
    try:
        mark = emulator.mark()
        first = target.health()  # no waiting: the check runs in the background
        assert first.state in (HealthState.CHECKING, HealthState.OK)
        if first.state is HealthState.CHECKING:
            assert "configured; checking" in first.message and first.checked_at is None
        health = target._get_parts().health.current(wait=30)
        assert health.state is HealthState.OK, health.message
        assert health.workspace == "amlx-ws" and health.region == "loopback"
        assert health.identity == "amlx-tester@loopback.test"
        assert health.message == "Connected to Azure ML workspace amlx-ws in loopback as amlx-tester@loopback.test."
        assert health.studio_url is not None and emulator.workspace_path in health.studio_url
        assert "tid=" in health.studio_url and health.checked_at is not None
        reached = [r["path"] for r in emulator.requests(mark)]
        assert emulator.workspace_path in reached and "/discovery" in reached

        again = emulator.mark()
        assert target.health() == health, "cached"
        assert emulator.requests(again) == [], "a fresh result costs no request"
    finally:
        target.close()


def test_health_says_when_azure_refuses_the_identity(emulator: Any, tmp_path: Path) -> None:
    emulator.clear_faults()
    emulator.add_fault("GET", rf"{emulator.workspace_path}$", 403, "AuthorizationFailed", "No access.", count=10)
    target = AzureBackend(AzureSettings.from_mapping(azure_settings(emulator)), search_from=tmp_path, cache_dir=tmp_path,
                          health_wait=30.0)
    try:
        health = target.health()
        assert health.state is HealthState.ERROR and "refused access" in health.message
        assert health.workspace == "amlx-ws" and health.checked_at is not None
    finally:
        emulator.clear_faults()
        target.close()


def test_bad_cloud_settings_are_a_health_sentence_not_a_crash(emulator: Any, tmp_path: Path) -> None:
    settings = azure_settings(emulator)
    settings["cloud_metadata"].pop("resource_manager")
    target = AzureBackend(AzureSettings.from_mapping(settings), search_from=tmp_path, cache_dir=tmp_path)
    health = target.health()
    assert health.state is HealthState.ERROR and "resource_manager" in health.message


@pytest.mark.parametrize("cloud", ["AzureCloud", "AzureUSGovernment"])
def test_a_known_cloud_needs_no_metadata(cloud: str, tmp_path: Path) -> None:
    from amlx_lab.backends.azure.clouds import cloud_of

    found = cloud_of(AzureSettings(subscription_id="s", resource_group="r", workspace_name="w", cloud=cloud))
    assert found.arm_scope.startswith("https://management.") and found.mlclient_kwargs() in ({}, {"cloud": cloud})
