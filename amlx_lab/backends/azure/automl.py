"""AutoML jobs on Azure ML: submitting one with its training data as an MLTable, and reading its leaderboard.

AutoML reads an MLTable. A CSV file becomes a folder holding the file and an
``MLTable`` that reads it, uploaded by azure-ai-ml as Azure's docs do; a data
asset becomes an ``MLTable`` whose one path is the asset's datastore URI, so
nothing is downloaded. The submitted ``AutoMLJobSpec`` is kept in the job's
properties (the settings the details show). The service runs the trials as
child jobs (``jobs.list(parent_job_name=...)``); the leaderboard comes from
their metrics (the primary metric, logged under Azure's name) and properties
(``run_algorithm``), the best from the parent's ``automl_best_child_run_id``,
and the best model from that child's ``outputs/mlflow-model``, where Azure
writes it; the details call it ``outputs/model`` as the local target does, and
registering that source of the AutoML job registers the best trial's model.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ...automl.azure_sdk import azure_job, mltable_yaml
from ...automl.settings import default_display_name, folder_training_data, goal_of
from ...automl.table import check_columns
from ...errors import NotFoundError, ValidationError
from ...names import check_job_name
from ...records import AutoMLDetails, Job, JobStatus, LeaderboardEntry
from ...specs import AutoMLJobSpec, JobQuery
from ...i18n import _
from .data_assets import DataAssets
from .job_reads import JobReader
from .job_records import SERVERLESS
from .submit import asset_parts, is_asset_ref

PROP_SPEC = "amlx.automl_spec"
BEST_CHILD = "automl_best_child_run_id"
BEST_MODEL = "outputs/mlflow-model"  # where Azure writes the best model, in the best trial's outputs
BEST_SOURCE = "outputs/model"  # how every target names an AutoML job's best model (the sidebar registers it)
TABLE_FOLDER = "training_data"
_NOT_HYPERPARAMETERS = ("algorithm", "learner", "source")
_MAX_TRIALS_READ = 1000


def compute_of(spec: AutoMLJobSpec) -> str | None:
    """The cluster the job names, ``None`` for serverless (the local machine is no Azure compute)."""
    if spec.compute in (None, "", SERVERLESS):
        return None
    if spec.compute == "local":
        raise ValidationError(
            _(
                "The Azure ML target runs AutoML on the workspace's computes: name a cluster (amlx compute lists "
                "them) or leave compute empty for serverless."
            ),
            field="compute",
        )
    return spec.compute


def training_table(spec: AutoMLJobSpec, data: DataAssets, staging: Path) -> tuple[Path, str]:
    """The MLTable folder to upload for ``spec.training_data``, and how the job's settings name the data."""
    ref = spec.training_data
    folder = staging / TABLE_FOLDER
    folder.mkdir()
    if is_asset_ref(ref):
        name, version = asset_parts(ref)
        try:
            asset, uri = data.location(name, version)
        except NotFoundError as missing:
            raise ValidationError(missing.message, field="training_data") from None
        if asset.type != "uri_file":
            raise ValidationError(folder_training_data(ref), field="training_data")
        (folder / "MLTable").write_text(mltable_yaml(uri), encoding="utf-8")
        return folder, f"azureml:{asset.name}:{asset.version}"
    path = Path(ref)
    if not path.exists():
        raise ValidationError(_('The training data {path_name!r} does not exist.').format(path_name=path.name), field="training_data")
    if path.is_dir():
        raise ValidationError(folder_training_data(path.name), field="training_data")
    if path.suffix.lower() != ".csv":
        raise ValidationError(
            _(
                'The training data {path_name!r} is not a CSV file; AutoML on Azure reads CSV files and data '
                'assets.'
            ).format(path_name=path.name),
            field="training_data",
        )
    check_columns(spec, path)
    shutil.copyfile(path, folder / path.name)
    (folder / "MLTable").write_text(mltable_yaml(path.name), encoding="utf-8")
    return folder, path.name


def build(spec: AutoMLJobSpec, data: DataAssets) -> tuple[Any, tempfile.TemporaryDirectory[str]]:
    """The azure-ai-ml AutoML job for ``spec`` and the staging folder its upload reads (clean it up after)."""
    staging = tempfile.TemporaryDirectory(prefix="amlx-automl-")
    try:
        folder, shown = training_table(spec, data, Path(staging.name))
        if not spec.display_name:
            spec = spec.model_copy(update={"display_name": default_display_name(spec.task, spec.target_column_name)})
        job = azure_job(spec, training_data=str(folder), compute=compute_of(spec))
        kept = spec.model_dump(mode="json")
        kept["training_data"] = shown  # never a local path
        job.properties = {**(job.properties or {}), PROP_SPEC: json.dumps(kept)}
        return job, staging
    except BaseException:
        staging.cleanup()
        raise


