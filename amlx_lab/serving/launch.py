"""Start, wait for, probe and stop scoring server processes (for the endpoint lifecycle).

Light to import (no numpy/sklearn): the Jupyter server calls it. A server is
started detached (own session, stdin closed, output to a log file) so it
outlives the Jupyter server; everything needed to find it again is in its
state file (pid, ports) and nothing needs the Popen object.

    proc = start_server(model="…/model", key_file="…/keys.json", state_file="…/state.json",
                        stats_file="…/stats.json", log_file="…/server.log", deployment="blue")
    proc.scoring_uri          # http://127.0.0.1:<port>/score
    health(proc.port)         # True while it answers GET /health
    stop_server(proc.pid)     # SIGTERM, then SIGKILL after a grace period

To restart on the same port after a crash, pass ``port=`` the old state's port.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from .state import FAILED, READY, read_state


class ServerStartError(RuntimeError):
    """The server exited or failed before becoming ready (message carries its reason)."""


@dataclass
class ServerProcess:
    pid: int
    state: dict[str, Any]
    popen: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.state["port"])

    @property
    def endpoint_port(self) -> int | None:
        return self.state.get("endpoint_port")

    @property
    def scoring_uri(self) -> str:
        return str(self.state["scoring_uri"])


def build_command(
    *,
    key_file: str | os.PathLike[str],
    model: str | os.PathLike[str] | None = None,
    score_script: str | os.PathLike[str] | None = None,
    state_file: str | os.PathLike[str] | None = None,
    stats_file: str | os.PathLike[str] | None = None,
    routing_file: str | os.PathLike[str] | None = None,
    deployment: str = "default",
    port: int = 0,
    endpoint_port: int | None = None,
    python: str | None = None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The argv of ``python -m amlx_lab.serving`` for these settings (no secrets in it)."""
    cmd = [python or sys.executable, "-m", "amlx_lab.serving", "--key-file", os.fspath(key_file), "--port", str(port)]
    cmd += ["--deployment", deployment]
    for flag, value in (
        ("--model", model),
        ("--score-script", score_script),
        ("--state-file", state_file),
        ("--stats-file", stats_file),
        ("--routing-file", routing_file),
        ("--endpoint-port", endpoint_port),
    ):
        if value is not None:
            cmd += [flag, os.fspath(value) if not isinstance(value, int) else str(value)]
    return cmd + list(extra_args)


def is_alive(pid: int) -> bool:
    """True if the process exists and is not a zombie (reaps it if it is our child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        return psutil.Process(pid).status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # exists, but we may not look at it
        return True


def is_serving_process(pid: int, state_file: str | os.PathLike[str] | None = None) -> bool:
    """True if ``pid`` is a live scoring server (optionally the one writing ``state_file``).

    After a reboot a state file's pid may belong to an unrelated process: check its
    command line (through psutil) before trusting or signalling it.
    """
    if not is_alive(pid):
        return False
    try:
        argv = psutil.Process(pid).cmdline()
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # alive but not ours to inspect: it cannot be a server we started either
        return False
    if "amlx_lab.serving" not in argv:
        return False
    if state_file is not None:
        return os.fspath(state_file) in argv
    return True


def wait_ready(state_file: str | os.PathLike[str], pid: int, timeout: float = 60.0, log_file: str | None = None) -> dict[str, Any]:
    """Poll the state file until the server with this pid says ready; raise if it fails or dies."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        state = read_state(state_file)
        if state and state.get("pid") == pid:
            if state.get("status") == READY:
                return state
            if state.get("status") == FAILED:
                raise ServerStartError(str(state.get("error") or "the scoring server failed to start"))
        if not is_alive(pid):
            raise ServerStartError("the scoring server exited before it was ready" + _log_tail(log_file))
        if time.monotonic() > deadline:
            raise ServerStartError(f"the scoring server was not ready within {timeout:g} s" + _log_tail(log_file))
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)


def _log_tail(log_file: str | None, lines: int = 5) -> str:
    if not log_file:
        return ""
    try:
        tail = Path(log_file).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return ("; log: " + " | ".join(tail)) if tail else ""


def start_server(
    *,
    key_file: str | os.PathLike[str],
    state_file: str | os.PathLike[str],
    log_file: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
    wait: bool = True,
    **settings: Any,
) -> ServerProcess:
    """Spawn a detached server and (by default) wait until its state file says ready.

    ``settings`` are ``build_command``'s keywords (model, score_script, port, ...).
    """
    try:
        os.unlink(state_file)  # a stale file from a previous run must not look ready
    except FileNotFoundError:
        pass
    cmd = build_command(key_file=key_file, state_file=state_file, **settings)
    out: Any = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    try:
        popen = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            close_fds=True, env=env, cwd=cwd,
        )
    finally:
        if log_file:
            out.close()
    if not wait:
        return ServerProcess(popen.pid, {}, popen)
    try:
        state = wait_ready(state_file, popen.pid, timeout, os.fspath(log_file) if log_file else None)
    except ServerStartError:
        stop_server(popen.pid, grace=1.0)
        raise
    return ServerProcess(popen.pid, state, popen)


def stop_server(pid: int, grace: float = 5.0, *, check: bool = True) -> bool:
    """SIGTERM the server's process group, SIGKILL it after ``grace`` s; True if it is gone.

    With ``check`` (default) a pid that is not a scoring server is left alone (it was
    reused by another program) and reported as gone.
    """
    if check and not is_serving_process(pid):
        return True
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return True
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.02)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return True
    for _ in range(100):
        if not is_alive(pid):
            return True
        time.sleep(0.02)
    return False


def health(port: int, timeout: float = 2.0) -> bool:
    """True if ``GET /health`` on 127.0.0.1:port answers 200 within the timeout."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()
