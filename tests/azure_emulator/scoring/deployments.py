"""Provisioning a deployment for real: its model and code fetched from Azurite, its scoring process started.

A deployment is ``Creating`` until its process has run ``init()`` and listens
(``Succeeded``), or ``Failed`` when the model or code cannot be found or the
process exits first; its log (what the process printed) is what
``getLogs`` returns. Processes die with the emulator (stopped with it, and each
one exits by itself when its parent is gone).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..blobs import BlobStore
from ..jobs.job_env import GUARD_LOG_VAR
from ..processes import stop_group
from ..store import ArmStore
from ..uris import UnresolvableUri, blob_location

SERVER = Path(__file__).with_name("inference_server.py")
READY_TIMEOUT_S = 180.0
CREATING, SUCCEEDED, FAILED = "Creating", "Succeeded", "Failed"


class ProvisioningError(Exception):
    pass


@dataclass
class Served:
    endpoint: str
    name: str
    folder: Path
    state: str = CREATING
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def log(self) -> Path:
        return self.folder / "server.log"


class Scoring:
    def __init__(self, state_dir: Path, store: ArmStore, blobs: BlobStore, guard_dir: Path | None) -> None:
        self._root = state_dir / "deployments"
        self._store = store
        self._blobs = blobs
        self._guard_dir = guard_dir
        self._lock = threading.Lock()
        self._served: dict[tuple[str, str], Served] = {}

    def start(self, endpoint: str, name: str, properties: dict[str, Any], on_state: Callable[[str], None]) -> None:
        """Provision in the background; ``on_state`` gets ``Succeeded`` or ``Failed`` once."""
        self.stop(endpoint, name)
        folder = self._root / endpoint.lower() / name.lower() / str(time.monotonic_ns())
        served = Served(endpoint, name, folder)
        with self._lock:
            self._served[(endpoint.lower(), name.lower())] = served
        threading.Thread(target=self._provision, args=(served, properties, on_state), daemon=True).start()

    def _provision(self, served: Served, properties: dict[str, Any], on_state: Callable[[str], None]) -> None:
        served.folder.mkdir(parents=True)
        try:
            args = self._prepare(served.folder, properties)
            served.state = self._launch(served, args)
        except ProvisioningError as exc:
            served.log.write_text(f"Provisioning failed: {exc}\n")
            served.state = FAILED
        except Exception as exc:  # noqa: BLE001 - an emulator bug must show as a failed deployment, not hang it
            served.log.write_text(f"Provisioning failed in the emulator: {type(exc).__name__}: {exc}\n")
            served.state = FAILED
        if not served.stopped.is_set():
            on_state(served.state)

    def _prepare(self, folder: Path, properties: dict[str, Any]) -> list[str]:
        model_id = str(properties.get("model") or "").removeprefix("azureml:")
        model = self._store.get(model_id) if model_id.startswith("/subscriptions/") else None
        if model is None:
            raise ProvisioningError(f"The model '{model_id}' does not exist in this workspace.")
        model_dir = folder / "model"
        self._download(str(model["properties"].get("modelUri", "")), model_dir, "model")
        args = ["--model-dir", str(model_dir), "--ready", str(folder / "ready")]
        code = properties.get("codeConfiguration") or {}
        if code:
            code_version = self._store.get(str(code.get("codeId") or "").removeprefix("azureml:"))
            if code_version is None:
                raise ProvisioningError(f"The code asset '{code.get('codeId')}' does not exist in this workspace.")
            code_dir = folder / "code"
            self._download(str(code_version["properties"].get("codeUri", "")), code_dir, "code")
            args += ["--code-dir", str(code_dir), "--script", str(code.get("scoringScript") or "score.py")]
        elif str(model["properties"].get("modelType", "")).lower() != "mlflow_model":
            raise ProvisioningError("A custom model needs a scoring script (code_configuration) to be deployed.")
        return args

    def _download(self, uri: str, destination: Path, what: str) -> None:
        try:
            location = blob_location(uri, self._blobs.account_url)
        except UnresolvableUri as exc:
            raise ProvisioningError(f"The {what} cannot be fetched: {exc}") from exc
        if not self._blobs.download_prefix(location.container, location.path, destination):
            raise ProvisioningError(f"The {what} has no files at '{uri}'.")

    def _launch(self, served: Served, args: list[str]) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AZUREML_", "MLFLOW_", "AMLX_EMULATOR_"))}
        env.pop("PYTHONPATH", None)
        env["PYTHONUNBUFFERED"] = "1"
        if self._guard_dir is not None and os.environ.get(GUARD_LOG_VAR):
            env["PYTHONPATH"] = str(self._guard_dir)
        with open(served.log, "wb") as log:
            served.process = subprocess.Popen(
                # not dying_with_parent: pdeathsig follows the *thread* that forks, and this one ends soon;
                # the server watches its parent process itself (--parent).
                [sys.executable, str(SERVER), *args, "--parent", str(os.getpid())], cwd=served.folder, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        ready = served.folder / "ready"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not served.stopped.is_set():
            if ready.exists():
                served.port = int(ready.read_text())
                return SUCCEEDED
            if served.process.poll() is not None:
                return FAILED
            time.sleep(0.05)
        stop_group(served.process)
        return FAILED

    def port(self, endpoint: str, name: str) -> int | None:
        with self._lock:
            served = self._served.get((endpoint.lower(), name.lower()))
        return served.port if served is not None and served.state == SUCCEEDED else None

    def log(self, endpoint: str, name: str, lines: int | None = None) -> str:
        with self._lock:
            served = self._served.get((endpoint.lower(), name.lower()))
        if served is None or not served.log.exists():
            return ""
        text = served.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) + "\n" if lines else text

    def stop(self, endpoint: str, name: str) -> None:
        with self._lock:
            served = self._served.pop((endpoint.lower(), name.lower()), None)
        if served is not None:
            _stop(served)

    def stop_endpoint(self, endpoint: str) -> None:
        with self._lock:
            mine = [k for k in self._served if k[0] == endpoint.lower()]
            gone = [self._served.pop(k) for k in mine]
        for served in gone:
            _stop(served)

    def stop_all(self) -> None:
        with self._lock:
            gone = list(self._served.values())
            self._served.clear()
        for served in gone:
            _stop(served)


def _stop(served: Served) -> None:
    served.stopped.set()
    if served.process is not None:
        stop_group(served.process, grace=3.0)
