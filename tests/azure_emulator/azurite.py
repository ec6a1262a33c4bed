"""Azurite (Microsoft's storage emulator, from npm): found, started on a free port, stopped.

Only the blob service runs, in memory, with telemetry off (Azurite reports usage to Application Insights
by default), the API-version check off (the SDK signs with versions newer than Azurite knows) and loose
mode (the SDK sends headers Azurite does not implement).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .processes import dying_with_parent, stop_group

NODE_PROJECT = Path(__file__).with_name("node")
_LISTENING = re.compile(rb"listens on (http://127\.0\.0\.1:\d+)")


class AzuriteNotInstalled(RuntimeError):
    pass


def find_azurite_blob() -> Path:
    """``$AMLX_AZURITE_BLOB``, else the copy ``make azurite`` installs beside this file, else ``PATH``."""
    explicit = os.environ.get("AMLX_AZURITE_BLOB")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(NODE_PROJECT / "node_modules" / ".bin" / "azurite-blob")
    on_path = shutil.which("azurite-blob")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise AzuriteNotInstalled(
        "Azurite is not installed: run `make azurite` (npm ci in tests/azure_emulator/node) "
        "or set AMLX_AZURITE_BLOB to an azurite-blob executable."
    )


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> None:
        stop_group(self.process)


def launch_azurite(workdir: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``azurite-blob`` on 127.0.0.1 and a port the OS picks; ``wait_for_azurite`` returns once it listens
    (start it first and do other start-up work meanwhile)."""
    binary = find_azurite_blob()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "azurite.log"
    args = [
        str(binary), "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence",
        "--extentMemoryLimit", "512", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            dying_with_parent(args), cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
    return process, log_path


def wait_for_azurite(process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> Azurite:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = _LISTENING.search(log_path.read_bytes())
        if match:
            return Azurite(process, match.group(1).decode(), log_path)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    stop_group(process)
    raise RuntimeError(f"Azurite did not start; its output:\n{log_path.read_text(errors='replace')[-2000:]}")


def start_azurite(workdir: Path, env: dict[str, str] | None = None, timeout: float = 60.0) -> Azurite:
    return wait_for_azurite(*launch_azurite(workdir, env), timeout=timeout)
