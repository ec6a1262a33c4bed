"""The detached process that keeps one deployment's scoring server running.

Run as ``python -m amlx_lab.backends.local.deployment_supervisor <workspace> <endpoint> <deployment>``
in its own session (like a job's supervisor), so the Jupyter server, a magic or
the CLI may come and go. It:

1. takes ``supervisor.lock`` in the deployment folder (its liveness signal for
   ``endpoint_reconcile``; a second supervisor of the same deployment exits);
2. adopts a scoring server a previous supervisor left running (checked with
   ``is_serving_process`` against the state file, so a reused pid is never
   trusted), or starts one through ``amlx_lab.serving.start_server`` on the
   deployment's own port (a new free one if something else took it) and the
   endpoint's port;
3. watches it: a pidfd tells the moment it exits, ``GET /health`` every
   ``HEALTH_EVERY`` seconds catches a server that hangs; a dead or hung server
   is restarted with backoff (status ``Restarting``, ``restarts`` + 1,
   ``last_error`` saying why), counters continue from the stats file;
4. stops it on SIGTERM or when the deployment is deleted.

The very first start failing (a model that cannot load, a broken score.py)
makes the deployment ``Failed`` and the supervisor exits: retrying would fail
the same way. It imports neither MLflow nor scikit-learn.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import sqlite3
import subprocess
import time
import traceback
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

from ...serving.launch import ServerStartError, health, is_alive, is_serving_process, start_server, stop_server
from ...serving.state import FAILED, READY, read_state
from .endpoint_index import (
    DeploymentFiles,
    free_port,
    owned_ports,
    port_free,
    update_deployment,
    apply_requested_traffic,
    write_routing,
)
from .layout import Layout
from .procs import FileLock, log_line, signal_name, start_time
from .store import Store

POLL = 0.5  # seconds between checks of the desired state (and the longest a stop request waits)
HEALTH_EVERY = 2.0
HEALTH_TIMEOUT = 5.0
HEALTH_FAILURES = 3  # consecutive failed health checks before a hung server is restarted
START_TIMEOUT = 60.0
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds before restart n (the last one repeats)
STABLE_AFTER = 60.0  # a server up this long starts the backoff afresh

# The server must not inherit the Jupyter server's token or notebook settings.
_DROP_PREFIXES = ("JPY_", "JUPYTER_TOKEN")
_DROP = {"MPLBACKEND", "PYDEVD_USE_FRAME_EVAL"}


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return ("; log: " + " | ".join(tail)) if tail else ""


def server_environment(base: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in base.items() if k not in _DROP and not k.startswith(_DROP_PREFIXES)}


@dataclass
class Server:
    """A scoring server being watched: started here (``popen``) or adopted from a previous supervisor."""

    pid: int
    port: int
    state_file: Path
    popen: subprocess.Popen[bytes] | None = None
    started: float = field(default_factory=time.monotonic)
    fd: int | None = None

    def __post_init__(self) -> None:
        try:
            self.fd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self.fd = None

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return is_serving_process(self.pid, self.state_file)

    def wait_exit(self, timeout: float) -> bool:
        """``True`` once the server has exited; otherwise ``False`` after ``timeout`` seconds."""
        if self.fd is not None:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return False
            if self.popen is not None:
                self.popen.wait(timeout=5)  # reap it: the pid stays ours until then
            return True
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def exit_reason(self) -> str:
        code = self.popen.returncode if self.popen is not None else None
        if code is None:
            return f"the scoring server (pid {self.pid}) ended"
        if code < 0:
            return f"the scoring server (pid {self.pid}) was killed by {signal_name(-code)}"
        return f"the scoring server (pid {self.pid}) exited with code {code}"

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class DeploymentSupervisor:
    """One deployment's lifecycle; see the module doc."""

    def __init__(self, layout: Layout, endpoint: str, name: str) -> None:
        self.layout = layout
        self.endpoint = endpoint
        self.name = name
        self.files = DeploymentFiles.of(layout, endpoint, name)
        self.store = Store(layout.index_db)
        self.stop_signal: int | None = None
        self.server: Server | None = None

    # -- helpers -------------------------------------------------------------------

    def log(self, message: str) -> None:
        log_line("deployment supervisor", message)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.stop_signal = signum

    def row(self) -> sqlite3.Row | None:
        rows = self.store.query(
            "SELECT d.*, e.port AS endpoint_port FROM deployments d JOIN endpoints e ON e.name = d.endpoint "
            "WHERE d.endpoint = ? AND d.name = ?",
            (self.endpoint, self.name),
        )
        return rows[0] if rows else None

    def wanted(self) -> bool:
        if self.stop_signal is not None:
            return False
        row = self.row()
        return row is not None and row["desired"] == "running"

    def update(self, **changes: object) -> None:
        update_deployment(self.store, self.endpoint, self.name, changes)

    def pause(self, seconds: float) -> bool:
        """Wait, checking for a stop request; ``False`` if the deployment is no longer wanted."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.wanted():
                return False
            time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
        return self.wanted()

    # -- lifecycle -----------------------------------------------------------------

    def run(self) -> int:
        self.files.folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.files.lock)
        if not lock.acquire(blocking=False):
            self.log("another supervisor already runs this deployment; exiting")
            return 0
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        try:
            return self._run()
        except Exception as exc:
            self.log("unexpected error:\n" + traceback.format_exc())
            self.update(last_error=f"The deployment supervisor failed: {type(exc).__name__}: {exc}")
            return 1
        finally:
            self._stop_server()
            self.store.close()
            lock.release()

    def _run(self) -> int:
        me = os.getpid()
        self.update(supervisor_pid=me, supervisor_start=start_time(me))
        row = self.row()
        if row is None or row["desired"] != "running":
            self.log("the deployment is gone; nothing to do")
            return 0
        first = row["status"] == "Creating" and row["started_at"] is None
        self.server = self._adopt()
        if self.server is not None:
            self.log(f"adopted the running scoring server pid {self.server.pid}")
            self.update(status="Succeeded", server_pid=self.server.pid)
            apply_requested_traffic(self.store, self.layout, self.endpoint, self.name)
        elif not first:
            why = None if row["status"] == "Stopped" else "brought back after its supervisor ended (server or machine restart)"
            self.log("starting the scoring server again" + (f": {why}" if why else ""))
            self.update(status="Restarting", restarts=row["restarts"] + 1, **({"last_error": why} if why else {}))
        attempt = 0
        while self.wanted():
            if self.server is None:
                try:
                    self.server = self._start()
                except ServerStartError as exc:
                    message = f"The scoring server could not start: {exc}"
                    self.log(message)
                    if first:
                        self.update(status="Failed", last_error=message, server_pid=None)
                        return 1
                    self.update(last_error=message, server_pid=None)
                    if not self.pause(BACKOFF[min(attempt, len(BACKOFF) - 1)]):
                        break
                    attempt += 1
                    continue
                first = False
            reason = self._watch()
            if reason is None:
                break  # stop requested
            if self.server is not None:
                if time.monotonic() - self.server.started >= STABLE_AFTER:
                    attempt = 0
                self.server.close()
                self.server = None
            current = self.row()
            self.log(f"{reason}; restarting")
            self.update(status="Restarting", restarts=(current["restarts"] if current else 0) + 1, last_error=reason, server_pid=None)
            if not self.pause(BACKOFF[min(attempt, len(BACKOFF) - 1)]):
                break
            attempt += 1
        return 0

    def _adopt(self) -> Server | None:
        """A server still running from an earlier supervisor of this deployment (never a reused pid)."""
        state = read_state(self.files.state)
        if not state or state.get("status") != READY or not isinstance(state.get("pid"), int):
            return None
        if not is_serving_process(state["pid"], self.files.state):
            return None
        return Server(pid=state["pid"], port=int(state["port"]), state_file=self.files.state)

    def _start(self) -> Server:
        row = self.row()
        assert row is not None
        port = int(row["port"])
        if not port_free(port):
            taken = owned_ports(self.store) | {port}
            port = free_port(taken)
            self.log(f"port {row['port']} is taken by another program; moving to {port}")
            self.update(port=port)
            write_routing(self.store, self.layout, self.endpoint)
        self.log(f"starting the scoring server on port {port} (endpoint port {row['endpoint_port']})")
        settings: dict[str, Any] = {"model": row["model_path"]}
        if row["score_script"]:
            settings["score_script"] = row["score_script"]
        proc = start_server(
            key_file=self.layout.endpoint_keys(self.endpoint),
            state_file=self.files.state,
            log_file=self.files.server_log,
            stats_file=self.files.stats,
            routing_file=self.layout.endpoint_routing(self.endpoint),
            deployment=self.name,
            port=port,
            endpoint_port=int(row["endpoint_port"]),
            env=server_environment(dict(os.environ)),
            cwd=self.files.folder,
            wait=False,
            **settings,
        )
        assert proc.popen is not None
        # Recorded at once, so whoever deletes the deployment can stop a server that is still loading.
        self.update(server_pid=proc.pid)
        try:
            state = self._wait_ready(proc.pid)
        except ServerStartError:
            stop_server(proc.pid, grace=1.0)
            proc.popen.wait()
            raise
        server = Server(pid=proc.pid, port=int(state["port"]), state_file=self.files.state, popen=proc.popen)
        changes: dict[str, object] = {"status": "Succeeded", "started_at": time.time()}
        if state.get("endpoint_error"):
            changes["last_error"] = f"{state['endpoint_error']}; the deployment answers on its own port only"
        self.update(**changes)
        if apply_requested_traffic(self.store, self.layout, self.endpoint, self.name):
            self.log("applied the traffic share asked for at creation")
        self.log(f"scoring server pid {proc.pid} ready in {state.get('startup_seconds')} s")
        return server

    def _wait_ready(self, pid: int) -> dict[str, Any]:
        """Poll the state file until the server is ready; raise with its reason if it fails, dies, or we must stop."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            state = read_state(self.files.state)
            if state and state.get("pid") == pid:
                if state.get("status") == READY:
                    return state
                if state.get("status") == FAILED:
                    raise ServerStartError(str(state.get("error") or "the scoring server failed to start"))
            if not is_alive(pid):
                raise ServerStartError("the scoring server exited before it was ready" + _log_tail(self.files.server_log))
            if self.stop_signal is not None:
                raise ServerStartError("stopped while starting")
            if time.monotonic() > deadline:
                raise ServerStartError(f"the scoring server was not ready within {START_TIMEOUT:g} s")
            time.sleep(0.05)

    def _watch(self) -> str | None:
        """Until the server dies or hangs (returns why: restart it) or a stop is requested (``None``)."""
        server = self.server
        assert server is not None
        failures = 0
        next_health = time.monotonic() + HEALTH_EVERY
        while True:
            if server.wait_exit(POLL):
                return server.exit_reason()
            if not self.wanted():
                return None
            if time.monotonic() >= next_health:
                if health(server.port, timeout=HEALTH_TIMEOUT):
                    failures = 0
                else:
                    failures += 1
                    self.log(f"health check {failures}/{HEALTH_FAILURES} failed")
                    if failures >= HEALTH_FAILURES:
                        stop_server(server.pid, grace=2.0)
                        server.wait_exit(5.0)
                        return (
                            f"the scoring server (pid {server.pid}) stopped answering /health "
                            f"({HEALTH_FAILURES} checks in a row), so it was stopped"
                        )
                next_health = time.monotonic() + HEALTH_EVERY

    def _stop_server(self) -> None:
        server = self.server
        if server is None:
            return
        self.server = None
        row = self.row()
        self.log(f"stopping the scoring server pid {server.pid}")
        stop_server(server.pid, grace=5.0)
        if server.popen is not None:
            try:
                server.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        server.close()
        if row is not None and row["desired"] == "running":
            self.update(status="Stopped", server_pid=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Keep one amlx deployment's scoring server running.")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("endpoint")
    parser.add_argument("deployment")
    args = parser.parse_args(argv)
    return DeploymentSupervisor(Layout(args.workspace.resolve()), args.endpoint, args.deployment).run()


if __name__ == "__main__":
    raise SystemExit(main())
