"""The environment a job runs in: built from the package's pinned requirements, or named by the user.

By default the job's ``requirements.txt`` (pinned from the notebook kernel)
becomes a conda specification with those pip dependencies, plus ``mlflow`` and
``azureml-mlflow`` so the job logs to the workspace, on ``DEFAULT_BASE_IMAGE``
(one of Microsoft's Azure ML base images; ``azure.base_image`` replaces it).
It is registered once per content hash as version ``<hash>`` of the
environment ``amlx-job-env``: a re-run with the same requirements reuses the
image Azure already built. Otherwise ``environment`` (the request's, else the
setting's) names one: ``azureml:name:version``, ``name@latest``, or a curated
registry environment, passed to Azure as given.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .connection import Connection

#: Microsoft's current Azure ML base image for CPU jobs (Ubuntu 22.04, OpenMPI); not checked against MCR here.
DEFAULT_BASE_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"
ENVIRONMENT_NAME = "amlx-job-env"
DEFAULT_PYTHON = "3.11"
#: What every built environment adds so MLflow in the job logs to the workspace (autolog as locally).
TRACKING_PACKAGES = ("mlflow", "azureml-mlflow")

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+")


def requirement_lines(code_dir: Path) -> list[str]:
    """The pip requirements of a package folder (its ``requirements.txt``; none if absent)."""
    path = code_dir / "requirements.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def python_version(manifest: dict[str, Any] | None) -> str:
    """``major.minor`` of the kernel the requirements were pinned from (``DEFAULT_PYTHON`` if unknown)."""
    kernel = (manifest or {}).get("kernel") or {}
    version = str(kernel.get("python_version") or "")
    parts = version.split(".")
    return f"{parts[0]}.{parts[1]}" if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() else DEFAULT_PYTHON


def conda_specification(requirements: Sequence[str], python: str) -> dict[str, Any]:
    names = {_project(line) for line in requirements}
    extra = [p for p in TRACKING_PACKAGES if p not in names]
    return {
        "name": "amlx-job",
        "channels": ["conda-forge"],
        "dependencies": [f"python={python}", "pip", {"pip": [*requirements, *extra]}],
    }


def content_hash(image: str, conda: dict[str, Any]) -> str:
    text = json.dumps({"image": image, "conda": conda}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _project(line: str) -> str:
    match = _NAME.match(line)
    return match.group(0).lower().replace("_", "-") if match else line.lower()


class Environments:
    """Registers built environments once per content hash (remembered for the process's life)."""

    def __init__(self, connection: Connection, base_image: str | None = None) -> None:
        self._connection = connection
        self._image = base_image or DEFAULT_BASE_IMAGE
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def built(self, requirements: Sequence[str], python: str) -> str:
        """``azureml:amlx-job-env:<hash>`` for these requirements, registering it if Azure lacks it."""
        from azure.core.exceptions import ResourceNotFoundError

        conda = conda_specification(requirements, python)
        version = content_hash(self._image, conda)
        ref = f"azureml:{ENVIRONMENT_NAME}:{version}"
        with self._lock:
            if version in self._known:
                return ref
        ml = self._connection.ml
        with self._connection.translated():
            try:
                ml.environments.get(ENVIRONMENT_NAME, version=version)
            except ResourceNotFoundError:
                from azure.ai.ml.entities import Environment

                ml.environments.create_or_update(Environment(
                    name=ENVIRONMENT_NAME, version=version, image=self._image, conda_file=conda,
                    description="Built by amlx-lab from a notebook job's pinned requirements.",
                ))
        with self._lock:
            self._known.add(version)
        return ref