def details(reader: JobReader, name: str) -> AutoMLDetails:
    """The job's settings, its trials ranked by the primary metric, the best trial and (once written) its model."""
    check_job_name(name)
    entity = reader.entity(name)
    job = reader.record(entity)
    parent = job.parent
    if str(getattr(entity, "type", "")).lower() != "automl" or parent:
        kind = f"a trial of AutoML job {parent}" if parent else f"a {getattr(entity, 'type', 'command')} job"
        raise NotFoundError(_('Job {name} is {kind}, not an AutoML job.').format(name=name, kind=kind), details={"job": name})
    props = {str(k): str(v) for k, v in (getattr(entity, "properties", None) or {}).items()}
    settings = _settings(props)
    task = str(settings.get("task") or getattr(entity, "task_type", "") or "").lower()
    metric = str(settings.get("primary_metric") or getattr(entity, "primary_metric", "") or "")
    goal = goal_of(metric) if metric else "maximize"
    trials = reader.page(JobQuery(parent=name, limit=_MAX_TRIALS_READ)).items
    algorithms = {t.name: t.params.get("algorithm") or _run_algorithm(reader, t.name) for t in trials}
    ranked = _ranked(trials, metric, goal)
    best = props.get(BEST_CHILD) or (ranked[0].name if ranked else None)  # the best so far while it runs
    entries = [
        _entry(t, metric, algorithms[t.name], rank=ranked.index(t) + 1 if t in ranked else None, best=best)
        for t in trials
    ]
    entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.index))
    top = next((e for e in entries if e.is_best), None)
    model = BEST_SOURCE if props.get(BEST_CHILD) else None
    return AutoMLDetails(
        name=name,
        status=job.status,
        task=task,
        primary_metric=metric,
        goal=goal,
        target_column_name=str(settings.get("target_column_name") or getattr(entity, "target_column_name", "") or ""),
        settings=settings,
        validation=_validation(settings),
        leaderboard=tuple(entries),
        best_trial=top.trial if top else None,
        best_algorithm=top.algorithm if top else None,
        best_score=top.score if top else None,
        best_score_std=top.score_std if top else None,
        trials=len(entries),
        stop_reason=None,
        model=model if job.status is JobStatus.COMPLETED else None,
    )


def best_child(entity: Any) -> str | None:
    """The best trial Azure named on an AutoML parent job (``None`` for another job, or before it is known)."""
    if str(getattr(entity, "type", "")).lower() != "automl" or getattr(entity, "parent_job_name", None):
        return None
    return (getattr(entity, "properties", None) or {}).get(BEST_CHILD) or None


def _settings(props: dict[str, str]) -> dict[str, Any]:
    try:
        stored = json.loads(props.get(PROP_SPEC, "") or "{}")
    except ValueError:
        return {}
    return stored if isinstance(stored, dict) else {}


def _validation(settings: dict[str, Any]) -> str | None:
    if settings.get("validation_data_size") is not None:
        return f"a {settings['validation_data_size']:g} validation fraction"
    folds = settings.get("n_cross_validations")
    if isinstance(folds, int):
        return f"{folds}-fold cross-validation"
    return "as Azure chooses for the data's size" if settings else None


def _score(job: Job, metric: str) -> float | None:
    value = job.metrics.get(metric)
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _ranked(trials: tuple[Job, ...], metric: str, goal: str) -> list[Job]:
    scored = [t for t in trials if t.status is JobStatus.COMPLETED and _score(t, metric) is not None]
    return sorted(scored, key=lambda t: (_score(t, metric) or 0.0) * (1 if goal == "minimize" else -1))


def _index(job: Job) -> int:
    tail = job.name.rpartition("_")[2]
    return int(tail) if tail.isdigit() else 0


def _run_algorithm(reader: JobReader, name: str) -> str:
    """The algorithm Azure names in a trial's properties."""
    return str((getattr(reader.entity(name), "properties", None) or {}).get("run_algorithm") or "")


def _entry(job: Job, metric: str, algorithm: str, *, rank: int | None, best: str | None) -> LeaderboardEntry:
    params = dict(job.params)
    hyper: dict[str, Any] = {}
    for key, text in params.items():
        if key in _NOT_HYPERPARAMETERS:
            continue
        try:
            hyper[key] = json.loads(text)
        except ValueError:
            hyper[key] = text
    std = job.metrics.get(f"{metric}_std")
    duration = job.metrics.get("duration_s")
    if duration is None and job.started_at and job.ended_at:
        duration = job.ended_at - job.started_at
    return LeaderboardEntry(
        trial=job.name,
        index=_index(job),
        algorithm=algorithm,
        source=params.get("source", "search"),
        learner=params.get("learner", ""),
        score=_score(job, metric),
        score_std=std if isinstance(std, (int, float)) and math.isfinite(std) else None,
        fold_scores=(),
        duration_s=float(duration or 0.0),
        hyperparameters=hyper,
        status=job.status.value,
        rank=rank,
        is_best=job.name == best,
        error=job.error,
    )
