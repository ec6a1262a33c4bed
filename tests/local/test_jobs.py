"""Local jobs end to end: real supervisors, real processes, real MLflow store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from amlx_lab.backends.local.jobs import build_command
from amlx_lab.backends.local.procs import is_alive
from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobInput, JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import BLOCKING_MAIN, wait_until, write_code, list_jobs

pytestmark = pytest.mark.slow

MLFLOW_MAIN = """
    print("training starts", flush=True)
    import mlflow
    with mlflow.start_run():
        mlflow.log_param("alpha", 0.5)
        for step, value in enumerate([3.0, 2.0, 1.5]):
            mlflow.log_metric("rmse", value, step=step)
        mlflow.log_metric("r2", 0.75)
    with open("outputs/model.txt", "w") as handle:
        handle.write("weights")
    print("training done", flush=True)
"""


def test_job_completes_and_its_metrics_reach_the_index_and_mlflow(backend, tmp_path):
    code = write_code(tmp_path / "pkg", MLFLOW_MAIN)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="diabetes", display_name="ridge", tags={"team": "a"}))
    assert job.status is JobStatus.QUEUED
    assert job.name.count("_") == 2 and job.display_name == "ridge"

    done = backend.wait(job.name, timeout=120)
    assert done.status is JobStatus.COMPLETED, backend.logs(job.name).text
    assert done.exit_code == 0 and done.error is None
    assert done.started_at and done.ended_at and done.created_at <= done.started_at <= done.ended_at
    assert done.metrics == {"rmse": 1.5, "r2": 0.75}
    assert done.params == {"alpha": "0.5"}
    assert done.tags == {"team": "a"}
    assert done.command[1:] == ("main.py",) and os.path.isabs(done.command[0])

    history = backend.metric_histories(job.name, ["rmse"])["rmse"]
    assert [(p.step, p.value) for p in history] == [(0, 3.0), (1, 2.0), (2, 1.5)]
    assert backend.metric_histories(job.name, ["unknown"]) == {"unknown": ()}

    import mlflow

    mlflow.set_tracking_uri(backend.tracking_uri())
    runs = mlflow.search_runs(experiment_names=["diabetes"], output_format="list")
    assert [r.info.run_id for r in runs] == [done.mlflow_run_id]
    run = runs[0]
    assert run.data.metrics == {"rmse": 1.5, "r2": 0.75}
    assert run.data.tags["amlx.job_name"] == job.name and run.info.run_name == job.name
    assert run.info.artifact_uri.startswith(str(backend.layout.artifacts_dir))

    assert [(f.path, f.size) for f in backend.list_outputs(job.name)] == [("model.txt", 7)]
    assert backend.output_file(job.name, "model.txt").read_text() == "weights"
    log = backend.logs(job.name)
    assert "training starts" in log.text and "training done" in log.text and log.complete


def test_metrics_are_copied_while_the_job_runs(backend, tmp_path):
    code = write_code(
        tmp_path / "pkg",
        """
        import os, sys, time
        import mlflow
        mlflow.start_run()
        mlflow.log_metric("loss", 0.5, step=1)
        go = sys.argv[1]
        deadline = time.time() + 120
        while not os.path.exists(go) and time.time() < deadline:
            time.sleep(0.05)
        mlflow.log_metric("loss", 0.25, step=2)
        mlflow.end_run()
        """,
    )
    go = tmp_path / "go"
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="live", command=("python", "main.py", str(go))))
    running = wait_until(
        lambda: (j := backend.get_job(job.name)).metrics.get("loss") == 0.5 and j, 90, "the first metric while running"
    )
    assert running.status is JobStatus.RUNNING and running.mlflow_run_id
    go.touch()
    done = backend.wait(job.name, timeout=60)
    assert done.status is JobStatus.COMPLETED and done.metrics == {"loss": 0.25}


def test_a_job_that_raises_is_failed_with_its_traceback_in_the_log(backend, tmp_path):
    code = write_code(
        tmp_path / "pkg",
        """
        def train():
            raise ValueError("the data has no rows")
        print("before the error", flush=True)
        train()
        """,
    )
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="broken"))
    done = backend.wait(job.name, timeout=90)
    assert done.status is JobStatus.FAILED
    assert done.exit_code == 1
    assert "exited with code 1" in done.error and "ValueError: the data has no rows" in done.error
    text = backend.layout.std_log(done.name).read_text()
    assert "before the error" in text
    assert "Traceback (most recent call last)" in text and 'raise ValueError("the data has no rows")' in text


def test_cancel_stops_the_whole_process_group(backend, tmp_path):
    code = write_code(
        tmp_path / "pkg",
        """
        import subprocess, sys, time, os
        helper = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.1)"])
        with open("outputs/pids.json", "w") as handle:
            handle.write('{"main": %d, "helper": %d}' % (os.getpid(), helper.pid))
        print("working", flush=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            time.sleep(0.05)
        """,
    )
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="cancel"))
    pids_file = Path(backend.layout.outputs_dir(job.name)) / "pids.json"
    wait_until(lambda: pids_file.exists() and pids_file.stat().st_size > 0, 60, "the job to start its helper")
    pids = json.loads(pids_file.read_text())
    assert backend.get_job(job.name).status is JobStatus.RUNNING

    asked = backend.cancel(job.name)
    assert asked.status in (JobStatus.CANCEL_REQUESTED, JobStatus.CANCELED)
    done = backend.wait(job.name, timeout=30)
    assert done.status is JobStatus.CANCELED
    assert done.exit_code == -15  # SIGTERM was enough
    wait_until(lambda: not is_alive(pids["main"], None) and not is_alive(pids["helper"], None), 10, "the processes to go")

    with pytest.raises(ConflictError) as raised:
        backend.cancel(job.name)
    assert raised.value.status == 409 and "Canceled" in raised.value.message


def test_cancel_escalates_to_sigkill_after_the_grace_period(make_backend, tmp_path):
    backend = make_backend(grace=1.0)
    code = write_code(
        tmp_path / "pkg",
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring SIGTERM", flush=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            time.sleep(0.05)
        """,
    )
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="stubborn"))
    wait_until(lambda: "ignoring SIGTERM" in backend.logs(job.name).text, 60, "the job to start")
    backend.cancel(job.name)
    done = backend.wait(job.name, timeout=30)
    assert done.status is JobStatus.CANCELED and done.exit_code == -9


