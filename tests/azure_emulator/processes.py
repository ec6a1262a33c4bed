"""Child processes that die with their parent: Azurite and the jobs must not outlive the emulator."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time


def dying_with_parent(args: list[str]) -> list[str]:
    """``args`` run through util-linux's ``setpriv --pdeathsig TERM`` (Linux SIGTERMs the child when the
    process that started it exits), so no Python code has to run between fork and exec. Without setpriv the
    command runs as is and only explicit teardown stops it."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *args] if setpriv else args


def stop_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group led by ``proc`` (its own session), SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
