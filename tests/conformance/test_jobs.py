"""Jobs on every target: submit, status, listing and paging, change feed, logs, metrics, outputs, code, cancel."""

from __future__ import annotations

import pytest

from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus, JobType
from amlx_lab.specs import JobQuery

from .conftest import Target, wait_until

pytestmark = pytest.mark.slow

WRITES_OUTPUTS = """
    import os, sys
    print("hello from the job", flush=True)
    os.makedirs("outputs/model", exist_ok=True)
    open("outputs/model/weights.txt", "w").write("w=1")
    open("outputs/summary.json", "w").write('{"ok": true}')
    print("args", sys.argv[1:], flush=True)
"""


def test_a_submitted_job_runs_to_completion_with_its_record(target: Target) -> None:
    target.require("jobs")
    job = target.submit(WRITES_OUTPUTS, experiment="conf-basic", display_name="first", tags={"stage": "baseline"},
                        parameters={"alpha": 0.5}, command=("python", "main.py", "--alpha", "${{inputs.alpha}}"))
    assert job.status in (JobStatus.QUEUED, JobStatus.NOT_STARTED, JobStatus.PREPARING, JobStatus.RUNNING)
    assert (job.type, job.parent, job.experiment, job.display_name) == (JobType.COMMAND, None, "conf-basic", "first")
    assert job.tags["stage"] == "baseline" and job.parameters == {"alpha": 0.5}
    assert job.updated_at is not None and job.created_at <= job.updated_at

    done = target.finished(job)
    assert done.status is JobStatus.COMPLETED, done.error
    assert done.started_at is not None and done.ended_at is not None and done.started_at <= done.ended_at
    assert done.updated_at is not None and done.updated_at >= job.updated_at
    jobs = target.ws.jobs(target.name)
    assert jobs.get_job(job.name) == done
    text = "".join(_read_log(target, job.name))
    assert "hello from the job" in text and "['--alpha', '0.5']" in text

    outputs = {f.path: f.size for f in jobs.list_outputs(job.name)}
    assert outputs == {"model/weights.txt": 3, "summary.json": 12}
    assert jobs.output_file(job.name, "model/weights.txt").read_text() == "w=1"
    package = jobs.code_package(job.name)
    assert package.job == job.name and "main.py" in {f.path for f in package.files}
    assert "hello from the job" in jobs.code_file(job.name, "main.py").read_text()
    assert "conf-basic" in {e.name for e in jobs.list_experiments()}


def test_records_carry_no_local_paths(target: Target) -> None:
    target.require("jobs")
    job = target.finished(target.submit("print('x')"))
    text = repr(job.to_dict()) + repr(target.ws.jobs(target.name).code_package(job.name).to_dict())
    assert str(target.root) not in text


def test_a_failing_job_is_failed_with_a_reason(target: Target) -> None:
    target.require("jobs")
    done = target.finished(target.submit("raise SystemExit('broken on purpose')"))
    assert done.status is JobStatus.FAILED and done.error


def test_listing_filters_sorts_and_pages_every_job_once(target: Target) -> None:
    target.require("jobs")
    names = [target.submit(f"print({i})", experiment="conf-paging", display_name=f"page {i}").name for i in range(5)]
    for name in names:
        target.ws.wait(name, timeout=120, target=target.name)
    seen: list[str] = []
    cursor = None
    while True:
        page = target.ws.list_jobs(JobQuery(experiment="conf-paging", limit=2, cursor=cursor), target=target.name)
        assert page.total in (None, 5) and len(page.items) <= 2
        seen += [j.name for j in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(names)), "newest first, each job exactly once"
    query = JobQuery(experiment="conf-paging", text="page 3", status=("Completed",), top_level=True)
    assert [j.name for j in target.ws.list_jobs(query, target=target.name).items] == [names[3]]
    assert target.ws.list_jobs(JobQuery(parent=names[0]), target=target.name).items == ()
    oldest = target.ws.list_jobs(JobQuery(experiment="conf-paging", descending=False, limit=1), target=target.name)
    assert [j.name for j in oldest.items] == [names[0]]


def test_a_sort_the_target_cannot_do_is_refused_not_faked(target: Target) -> None:
    target.require("jobs")
    keys = target.ws.backend(target.name).traits().sort_keys
    assert "created_at" in keys
    for key in ("ended_at", "metrics.rmse", "status"):
        if key in keys or (key.startswith("metrics.") and "metrics.*" in keys):
            target.ws.list_jobs(JobQuery(order_by=key), target=target.name)
        else:
            with pytest.raises(ValidationError) as refused:
                target.ws.list_jobs(JobQuery(order_by=key), target=target.name)
            assert refused.value.field == "order_by"


def test_the_change_feed_reports_each_change_after_its_cursor(target: Target) -> None:
    target.require("jobs")
    jobs = target.ws.jobs(target.name)
    start = jobs.changes(None)
    assert start.jobs == ()
    job = target.submit("print('fed')")
    target.finished(job)

    def finished_seen() -> bool:
        cursor, seen = start.cursor, []
        while True:
            changes = jobs.changes(cursor)
            seen += [j for j in changes.jobs if j.name == job.name]
            cursor = changes.cursor
            if not changes.more:
                return bool(seen) and seen[-1].status is JobStatus.COMPLETED

    wait_until(finished_seen, 60, "the change feed to report the finished job")
    latest = jobs.changes(None).cursor
    assert jobs.changes(latest).jobs == ()
    with pytest.raises(ValidationError):
        jobs.changes("not a cursor")


