"""How a sweep's controller starts trial processes: forked by a warm worker, or cold as a fresh ``python``.

``WarmLauncher`` owns one ``warm_worker.py`` process (the job's interpreter,
pre-imported) and asks it to fork each trial; ``ColdLauncher`` starts
``python main.py ...`` like a command job's supervisor does, and is what the
controller falls back to when the worker cannot start or dies. Both report
the same events (``started``, ``exited``) and both leave
``<trial>/exit.json`` behind once a trial has been reaped, which is how a
restarted controller learns how the trials of its predecessor ended.

The controller's MLflow calls (the parent run, closing a killed trial's run)
go through ``task``: in the warm worker (MLflow already imported there, a
fork per call), or in this process for the cold launcher (MLflow imported
here on first use).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import warm_worker
from .layout import Layout, cache_dir
from .procs import log_line

WORKER_PATH = Path(warm_worker.__file__).resolve()
READY_TIMEOUT = 600.0  # importing a heavy stack on a loaded 2-core machine can take minutes
REPLY_TIMEOUT = 30.0
#: Imported up front besides main.py's own imports: what MLflow's tracking and autologging load lazily.
WARM_MODULES = (
    "mlflow",
    "mlflow.tracking",
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.models",
    "mlflow.sklearn",
    "IPython",  # MLflow looks for a notebook context when a run starts
)
ENV_WARM = "AMLX_SWEEP_WARM"  # "0" starts every trial cold (benchmarks compare the two)


@dataclass(frozen=True)
class TrialLaunch:
    """Everything needed to start one trial's process."""

    name: str
    argv: list[str]  # [python, main.py, --alpha, 0.3]
    cwd: Path
    env: dict[str, str]
    log: Path
    status_dir: Path
    slot_fd: int | None
    learn: bool = False


class Launcher(Protocol):
    kind: str

    def ready(self) -> bool: ...
    def failed(self) -> str | None: ...
    def fileno(self) -> int | None: ...
    def launch(self, request: TrialLaunch) -> int: ...
    def events(self) -> list[dict[str, Any]]: ...
    def task(self, action: str, args: dict[str, Any], *, wait: bool) -> dict[str, Any] | None: ...
    def close(self) -> None: ...


class LaunchError(Exception):
    """A trial's process could not be started."""


