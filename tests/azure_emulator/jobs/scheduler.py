"""Jobs wait in a queue and run on a fixed number of slots; status moves Queued → Preparing → Running →
Finalizing → Completed/Failed, or to Canceled (a running job's process group is terminated)."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
from typing import Any

from ..processes import stop_group
from ..store import utc_now
from .execution import JobSetupError, Workspace, execute, failure_message
from .records import (
    CANCEL_REQUESTED,
    CANCELED,
    COMPLETED,
    FAILED,
    MLFLOW_STATUS,
    NOT_STARTED,
    QUEUED,
    RUNNING,
    JobRun,
)

log = logging.getLogger("amlx.azure_emulator.jobs")
_KILL_GRACE_SECONDS = 3.0


class Scheduler:
    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._queue: queue.Queue[JobRun | None] = queue.Queue()
        self._runs: dict[str, JobRun] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.ws: Workspace | None = None

    def start(self, ws: Workspace) -> None:
        self.ws = ws
        for i in range(self.slots):
            thread = threading.Thread(target=self._work, name=f"job-slot-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, run: JobRun) -> None:
        with self._lock:
            self._runs[run.name] = run
        self._set(run, QUEUED)
        self._queue.put(run)

    def submit_sweep(self, run: JobRun, principal: str) -> None:
        """Queue a sweep: its driver runs in a thread of its own and starts trials on the job slots."""
        from .sweep import SweepDriver

        with self._lock:
            self._runs[run.name] = run
        self._set(run, QUEUED)
        driver = SweepDriver(self, run, principal)
        thread = threading.Thread(target=self._drive, args=(driver,), name=f"sweep-{run.name}", daemon=True)
        thread.start()

    def _drive(self, driver: Any) -> None:
        if driver.run.terminal:  # canceled while queued
            return
        try:
            driver.run_sweep()
        except Exception:  # the emulator's own fault: say so, keep serving
            log.exception("sweep %s", driver.run.name)
            self._finish(driver.run, FAILED, {"code": "SystemError", "message": "The emulator failed to run this sweep."})

    def set_status(self, run: JobRun, status: str) -> None:
        self._set(run, status)

    def finish(self, run: JobRun, status: str, error: dict[str, str] | None = None) -> None:
        self._finish(run, status, error)

    def reject(self, run: JobRun, message: str) -> None:
        """Record a job the emulator cannot run as Failed, with ``message`` as its error."""
        with self._lock:
            self._runs[run.name] = run
        self._finish(run, FAILED, {"code": "UserError", "message": message})

    def record_finished(self, run: JobRun, status: str) -> None:
        """Record a job that ran inside another (an AutoML trial) as already ended with ``status``."""
        with self._lock:
            self._runs[run.name] = run
        self._finish(run, status)

    def get(self, name: str) -> JobRun | None:
        with self._lock:
            return self._runs.get(name)

    def children(self, parent: str) -> list[JobRun]:
        with self._lock:
            return [r for r in self._runs.values() if r.parent == parent]

    def cancel(self, name: str) -> JobRun | None:
        run = self.get(name)
        if run is None or run.terminal:
            return run
        run.cancel_requested = True
        if run.status in (NOT_STARTED, QUEUED):
            self._finish(run, CANCELED)
            return run
        self._set(run, CANCEL_REQUESTED)
        self._terminate(run)
        return run

    def shutdown(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        with self._lock:
            running = [r for r in self._runs.values() if r.process is not None]
        for run in running:
            assert run.process is not None
            stop_group(run.process, grace=1.0)

    def _work(self) -> None:
        while (run := self._queue.get()) is not None:
            if not run.terminal:
                self._run(run)

    def _run(self, run: JobRun) -> None:
        assert self.ws is not None
        try:
            code = execute(self.ws, run, lambda status: self._set(run, status), self)
        except JobSetupError as exc:
            self._finish(run, FAILED, {"code": "UserError", "message": str(exc)})
            return
        except Exception:  # the emulator's own fault: say so, keep serving
            log.exception("job %s", run.name)
            self._finish(run, FAILED, {"code": "SystemError", "message": "The emulator failed to run this job."})
            return
        if run.cancel_requested or code is None:
            self._finish(run, CANCELED)
        elif code == 0:
            self._finish(run, COMPLETED)
        else:
            self._finish(run, FAILED, {"code": "UserError", "message": failure_message(self.ws, run, code)})

    def _set(self, run: JobRun, status: str) -> None:
        assert self.ws is not None
        if run.cancel_requested and status not in (CANCEL_REQUESTED, CANCELED):
            status = CANCEL_REQUESTED
            self._terminate(run)  # the process may have started after the request arrived
        if status == RUNNING or (status == CANCEL_REQUESTED and run.start_utc is None and run.process):
            run.start_utc = run.start_utc or utc_now()
        run.status = status
        changes: dict[str, Any] = {"status": status}
        self.ws.store.update(run.arm_path, changes)
        if status == RUNNING:
            self.ws.tracking.set_status(run.name, MLFLOW_STATUS[RUNNING])

    def _finish(self, run: JobRun, status: str, error: dict[str, str] | None = None) -> None:
        assert self.ws is not None
        run.error = error
        run.end_utc = utc_now()
        run.status = status
        self.ws.store.update(run.arm_path, {"status": status})
        self.ws.tracking.set_status(run.name, MLFLOW_STATUS[status], finished=True)
        run.done.set()

    def _terminate(self, run: JobRun) -> None:
        process = run.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        timer = threading.Timer(_KILL_GRACE_SECONDS, _kill_if_alive, args=(process.pid, process))
        timer.daemon = True
        timer.start()


def _kill_if_alive(pgid: int, process: Any) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
