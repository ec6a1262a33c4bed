"""Small helpers the emulator tests share (polling with a deadline, job folders)."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
TERMINAL = ("Completed", "Failed", "Canceled")
IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"
CURATED = "azureml:AzureML-sklearn-1.5@latest"


def wait_until(probe: Callable[[], T | None], what: str, timeout: float = 90.0, every: float = 0.2) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def wait_for_job(ml: Any, name: str, statuses: tuple[str, ...] = TERMINAL, timeout: float = 120.0) -> Any:
    return wait_until(lambda: (job := ml.jobs.get(name)).status in statuses and job, f"job {name} in {statuses}",
                      timeout)


def write_code(folder: Path, main_py: str, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(textwrap.dedent(main_py))
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def arm_requests(recorded: list[dict[str, Any]], workspace_path: str) -> list[tuple[str, str, str | None]]:
    """``(method, path below the workspace, api-version)`` of the recorded ARM requests."""
    out = []
    for r in recorded:
        if r["path"].startswith(workspace_path):
            out.append((r["method"], r["path"][len(workspace_path):], r["api_version"]))
    return out
