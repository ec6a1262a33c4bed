"""Where everything lives inside a local workspace folder, in one place.

Every process (server, magic, CLI, supervisors) derives paths from the same
root with this class, so a folder layout change is made here only::

    <root>/amlx.db                      job / data / slot index (SQLite, WAL)
    <root>/mlflow/mlflow.db             MLflow tracking store (SQLite)
    <root>/mlflow/artifacts/<exp id>/   MLflow artifacts
    <root>/jobs/<name>/code/            snapshot of the submitted code (the job's cwd)
    <root>/jobs/<name>/outputs/         ``./outputs`` of the job (code/outputs links here)
    <root>/jobs/<name>/logs/std_log.txt the job's stdout and stderr
    <root>/jobs/<name>/logs/system_log.txt MLflow's messages from inside the job
    <root>/jobs/<name>/supervisor.lock  held by the job's supervisor while it lives
    <root>/data/<name>/<version>/       data asset copies
    <root>/models/<name>/<version>/     registered model versions (immutable copies)
    <root>/endpoints/<name>/            keys.json (0600), routing.json, deployments/<name>/
                                        (state, stats, logs, supervisor.lock of one scoring server)
    <root>/slots/<compute>/slot-<i>.lock compute slots (flock)
    <root>/locks/                       locks guarding one-time creation (MLflow store, experiments)
    <root>/logs/                        logs of workspace-level helpers
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ENV_CACHE_DIR = "AMLX_CACHE_DIR"


@dataclass(frozen=True)
class Layout:
    """Paths of one workspace folder."""

    root: Path

    @property
    def index_db(self) -> Path:
        return self.root / "amlx.db"

    @property
    def mlflow_dir(self) -> Path:
        return self.root / "mlflow"

    @property
    def mlflow_db(self) -> Path:
        return self.mlflow_dir / "mlflow.db"

    @property
    def mlflow_uri(self) -> str:
        return f"sqlite:///{self.mlflow_db}"

    @property
    def artifacts_dir(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def jobs_dir(self) -> Path:
        return self.root / "jobs"

    def job_dir(self, name: str) -> Path:
        return self.jobs_dir / name

    def code_dir(self, name: str) -> Path:
        return self.job_dir(name) / "code"

    def outputs_dir(self, name: str) -> Path:
        return self.job_dir(name) / "outputs"

    def logs_dir(self, name: str) -> Path:
        return self.job_dir(name) / "logs"

    def std_log(self, name: str) -> Path:
        return self.logs_dir(name) / "std_log.txt"

    @cached_property
    def _jobs_prefix(self) -> str:
        return f"{self.jobs_dir}{os.sep}"

    def job_paths_text(self, name: str) -> tuple[str, str, str]:
        """Code folder, outputs folder and log file of a job, as text.

        Listings build these for every row; pathlib costs about 0.1 ms per job, string formatting a microsecond.
        """
        base = f"{self._jobs_prefix}{name}{os.sep}"
        return f"{base}code", f"{base}outputs", f"{base}logs{os.sep}std_log.txt"

    def system_log(self, name: str) -> Path:
        """MLflow's and amlx's messages from inside the job, kept out of std_log.txt (Azure ML's system_logs)."""
        return self.logs_dir(name) / "system_log.txt"

    def supervisor_log(self, name: str) -> Path:
        return self.logs_dir(name) / "supervisor.txt"

    def supervisor_lock(self, name: str) -> Path:
        return self.job_dir(name) / "supervisor.lock"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    def model_dir(self, name: str) -> Path:
        return self.models_dir / name

    @property
    def endpoints_dir(self) -> Path:
        return self.root / "endpoints"

    def endpoint_dir(self, name: str) -> Path:
        return self.endpoints_dir / name

    def endpoint_keys(self, name: str) -> Path:
        return self.endpoint_dir(name) / "keys.json"

    def endpoint_routing(self, name: str) -> Path:
        return self.endpoint_dir(name) / "routing.json"

    def deployment_dir(self, endpoint: str, name: str) -> Path:
        return self.endpoint_dir(endpoint) / "deployments" / name

    def slots_dir(self, compute: str) -> Path:
        return self.root / "slots" / compute

    @property
    def locks_dir(self) -> Path:
        return self.root / "locks"

    @property
    def logs_root(self) -> Path:
        """Logs of workspace-level helpers (not of jobs)."""
        return self.root / "logs"


def cache_dir() -> Path:
    """Per-user cache for things shared by all workspaces (the migrated MLflow template).

    ``$AMLX_CACHE_DIR``, else ``$XDG_CACHE_HOME/amlx``, else ``~/.cache/amlx``.
    """
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "amlx"