def test_cancel_a_queued_job_before_it_starts(make_backend, tmp_path):
    backend = make_backend(slots=1)
    code = write_code(tmp_path / "pkg", BLOCKING_MAIN)
    go = tmp_path / "go"
    first = backend.submit(CommandJobSpec(code_dir=code, experiment="queue", command=("python", "main.py", str(go))))
    wait_until(lambda: backend.get_job(first.name).status is JobStatus.RUNNING, 60, "the first job to run")
    second = backend.submit(CommandJobSpec(code_dir=code, experiment="queue", command=("python", "main.py", str(go))))
    assert backend.get_job(second.name).status is JobStatus.QUEUED
    backend.cancel(second.name)
    done = backend.wait(second.name, timeout=30)
    assert done.status is JobStatus.CANCELED and done.started_at is None and "had not started" in done.error
    go.touch()
    assert backend.wait(first.name, timeout=60).status is JobStatus.COMPLETED


def test_unknown_jobs_are_404_and_bad_names_400(backend):
    with pytest.raises(NotFoundError):
        backend.get_job("calm_lamp_0000000000")
    with pytest.raises(NotFoundError):
        backend.cancel("calm_lamp_0000000000")
    with pytest.raises(ValidationError) as raised:
        backend.logs("../../etc")
    assert raised.value.field == "name"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"compute": "gpu-cluster"}, "compute"),
        ({"experiment": "bad name!"}, "experiment"),
        ({"command": "python main.py"}, "command"),
        ({"command": ("python", "main.py", "${{inputs.missing}}")}, "command"),
        ({"interpreter": "/no/such/python"}, "interpreter"),
        ({"inputs": {"data": "no-such-file.csv"}}, "inputs.data"),
        ({"parameters": {"alpha": [1, 2]}}, "parameters.alpha"),
        ({"code_dir": "/no/such/folder"}, "code_dir"),
    ],
)
def test_bad_submissions_name_the_field(backend, tmp_path, change, field):
    code = write_code(tmp_path / "pkg", "print('hi')\n")
    values = {"code_dir": code, "experiment": "e", **change}
    with pytest.raises(ValidationError) as raised:
        backend.submit(CommandJobSpec(**values))
    assert raised.value.field == field
    assert list_jobs(backend).total == 0  # nothing half-recorded


