"""What azure-ai-ml sends when amlx manages a job or a model on Azure: labels, archive, aliases, the filter.

The assertions are on the requests the loopback workspace received, so a change
in how the SDK (or amlx) talks to the service shows here first.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.errors import ConflictError
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec, JobQuery, LabelUpdate

pytestmark = pytest.mark.slow


def _finished(backend: AzureBackend, tmp_path: Path, main: str, **spec: Any) -> str:
    code = tmp_path / f"code-{uuid.uuid4().hex[:6]}"
    code.mkdir()
    (code / "main.py").write_text(main)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="azure-manage", **spec))
    deadline = time.monotonic() + 120
    while not (done := backend.get_job(job.name)).status.terminal:
        assert time.monotonic() < deadline, f"{job.name} still {done.status.value}"
        time.sleep(0.2)
    assert done.status is JobStatus.COMPLETED, done.error
    return job.name


def _sent(emulator: Any, mark: Any, method: str, fragment: str) -> list[dict[str, Any]]:
    return [r for r in emulator.requests(mark) if r["method"] == method and fragment in r["path"]]


def test_labels_go_to_run_history_as_the_sdk_sends_them(backend: AzureBackend, emulator: Any, tmp_path: Path) -> None:
    name = _finished(backend, tmp_path, "print('hi')", tags={"keep": "me"})
    mark = emulator.mark()
    job = backend.update_job(name, LabelUpdate(tags={"stage": "baseline"}, description="why"))
    patches = _sent(emulator, mark, "PATCH", f"/experiments/azure-manage/runs/{name}")
    assert len(patches) == 1, "jobs.update: one PATCH of the run"
    assert patches[0]["body"]["tags"] == {"stage": "baseline"} and patches[0]["body"]["description"] == "why"
    assert not _sent(emulator, mark, "PUT", f"/jobs/{name}"), "no resubmission of the job"
    assert job.tags == {"keep": "me", "stage": "baseline"} and job.description == "why"

    mark = emulator.mark()
    job = backend.update_job(name, LabelUpdate(tags={"keep": None}))
    deletes = _sent(emulator, mark, "DELETE", f"/runs/{name}/tags")
    assert [d["body"] for d in deletes] == [["keep"]]
    assert not _sent(emulator, mark, "PATCH", f"/runs/{name}"), "nothing to merge: no PATCH"
    assert job.tags == {"stage": "baseline"}


def test_archive_hides_a_job_through_run_history_and_lists_it_when_asked(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    name = _finished(backend, tmp_path, "print('hi')")
    mark = emulator.mark()
    assert backend.archive_job(name).archived
    patches = _sent(emulator, mark, "PATCH", f"/runs/{name}")
    assert [p["body"].get("hidden") for p in patches] == [True], "jobs.archive: run history's hidden flag"
    listed = [j.name for j in backend.list_jobs(JobQuery(experiment="azure-manage", limit=200)).items]
    assert name not in listed
    mark = emulator.mark()
    everything = backend.list_jobs(JobQuery(experiment="azure-manage", include_archived=True, limit=200))
    assert name in [j.name for j in everything.items]
    assert any("listViewType=All" in str(r["query"]) or r["query"].get("listViewType") == ["All"]
               for r in _sent(emulator, mark, "GET", "/jobs")), "asked Azure for archived jobs too"
    assert not backend.restore_job(name).archived
    with pytest.raises(ConflictError) as kept:
        backend.delete_job(name)
    assert "archive" in kept.value.message


def test_an_alias_is_a_tag_azure_keeps_on_one_version(backend: AzureBackend, emulator: Any, tmp_path: Path) -> None:
    job = _finished(backend, tmp_path, "import os\nos.makedirs('outputs', exist_ok=True)\n"
                                       "open('outputs/model.pkl', 'wb').write(b'x')\n")
    name = f"azalias-{uuid.uuid4().hex[:6]}"
    backend.register_model(name, job=job)
    backend.register_model(name, job=job)
    backend.set_model_alias(name, "production", 1)
    mark = emulator.mark()
    moved = backend.set_model_alias(name, "production", 2)
    puts = {r["path"].rsplit("/versions/", 1)[-1]: r["body"]["properties"]["tags"]
            for r in _sent(emulator, mark, "PUT", f"/models/{name}/versions/")}
    assert puts == {"1": {}, "2": {"amlx.alias.production": "true"}}, "taken off version 1, put on version 2"
    assert moved is not None and moved.aliases == ("production",) and moved.tags == {}
    assert backend.get_model(name, 1).aliases == ()


def test_a_filter_reads_run_data_only_for_jobs_the_arm_fields_let_through(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    logs = "import mlflow\nmlflow.log_metric('rmse', 50.0)\n"
    tagged = _finished(backend, tmp_path, logs, tags={"stage": f"s{uuid.uuid4().hex[:6]}"})
    stage = backend.get_job(tagged).tags["stage"]
    _finished(backend, tmp_path, logs)
    backend.close()  # a fresh reader: nothing cached
    mark = emulator.mark()
    page = backend.list_jobs(JobQuery(filter=f"tags.stage = {stage} and metrics.rmse < 60"))
    assert [j.name for j in page.items] == [tagged]
    assert page.filter_window is not None and page.note is not None and "the filter was applied here" in page.note
    mlflow_reads = [r for r in emulator.requests(mark) if "/mlflow/" in r["path"] and "runs/get" in r["path"]]
    assert {str(r["query"]) for r in mlflow_reads} and all(tagged in str(r["query"]) for r in mlflow_reads), \
        "metrics were read only for the job whose tag matched"
