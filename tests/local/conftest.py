"""Fixtures for the local backend: a fresh workspace per test, shared MLflow template, no leftovers.

Jobs here are real processes. Tests wait on conditions with ``wait_until``
(a bounded poll), never on fixed sleeps, and every test's teardown cancels
what is still running and waits until no supervisor or job process is left.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local.procs import is_alive, is_locked, kill_group
from amlx_lab.records import JobPage
from amlx_lab.specs import JobQuery

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 60.0, what: str = "condition", every: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def list_jobs(backend: LocalBackend, **query: object) -> JobPage:
    """``backend.list_jobs`` with the query's fields as keywords."""
    return backend.list_jobs(JobQuery(**query))


def write_code(folder: Path, main: str, **extra: str) -> Path:
    """A job package: ``main.py`` (dedented) and any extra files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(textwrap.dedent(main))
    for name, text in extra.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


# A job that blocks until the test creates the file named by its first argument
# (bounded by its own deadline, so a failed test never leaves it running long).
BLOCKING_MAIN = """
    import os, sys, time
    print("started", flush=True)
    go = sys.argv[1]
    deadline = time.time() + 120
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.05)
    print("released", flush=True)
"""


@pytest.fixture(scope="session")
def amlx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One MLflow template for the whole session (building it takes a few seconds)."""
    return tmp_path_factory.mktemp("amlx-cache")


@pytest.fixture(autouse=True)
def local_env(amlx_cache: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    monkeypatch.setenv("AMLX_CACHE_DIR", str(amlx_cache))
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("XDG_CACHE_HOME", str(isolated_home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(isolated_home / ".config"))


def _leftovers(backend: LocalBackend) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
    rows = backend.store.query("SELECT name, supervisor_pid, supervisor_start, child_pid, child_start FROM jobs")
    return [tuple(r) for r in rows]  # type: ignore[misc]


def stop_everything(backend: LocalBackend, timeout: float = 30.0) -> None:
    """Cancel active jobs and wait until every supervisor and job process is gone (kill if must)."""
    for job in list_jobs(backend, status=["Queued", "Preparing", "Running", "Finalizing"], limit=500).items:
        try:
            backend.cancel(job.name)
        except Exception:
            pass
    rows = _leftovers(backend)

    def alive() -> list[str]:
        out = []
        for name, spid, sstart, cpid, cstart in rows:
            if is_locked(backend.layout.supervisor_lock(name)) or is_alive(spid, sstart) or is_alive(cpid, cstart):
                out.append(name)
        return out

    deadline = time.monotonic() + timeout
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    for _name, spid, sstart, cpid, cstart in rows:  # last resort; the test already failed if needed
        if is_alive(spid, sstart):
            os.kill(spid, signal.SIGKILL)
        if is_alive(cpid, cstart):
            kill_group(cpid, signal.SIGKILL)


@pytest.fixture
def make_backend(tmp_path: Path) -> Iterator[Callable[..., LocalBackend]]:
    """``make_backend(slots=2, grace=2.0, root=None)``; all are cleaned up after the test."""
    made: list[LocalBackend] = []

    def make(slots: int = 2, grace: float = 2.0, root: Path | None = None) -> LocalBackend:
        backend = LocalBackend(root or tmp_path / "ws", compute_slots=slots, cancel_grace=grace)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        stop_everything(backend)
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., LocalBackend]) -> LocalBackend:
    return make_backend()
