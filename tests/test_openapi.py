"""The REST contract in ``schema/openapi.yaml`` and the server agree."""

from __future__ import annotations

import json

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


def test_the_component_schemas_are_the_ones_the_python_models_generate() -> None:
    """records.py, the input models and schema/openapi.yaml cannot disagree: the schemas are generated."""
    from amlx_lab.apischema import SPEC, generated_document

    current = SPEC.read_text(encoding="utf-8")
    assert generated_document(current) == current, "run: python -m amlx_lab.apischema"


@pytest.mark.parametrize(
    "path, method, params",
    [("jobs/calm_lamp_x1y2z3a4b5/automl", "GET", {}), ("jobs/calm_lamp_x1y2z3a4b5/sweep", "GET", {})],
)
async def test_a_target_that_cannot_answer_is_a_409_sentence_not_a_500(jp_fetch, path: str, method: str, params: dict) -> None:
    """Every capability exists on both targets now; an Azure target with no workspace configured is the 409 left."""
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", *path.split("/"), method=method, params={"target": "azure", **params})
    assert caught.value.code == 409
    error = json.loads(caught.value.response.body)["error"]
    assert error["code"] == "target_not_configured" and "Azure" in error["message"]
    assert_matches("/" + path.replace("calm_lamp_x1y2z3a4b5", "{name}"), method, 409, caught.value.response.body)


@pytest.mark.parametrize(
    "path, method, params",
    [
        ("jobs", "GET", {}),
        ("experiments", "GET", {}),
        ("events", "GET", {}),
        ("data", "GET", {}),
        ("computes", "GET", {}),
        ("models", "GET", {}),
        ("endpoints", "GET", {}),
        ("jobs/calm_lamp_x1y2z3a4b5", "GET", {}),
        ("jobs/calm_lamp_x1y2z3a4b5/metrics", "GET", {"key": "rmse"}),
        ("jobs/calm_lamp_x1y2z3a4b5/sweep", "GET", {}),
    ],
)
async def test_an_unconfigured_target_is_a_409_saying_what_to_configure(jp_fetch, path: str, method: str, params: dict) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", *path.split("/"), method=method, params={"target": "azure", **params})
    assert caught.value.code == 409
    error = json.loads(caught.value.response.body)["error"]
    assert error["code"] == "target_not_configured" and "config.json" in error["message"]
    spec_path = "/" + path.replace("calm_lamp_x1y2z3a4b5", "{name}")
    assert_matches(spec_path, method, 409, caught.value.response.body)


@pytest.mark.parametrize(
    "body, words",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 1024 levels"),
        (b'{"name": "x", "path": ' + b"9" * 5000 + b"}", "too large"),
        (b'{"name": "x", "path": "a.csv"', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
async def test_hostile_json_bodies_are_400_with_a_sentence(jp_fetch, body: bytes, words: str) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "data", method="POST", body=body)
    assert caught.value.code == 400
    error = json.loads(caught.value.response.body)["error"]
    assert words in error["message"] and error["details"]["field"] == "body"
