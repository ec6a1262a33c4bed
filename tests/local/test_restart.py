"""Restart safety: jobs outlive their submitter; dead supervisors are reconciled, with a reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local import job_index
from amlx_lab.backends.local.procs import is_alive, is_locked
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import BLOCKING_MAIN, wait_until, write_code, list_jobs

pytestmark = pytest.mark.slow

# Stands in for the Jupyter server: submits, reports the name, then idles until killed.
SERVER = """
    import sys
    from pathlib import Path
    from amlx_lab.backends.local import LocalBackend
    from amlx_lab.specs import CommandJobSpec
    backend = LocalBackend(Path(sys.argv[1]), compute_slots=2)
    job = backend.submit(CommandJobSpec(code_dir=sys.argv[2], experiment="restart", command=("python", "main.py", sys.argv[3])))
    print(job.name, flush=True)
    sys.stdin.read()
"""


def test_kill_9_of_the_submitting_process_does_not_stop_the_job(make_backend, tmp_path):
    backend = make_backend()
    code = write_code(tmp_path / "pkg", BLOCKING_MAIN)
    go = tmp_path / "go"
    server = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SERVER), str(backend.root), str(code), str(go)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        name = server.stdout.readline().strip()
        wait_until(lambda: backend.get_job(name).status is JobStatus.RUNNING, 60, "the job to run")
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == -signal.SIGKILL

    # A new "server" on the same folder sees the job still running, then completed.
    again = make_backend(root=backend.root)
    assert again.reconcile() == ()
    assert again.get_job(name).status is JobStatus.RUNNING
    assert is_locked(again.layout.supervisor_lock(name))
    go.touch()
    done = again.wait(name, timeout=60)
    assert done.status is JobStatus.COMPLETED and done.exit_code == 0
    assert "released" in again.logs(name).text


def test_a_supervisor_killed_mid_job_is_failed_with_a_reason(backend, tmp_path):
    code = write_code(tmp_path / "pkg", BLOCKING_MAIN)
    go = tmp_path / "go"
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="lost", command=("python", "main.py", str(go))))
    wait_until(lambda: backend.get_job(job.name).status is JobStatus.RUNNING, 60, "the job to run")
    row = job_index.get_row(backend.store, job.name)
    assert is_alive(row["supervisor_pid"], row["supervisor_start"]) and is_alive(row["child_pid"], row["child_start"])

    os.kill(row["supervisor_pid"], signal.SIGKILL)
    wait_until(lambda: not is_locked(backend.layout.supervisor_lock(job.name)), 10, "the supervisor to die")
    assert backend.reconcile() == (job.name,)
    failed = backend.get_job(job.name)
    assert failed.status is JobStatus.FAILED
    assert "supervisor process ended unexpectedly" in failed.error and str(row["supervisor_pid"]) in failed.error
    assert failed.ended_at is not None
    # The orphaned job process was killed too: it would hold a slot outside the limit.
    wait_until(lambda: not is_alive(row["child_pid"], row["child_start"]), 10, "the orphaned job to be killed")
    assert backend.reconcile() == ()  # idempotent


def test_reconcile_leaves_live_jobs_alone_and_fails_jobs_never_started(backend, tmp_path):
    code = write_code(tmp_path / "pkg", BLOCKING_MAIN)
    go = tmp_path / "go"
    live = backend.submit(CommandJobSpec(code_dir=code, experiment="mixed", command=("python", "main.py", str(go))))
    # A row whose submitter died between recording it and starting its supervisor, long ago.
    with backend.store.write() as tx:
        job_index.insert(
            tx,
            {
                "name": "calm_lamp_orphan0000",
                "display_name": "orphan",
                "experiment": "mixed",
                "status": "Queued",
                "compute": "local",
                "compute_slots": 2,
                "interpreter": sys.executable,
                "command": '["python", "main.py"]',
                "cancel_grace": 1.0,
                "created_at": time.time() - 3600,
            },
        )
    assert backend.reconcile() == ("calm_lamp_orphan0000",)
    assert "never started" in backend.get_job("calm_lamp_orphan0000").error
    assert not backend.get_job(live.name).status.terminal
    go.touch()
    assert backend.wait(live.name, timeout=60).status is JobStatus.COMPLETED


def test_cancel_of_a_job_whose_supervisor_is_gone_closes_it_at_once(backend, tmp_path):
    code = write_code(tmp_path / "pkg", BLOCKING_MAIN)
    go = tmp_path / "go"
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="lost", command=("python", "main.py", str(go))))
    wait_until(lambda: backend.get_job(job.name).status is JobStatus.RUNNING, 60, "the job to run")
    row = job_index.get_row(backend.store, job.name)
    os.kill(row["supervisor_pid"], signal.SIGKILL)
    wait_until(lambda: not is_locked(backend.layout.supervisor_lock(job.name)), 10, "the supervisor to die")
    done = backend.cancel(job.name)
    assert done.status is JobStatus.CANCELED and "supervisor" in done.error
    wait_until(lambda: not is_alive(row["child_pid"], row["child_start"]), 10, "the job process to be killed")


def test_reads_reconcile_on_their_own(make_backend, tmp_path):
    backend = make_backend()
    backend.reconcile_every = 0.0
    code = write_code(tmp_path / "pkg", BLOCKING_MAIN)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="lost", command=("python", "main.py", str(tmp_path / "go"))))
    wait_until(lambda: backend.get_job(job.name).status is JobStatus.RUNNING, 60, "the job to run")
    row = job_index.get_row(backend.store, job.name)
    os.kill(row["supervisor_pid"], signal.SIGKILL)
    wait_until(lambda: backend.get_job(job.name).status is JobStatus.FAILED, 10, "a read to notice the dead supervisor")


def test_a_new_backend_instance_is_cheap_and_shares_the_index(make_backend, tmp_path):
    first = make_backend()
    first.health()
    second = LocalBackend(first.root, compute_slots=2)
    try:
        assert list_jobs(second).total == 0
        assert second.store.revision() == first.store.revision()
    finally:
        second.close()


def test_a_dead_queued_job_does_not_block_the_queue(make_backend, tmp_path):
    backend = make_backend(slots=1)
    backend.reconcile_every = float("inf")  # only the waiting supervisor may notice
    with backend.store.write() as tx:  # older than the real job, and its supervisor is long gone
        job_index.insert(
            tx,
            {
                "name": "calm_lamp_stuck00000",
                "display_name": "stuck",
                "experiment": "queue",
                "status": "Queued",
                "compute": "local",
                "compute_slots": 1,
                "interpreter": sys.executable,
                "command": '["python", "main.py"]',
                "cancel_grace": 1.0,
                "created_at": time.time() - 3600,
            },
        )
    code = write_code(tmp_path / "pkg", "print('ran')\n")
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="queue"))
    done = backend.wait(job.name, timeout=60)  # the waiting supervisor reconciles the dead one after ~5 s
    assert done.status is JobStatus.COMPLETED
    assert backend.get_job("calm_lamp_stuck00000").status is JobStatus.FAILED
