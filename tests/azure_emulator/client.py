"""The test side of a running emulator: start it as a process, read its settings, query what it recorded,
inject faults, and build the settings a client (``MLClient``, azureml-mlflow, a subprocess) needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from .processes import dying_with_parent, stop_group

PACKAGE_PARENT = Path(__file__).resolve().parent.parent


@dataclass
class RunningEmulator:
    settings: dict[str, Any]
    process: subprocess.Popen[bytes]
    log_path: Path

    # --- where it is -------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return str(self.settings["base_url"])

    @property
    def ca_bundle(self) -> str:
        return str(self.settings["ca_bundle"])

    @property
    def tracking_uri(self) -> str:
        """The workspace's ``mlFlowTrackingUri`` (``azureml://127.0.0.1:<port>/mlflow/v1.0/...``)."""
        return str(self.settings["tracking_uri"])

    @property
    def workspace_path(self) -> str:
        return str(self.settings["workspace_path"])

    @property
    def azurite_url(self) -> str:
        return str(self.settings["azurite_url"])

    # --- what clients need -------------------------------------------------------------------------------
    def mlclient_kwargs(self, credential: Any = None) -> dict[str, Any]:
        """Keyword arguments for ``MLClient(**kwargs)`` (a ``LoopbackCredential`` unless one is given)."""
        if credential is None:
            from .credentials import LoopbackCredential

            credential = LoopbackCredential()
        s = self.settings
        return {
            "credential": credential, "subscription_id": s["subscription_id"],
            "resource_group_name": s["resource_group"], "workspace_name": s["workspace_name"],
            "cloud": s["cloud_name"], "cloud_metadata": dict(s["cloud_metadata"]),
            "enable_telemetry": False, "show_progress": False,
        }

    def client_env(self) -> dict[str, str]:
        """Variables for a client *subprocess* (a Jupyter server, the CLI): trust the certificate and apply
        the blob and MLflow seams on import (``site/sitecustomize.py``)."""
        pythonpath = os.pathsep.join(p for p in (self.settings["seams_dir"], os.environ.get("PYTHONPATH")) if p)
        return {
            "REQUESTS_CA_BUNDLE": self.ca_bundle,
            "AMLX_EMULATOR_SETTINGS": str(self.settings["settings_file"]),
            "PYTHONPATH": pythonpath,
        }

    def write_config_json(self, directory: Path) -> Path:
        """A ``config.json`` for ``MLClient.from_config`` (coordinates only; pass the cloud settings too)."""
        s = self.settings
        path = directory / "config.json"
        path.write_text(json.dumps({
            "subscription_id": s["subscription_id"], "resource_group": s["resource_group"],
            "workspace_name": s["workspace_name"],
        }))
        return path

    # --- what it saw, and what it should do next ---------------------------------------------------------
    def mark(self) -> int:
        """A position in the request log; ``requests(since=mark)`` returns what came after it."""
        return int(self._control("GET", "/_emulator/requests?since=999999999")["mark"])

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """Recorded requests: ``method``, ``path``, ``query``, ``api_version``, ``body`` (JSON), ``status``."""
        return list(self._control("GET", f"/_emulator/requests?since={since}")["requests"])

    def add_fault(
        self, method: str, path: str, status: int, code: str, message: str,
        headers: dict[str, str] | None = None, count: int = 1,
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` and the regex ``path`` with an ARM error."""
        fault = {"method": method, "path": path, "status": status, "code": code, "message": message,
                 "headers": headers or {}, "count": count}
        self._control("POST", "/_emulator/faults", fault)

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change ``provisioning_seconds`` or ``page_size`` of the running emulator; returns both."""
        return dict(self._control("PATCH", "/_emulator/config", changes))

    def clear_faults(self) -> None:
        self._control("DELETE", "/_emulator/faults")

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, self.base_url + path, json=body, verify=self.ca_bundle, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        stop_group(self.process, grace=10.0)


@dataclass
class EmulatorOptions:
    job_slots: int = 2
    page_size: int = 5
    provisioning_seconds: float = 0.0


def start_emulator_process(
    state_dir: Path, options: EmulatorOptions | None = None, env: dict[str, str] | None = None, timeout: float = 120.0,
) -> RunningEmulator:
    """``python -m azure_emulator`` in its own session; returns once it serves (it writes its ready file)."""
    options = options or EmulatorOptions()
    state_dir.mkdir(parents=True, exist_ok=True)
    ready = state_dir / "ready.json"
    log_path = state_dir / "emulator.log"
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), child_env.get("PYTHONPATH")) if p)
    args = [
        sys.executable, "-m", Path(__file__).parent.name, "--state-dir", str(state_dir), "--ready-file", str(ready),
        *[f"--{k.replace('_', '-')}={v}" for k, v in asdict(options).items()],
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            dying_with_parent(args), cwd=PACKAGE_PARENT, env=child_env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.exists():
            return RunningEmulator(json.loads(ready.read_text()), process, log_path)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    stop_group(process)
    raise RuntimeError(f"The Azure ML emulator did not start; its log:\n{log_path.read_text(errors='replace')[-4000:]}")