def test_logs_are_read_in_chunks_from_opaque_offsets(target: Target) -> None:
    target.require("jobs")
    job = target.finished(target.submit("for i in range(300):\n    print('line', i, 'é✓')\n"))
    whole = "".join(_read_log(target, job.name, limit=100))
    assert whole.count("\n") == 300 and "line 299 é✓" in whole
    with pytest.raises(ValidationError):
        target.ws.jobs(target.name).logs(job.name, "not an offset")


def test_metrics_logged_by_the_job_come_back_by_step(target: Target) -> None:
    target.require("jobs")
    main = """
        import mlflow
        for step, value in enumerate([3.0, 2.0, 1.5]):
            mlflow.log_metric("rmse", value, step=step)
        mlflow.log_metric("r2", 0.5)
        mlflow.log_param("alpha", "0.3")
    """
    done = target.finished(target.submit(main, bare=False, experiment="conf-metrics"), timeout=180)
    assert done.status is JobStatus.COMPLETED, done.error
    jobs = target.ws.jobs(target.name)
    histories = wait_until(lambda: (h := jobs.metric_histories(done.name)) and len(h.get("rmse", ())) == 3 and h, 60,
                           "the metrics to be readable")
    assert [(p.step, p.value) for p in histories["rmse"]] == [(0, 3.0), (1, 2.0), (2, 1.5)]
    assert set(histories) == {"rmse", "r2"}
    assert jobs.metric_histories(done.name, ["r2", "missing"]) == {"r2": histories["r2"], "missing": ()}
    record = wait_until(lambda: (j := jobs.get_job(done.name)).metrics.get("rmse") == 1.5 and j, 60, "latest metrics")
    assert record.params.get("alpha") == "0.3"
    best = target.ws.best_job("rmse", goal="min", experiment="conf-metrics", target=target.name)
    assert best.name == done.name
    with pytest.raises(NotFoundError) as refused:
        target.ws.best_job("rms", goal="min", experiment="conf-metrics", target=target.name)
    assert "Metrics they logged: rmse, r2." in refused.value.message


def test_cancel_stops_a_running_job_and_refuses_a_finished_one(target: Target) -> None:
    target.require("jobs")
    job = target.submit("import time\nprint('waiting', flush=True)\ntime.sleep(120)\n")
    wait_until(lambda: "waiting" in "".join(_read_log(target, job.name)), 60, "the job to start")
    asked = target.ws.jobs(target.name).cancel(job.name)
    assert asked.status in (JobStatus.CANCEL_REQUESTED, JobStatus.CANCELED)
    assert target.finished(job, timeout=60).status is JobStatus.CANCELED
    with pytest.raises(ConflictError):
        target.ws.jobs(target.name).cancel(job.name)


def test_unknown_jobs_and_bad_names_are_404_and_400(target: Target) -> None:
    target.require("jobs")
    jobs = target.ws.jobs(target.name)
    for call in (jobs.get_job, jobs.cancel, jobs.list_outputs, jobs.code_package, jobs.logs):
        with pytest.raises(NotFoundError):
            call("no_such_job_abcdef")
        with pytest.raises(ValidationError):
            call("../../etc")
    done = target.finished(target.submit("print(1)"))
    with pytest.raises((NotFoundError, ValidationError)):
        jobs.output_file(done.name, "../main.py")
    with pytest.raises(NotFoundError):
        jobs.output_file(done.name, "missing.txt")


def _read_log(target: Target, name: str, limit: int = 65536) -> list[str]:
    """Every chunk of a job's log from the start, following ``next_offset`` as a client does."""
    jobs = target.ws.jobs(target.name)
    parts, offset = [], None
    while True:
        chunk = jobs.logs(name, offset, limit)
        parts.append(chunk.text)
        if chunk.complete or not chunk.text:
            return parts
        offset = chunk.next_offset


@pytest.mark.parametrize(
    "spec, field",
    [
        ({"compute": "no-such-cluster"}, "compute"),
        ({"interpreter": "/no/such/python3"}, "interpreter"),
        ({"inputs": {"data": "azureml:no-such-asset@latest"}}, "inputs.data"),
        ({"command": ("python", "main.py", "${{inputs.missing}}")}, "command"),
    ],
)
def test_validate_job_refuses_what_submit_refuses_and_starts_nothing(target: Target, spec: dict, field: str) -> None:
    """What a preview relies on: the target's own checks of a spec, without a job."""
    target.require("jobs")
    if field == "interpreter" and target.name != "local":
        pytest.skip("only the local target runs a job with an interpreter of this machine")
    from amlx_lab.specs import CommandJobSpec

    jobs = target.ws.jobs(target.name)
    before = jobs.list_jobs(JobQuery(limit=1000)).total
    full = CommandJobSpec(code_dir=target.code("print('x')"), experiment="conf-validate", **spec)
    for attempt in (jobs.validate_job, jobs.submit):
        with pytest.raises(ValidationError) as refused:
            attempt(full)
        assert refused.value.details.get("field") == field
    jobs.validate_job(CommandJobSpec(code_dir=target.code("print('x')"), experiment="conf-validate"))
    assert jobs.list_jobs(JobQuery(limit=1000)).total == before
