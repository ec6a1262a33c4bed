"""Managing runs over REST: the filter (``GET /jobs?q=``), tags and descriptions, archive and delete.

The runs are index rows written as a finished supervisor leaves them (no
process needed); the server is a real in-process Jupyter server.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from amlx_lab.backends.local import LocalBackend, job_index
from amlx_lab.backends.local.tracking import LatestMetric
from tests.conftest import error_of
from tests.openapi import assert_matches


def add_run(backend: LocalBackend, name: str, metrics: dict[str, float], params: dict[str, str], **extra: Any) -> str:
    with backend.store.write() as tx:
        seq = job_index.insert(tx, {
            "name": name, "display_name": extra.pop("display_name", name), "experiment": "diabetes",
            "status": extra.pop("status", "Completed"), "compute": "local", "compute_slots": 2,
            "interpreter": sys.executable, "command": '["python", "main.py"]', "cancel_grace": 1.0,
            "created_at": time.time(), **extra,
        })
    job_index.replace_run_data(backend.store, name, seq, [LatestMetric(k, v, 0, 0) for k, v in metrics.items()],
                               params, {})
    return name


@pytest.fixture
def runs(amlx_workspace_dir: Path) -> list[str]:
    backend = LocalBackend(amlx_workspace_dir, compute_slots=2)
    try:
        return [
            add_run(backend, "ridge_run_one", {"rmse": 59.0}, {"alpha": "0.1"}, tags='{"stage": "baseline"}'),
            add_run(backend, "ridge_run_two", {"rmse": 55.0}, {"alpha": "0.5"}, tags='{"stage": "baseline"}'),
            add_run(backend, "ridge_run_three", {"rmse": 51.0}, {"alpha": "0.9"}, tags='{"stage": "tuned"}'),
        ]
    finally:
        backend.close()


async def api(jp_fetch, *path: str, method: str = "GET", body: Any = None, **params: Any) -> Any:
    kwargs: dict[str, Any] = {"method": method}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    if params:
        kwargs["params"] = {k: str(v) for k, v in params.items()}
    response = await jp_fetch("amlx", "api", *path, **kwargs)
    return json.loads(response.body) if response.body else None


async def test_the_filter_selects_runs_over_rest(jp_fetch, runs: list[str]) -> None:
    issue = 'metrics.rmse < 58 and params.alpha >= 0.3 and tags.stage = "baseline" and status = "Completed"'
    page = await api(jp_fetch, "jobs", q=issue)
    assert_matches("/jobs", "GET", 200, json.dumps(page))
    assert [j["name"] for j in page["items"]] == ["ridge_run_two"] and page["total"] == 1
    page = await api(jp_fetch, "jobs", q="metrics.rmse < 58", order_by="metrics.rmse", descending="false")
    assert [j["name"] for j in page["items"]] == ["ridge_run_three", "ridge_run_two"]
    page = await api(jp_fetch, "jobs", q="three")  # a bare word still searches names
    assert [j["name"] for j in page["items"]] == ["ridge_run_three"]


@pytest.mark.parametrize(
    ("q", "column", "words"),
    [
        ("metrics.rmse <", 15, "Expected a value"),
        ("metrics.rmse < 58 or tags.stage = tuned", 19, "Only 'and'"),
        ("status = Done", 10, "no status 'Done'"),
    ],
)
async def test_a_bad_filter_is_a_400_with_the_column_of_the_bad_token(jp_fetch, runs: list[str], q: str,
                                                                       column: int, words: str) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", q=q)
    assert caught.value.code == 400
    assert_matches("/jobs", "GET", 400, caught.value.response.body)
    error = error_of(caught.value)
    assert error["code"] == "invalid_request" and error["details"]["column"] == column
    assert words in error["message"] and error["message"].endswith(f"(column {column}).")
    assert (await api(jp_fetch, "jobs"))["total"] == 3, "the server keeps answering"


async def test_tags_and_description_are_patched_listed_and_filtered(jp_fetch, runs: list[str]) -> None:
    response = await jp_fetch("amlx", "api", "jobs", "ridge_run_one", method="PATCH",
                              body=json.dumps({"tags": {"stage": None, "note": "leaks time"}, "description": "why"}))
    job = assert_matches("/jobs/{name}", "PATCH", 200, response.body)
    assert job["tags"] == {"note": "leaks time"} and job["description"] == "why"
    page = await api(jp_fetch, "jobs", q='tags.note = "leaks time" and description = why')
    assert [j["name"] for j in page["items"]] == ["ridge_run_one"]
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "jobs", "ridge_run_one", method="PATCH", body=json.dumps({"tags": {"amlx.x": "1"}}))
    assert caught.value.code == 400 and "kept by amlx-lab" in error_of(caught.value)["message"]
    unchanged = await jp_fetch("amlx", "api", "jobs", "ridge_run_one", method="PATCH", body=json.dumps({}))
    assert json.loads(unchanged.body)["tags"] == {"note": "leaks time"}, "an empty merge-patch changes nothing"


async def test_archive_hides_until_asked_and_delete_refuses_a_running_job(
    jp_fetch, runs: list[str], amlx_workspace_dir: Path
) -> None:
    response = await jp_fetch("amlx", "api", "jobs", "ridge_run_two", "archive", method="POST", body="")
    assert assert_matches("/jobs/{name}/archive", "POST", 200, response.body)["archived"] is True
    assert "ridge_run_two" not in [j["name"] for j in (await api(jp_fetch, "jobs"))["items"]]
    everything = await api(jp_fetch, "jobs", include_archived="true")
    assert "ridge_run_two" in [j["name"] for j in everything["items"]]
    await jp_fetch("amlx", "api", "jobs", "ridge_run_two", "restore", method="POST", body="")
    assert "ridge_run_two" in [j["name"] for j in (await api(jp_fetch, "jobs"))["items"]]

    backend = LocalBackend(amlx_workspace_dir, compute_slots=2)
    try:
        add_run(backend, "still_running_run", {}, {}, status="Running")
    finally:
        backend.close()
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("amlx", "api", "jobs", "still_running_run", method="DELETE")
    assert caught.value.code == 409 and "while it runs" in error_of(caught.value)["message"]
    assert_matches("/jobs/{name}", "DELETE", 409, caught.value.response.body)

    response = await jp_fetch("amlx", "api", "jobs", "ridge_run_three", method="DELETE")
    assert assert_matches("/jobs/{name}", "DELETE", 200, response.body) == {"deleted": "ridge_run_three"}
    with pytest.raises(HTTPClientError) as caught:
        await api(jp_fetch, "jobs", "ridge_run_three")
    assert caught.value.code == 404
