"""Job states beyond success: a failing job, cancelling a running one (its processes die), listing in pages,
child jobs by parent, archiving; each through the raw azure-ai-ml SDK."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

from .client import RunningEmulator
from .helpers import CURATED, wait_for_job, wait_until, write_code

pytestmark = pytest.mark.slow


def _log(ml: Any, name: str) -> str:
    urls = ml.jobs._runs_operations.get_run_details(name).log_files
    return requests.get(urls["user_logs/std_log.txt"], timeout=30).text if urls else ""


def test_failing_job_is_failed_with_its_error(ml_client: Any, tmp_path: Path) -> None:
    from azure.ai.ml import command

    code = write_code(tmp_path / "src", """
        print("about to fail", flush=True)
        raise ValueError("the data has no rows")
    """)
    job = ml_client.jobs.create_or_update(command(code=str(code), command="python main.py", environment=CURATED,
                                                  compute="cpu-cluster", experiment_name="emulator-failures"))
    assert wait_for_job(ml_client, job.name).status == "Failed"
    details = ml_client.jobs._runs_operations.get_run_details(job.name)
    assert details.error.error.code == "UserError"
    assert "User process 'python' exited with status code 1" in details.error.error.message
    assert "ValueError: the data has no rows" in details.error.error.message
    assert "about to fail" in _log(ml_client, job.name)

    from mlflow.tracking import MlflowClient

    run = MlflowClient(tracking_uri=_tracking_uri(ml_client)).get_run(job.name)
    assert run.info.status == "FAILED"


def test_job_whose_input_does_not_exist_fails_before_running(ml_client: Any) -> None:
    from azure.ai.ml import Input, command

    job = ml_client.jobs.create_or_update(command(
        command="cat ${{inputs.data}}", inputs={"data": Input(type="uri_file", path="azureml:no-such-data:1")},
        environment=CURATED, compute="cpu-cluster",
    ))
    assert wait_for_job(ml_client, job.name).status == "Failed"
    error = ml_client.jobs._runs_operations.get_run_details(job.name).error.error
    assert error.message == "Input 'data': The data asset 'no-such-data:1' does not exist in this workspace."


def test_job_on_a_compute_the_workspace_lacks_is_refused(ml_client: Any) -> None:
    from azure.ai.ml import command
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError, match="Compute 'no-such-cluster' was not found"):
        ml_client.jobs.create_or_update(command(command="echo hi", environment=CURATED, compute="no-such-cluster"))


def test_cancel_stops_a_running_job_and_its_child_processes(
    ml_client: Any, azure_env: RunningEmulator, tmp_path: Path
) -> None:
    from azure.ai.ml import command

    code = write_code(tmp_path / "src", """
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "300"])
        with open("pids.txt", "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        print("started", flush=True)
        time.sleep(300)
    """)
    job = ml_client.jobs.create_or_update(command(code=str(code), command="python main.py", environment=CURATED,
                                                  compute="cpu-cluster"))
    wait_until(lambda: "started" in _log(ml_client, job.name), "the job to print 'started'")
    assert ml_client.jobs.get(job.name).status == "Running"
    pids_file = Path(azure_env.settings["state_dir"]) / "jobs" / job.name / "wd" / "pids.txt"
    pids = [int(p) for p in pids_file.read_text().split()]

    ml_client.jobs.begin_cancel(job.name).result()

    assert ml_client.jobs.get(job.name).status == "Canceled"
    wait_until(lambda: not any(_alive(pid) for pid in pids), "the job's processes to exit", timeout=15)
    details = ml_client.jobs._runs_operations.get_run_details(job.name)
    assert details.status == "Canceled" and details.end_time_utc is not None
    cancels = [r for r in azure_env.requests() if r["path"].endswith(f"/jobs/{job.name}/cancel")]
    assert [(r["method"], r["status"]) for r in cancels] == [("POST", 202)]


def test_list_pages_with_next_link_and_filters_children_by_parent(ml_client: Any, azure_env: RunningEmulator) -> None:
    from azure.ai.ml import command

    parent = ml_client.jobs.create_or_update(command(command="echo parent", environment=CURATED,
                                                     compute="cpu-cluster", experiment_name="emulator-paging"))
    children = [
        ml_client.jobs.create_or_update(command(
            command=f"echo child {i}", environment=CURATED, compute="cpu-cluster", experiment_name="emulator-paging",
            parent_job_name=parent.name,
        )).name
        for i in range(6)
    ]
    mark = azure_env.mark()
    listed = [j.name for j in ml_client.jobs.list()]
    assert set(children) | {parent.name} <= set(listed)
    assert listed.index(children[-1]) < listed.index(children[0])  # newest first
    pages = [r for r in azure_env.requests(mark) if r["path"].endswith("/jobs") and r["method"] == "GET"]
    assert len(pages) >= 2 and "$skipToken" in pages[1]["query"]  # page size 5: followed nextLink

    assert sorted(j.name for j in ml_client.jobs.list(parent_job_name=parent.name)) == sorted(children)
    for name in children + [parent.name]:
        wait_for_job(ml_client, name)


def test_archived_job_leaves_the_default_listing(ml_client: Any) -> None:
    from azure.ai.ml import command
    from azure.ai.ml.constants import ListViewType

    job = ml_client.jobs.create_or_update(command(command="echo archived", environment=CURATED, compute="cpu-cluster"))
    wait_for_job(ml_client, job.name)
    ml_client.jobs.archive(job.name)
    assert job.name not in {j.name for j in ml_client.jobs.list()}
    assert job.name in {j.name for j in ml_client.jobs.list(list_view_type=ListViewType.ARCHIVED_ONLY)}
    ml_client.jobs.restore(job.name)
    assert job.name in {j.name for j in ml_client.jobs.list()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie (exited, not yet reaped) counts as gone
        return stat.read().split()[2] != "Z"


def _tracking_uri(ml: Any) -> str:
    return str(ml.workspaces.get(ml.workspace_name).mlflow_tracking_uri)


def test_jobs_beyond_the_slots_wait_queued(ml_client: Any, tmp_path: Path) -> None:
    """The session emulator has two job slots: a third job stays Queued until one of the two finishes."""
    from azure.ai.ml import command

    release = tmp_path / "release"
    wait = f"python -c \"import os, time\nwhile not os.path.exists('{release}'): time.sleep(0.05)\""
    blockers = [ml_client.jobs.create_or_update(command(command=wait, environment=CURATED, compute="cpu-cluster")).name
                for _ in range(2)]
    for name in blockers:
        wait_for_job(ml_client, name, ("Running",))
    third = ml_client.jobs.create_or_update(command(command="echo third", environment=CURATED, compute="cpu-cluster"))
    assert ml_client.jobs.get(third.name).status == "Queued"
    release.touch()
    assert {wait_for_job(ml_client, n).status for n in [*blockers, third.name]} == {"Completed"}

