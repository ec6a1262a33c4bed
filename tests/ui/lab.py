"""A real ``jupyter lab`` on 127.0.0.1 in a throw-away environment, for the browser tests.

Everything Jupyter, IPython, MLflow and Chromium would write under the home
folder is redirected into the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_DEADLINE_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(base: Path) -> dict[str, str]:
    """Environment that keeps every tool's state under ``base``."""
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "jupyter-config",
        "JUPYTER_DATA_DIR": base / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": base / "jupyter-runtime",
        "JUPYTERLAB_SETTINGS_DIR": base / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "lab-workspaces",
        "IPYTHONDIR": base / "ipython",
        "XDG_CACHE_HOME": base / "xdg-cache",
        "XDG_CONFIG_HOME": base / "xdg-config",
        "AMLX_WORKSPACE": base / "amlx-workspace",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMLX_", "JUPYTER", "MLFLOW_"))}
    env.update({k: str(v) for k, v in dirs.items()})
    # No "Would you like to receive Jupyter news?" toast over the screenshots.
    notification = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return env


@dataclass
class LabServer:
    """A running JupyterLab; ``url`` ends with a slash, ``token`` authenticates."""

    base: Path
    root_dir: Path
    extra_args: list[str] = field(default_factory=list)
    app: str = "jupyterlab"  # or "jupyter_server" for API-only tests
    extra_env: dict[str, str] = field(default_factory=dict)
    python: str = sys.executable  # another virtualenv's interpreter tests an install of the wheel
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def env(self) -> dict[str, str]:
        return {**isolated_env(self.base), **self.extra_env}

    @property
    def workspace_dir(self) -> Path:
        return self.base / "amlx-workspace"

    def start(self) -> LabServer:
        log = open(self.base / f"jupyter-{self.port}.log", "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                self.python, "-m", self.app, "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
                *(["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
                  if self.app == "jupyterlab" else []),
                *self.extra_args,
            ],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        request = urllib.request.Request(f"{self.url}api/status", headers={"Authorization": f"token {self.token}"})
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"jupyter exited early; see {self.base / f'jupyter-{self.port}.log'}")
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling a condition with a deadline, not synchronising on time
        raise TimeoutError(f"jupyter lab did not answer within {STARTUP_DEADLINE_S} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
