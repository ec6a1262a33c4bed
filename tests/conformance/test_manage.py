"""Managing runs and models on every target: tags and descriptions, the filter over them, archive and
restore (a job with its children), delete, and model aliases used by name@alias."""

from __future__ import annotations

import pytest

from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus
from amlx_lab.specs import JobQuery, LabelUpdate

from .conftest import Target

pytestmark = pytest.mark.slow

WRITES_MODEL = "import os\nos.makedirs('outputs', exist_ok=True)\nopen('outputs/model.pkl', 'wb').write(b'stub')\n"


@pytest.fixture(scope="module")
def finished(target: Target) -> list[str]:
    """Two finished jobs in their own experiment (the first one's output holds a model file)."""
    if not target.has("jobs"):
        pytest.skip("the target runs no jobs")
    jobs = [target.submit(WRITES_MODEL, experiment="conf-manage", display_name=f"manage {i}", tags={"keep": "me"})
            for i in range(2)]
    for job in jobs:
        assert target.finished(job).status is JobStatus.COMPLETED
    return [j.name for j in jobs]


def _names(target: Target, **query: object) -> list[str]:
    page = target.ws.list_jobs(JobQuery(experiment="conf-manage", **query), target=target.name)  # type: ignore[arg-type]
    return [j.name for j in page.items]


def test_tags_and_description_are_set_removed_shown_and_filtered_on(target: Target, finished: list[str]) -> None:
    jobs = target.ws.jobs(target.name)
    first, second = finished
    changed = jobs.update_job(first, LabelUpdate(tags={"stage": "baseline", "note": "leaks time"},
                                                 description="why it exists"))
    assert changed.tags == {"keep": "me", "stage": "baseline", "note": "leaks time"}
    assert changed.description == "why it exists"
    assert jobs.get_job(first).tags == changed.tags, "kept by the target, not only echoed"
    listed = {j.name: j for j in target.ws.list_jobs(JobQuery(experiment="conf-manage"), target=target.name).items}
    assert listed[first].tags["stage"] == "baseline" and listed[first].description == "why it exists"

    assert _names(target, filter='tags.stage = "baseline"') == [first]
    assert _names(target, filter="description like '%exists'") == [first]
    assert _names(target, filter="tags.keep = me", descending=False) == [first, second]

    removed = jobs.update_job(first, LabelUpdate(tags={"note": None}, description=None))
    assert removed.tags == {"keep": "me", "stage": "baseline"} and removed.description is None
    assert jobs.get_job(first).tags == removed.tags and jobs.get_job(first).description is None
    with pytest.raises(ValidationError):
        LabelUpdate(tags={"amlx.experiment": "x"})
    with pytest.raises(NotFoundError):
        jobs.update_job("no_such_job_here", LabelUpdate(tags={"a": "b"}))


def test_an_archived_job_leaves_the_lists_until_asked_for_and_comes_back(target: Target, finished: list[str]) -> None:
    jobs = target.ws.jobs(target.name)
    first, second = finished
    archived = jobs.archive_job(second)
    assert archived.archived and jobs.get_job(second).archived
    assert second not in _names(target)
    assert second not in _names(target, filter="tags.keep = me")
    assert second in _names(target, include_archived=True)
    restored = jobs.restore_job(second)
    assert not restored.archived and second in _names(target)


def test_delete_removes_a_finished_local_run_and_refuses_what_it_must(target: Target, finished: list[str]) -> None:
    jobs = target.ws.jobs(target.name)
    doomed = target.finished(target.submit("print('bye')", experiment="conf-manage"))
    if target.name == "azure":
        with pytest.raises(ConflictError) as kept:
            jobs.delete_job(doomed.name)
        assert "archive" in kept.value.message
        return
    running = target.submit("import time\ntime.sleep(60)\n", experiment="conf-manage")
    with pytest.raises(ConflictError) as refused:
        jobs.delete_job(running.name)
    assert "while it runs" in refused.value.message
    jobs.cancel(running.name)
    target.finished(running)

    target.require("models")
    target.ws.models(target.name).register_model("conf-manage-model", job=finished[0])
    with pytest.raises(ConflictError) as refused:
        jobs.delete_job(finished[0])
    assert "conf-manage-model:1" in refused.value.message

    jobs.delete_job(doomed.name)
    with pytest.raises(NotFoundError):
        jobs.get_job(doomed.name)
    assert doomed.name not in _names(target, include_archived=True)


def test_model_versions_take_tags_archive_and_one_alias_each(target: Target, finished: list[str]) -> None:
    target.require("models")
    models = target.ws.models(target.name)
    for _ in range(2):
        models.register_model("conf-aliased", job=finished[0])
    tagged = models.update_model("conf-aliased", 1, LabelUpdate(tags={"stage": "prod"}, description="the first"))
    assert tagged.tags == {"stage": "prod"} and tagged.description == "the first"
    assert models.get_model("conf-aliased", 1).tags == {"stage": "prod"}

    assert models.set_model_alias("conf-aliased", "production", 1).aliases == ("production",)  # type: ignore[union-attr]
    models.set_model_alias("conf-aliased", "staging", 2)
    moved = models.set_model_alias("conf-aliased", "production", 2)
    assert moved is not None and moved.aliases == ("production", "staging")
    assert models.get_model("conf-aliased", 1).aliases == (), "one version per alias"
    summary = {m.name: m for m in models.list_models()}["conf-aliased"]
    assert summary.aliases == {"production": "2", "staging": "2"}
    assert models.get_model("conf-aliased", 1).tags == {"stage": "prod"}, "aliases are not tags to the user"
    with pytest.raises(ValidationError):
        models.set_model_alias("conf-aliased", "Latest Version", 1)
    models.set_model_alias("conf-aliased", "staging", None)
    assert {m.name: m for m in models.list_models()}["conf-aliased"].aliases == {"production": "2"}

    models.archive_model("conf-aliased", 1)
    assert models.get_model("conf-aliased").version == "2"
    models.archive_model("conf-aliased", 2)
    with pytest.raises(NotFoundError):
        models.get_model("conf-aliased")  # no version left to be latest
    models.archive_model("conf-aliased", 2, archived=False)
    assert models.get_model("conf-aliased").version == "2"


SCORE = """
def init():
    pass

def run(raw_data):
    return {"result": ["ok"]}
"""


def test_a_deployment_of_name_at_alias_serves_the_version_holding_it(target: Target, finished: list[str]) -> None:
    target.require("models")
    target.require("endpoints")
    models = target.ws.models(target.name)
    for _ in range(2):
        models.register_model("conf-promoted", job=finished[0])
    models.set_model_alias("conf-promoted", "production", 1)
    script = target.root / "score-alias.py"
    script.write_text(SCORE)
    target.ws.endpoints(target.name).create_endpoint("conf-promote")
    try:
        with pytest.raises(NotFoundError) as missing:
            target.ws.create_deployment("conf-promote", "blue", model="conf-promoted@staging", score_script=script,
                                        base_dir=target.root, target=target.name)
        assert "production" in missing.value.message, "the sentence names the aliases there are"
        started = target.ws.create_deployment("conf-promote", "blue", model="conf-promoted@production",
                                              score_script=script, base_dir=target.root, target=target.name)
        assert started.model == "conf-promoted:1", "the alias names version 1, not the latest"
        blue = target.ws.wait_deployment("conf-promote", "blue", timeout=120, target=target.name)
        assert blue.status == "Succeeded" and blue.model == "conf-promoted:1", blue.last_error
    finally:
        target.ws.endpoints(target.name).delete_endpoint("conf-promote")
