"""Local AutoML jobs: submitting one, and reading its leaderboard.

An AutoML job is a job of type ``automl`` that runs the engine
(``python -m amlx_lab.automl automl.json``) under the usual supervisor, in a
compute slot, with the training data as its ``training_data`` input. Its
folder holds ``code/automl.json`` (the spec as submitted) and, as the job
goes, ``outputs/leaderboard.json``, then ``outputs/model`` (the best model,
an MLflow model) and ``outputs/charts.json``. Its trials are MLflow child
runs, which the supervisor mirrors into the index as jobs whose ``parent``
is the AutoML job (``automl_trials.py``).

FLAML, LightGBM and XGBoost are the ``automl`` extra: without them in the
Python that runs jobs (this one), submitting is a 409 that says how to
install them, and the target's health line says so too.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from ...automl.settings import default_display_name, folder_training_data
from ...automl.table import check_columns
from ...errors import NotFoundError, NotSupportedError, ValidationError
from ...names import check_job_name
from ...records import AutoMLDetails, Job, JobStatus, LeaderboardEntry, ModelCharts, RocCurve
from ...specs import AutoMLJobSpec, CommandJobSpec
from . import job_index
from .data_assets import DataAssets
from .jobs import COMPUTE, Submitter
from .layout import Layout
from .store import Store

SPEC_FILE = "automl.json"
LEADERBOARD_FILE = "leaderboard.json"
CHARTS_FILE = "charts.json"
ENGINE_MODULES = ("flaml", "lightgbm", "xgboost")
INSTALL_HINT = "pip install 'amlx_lab[automl]'"


def missing_engine() -> list[str]:
    """The AutoML engine's packages this Python lacks (found without importing them)."""
    return [name for name in ENGINE_MODULES if importlib.util.find_spec(name) is None]


def engine_note() -> str | None:
    """A sentence for the target's health line when AutoML cannot run here, else ``None``."""
    missing = missing_engine()
    if not missing:
        return None
    return f"AutoML needs {', '.join(missing)} ({INSTALL_HINT})."


def _check_engine() -> None:
    missing = missing_engine()
    if missing:
        raise NotSupportedError(
            f"AutoML jobs on the local target need {', '.join(missing)} in the Python that runs jobs "
            f"({sys.executable}); install them with {INSTALL_HINT} and restart the server.",
            details={"capability": "automl", "missing": missing},
        )


def submit_automl(submitter: Submitter, data: DataAssets, spec: AutoMLJobSpec) -> Job:
    """Record the AutoML job and start its supervisor; returns at once with the job Queued."""
    compute = spec.compute or COMPUTE
    if compute != COMPUTE:
        raise ValidationError(f"Unknown compute {compute!r}: the local workspace runs jobs on 'local'.", field="compute")
    try:
        path, _asset = data.resolve(spec.training_data, base=Path.cwd(), field="training_data")
    except NotFoundError as exc:
        raise ValidationError(exc.message, field="training_data") from None
    if not path.exists():
        raise ValidationError(f"The training data {spec.training_data!r} does not exist.", field="training_data")
    if path.is_dir():
        raise ValidationError(folder_training_data(spec.training_data), field="training_data")
    check_columns(spec, path)
    _check_engine()
    staging = submitter.layout.root / "staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        (staging / SPEC_FILE).write_text(json.dumps(spec.model_dump(mode="json"), indent=1), encoding="utf-8")
        command = CommandJobSpec(
            code_dir=staging,
            experiment=spec.experiment,
            command=("python", "-m", "amlx_lab.automl", SPEC_FILE),
            parameters=_shown_parameters(spec),
            inputs={"training_data": spec.training_data},
            display_name=spec.display_name or default_display_name(spec.task, spec.target_column_name),
            compute=compute,
            interpreter=sys.executable,
            tags=dict(spec.tags),
        )
        return submitter.submit(command, job_type="automl")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _shown_parameters(spec: AutoMLJobSpec) -> dict[str, str | int | float | bool]:
    """The settings a runs table compares AutoML jobs by."""
    shown: dict[str, str | int | float | bool] = {
        "task": spec.task,
        "target_column_name": spec.target_column_name,
        "primary_metric": spec.primary_metric or "",
    }
    if spec.limits.timeout_minutes is not None:
        shown["timeout_minutes"] = spec.limits.timeout_minutes
    shown["max_trials"] = spec.limits.max_trials
    return shown


