"""The REST contract in ``schema/openapi.yaml`` and the server agree."""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError

from amlx_lab.handlers import API_PREFIX, routes
from tests.openapi import assert_matches, documented_paths, route_as_spec_path, spec


def test_every_route_is_documented_and_every_documented_path_is_served() -> None:
    served = {route_as_spec_path(p.removeprefix(API_PREFIX)) for p, _ in routes() if not p.endswith("/(.*)")}
    assert served == documented_paths()


def test_the_spec_is_valid_openapi_3_1() -> None:
    document = spec()
    assert document["openapi"].startswith("3.1")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("operationId"), f"{method} {path} needs an operationId"
            assert operation.get("responses"), f"{method} {path} documents no responses"


@pytest.mark.parametrize("target", [None, "azure"])
async def test_workspace_response_matches_the_spec(jp_fetch, target: str | None) -> None:
    params = {"target": target} if target else {}
    response = await jp_fetch("amlx", "api", "workspace", params=params)
    assert_matches("/workspace", "GET", response.code, response.body)


@pytest.mark.parametrize(
    "params, headers, status",
    [({"target": "mars"}, {}, 400), ({}, {"Authorization": ""}, 403)],
)
async def test_workspace_errors_match_the_spec(jp_fetch, params, headers, status) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "workspace", params=params, headers=headers)
    assert_matches("/workspace", "GET", status, caught.value.response.body)
