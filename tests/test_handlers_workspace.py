"""``/amlx/api/workspace`` and the API's shared behaviour: auth, JSON errors, unknown routes."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

import amlx_lab
from tests.conftest import error_of


async def test_workspace_reports_local_target(jp_fetch, amlx_workspace_dir: Path) -> None:
    response = await jp_fetch("amlx", "api", "workspace")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    info = json.loads(response.body)
    assert info["target"] == "local"
    assert info["workspace_dir"] == str(amlx_workspace_dir)
    assert info["location"] == str(amlx_workspace_dir)
    assert info["version"] == amlx_lab.__version__
    assert info["health"]["state"] == "ok"
    assert amlx_workspace_dir.is_dir(), "the local workspace folder is created on first use"
    assert info["capabilities"]["instance_types"] is False
    assert {t["name"] for t in info["targets"]} == {"local", "azure"}


async def test_workspace_for_unconfigured_azure_says_what_to_do(jp_fetch) -> None:
    info = json.loads((await jp_fetch("amlx", "api", "workspace", params={"target": "azure"})).body)
    assert info["target"] == "azure"
    assert info["health"]["state"] == "not_configured"
    assert "config.json" in info["health"]["message"]
    assert info["capabilities"]["instance_types"] is True


@pytest.fixture
def service_principal_without_variables(amlx_workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the server starts: the Azure credential is a service principal from variables that are not set,
    so signing in fails at once, without any network call."""
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"):
        monkeypatch.delenv(name, raising=False)
    amlx_workspace_dir.mkdir(parents=True, exist_ok=True)
    (amlx_workspace_dir / "settings.json").write_text(json.dumps({"azure": {"credential": "environment"}}))


@pytest.mark.usefixtures("socket_guard", "service_principal_without_variables")
async def test_azure_config_json_next_to_the_notebooks_is_found_and_health_says_whether_it_is_reachable(
    jp_fetch, jp_root_dir: Path
) -> None:
    """Configured is not reachable: the header reports the sign-in failure with what to set, not a green light."""
    (jp_root_dir / ".azureml").mkdir()
    (jp_root_dir / ".azureml" / "config.json").write_text(
        json.dumps({"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "ws-1"})
    )
    deadline = time.monotonic() + 60
    while True:
        info = json.loads((await jp_fetch("amlx", "api", "workspace", params={"target": "azure"})).body)
        assert info["location"] == "sub-1/rg-1/ws-1"
        assert info["health"]["state"] in ("checking", "error"), "never ok: nothing was reached"
        if info["health"]["state"] == "error" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    health = info["health"]
    assert health["state"] == "error" and "AZURE_CLIENT_ID" in health["message"] and health["checked_at"]


async def test_unknown_target_is_a_400_naming_the_field(jp_fetch) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "workspace", params={"target": "mars"})
    assert caught.value.code == 400
    error = error_of(caught.value)
    assert error["code"] == "invalid_request"
    assert error["details"]["field"] == "target"
    assert "mars" in error["message"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_unknown_route_is_a_json_404(jp_fetch, method: str) -> None:
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "no", "such", "thing", method=method, body=body)
    assert caught.value.code == 404
    error = error_of(caught.value)
    assert error["code"] == "not_found"
    assert "/amlx/api/no/such/thing" in error["message"]


@pytest.mark.parametrize("path", [("workspace",), ("anything",)])
async def test_routes_refuse_requests_without_a_token(jp_fetch, path: tuple[str, ...]) -> None:
    """Under the default server config, which would otherwise let an unauthenticated handler through."""
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", *path, headers={"Authorization": ""})
    assert caught.value.code == 403
    assert error_of(caught.value)["code"] == "forbidden"


async def test_routes_refuse_a_wrong_token(jp_fetch) -> None:
    response = await jp_fetch("amlx", "api", "workspace", headers={"Authorization": "token wrong"}, raise_error=False)
    assert response.code == 403


async def test_a_token_in_the_query_authenticates_and_is_not_taken_for_a_parameter(jp_fetch, jp_serverapp) -> None:
    """``?token=`` is how a script or a copied URL authenticates to Jupyter; strict query models must let it by."""
    token = jp_serverapp.identity_provider.token
    response = await jp_fetch("amlx", "api", "jobs", headers={"Authorization": ""}, params={"token": token, "limit": "1"})
    assert json.loads(response.body)["items"] == []


@pytest.fixture
def broken_settings(amlx_workspace_dir: Path) -> Path:
    amlx_workspace_dir.mkdir(parents=True, exist_ok=True)
    path = amlx_workspace_dir / "settings.json"
    path.write_text("{not json")
    return path


async def test_server_starts_on_a_broken_settings_file_and_says_why(broken_settings: Path, jp_fetch) -> None:
    """A corrupt settings.json must not take the extension down; the header explains the problem."""
    info = json.loads((await jp_fetch("amlx", "api", "workspace")).body)
    assert info["target"] == "local"
    assert any("not valid JSON" in w and str(broken_settings) in w for w in info["warnings"])
    assert broken_settings.read_text() == "{not json", "the user's file is left for them to fix"


async def test_local_capabilities_say_what_works(jp_fetch) -> None:
    caps = json.loads((await jp_fetch("amlx", "api", "workspace")).body)["capabilities"]
    assert caps["jobs"] is True and caps["data_assets"] is True
    assert caps["live_updates"] == "long-poll"
    assert caps["compute_targets"] == ["local"]
