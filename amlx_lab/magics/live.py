"""The live status of submitted jobs: a display in the notebook that updates until the job ends.

Kept apart from the magic so that the one background thread of the kernel
extension, and its rules (daemon, stops at exit, never raises into the
kernel), can be read and tested on its own.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..i18n import _
from ..records import Job
from ..workspace import Workspace
from .display import JobView, one_line

#: live status polling starts fast (short jobs) and slows down to this (long jobs, remote targets)
LIVE_FIRST_INTERVAL_S = 0.5
LIVE_MAX_INTERVAL_S = 5.0


def live_note(job: Job) -> str:
    """The hint under a live job: how to follow it while it runs, where its results are once it ended."""
    if job.status.terminal:
        return _("Logs: %aml logs {name}    Outputs: %aml download {name}").format(name=job.name)
    return _("Status updates here until the job ends. Follow the log: %aml logs {name} --follow").format(name=job.name)


#: What a watched display shows for a job: (the object to display, a key that changes when it should be redrawn).
View = Callable[[Workspace, str, Job], tuple[Any, Any]]


def job_view(workspace: Workspace, target: str, job: Job) -> tuple[Any, Any]:
    """The default view: the job record and how to follow it."""
    return JobView(job, live_note(job)), (job.updated_at, job.status)


@dataclass
class _Watched:
    workspace: Workspace
    target: str
    handle: Any  # IPython.display.DisplayHandle
    job: Job
    view: View = job_view
    key: Any = None


class LiveStatus:
    """One daemon thread that keeps the displayed status of submitted jobs current until each ends.

    One thread for all jobs (not one per job) so that a loop of submissions
    does not start a thread per cell. It polls ``get_job`` (at once when a job
    is added, then less and less often, up to every few seconds), updates a
    display only when its job changed, and exits when no job is left to watch
    or the interpreter is exiting: it is a daemon and stops at ``atexit``, so
    it never keeps the kernel alive.
    """

    def __init__(self, first: float = LIVE_FIRST_INTERVAL_S, most: float = LIVE_MAX_INTERVAL_S) -> None:
        self.first, self.most = first, most
        self._jobs: dict[str, _Watched] = {}  # by display id: one job may be shown twice
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        atexit.register(self.stop)

    def watch(self, workspace: Workspace, target: str, job: Job, handle: Any, view: View = job_view) -> None:
        """Keep ``handle``'s display of ``job`` current until the job ends (``view`` draws it; a sweep shows its trials)."""
        with self._lock:
            key = (job.updated_at, job.status) if view is job_view else None  # the job as first displayed
            self._jobs[handle.display_id] = _Watched(workspace, target, handle, job, view, key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="amlx-live-status", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def watching(self) -> tuple[str, ...]:
        """Names of the jobs whose displays are still being updated."""
        with self._lock:
            return tuple(item.job.name for item in self._jobs.values())

    def _run(self) -> None:
        delay = self.first
        while True:
            if self._wake.wait(delay):
                self._wake.clear()
                delay = self.first  # a new job: look soon, short jobs end quickly
            if self._stop.is_set():
                return
            with self._lock:
                watched = list(self._jobs.items())
            for key, item in watched:
                if self._refresh(item):
                    with self._lock:
                        self._jobs.pop(key, None)
            with self._lock:
                if not self._jobs:
                    self._thread = None
                    return
            delay = min(delay * 1.5, self.most)

    def _refresh(self, item: _Watched) -> bool:
        """Update one display if its job changed; ``True`` when there is nothing more to watch."""
        try:
            job = item.workspace.jobs(item.target).get_job(item.job.name)
            shown, key = item.view(item.workspace, item.target, job)
            if key != item.key:
                item.job, item.key = job, key
                item.handle.update(shown)
            return job.status.terminal
        except Exception as exc:  # noqa: BLE001 - a status display must never raise into the kernel
            note = _("Live status stopped: {reason}. Refresh with: %aml show {name}").format(reason=one_line(str(exc)), name=item.job.name)
            with contextlib.suppress(Exception):
                item.handle.update(JobView(item.job, note))
            return True
