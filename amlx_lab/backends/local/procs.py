"""Process identity and file locks: how one process knows whether another is still alive.

A PID alone is not an identity (PIDs are reused), so every PID we store comes
with the process start time, read through psutil (Linux, macOS, Windows). It
is kept as seconds from boot to the start rather than as a date: a clock
change moves every process's start date but not that. Liveness of a
supervisor is primarily an ``flock`` it holds on its lock file: the kernel
releases it when the process dies, however it dies.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psutil

_SAME_START = 0.005  # seconds; start times have 10 ms resolution on Linux


def start_time(pid: int) -> float | None:
    """Seconds from boot to the start of process ``pid``, or ``None`` if it is gone or unknown.

    Returns ``None`` for a zombie too: it has exited and only waits to be reaped.
    """
    try:
        proc = psutil.Process(pid)
        if proc.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return None
        return round(proc.create_time() - psutil.boot_time(), 2)
    except psutil.Error:
        return None


def is_alive(pid: int | None, started: float | None) -> bool:
    """Whether the process ``pid`` that started at ``started`` (see ``start_time``) is still running."""
    if not pid:
        return False
    now = start_time(pid)
    return now is not None and (started is None or abs(now - started) < _SAME_START)


def kill_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to a process group; ``False`` when the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def group_exists(pgid: int) -> bool:
    """Whether any process is left in the group (signal 0 checks without sending)."""
    return kill_group(pgid, 0)


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def log_line(role: str, message: str) -> None:
    """One timestamped line of a detached supervisor's log (its stdout is its log file)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} [{role} {os.getpid()}] {message}", flush=True)


def spawn_detached(argv: list[str], *, log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session (immune to our death and our terminal), output to ``log``.

    A thread reaps it when it ends, so a long-lived parent (the Jupyter
    server) collects no zombies.
    """
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, close_fds=True
        )
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    return proc


class FileLock:
    """An exclusive ``flock`` on a file, released explicitly or by the kernel when we die.

    The descriptor is not inheritable unless handed to a child on purpose
    (``pass_fds``), in which case the lock lives as long as either process does.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, *, blocking: bool) -> bool:
        """Take the lock; with ``blocking=False`` return ``False`` at once if it is held."""
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        self.acquire(blocking=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(path: Path) -> bool:
    """Whether some live process holds an exclusive ``flock`` on ``path`` (probe, no side effect)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
