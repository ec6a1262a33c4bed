"""An AutoML job as a CLI v2 ``type: automl`` job.yml that ``az ml job create`` and ``load_job`` accept.

Written from the job's submitted ``AutoMLJobSpec`` (its settings) and its
training data: a CSV file the job read on this machine goes in beside the
YAML as an MLTable folder (``training_data/``: the file and an ``MLTable``
that reads it), which the CLI uploads; data already in Azure is named by its
datastore URI. Azure takes whole minutes, so fractional limits are rounded up.
No workflow is written: the job has no code to check out.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..automl.azure_sdk import mltable_yaml
from ..records import ExportResult, Job
from .bundle import JOB_FILE, _publish, _write
from .job_yaml import azure_compute
from .yamltext import dump

SCHEMA = "https://azuremlschemas.azureedge.net/latest/autoMLJob.schema.json"
TABLE_DIR = "training_data"


@dataclass(frozen=True)
class AutoMLSource:
    """What an export of one AutoML job reads: the job, its settings, and where its training data is."""

    job: Job
    target: str
    settings: dict[str, Any]
    training_uri: str | None  # an MLTable already in Azure (azureml://...)
    training_csv: Path | None  # else the CSV file to ship beside the YAML
    notes: tuple[str, ...] = ()


def _minutes(value: Any) -> int | None:
    return None if value is None else max(1, math.ceil(float(value)))


def automl_document(source: AutoMLSource, *, training_path: str, description: str) -> dict[str, Any]:
    """The ``type: automl`` document (keys in the order Azure's docs write them)."""
    job, s = source.job, source.settings
    doc: dict[str, Any] = {"$schema": SCHEMA, "type": "automl", "experiment_name": job.experiment,
                           "display_name": job.display_name, "description": description}
    compute = azure_compute(job.compute)
    if compute:
        doc["compute"] = compute
    doc.update({"task": s["task"], "primary_metric": s["primary_metric"], "target_column_name": s["target_column_name"],
                "training_data": {"type": "mltable", "path": training_path}})
    if s.get("validation_data_size") is not None:
        doc["validation_data_size"] = s["validation_data_size"]
    elif isinstance(s.get("n_cross_validations"), int):
        doc["n_cross_validations"] = s["n_cross_validations"]
    limits = s.get("limits") or {}
    doc["limits"] = {k: v for k, v in {
        "timeout_minutes": _minutes(limits.get("timeout_minutes")),
        "trial_timeout_minutes": _minutes(limits.get("trial_timeout_minutes")),
        "max_trials": limits.get("max_trials"),
        "max_concurrent_trials": limits.get("max_concurrent_trials"),
        "enable_early_termination": limits.get("enable_early_termination"),
        "exit_score": limits.get("exit_score"),
    }.items() if v is not None}
    training = {k: list(s[k]) for k in ("allowed_training_algorithms", "blocked_training_algorithms") if s.get(k)}
    if training:
        doc["training"] = training
    doc["featurization"] = {"mode": s.get("featurization") or "auto"}
    forecast = s.get("forecasting")
    if forecast:
        doc["forecasting"] = {k: v for k, v in forecast.items() if v is not None}
    if job.tags:
        doc["tags"] = dict(job.tags)
    return doc


def write_automl_job(parent: Path, source: AutoMLSource, *, shown_as: str, overwrite: bool) -> ExportResult:
    """``parent/<job name>/``: job.yml, and ``training_data/`` when the data is a local CSV file."""
    job = source.job
    description = f"Exported by amlx-lab from AutoML job {job.name} on the {source.target} target."
    path = source.training_uri or f"./{TABLE_DIR}"
    document = automl_document(source, training_path=path, description=description)

    def fill(folder: Path) -> list[str]:
        written = [JOB_FILE]
        if source.training_csv is not None:
            name = source.training_csv.name
            (folder / TABLE_DIR).mkdir(parents=True)
            shutil.copyfile(source.training_csv, folder / TABLE_DIR / name)
            _write(folder / TABLE_DIR / "MLTable", mltable_yaml(name))
            written += [f"{TABLE_DIR}/MLTable", f"{TABLE_DIR}/{name}"]
        _write(folder / JOB_FILE, dump(document, header=f"# az ml job create --file {JOB_FILE}\n"))
        return written

    files = _publish(parent / job.name, fill, overwrite=overwrite, what=f"job {job.name}")
    return ExportResult(kind="job", name=job.name, target=source.target, folder=shown_as, files=tuple(files),
                        notes=source.notes)