def preload_modules(main_py: Path) -> list[str]:
    """The modules ``main.py`` imports (not its own local files), then MLflow's lazily loaded ones."""
    code_dir = main_py.parent
    names: list[str] = []
    try:
        tree = ast.parse(main_py.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        tree = ast.Module(body=[], type_ignores=[])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    local = {p.stem for p in code_dir.iterdir() if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    wanted = [n for n in names if n.split(".")[0] not in local and n != "__future__"]
    return list(dict.fromkeys([*wanted, *WARM_MODULES]))


def learned_file(python: str) -> Path:
    """Per-interpreter list of the modules trials imported beyond the preload (shared by all sweeps)."""
    key = hashlib.sha256(os.path.realpath(python).encode()).hexdigest()[:16]
    return cache_dir() / "warm-modules" / f"{key}.json"


class WarmLauncher:
    """One warm worker for one sweep; see ``warm_worker.py`` for its side of the protocol."""

    kind = "warm"

    def __init__(self, python: str, layout: Layout, sweep: str, env: dict[str, str]) -> None:
        self.layout = layout
        self.sweep = sweep
        code = layout.code_dir(sweep)
        preload = layout.job_dir(sweep) / "warm-preload.json"
        preload.write_text(json.dumps(preload_modules(code / "main.py")))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = ours
        self._pending: list[dict[str, Any]] = []
        self._ready = False
        self._failed: str | None = None
        self._tasks = 0
        self.seconds: float | None = None
        with open(layout.logs_dir(sweep) / "warm_worker.txt", "ab") as log:
            self.proc = subprocess.Popen(
                [python, "-u", str(WORKER_PATH), "--socket-fd", str(theirs.fileno()), "--preload", str(preload),
                 "--learned", str(learned_file(python))],
                cwd=code, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),), start_new_session=True, close_fds=True,
            )
        theirs.close()
        self.started = time.monotonic()

    def fileno(self) -> int | None:
        return None if self._failed else self.sock.fileno()

    def ready(self) -> bool:
        if not self._ready and not self._failed:
            self._pending += self._receive(0.0)
        return self._ready

    def failed(self) -> str | None:
        if self._failed is None and self.proc.poll() is not None:
            self._pending += self._receive(0.0)  # its last words first
            if self._failed is None:
                self._failed = f"the warm worker exited with code {self.proc.returncode} (see logs/warm_worker.txt)"
        if self._failed is None and not self._ready and time.monotonic() - self.started > READY_TIMEOUT:
            self._failed = f"the warm worker was not ready after {READY_TIMEOUT:.0f} s"
        return self._failed

    def _receive(self, timeout: float) -> list[dict[str, Any]]:
        """Messages waiting on the socket (waiting up to ``timeout`` for the first)."""
        got: list[dict[str, Any]] = []
        while self._failed is None:
            readable, _, _ = select.select([self.sock], [], [], timeout if not got else 0.0)
            if not readable:
                break
            try:
                data = self.sock.recv(warm_worker.MAX_MESSAGE)
            except OSError as exc:
                data = b""
                log_line("controller", f"warm worker connection failed: {exc}")
            if not data:
                self._failed = "the warm worker closed its connection (see logs/warm_worker.txt)"
                break
            message = json.loads(data)
            if message.get("event") == "ready":
                self._ready = True
                self.seconds = float(message.get("seconds") or 0.0)
                failed = message.get("failed") or []
                missing = f" (not importable: {', '.join(failed)})" if failed else ""
                log_line("controller", f"warm worker ready in {self.seconds:.2f} s{missing}")
                continue
            got.append(message)
        return got

    def events(self) -> list[dict[str, Any]]:
        pending, self._pending = self._pending, []
        return pending + self._receive(0.0)

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message).encode()
        try:
            if fds:
                socket.send_fds(self.sock, [data], fds)
            else:
                self.sock.send(data)
        except OSError as exc:
            self._failed = f"the warm worker cannot be reached: {exc}"
            raise LaunchError(self._failed) from None

    def _await(self, event: str, ident: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for message in self._receive(max(0.0, min(0.5, deadline - time.monotonic()))):
                if message.get("event") == event and message.get("id") == ident:
                    return message
                if message.get("event") == "error" and message.get("id") == ident:
                    raise LaunchError(str(message.get("error")))
                self._pending.append(message)
            if self._failed:
                raise LaunchError(self._failed)
            if time.monotonic() >= deadline:
                raise LaunchError(f"the warm worker did not answer within {timeout:.0f} s")

    def launch(self, request: TrialLaunch) -> int:
        log_fd = os.open(request.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fds = [log_fd] + ([request.slot_fd] if request.slot_fd is not None else [])
        try:
            self._send(
                {"op": "trial", "id": request.name, "cwd": str(request.cwd), "argv": request.argv, "env": request.env,
                 "status_dir": str(request.status_dir), "learn": request.learn},
                fds,
            )
        finally:
            os.close(log_fd)
        return int(self._await("started", request.name, REPLY_TIMEOUT)["pid"])

    def task(self, action: str, args: dict[str, Any], *, wait: bool) -> dict[str, Any] | None:
        self._tasks += 1
        ident = f"task-{self._tasks}"
        self._send({"op": "task", "id": ident, "action": action, "args": args})
        if not wait:
            return None
        reply = self._await("task", ident, REPLY_TIMEOUT * 4)
        if not reply.get("ok"):
            raise LaunchError(str(reply.get("error")))
        return dict(reply.get("result") or {})

    def close(self) -> None:
        """Let the worker go: it finishes reaping the trials it started, then exits on its own."""
        try:
            self.sock.close()
        except OSError:
            pass


class ColdLauncher:
    """A fresh interpreter per trial (what a command job does); MLflow calls in this process."""

    kind = "cold"

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.children: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        os.environ["MLFLOW_TRACKING_URI"] = layout.mlflow_uri  # for the in-process tasks

    def ready(self) -> bool:
        return True

    def failed(self) -> str | None:
        return None

    def fileno(self) -> int | None:
        return None

    def launch(self, request: TrialLaunch) -> int:
        with open(request.log, "ab", buffering=0) as log:
            try:
                child = subprocess.Popen(
                    request.argv, cwd=request.cwd, env=request.env, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    pass_fds=(request.slot_fd,) if request.slot_fd is not None else (), close_fds=True,
                )
            except OSError as exc:
                raise LaunchError(f"Could not start {request.argv[0]!r}: {exc.strerror or exc}.") from None
        warm_worker._write_json(str(request.status_dir / "process.json"), {"pid": child.pid})
        self.children[request.name] = (child, request.status_dir)
        return child.pid

    def events(self) -> list[dict[str, Any]]:
        ended = []
        for name, (child, status_dir) in list(self.children.items()):
            code = child.poll()
            if code is None:
                continue
            del self.children[name]
            warm_worker._write_json(str(status_dir / "exit.json"), {"pid": child.pid, "code": code})
            ended.append({"event": "exited", "id": name, "pid": child.pid, "code": code})
        return ended

    def task(self, action: str, args: dict[str, Any], *, wait: bool) -> dict[str, Any] | None:
        try:
            return warm_worker._TASKS[action](**args)
        except Exception as exc:
            raise LaunchError(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        return None


def warm_allowed() -> bool:
    return os.environ.get(ENV_WARM, "1") != "0" and hasattr(socket, "send_fds") and sys.platform.startswith("linux")