# -- reading -------------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _charts(data: Any) -> ModelCharts | None:
    if not isinstance(data, dict) or data.get("kind") not in ("classification", "regression"):
        return None
    return ModelCharts(
        kind=data["kind"],
        rows=int(data.get("rows") or 0),
        confusion_labels=tuple(data.get("confusion_labels") or ()),
        confusion_matrix=tuple(tuple(int(v) for v in row) for row in data.get("confusion_matrix") or ()),
        roc=tuple(
            RocCurve(label=str(c["label"]), auc=c.get("auc"), fpr=tuple(c["fpr"]), tpr=tuple(c["tpr"]))
            for c in data.get("roc") or ()
        ),
        predicted=tuple(data.get("predicted") or ()),
        actual=tuple(data.get("actual") or ()),
        residual_bins=tuple(data.get("residual_bins") or ()),
        residual_counts=tuple(data.get("residual_counts") or ()),
    )


def automl_details(store: Store, layout: Layout, name: str) -> AutoMLDetails:
    """The job's settings and what its leaderboard file says so far (best first)."""
    check_job_name(name)
    row = job_index.get_row(store, name)
    if row["type"] != "automl" or row["parent"] is not None:
        kind = "a trial of AutoML job " + row["parent"] if row["parent"] else f"a {row['type']} job"
        raise NotFoundError(f"Job {name} is {kind}, not an AutoML job.", details={"job": name})
    settings = _read_json(layout.code_dir(name) / SPEC_FILE) or {}
    spec = AutoMLJobSpec.parse(settings) if settings else None
    board = _read_json(layout.outputs_dir(name) / LEADERBOARD_FILE) or {}
    best = board.get("best")
    entries = [
        LeaderboardEntry(
            trial=t["name"], index=int(t["index"]), algorithm=t["algorithm"], source=t["source"], learner=t["learner"],
            score=t.get("score"), score_std=t.get("score_std"), fold_scores=tuple(t.get("fold_scores") or ()),
            duration_s=float(t.get("duration_s") or 0.0), hyperparameters=t.get("hyperparameters") or {},
            status=t.get("status") or "Completed", rank=t.get("rank"), is_best=t["name"] == best, error=t.get("error"),
        )
        for t in board.get("trials") or ()
    ]
    entries.sort(key=lambda e: (e.rank is None, e.rank or 0, e.index))
    top = next((e for e in entries if e.is_best), None)
    finished = board.get("state") == "finished"
    return AutoMLDetails(
        name=name,
        status=JobStatus(row["status"]),
        task=spec.task if spec else board.get("task", ""),
        primary_metric=(spec.primary_metric if spec else None) or board.get("primary_metric", ""),
        goal=spec.goal if spec else board.get("goal", "maximize"),
        target_column_name=spec.target_column_name if spec else board.get("target_column_name", ""),
        settings=settings,
        validation=board.get("validation"),
        leaderboard=tuple(entries),
        best_trial=top.trial if top else None,
        best_algorithm=top.algorithm if top else None,
        best_score=top.score if top else None,
        best_score_std=top.score_std if top else None,
        trials=len(entries),
        stop_reason=board.get("stop_reason"),
        model=board.get("model") if finished and (layout.outputs_dir(name) / "model" / "MLmodel").is_file() else None,
        charts=_charts(_read_json(layout.outputs_dir(name) / CHARTS_FILE)),
        notes=tuple(board.get("notes") or ()),
    )
