"""A notebook's own MLflow runs (no job made them) are jobs of type ``interactive``.

The runs are made with a real ``MlflowClient`` on the workspace's real store,
as a notebook kernel pointed at it would make them; the backend reads them
from MLflow's tables on its own reads.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from amlx_lab.backends.local import interactive, tracking
from amlx_lab.backends.local.layout import Layout
from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus, JobType

from .conftest import list_jobs


@pytest.fixture
def kernel_runs(backend):
    """The backend (syncing on every read) and an MLflow client on its store, as a kernel would have."""
    tracking.ensure_store(backend.layout)
    backend.interactive_every = 0.0
    from mlflow.tracking import MlflowClient

    return backend, MlflowClient(backend.tracking_uri())


def test_a_notebook_run_is_an_interactive_job_kept_current_on_reads(kernel_runs):
    backend, client = kernel_runs
    experiment = client.create_experiment("diabetes-ridge")  # as mlflow.set_experiment does in a kernel
    cursor = backend.changes(None).cursor
    run = client.create_run(experiment, run_name="ridge-alpha-0.5", tags={"team": "blue"}).info.run_id
    client.log_param(run, "alpha", "0.5")
    client.log_metric(run, "rmse", 60.5)
    name = f"run_{run}"

    job = backend.get_job(name)
    assert (job.type, job.status, job.display_name, job.experiment) == (
        JobType.INTERACTIVE, JobStatus.RUNNING, "ridge-alpha-0.5", "diabetes-ridge"
    )
    assert (job.metrics, job.params, job.parameters, job.tags) == ({"rmse": 60.5}, {"alpha": "0.5"}, {}, {"team": "blue"})
    assert job.mlflow_run_id == run and job.mlflow_experiment_id == experiment
    assert job.started_at == job.created_at and job.ended_at is None
    assert [j.name for j in backend.changes(cursor).jobs] == [name], "the change feed carries it"

    client.log_metric(run, "rmse", 55.25, step=1)
    client.set_terminated(run, "FINISHED")
    done = backend.get_job(name)
    assert done.status is JobStatus.COMPLETED and done.ended_at is not None and done.metrics == {"rmse": 55.25}
    assert [j.name for j in list_jobs(backend, experiment="diabetes-ridge", order_by="metrics.rmse").items] == [name]
    assert [(p.step, p.value) for p in backend.metric_histories(name, ["rmse"])["rmse"]] == [(0, 60.5), (1, 55.25)]
    assert ("diabetes-ridge", 1) in [(e.name, e.job_count) for e in backend.list_experiments()]


def test_cancel_logs_code_and_outputs_of_an_interactive_run(kernel_runs):
    backend, client = kernel_runs
    run = client.create_run("0").info.run_id
    client.log_text(run, "hello", "notes/readme.txt")
    name = f"run_{run}"

    with pytest.raises(ConflictError) as refused:
        backend.cancel(name)
    assert refused.value.status == 409 and "interactive MLflow run" in refused.value.message
    assert backend.get_job(name).status is JobStatus.RUNNING, "a refused cancel changes nothing"
    log = backend.logs(name)
    assert (log.text, log.complete) == ("", True), "no log, and nothing to wait for"
    code = backend.code_package(name)
    assert (code.files, code.command, code.manifest) == ((), (), None)
    with pytest.raises(NotFoundError, match="its code is its notebook"):
        backend.code_file(name, "main.py")

    assert [f.path for f in backend.list_outputs(name)] == ["notes/readme.txt"]
    file = backend.output_file(name, "notes/readme.txt")
    assert file.read_text() == "hello" and backend.layout.artifacts_dir in file.parents
    with pytest.raises(ValidationError):
        backend.output_file(name, "../../mlflow.db")
    with pytest.raises(NotFoundError):
        backend.output_file(name, "notes/missing.txt")


def test_experiments_a_kernel_creates_keep_their_artifacts_in_the_workspace(kernel_runs, tmp_path):
    backend, client = kernel_runs
    default_location = client.get_experiment(client.create_experiment("made-in-a-kernel")).artifact_location
    assert default_location == f"{backend.layout.artifacts_dir}/{client.get_experiment_by_name('made-in-a-kernel').experiment_id}"
    chosen = client.get_experiment(client.create_experiment("chosen", artifact_location=str(tmp_path / "mine")))
    assert chosen.artifact_location.endswith("mine"), "a location the user chose is kept"

    conn = sqlite3.connect(backend.layout.mlflow_db)
    conn.execute(f"DROP TRIGGER {tracking.ARTIFACTS_TRIGGER}")  # as an MLflow migration that rebuilds the table would
    conn.close()
    assert backend.prepare_tracking() is False
    later = client.get_experiment(client.create_experiment("after-a-migration"))
    assert later.artifact_location.startswith(str(backend.layout.artifacts_dir))


def test_runs_of_jobs_deleted_runs_and_children(kernel_runs):
    backend, client = kernel_runs
    client.create_run("0", tags={tracking.JOB_TAG: "calm_lamp_x1y2z3a4b5"})  # a job's run: the job shows it
    deleted = client.create_run("0").info.run_id
    client.delete_run(deleted)
    parent = client.create_run("0").info.run_id
    child = client.create_run("0", tags={tracking.PARENT_TAG: parent}).info.run_id
    failed = client.create_run("0").info.run_id
    client.set_terminated(failed, "FAILED")
    killed = client.create_run("0").info.run_id
    client.set_terminated(killed, "KILLED")

    jobs = {j.name: j for j in list_jobs(backend, limit=100).items}
    assert set(jobs) == {f"run_{r}" for r in (parent, child, failed, killed)}
    assert jobs[f"run_{child}"].parent == f"run_{parent}" and jobs[f"run_{parent}"].parent is None
    assert [j.name for j in list_jobs(backend, top_level=True, limit=100).items if j.name == f"run_{child}"] == []
    assert (jobs[f"run_{failed}"].status, jobs[f"run_{killed}"].status) == (JobStatus.FAILED, JobStatus.CANCELED)

    client.delete_run(parent)  # deleted while it runs: it is over, and the record says why
    gone = backend.get_job(f"run_{parent}")
    assert gone.status is JobStatus.FAILED and gone.error == "Its MLflow run was deleted."


def test_an_old_running_run_is_not_taken_for_a_lost_job(kernel_runs):
    """Reconcile fails jobs whose supervisor is gone; an interactive run never had one."""
    backend, client = kernel_runs
    run = client.create_run("0", start_time=int((time.time() - 3600) * 1000)).info.run_id
    assert backend.get_job(f"run_{run}").status is JobStatus.RUNNING
    assert backend.reconcile() == ()
    assert backend.get_job(f"run_{run}").status is JobStatus.RUNNING


def test_many_runs_arrive_in_batches_and_a_replaced_store_is_read_again(kernel_runs, monkeypatch):
    backend, client = kernel_runs
    monkeypatch.setattr(interactive, "BATCH", 3)
    runs = [client.create_run("0").info.run_id for _ in range(7)]
    assert backend.sync_interactive_runs() == 7
    assert backend.sync_interactive_runs() == 0, "nothing new: nothing written"
    assert {j.name for j in list_jobs(backend, limit=100).items} == {f"run_{r}" for r in runs}

    with backend.store.write() as tx:  # a watermark past the store's end: the store was replaced
        tx.execute("UPDATE meta SET value = 1000000 WHERE key = ?", (interactive.WATERMARK,))
        tx.execute("DELETE FROM jobs")
    assert backend.sync_interactive_runs() == 7


def test_reads_are_throttled(kernel_runs):
    backend, client = kernel_runs
    backend.interactive_every = 3600.0
    list_jobs(backend)  # the first read syncs (nothing there yet)
    run = client.create_run("0").info.run_id
    assert list_jobs(backend).total == 0, "within the interval the index is not read again"
    assert backend.sync_interactive_runs() == 1
    assert [j.name for j in list_jobs(backend).items] == [f"run_{run}"]


def test_a_store_a_kernel_created_meanwhile_is_never_replaced(tmp_path, monkeypatch):
    layout = Layout(tmp_path / "ws")
    copy = tracking.shutil.copyfile

    def copy_while_a_kernel_creates_the_store(source, target):
        layout.mlflow_db.write_bytes(b"a kernel's own store")
        return copy(source, target)

    monkeypatch.setattr(tracking.shutil, "copyfile", copy_while_a_kernel_creates_the_store)
    tracking.ensure_store(layout)
    assert layout.mlflow_db.read_bytes() == b"a kernel's own store"
    assert [p.name for p in layout.mlflow_dir.iterdir() if p.name.startswith(".")] == []
