"""The workspace around the jobs: discovery, computes and VM sizes, bearer tokens, unknown workspaces, canned
faults for error handling (403, 429 with Retry-After), and the socket guard itself."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests

from .client import RunningEmulator
from .helpers import CURATED, wait_for_job
from .socket_guard import SocketGuard


def test_workspace_resource_has_discovery_tracking_uri_and_location(ml_client: Any, azure_env: RunningEmulator) -> None:
    ws = ml_client.workspaces.get(azure_env.settings["workspace_name"])
    assert ws.location == "loopback" and ws.discovery_url == f"{azure_env.base_url}/discovery"
    discovery = requests.get(ws.discovery_url, timeout=30).json()
    assert discovery["api"] == discovery["history"] == azure_env.base_url
    credential = ml_client._credential
    assert set(credential.scopes) == {(f"{azure_env.base_url}/.default",)}  # never Entra ID's own audiences


def test_computes_and_vm_sizes_are_listed(ml_client: Any) -> None:
    clusters = {c.name: c for c in ml_client.compute.list()}
    assert set(clusters) == {"cpu-cluster", "gpu-cluster"}
    cpu = ml_client.compute.get("cpu-cluster")
    assert cpu.type == "amlcompute" and cpu.size == "STANDARD_DS3_V2" and cpu.max_instances == 4
    assert "Standard_DS3_v2" in {s.name for s in ml_client.compute.list_sizes()}


def test_requests_without_a_bearer_token_are_refused_in_arms_shape(azure_emulator: RunningEmulator) -> None:
    url = f"{azure_emulator.base_url}{azure_emulator.workspace_path}/jobs?api-version=2024-01-01-preview"
    answer = requests.get(url, verify=azure_emulator.ca_bundle, timeout=30)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "AuthenticationFailed"


def test_an_unknown_workspace_is_not_found(azure_env: RunningEmulator) -> None:
    from azure.ai.ml import MLClient
    from azure.core.exceptions import ResourceNotFoundError

    ml = MLClient(**{**azure_env.mlclient_kwargs(), "workspace_name": "no-such-workspace"})
    with pytest.raises(ResourceNotFoundError, match="no-such-workspace"):
        ml.jobs.get("anything")


def test_canned_faults_reach_the_sdk(ml_client: Any, azure_env: RunningEmulator) -> None:
    from azure.core.exceptions import HttpResponseError

    azure_env.add_fault("GET", r"/computes$", 403, "AuthorizationFailed",
                        "The client does not have authorization to perform action 'computes/read'.")
    with pytest.raises(HttpResponseError) as refused:
        list(ml_client.compute.list())
    assert refused.value.status_code == 403
    assert refused.value.error is not None and refused.value.error.code == "AuthorizationFailed"

    workspace = azure_env.settings["workspace_name"]
    mark = azure_env.mark()
    azure_env.add_fault("GET", rf"/workspaces/{workspace}$", 429, "TooManyRequests", "Slow down.",
                        headers={"Retry-After": "1"})
    assert ml_client.workspaces.get(workspace).name == workspace  # azure-core waited and retried
    statuses = [r["status"] for r in azure_env.requests(mark) if r["path"].endswith(f"/workspaces/{workspace}")]
    assert statuses == [429, 200]


def test_guard_refuses_lookups_in_this_process(socket_guard: SocketGuard) -> None:
    socket_guard.expected.append("example.invalid")
    with pytest.raises(OSError, match="socket guard"):
        socket.create_connection(("example.invalid", 443), timeout=1)
    assert socket_guard.violations == ["DNS lookup of 'example.invalid'"]
    socket.getaddrinfo("127.0.0.1", 80)  # loopback stays allowed
    socket.getaddrinfo("localhost", 80)


@pytest.mark.slow
def test_guard_refuses_lookups_in_jobs_and_reports_them(
    ml_client: Any, socket_guard: SocketGuard, azure_emulator_guard_log: Any
) -> None:
    from azure.ai.ml import command

    from .socket_guard import read_violations

    socket_guard.expected.append("example.invalid")
    job = ml_client.jobs.create_or_update(command(
        command="python -c \"import socket; socket.getaddrinfo('example.invalid', 443)\"",
        environment=CURATED, compute="cpu-cluster",
    ))
    assert wait_for_job(ml_client, job.name).status == "Failed"
    details = ml_client.jobs._runs_operations.get_run_details(job.name)
    assert "amlx socket guard: DNS lookup of 'example.invalid' refused" in details.error.error.message
    found, _ = read_violations(str(azure_emulator_guard_log))
    assert any(v["what"] == "DNS lookup of 'example.invalid'" and v["process"].startswith("-c") for v in found)
