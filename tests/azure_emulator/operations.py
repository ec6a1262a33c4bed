"""Long-running operations as ARM reports them: a Location / Azure-AsyncOperation URL polled until done."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

IN_PROGRESS, SUCCEEDED, FAILED, CANCELED = "InProgress", "Succeeded", "Failed", "Canceled"


@dataclass
class Operation:
    id: str
    check: Callable[[], str]
    error: str | None = None


class Operations:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[str, Operation] = {}

    def add(self, check: Callable[[], str]) -> str:
        """Register an operation whose state ``check()`` reports (one of the constants above)."""
        op = Operation(uuid.uuid4().hex, check)
        with self._lock:
            self._ops[op.id] = op
        return op.id

    def after(self, seconds: float, on_done: Callable[[], None] | None = None) -> str:
        """An operation that succeeds ``seconds`` from now, running ``on_done`` once when it does."""
        due = time.monotonic() + seconds
        fired = threading.Event()

        def check() -> str:
            if time.monotonic() < due:
                return IN_PROGRESS
            if on_done is not None and not fired.is_set():
                fired.set()
                on_done()
            return SUCCEEDED

        return self.add(check)

    def status(self, op_id: str) -> str | None:
        with self._lock:
            op = self._ops.get(op_id)
        return op.check() if op else None
