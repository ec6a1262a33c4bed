"""An AutoML job's process: the REST body's ``taskDetails`` read back into amlx's engine settings, its MLTable
training data made local, and the command that runs amlx's own engine (``python -m amlx_lab.automl``).

The service runs AutoML on its own; the emulator runs the local engine instead, with the time budget capped
at ``EmulatorConfig.automl_timeout_seconds`` so tests stay short. What the SDK reads back (child jobs, the
best child, its model) is published by ``automl_trials.py``.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..uris import UnresolvableUri, blob_location
from .inputs import resolve_inputs

SETTINGS_FILE = "automl.json"
_TASKS = {"classification": "classification", "regression": "regression", "forecasting": "forecasting"}
_DURATION = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
                       r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


class AutoMLSetupError(ValueError):
    """The job's settings or training data cannot be used (the job fails with this sentence)."""


def minutes(duration: Any) -> float | None:
    """An ISO 8601 duration (``PT20M``, ``P1DT2H``) in minutes; ``None`` when absent."""
    if not duration:
        return None
    match = _DURATION.match(str(duration))
    if not match:
        raise AutoMLSetupError(f"'{duration}' is not an ISO 8601 duration.")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return parts.get("d", 0) * 1440 + parts.get("h", 0) * 60 + parts.get("m", 0) + parts.get("s", 0) / 60


def engine_settings(properties: dict[str, Any], cap_seconds: float) -> dict[str, Any]:
    """amlx's ``AutoMLJobSpec`` (as JSON) for the AutoML job whose ARM ``properties`` these are."""
    details = properties.get("taskDetails") or {}
    task = _TASKS.get(str(details.get("taskType", "")).lower())
    if task is None:
        raise AutoMLSetupError(f"The loopback workspace cannot run AutoML task '{details.get('taskType')}'.")
    limits = details.get("limitSettings") or {}
    timeout = minutes(limits.get("timeout"))
    cap = cap_seconds / 60
    settings: dict[str, Any] = {
        "task": task,
        "training_data": "training_data",
        "target_column_name": details.get("targetColumnName"),
        "primary_metric": details.get("primaryMetric"),
        "experiment": properties.get("experimentName") or "Default",
        "limits": {
            "timeout_minutes": min(timeout, cap) if timeout else cap,
            "trial_timeout_minutes": minutes(limits.get("trialTimeout")),
            "max_trials": limits.get("maxTrials") or 1000,
            "max_concurrent_trials": limits.get("maxConcurrentTrials") or 1,
            "enable_early_termination": limits.get("enableEarlyTermination", True),
            "exit_score": limits.get("exitScore"),
        },
        "featurization": str((details.get("featurizationSettings") or {}).get("mode") or "auto").lower(),
    }
    folds = details.get("nCrossValidations") or {}
    if str(folds.get("mode", "")).lower() == "custom":
        settings["n_cross_validations"] = folds.get("value")
    if details.get("validationDataSize") is not None:
        settings["validation_data_size"] = details["validationDataSize"]
    training = details.get("trainingSettings") or {}
    for field in ("allowedTrainingAlgorithms", "blockedTrainingAlgorithms"):
        if training.get(field):
            settings[_snake(field)] = list(training[field])
    forecast = details.get("forecastingSettings")
    if task == "forecasting" and forecast:
        horizon = forecast.get("forecastHorizon") or {}
        settings["forecasting"] = {
            "time_column_name": forecast.get("timeColumnName"),
            "forecast_horizon": horizon.get("value") or 1,
            "frequency": forecast.get("frequency"),
        }
    return settings


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def training_table(ws: Any, properties: dict[str, Any], destination: Path) -> Path:
    """The local CSV file the job's MLTable training data reads (its ``paths`` entry, one file)."""
    data = (properties.get("taskDetails") or {}).get("trainingData") or {}
    if str(data.get("jobInputType", "")).lower() != "mltable":
        raise AutoMLSetupError("AutoML's training data must be an MLTable input.")
    try:
        folder = Path(resolve_inputs({"training_data": data}, ws.store, ws.blobs, ws.config.workspace_path,
                                     destination)["training_data"])
    except ValueError as exc:
        raise AutoMLSetupError(str(exc)) from exc
    table = folder / "MLTable"
    if not table.is_file():
        raise AutoMLSetupError("The training data folder has no MLTable file.")
    spec = yaml.safe_load(table.read_text(encoding="utf-8")) or {}
    paths = spec.get("paths") or []
    files = [p["file"] for p in paths if isinstance(p, dict) and "file" in p]
    if len(files) != 1 or len(paths) != 1:
        raise AutoMLSetupError("The loopback workspace reads an MLTable whose paths name exactly one file.")
    file = str(files[0])
    if "://" not in file:
        local = (folder / file).resolve()
        if not local.is_file() or folder.resolve() not in local.parents:
            raise AutoMLSetupError(f"The MLTable names '{file}', which is not in its folder.")
        return local
    try:
        location = blob_location(file, ws.blobs.account_url)
    except UnresolvableUri as exc:
        raise AutoMLSetupError(f"The MLTable's path: {exc}") from exc
    written = ws.blobs.download_prefix(location.container, location.path, destination / "table")
    target = destination / "table" / PurePosixPath(location.path).name
    if not written or not target.is_file():
        raise AutoMLSetupError(f"Nothing is stored at '{file}'.")
    return target


def prepare(ws: Any, properties: dict[str, Any], work_dir: Path, inputs_dir: Path) -> str:
    """Write the engine's settings into ``work_dir``; return the job's command line."""
    settings = engine_settings(properties, ws.config.automl_timeout_seconds)
    csv = training_table(ws, properties, inputs_dir)
    (work_dir / SETTINGS_FILE).write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return f"python -m amlx_lab.automl {SETTINGS_FILE} --training_data {shlex.quote(str(csv))}"