def test_command_placeholders_parameters_and_inputs():
    inputs = [JobInput(name="data", ref="titanic:1", path="/ws/data/t.csv"), JobInput(name="extra", ref="x", path="/x")]
    argv = build_command(
        ("python", "main.py", "--alpha", "${{inputs.alpha}}", "--train", "${{inputs.data}}"),
        "/usr/bin/python3",
        inputs,
        {"alpha": 0.5, "flag": True},
    )
    assert argv == ["/usr/bin/python3", "main.py", "--alpha", "0.5", "--train", "/ws/data/t.csv", "--extra", "/x"]


def test_the_code_is_a_snapshot_and_parameters_are_recorded(backend, tmp_path):
    code = write_code(
        tmp_path / "pkg",
        """
        import sys, json
        print(json.dumps(sys.argv[1:]))
        print(open("helper.txt").read())
        """,
        **{"helper.txt": "version one"},
    )
    (code / "outputs").mkdir()
    (code / "outputs" / "old.bin").write_text("stale")
    job = backend.submit(
        CommandJobSpec(
            code_dir=code,
            experiment="snap",
            command=("python", "main.py", "--alpha", "${{inputs.alpha}}"),
            parameters={"alpha": 0.1},
            manifest={"cells": [3, 5]},
        )
    )
    (code / "helper.txt").write_text("version two")  # edits after submit do not reach the job
    done = backend.wait(job.name, timeout=60)
    assert done.status is JobStatus.COMPLETED
    assert '["--alpha", "0.1"]' in backend.logs(job.name).text
    assert "version one" in backend.logs(job.name).text
    assert done.parameters == {"alpha": 0.1}
    package = backend.code_package(job.name)
    assert sorted(f.path for f in package.files) == ["helper.txt", "main.py"]
    assert package.manifest == {"cells": [3, 5]} and package.command == done.command
    assert backend.list_outputs(job.name) == ()  # the code folder's old outputs/ was not copied
    assert backend.code_file(job.name, "helper.txt").read_text() == "version one"


def test_job_spec_from_a_json_body_names_bad_fields():
    spec = CommandJobSpec.parse({"code_dir": "/x", "experiment": "e", "command": ["python", "main.py"], "tags": {"a": "b"}})
    assert spec.command == ("python", "main.py") and spec.tags == {"a": "b"}
    for body, field in (
        ({"experiment": "e"}, "code_dir"),
        ({"code_dir": "/x", "colour": "red"}, "colour"),
        ({"code_dir": "/x", "command": "python main.py"}, "command"),
        ({"code_dir": "/x", "parameters": [1]}, "parameters"),
        ({"code_dir": "/x", "experiment": "no good"}, "experiment"),
        ({"code_dir": "/x", "inputs": {"n": "a"}, "parameters": {"n": 1}}, "inputs"),
        ([], "body"),
    ):
        with pytest.raises(ValidationError) as raised:
            CommandJobSpec.parse(body)
        assert raised.value.field == field
