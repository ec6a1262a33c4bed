"""Sweeps through the REST API: preview, validation sentences, start, details, trials, cancel; answers match the spec."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.openapi import assert_matches
from tests.test_handlers_jobs import api, no_job_outlives_its_test, write_notebook  # noqa: F401 - the fixture cleans up

pytestmark = pytest.mark.slow

SETTINGS = {
    "search_space": {"k": "choice(1, 2, 3)"},
    "objective": {"primary_metric": "score", "goal": "minimize"},
    "sampling_algorithm": "grid",
    "limits": {"max_concurrent_trials": 2},
}


@pytest.fixture
def notebook(jp_root_dir: Path) -> str:
    write_notebook(
        jp_root_dir / "search.ipynb",
        "k = 1\nlabel = 'x'",
        "import mlflow, time\ntime.sleep(120 if k == 3 else 0)\nmlflow.log_metric('score', (k - 2) ** 2)",
    )
    return "search.ipynb"


async def raw(jp_fetch, *path: str, method: str = "GET", body: Any = None) -> Any:
    return await jp_fetch("amlx", "api", *path, method=method, body=None if body is None else json.dumps(body))


async def test_preview_offers_the_cells_parameters_and_the_first_points(jp_fetch, notebook: str) -> None:
    response = await raw(jp_fetch, "jobs", "sweep", "preview", method="POST", body={"cell": 1, "notebook": notebook})
    preview = assert_matches("/jobs/sweep/preview", "POST", 200, response.body)
    assert [(d["name"], d["type"], d["default"]) for d in preview["dimensions"]] == [("k", "int", 1), ("label", "str", "x")]
    assert preview["points"] == [] and preview["metrics"] == []

    body = {"cell": 1, "notebook": notebook, "sweep": {**SETTINGS, "search_space": {"k": "randint(4)"},
                                                        "sampling_algorithm": {"type": "random", "seed": 9}}}
    preview = assert_matches("/jobs/sweep/preview", "POST", 200,
                             (await raw(jp_fetch, "jobs", "sweep", "preview", method="POST", body=body)).body)
    assert preview["seed"] == 9 and len(preview["points"]) == 5 and preview["total_trials"] == 1000
    assert all(p["k"] in (0, 1, 2, 3) and isinstance(p["k"], int) for p in preview["points"])
    again = json.loads((await raw(jp_fetch, "jobs", "sweep", "preview", method="POST", body=body)).body)
    assert again["points"] == preview["points"], "the same seed previews the same points"


@pytest.mark.parametrize(
    "sweep, field, words",
    [
        ({**SETTINGS, "search_space": {"beta": "choice(0, 1)"}}, "sweep.search_space.beta", "The cell has no parameter 'beta'"),
        ({**SETTINGS, "search_space": {"k": "uniform(0, 1)"}, "sampling_algorithm": "random"}, "sweep.search_space.k",
         "draws fractions"),
        ({**SETTINGS, "search_space": {"label": "uniform(0, 1)"}, "sampling_algorithm": "random"}, "sweep.search_space.label",
         "only choice(...) can search it"),
        ({**SETTINGS, "search_space": {"k": "randint(x)"}}, "sweep.search_space.k", "must be numbers or quoted text"),
        ({**SETTINGS, "search_space": {"k": "randint(4)"}}, "sweep", "Grid sampling can only be used with choice"),
        ({**SETTINGS, "early_termination": {"type": "bandit"}}, "sweep.early_termination", "exactly one of slack_factor"),
        ({**SETTINGS, "limits": {"max_total_trials": 0}}, "sweep.limits.max_total_trials", "must be at least 1"),
        ({**SETTINGS, "objective": {"primary_metric": "score", "goal": "lowest"}}, "sweep.objective.goal", "must be one of"),
        ({**SETTINGS, "colour": "blue"}, "sweep.colour", "Unknown field"),
        (None, "sweep", "Describe the sweep"),
    ],
)
async def test_mistakes_are_400s_with_a_sentence_and_nothing_runs(
    jp_fetch, notebook: str, amlx_workspace_dir: Path, sweep: Any, field: str, words: str
) -> None:
    body: dict[str, Any] = {"cell": 1, "notebook": notebook}
    if sweep is not None:
        body["sweep"] = sweep
    with pytest.raises(HTTPClientError) as caught:
        await raw(jp_fetch, "jobs", "sweep", method="POST", body=body)
    assert caught.value.code == 400
    error = assert_matches("/jobs/sweep", "POST", 400, caught.value.response.body)["error"]
    assert words in error["message"] and error["details"]["field"].startswith(field)
    assert not (amlx_workspace_dir / "jobs").exists() or not any((amlx_workspace_dir / "jobs").iterdir())


async def test_a_sweep_starts_lists_its_trials_and_cancels_with_them(jp_fetch, notebook: str) -> None:
    response = await raw(jp_fetch, "jobs", "sweep", method="POST", body={"cell": 1, "notebook": notebook, "sweep": SETTINGS})
    assert response.code == 201
    job = assert_matches("/jobs/sweep", "POST", 201, response.body)
    assert job["type"] == "sweep" and response.headers["Location"].endswith(f"/amlx/api/jobs/{job['name']}")
    assert job["parameters"] == {"k": "choice(1, 2, 3)", "label": "x"}

    deadline = time.monotonic() + 300
    while True:  # trial k=3 sleeps: the sweep has finished its two quick trials and still runs the third
        trials = (await api(jp_fetch, "jobs", parent=job["name"], limit=10))["items"]
        if sum(t["status"] == "Completed" for t in trials) == 2 and len(trials) == 3:
            break
        assert time.monotonic() < deadline, f"the quick trials did not finish: {trials}"
        await asyncio.sleep(0.2)
    details = assert_matches("/jobs/{name}/sweep", "GET", 200, (await raw(jp_fetch, "jobs", job["name"], "sweep")).body)
    histories = assert_matches("/jobs/{name}/sweep/metrics", "GET", 200,
                               (await raw(jp_fetch, "jobs", job["name"], "sweep", "metrics")).body)["trials"]
    assert set(histories) == {t["name"] for t in trials}
    assert {n: [p["value"] for p in points] for n, points in histories.items() if points} == {
        t["name"]: [(t["parameters"]["k"] - 2) ** 2] for t in trials if t["status"] == "Completed"}
    best = next(t for t in trials if t["parameters"]["k"] == 2)
    assert details["best_trial"] == best["name"] and details["best_value"] == 0.0
    assert details["settings"]["search_space"]["k"] == {"type": "choice", "values": [1, 2, 3]}

    assert (await api(jp_fetch, "jobs", job["name"], "cancel", method="POST"))["status"] in ("CancelRequested", "Canceled")
    deadline = time.monotonic() + 120
    while (parent := await api(jp_fetch, "jobs", job["name"]))["status"] != "Canceled":
        assert time.monotonic() < deadline, parent
        await asyncio.sleep(0.2)
    slow = next(t for t in (await api(jp_fetch, "jobs", parent=job["name"], limit=10))["items"] if t["parameters"]["k"] == 3)
    assert slow["status"] == "Canceled" and slow["error"] == "Canceled with its sweep."

    with pytest.raises(HTTPClientError) as caught:
        await raw(jp_fetch, "jobs", best["name"], "sweep")
    assert caught.value.code == 404 and "not a sweep" in json.loads(caught.value.response.body)["error"]["message"]
    assert sys.executable  # trials run with the kernel's interpreter (this venv's)
