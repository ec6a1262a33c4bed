"""The worker threads the handlers run blocking facade calls in: one pool for reads, one for long work.

Why two: tornado's default executor is shared by every handler, so a burst of
submissions (each builds a package, copies files and starts a process) queued
ahead of a ``GET /workspace`` and held it for seconds. Reads (records, lists,
logs, the change feed) are short and get their own threads; work that can take
long (submit, preview, registrations, deployments, invoke, model zips) queues
behind its own few threads. The work pool is small on purpose: the calls are
mostly Python under the GIL, so more threads would only take the GIL from reads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

READ_THREADS = 4
WORK_THREADS = 2


class Pools:
    """The two executors of one server; shut down with the extension."""

    def __init__(self, *, read_threads: int = READ_THREADS, work_threads: int = WORK_THREADS) -> None:
        self.reads = ThreadPoolExecutor(max_workers=read_threads, thread_name_prefix="amlx-read")
        self.work = ThreadPoolExecutor(max_workers=work_threads, thread_name_prefix="amlx-work")

    def shutdown(self) -> None:
        """Stop taking calls; the running ones finish (a submit in flight still records its job)."""
        self.reads.shutdown(wait=False, cancel_futures=True)
        self.work.shutdown(wait=False, cancel_futures=False)
