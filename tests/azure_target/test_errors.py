"""Azure's failures on the Azure target: each becomes a typed error with a sentence, never a traceback.

Sign-in, authorization (403 from ARM), throttling (429 with Retry-After, retried first), server errors
(retried, then a 502 naming Azure), a missing workspace, and what azure-ai-ml or the service refuse.
Faults are injected into the loopback workspace's answers; no message may carry a secret or a path of
this machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.config import AzureSettings
from amlx_lab.errors import (
    AuthenticationError,
    AuthorizationError,
    NotFoundError,
    TargetNotConfiguredError,
    ThrottledError,
    UpstreamError,
    ValidationError,
)
from amlx_lab.records import HealthState
from amlx_lab.specs import CommandJobSpec

from .helpers import azure_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_job(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    code = tmp_path_factory.mktemp("errors-code")
    (code / "main.py").write_text("print('done')\n")
    target = AzureBackend(AzureSettings.from_mapping(azure_settings(emulator)), search_from=code, cache_dir=code / "c")
    try:
        job = target.submit(CommandJobSpec(code_dir=code, experiment="errors"))
        deadline = time.monotonic() + 120
        while not target.get_job(job.name).status.terminal:
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.2)
        return job.name
    finally:
        target.close()


@pytest.fixture
def faults(emulator: Any) -> Iterator[Any]:
    emulator.clear_faults()
    yield emulator
    emulator.clear_faults()


def _clean(message: str, *paths: Path) -> None:
    assert "Traceback" not in message and "Bearer" not in message and "sig=" not in message
    for path in paths:
        assert str(path) not in message


def test_a_403_from_arm_says_access_was_refused_and_what_to_ask_for(
    backend: AzureBackend, faults: Any, finished_job: str
) -> None:
    faults.add_fault("GET", rf".*/jobs/{finished_job}$", 403, "AuthorizationFailed",
                     "The client does not have authorization to perform action read.")
    with pytest.raises(AuthorizationError) as refused:
        backend.get_job(finished_job)
    error = refused.value
    assert error.status == 403 and error.code == "not_authorized"
    assert "amlx-ws" in error.message and "role" in error.message and "authorization" in error.message
    assert error.details["azure_code"] == "AuthorizationFailed"


def test_a_429_is_retried_after_its_retry_after_and_then_succeeds(
    backend: AzureBackend, faults: Any, finished_job: str
) -> None:
    backend.get_job(finished_job)  # warm: the next request is the job's own GET
    faults.add_fault("GET", rf".*/jobs/{finished_job}$", 429, "TooManyRequests", "Slow down.",
                     headers={"Retry-After": "1"}, count=1)
    mark = faults.mark()
    started = time.monotonic()
    assert backend.get_job(finished_job).name == finished_job
    gets = [r["status"] for r in faults.requests(mark) if r["path"].endswith(f"/jobs/{finished_job}")]
    assert gets[:2] == [429, 200] and time.monotonic() - started >= 1.0


def test_throttling_that_outlasts_the_retries_is_a_429_with_the_wait(
    backend: AzureBackend, faults: Any, finished_job: str
) -> None:
    faults.add_fault("GET", rf".*/jobs/{finished_job}$", 429, "TooManyRequests", "Slow down.",
                     headers={"Retry-After": "1"}, count=20)
    with pytest.raises(ThrottledError) as throttled:
        backend.get_job(finished_job)
    assert throttled.value.status == 429 and throttled.value.details["retry_after"] == 1.0
    assert "throttling" in throttled.value.message and "1 s" in throttled.value.message


def test_a_server_error_that_persists_is_a_502_naming_azure(backend: AzureBackend, faults: Any, finished_job: str) -> None:
    faults.add_fault("GET", rf".*/jobs/{finished_job}$", 500, "InternalServerError", "Something broke.", count=20)
    mark = faults.mark()
    with pytest.raises(UpstreamError) as failed:
        backend.get_job(finished_job)
    assert failed.value.status == 502 and failed.value.message.startswith("Azure ML failed with HTTP 500")
    assert failed.value.details["upstream"] == "azure"
    assert len([r for r in faults.requests(mark) if r["path"].endswith(f"/jobs/{finished_job}")]) > 1, "retried"


def test_sign_in_failure_says_what_to_set(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"):
        monkeypatch.delenv(name, raising=False)
    settings = AzureSettings.from_mapping(azure_settings(emulator, credential="environment"))
    target = AzureBackend(settings, search_from=tmp_path, cache_dir=tmp_path, health_wait=30)
    try:
        with pytest.raises(AuthenticationError) as refused:
            target.list_computes()
        assert refused.value.code == "sign_in_required"
        assert "AZURE_CLIENT_ID" in refused.value.message and "AZURE_CLIENT_SECRET" in refused.value.message
        health = target.health()
        assert health.state is HealthState.ERROR and "AZURE_TENANT_ID" in health.message
    finally:
        target.close()


def test_an_unknown_credential_names_the_choices(emulator: Any, tmp_path: Path) -> None:
    settings = AzureSettings.from_mapping(azure_settings(emulator, credential="kerberos"))
    target = AzureBackend(settings, search_from=tmp_path, cache_dir=tmp_path)
    with pytest.raises(ValidationError) as refused:
        target.list_computes()
    assert refused.value.field == "azure.credential" and "default, cli" in refused.value.message


def test_a_missing_workspace_says_to_check_the_coordinates(emulator: Any, tmp_path: Path) -> None:
    settings = AzureSettings.from_mapping(azure_settings(emulator, workspace_name="no-such-ws"))
    target = AzureBackend(settings, search_from=tmp_path, cache_dir=tmp_path, health_wait=30)
    try:
        with pytest.raises(TargetNotConfiguredError) as missing:
            target.get_job("calm_lamp_x1y2z3a4b5")
        assert "no-such-ws was not found" in missing.value.message and "workspace_name" in missing.value.message
        health = target.health()
        assert health.state is HealthState.ERROR and "no-such-ws was not found" in health.message
    finally:
        target.close()


def test_what_the_client_or_the_service_refuses_is_a_400_or_404_with_a_sentence(
    backend: AzureBackend, tmp_path: Path
) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print(1)\n")
    with pytest.raises(ValidationError) as local:
        backend.submit(CommandJobSpec(code_dir=code, compute="local"))
    assert local.value.field == "compute" and "serverless" in local.value.message
    with pytest.raises(ValidationError) as unknown:
        backend.submit(CommandJobSpec(code_dir=code, compute="no-such-cluster"))
    # refused before the code upload, from the workspace's compute list
    assert "no-such-cluster" in unknown.value.message and unknown.value.field == "compute"
    assert "amlx compute" in unknown.value.message
    with pytest.raises(NotFoundError) as missing_input:
        backend.submit(CommandJobSpec(code_dir=code, inputs={"data": str(tmp_path / "absent" / "rows.csv")}))
    assert "rows.csv" in missing_input.value.message
    with pytest.raises(ValidationError) as missing_asset:
        backend.submit(CommandJobSpec(code_dir=code, inputs={"data": "azureml:no-such-asset@latest"}))
    assert "no-such-asset" in missing_asset.value.message and missing_asset.value.field == "inputs.data"
    for error in (local.value, unknown.value, missing_input.value, missing_asset.value):
        _clean(error.message, tmp_path)
