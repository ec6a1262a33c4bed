"""One job's server-side state (what run history reports), kept beside its ARM resource."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field

NOT_STARTED, QUEUED, PREPARING, RUNNING, FINALIZING = "NotStarted", "Queued", "Preparing", "Running", "Finalizing"
CANCEL_REQUESTED, COMPLETED, FAILED, CANCELED = "CancelRequested", "Completed", "Failed", "Canceled"
TERMINAL = frozenset({COMPLETED, FAILED, CANCELED})

# Job status -> MLflow run status (the run whose id is the job's name).
MLFLOW_STATUS = {RUNNING: "RUNNING", COMPLETED: "FINISHED", FAILED: "FAILED", CANCELED: "KILLED"}


@dataclass
class JobRun:
    name: str
    arm_path: str
    experiment_name: str
    experiment_id: str
    display_name: str
    job_type: str
    compute: str | None
    created_utc: str
    created_by: str
    parent: str | None = None
    status: str = NOT_STARTED
    start_utc: str | None = None
    end_utc: str | None = None
    error: dict[str, str] | None = None
    log_files: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    cancel_requested: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def artifact_prefix(self) -> str:
        """Where Azure keeps a run's files in the artifact store container (``azureml``)."""
        return f"ExperimentRun/dcid.{self.name}"
