"""Process identity, locks and exit watching: the pieces restart safety stands on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from amlx_lab.backends.local.procs import FileLock, is_alive, is_locked, start_time
from amlx_lab.backends.local.supervisor import ExitWatch

from .conftest import wait_until

WAIT_FOR_FILE = "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.02)"


@pytest.fixture
def child(tmp_path):
    go = tmp_path / "go"
    proc = subprocess.Popen([sys.executable, "-c", WAIT_FOR_FILE, str(go)])
    yield proc, go
    go.touch()
    proc.wait(timeout=30)


def test_identity_is_pid_plus_start_time(child):
    proc, go = child
    started = start_time(proc.pid)
    assert started is not None and is_alive(proc.pid, started)
    assert not is_alive(proc.pid, started + 1)  # same PID, another process: not ours
    go.touch()
    wait_until(lambda: start_time(proc.pid) is None, 10, "the child to exit")  # a zombie counts as gone
    assert not is_alive(proc.pid, started)
    proc.wait()
    assert not is_alive(None, None)


def test_locks_are_visible_to_other_processes_and_released_by_death(tmp_path):
    path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\ntime.sleep(60)", str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert is_locked(path)
        assert FileLock(path).acquire(blocking=False) is False
    finally:
        holder.kill()
        holder.wait()
    assert not is_locked(path)
    lock = FileLock(path)
    assert lock.acquire(blocking=False) is True and is_locked(path)
    lock.release()
    assert not is_locked(tmp_path / "missing.lock")


@pytest.mark.parametrize("use_pidfd", [True, False])
def test_exit_watch_does_not_reap(child, use_pidfd):
    proc, go = child
    watch = ExitWatch(proc.pid)
    if not use_pidfd and watch.fd is not None:
        os.close(watch.fd)
        watch.fd = None
    try:
        assert watch.wait(0.05) is False
        go.touch()
        wait_until(lambda: watch.wait(0.05), 10, "the exit to be seen")
        assert os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None  # still unreaped
    finally:
        watch.close()
    assert proc.wait(timeout=5) == 0
