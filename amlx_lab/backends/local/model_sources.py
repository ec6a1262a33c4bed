"""What in a finished job can become a registered model, found without importing MLflow.

Two places hold models:

* the job's ``outputs/``: a ``.pkl``/``.pickle``/``.joblib``/``.skops`` file, or a
  folder holding an ``MLmodel`` file (``mlflow.sklearn.save_model(m, "outputs/model")``);
* the job's MLflow run(s): what ``mlflow.sklearn.autolog()`` or ``log_model``
  logged. MLflow 3 keeps those as *logged models* (table ``logged_models``,
  files under ``<artifacts>/<experiment>/models/<id>/artifacts``); MLflow 2 kept
  them in the run's artifact folder. Both are read straight from the store's
  tables, as ``tracking.RunReader`` does, so the server never imports MLflow.

A source is named as the REST API shows it: ``outputs/model.pkl``,
``outputs/model`` or ``mlflow:<name>`` (autolog names its model ``model``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ...errors import NotFoundError, ValidationError
from ...records import ModelCandidate
from .files import check_relpath, list_files
from .layout import Layout
from .tracking import JOB_TAG
from ...i18n import _

MODEL_SUFFIXES = {".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib", ".skops": "skops"}
MLFLOW_PREFIX = "mlflow:"
OUTPUTS_PREFIX = "outputs/"
# main.py tracks into outputs/mlflow/ when it runs without a tracking URI: not a model.
_SKIPPED_TOP = frozenset({"mlflow"})
_FAILED_LOGGED_MODEL = {3, "3", "FAILED", "LOGGED_MODEL_UPLOAD_FAILED"}


@dataclass(frozen=True)
class ModelSource:
    """One registrable model: where its files are and how the REST API names it."""

    source: str
    format: str
    path: Path  # a model file, or a folder (MLflow model, or a folder with one model file)
    size: int
    mlflow_run_id: str | None = None

    def candidate(self) -> ModelCandidate:
        return ModelCandidate(source=self.source, format=self.format, size=self.size)


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


# -- outputs ---------------------------------------------------------------------------


def output_sources(outputs: Path) -> list[ModelSource]:
    """Model files and MLflow model folders under a job's outputs, in path order."""
    found: list[ModelSource] = []
    mlflow_folders: list[str] = []
    for entry in list_files(outputs, skip_top=_SKIPPED_TOP):
        rel = entry.path
        if rel.endswith("/MLmodel") or rel == "MLmodel":
            folder = rel.rpartition("/")[0]
            mlflow_folders.append(folder)
            path = outputs / folder if folder else outputs
            found.append(ModelSource(_outputs_name(folder), "mlflow", path, folder_size(path)))
    for entry in list_files(outputs, skip_top=_SKIPPED_TOP):
        fmt = MODEL_SUFFIXES.get(Path(entry.path).suffix.lower())
        if fmt is None or any(entry.path.startswith(f"{f}/") or not f for f in mlflow_folders):
            continue  # a pickle inside an MLflow folder belongs to that model
        found.append(ModelSource(_outputs_name(entry.path), fmt, outputs / entry.path, entry.size))
    return sorted(found, key=lambda s: s.source)


def _outputs_name(rel: str) -> str:
    return f"{OUTPUTS_PREFIX}{rel}" if rel else "outputs"


def output_source(outputs: Path, path: str, *, field: str = "path") -> ModelSource:
    """The model at ``path`` in the outputs (``model.pkl`` and ``outputs/model.pkl`` both name it)."""
    text = path.strip().replace("\\", "/")
    if text in ("outputs", "outputs/"):
        relative = ""
    else:
        check_relpath(text, field=field)
        relative = text.strip("/")
        if relative.startswith(OUTPUTS_PREFIX) and not (outputs / relative).exists():
            relative = relative[len(OUTPUTS_PREFIX):]
    root = outputs.resolve()
    target = (root / relative).resolve() if relative else root
    if target != root and root not in target.parents:
        raise ValidationError(_("{path!r} points outside the job's outputs.").format(path=path), field=field)
    if not target.exists():
        raise NotFoundError(_("There is no {path!r} in the job's outputs.").format(path=path), details={field: path})
    name = _outputs_name(relative)
    if target.is_file():
        fmt = MODEL_SUFFIXES.get(target.suffix.lower())
        if fmt is None:
            raise ValidationError(
                _("{path!r} is not a model file: register a {items} file or an MLflow model folder.").format(
                    path=path, items=', '.join(MODEL_SUFFIXES)),
                field=field,
            )
        return ModelSource(name, fmt, target, target.stat().st_size)
    if (target / "MLmodel").is_file():
        return ModelSource(name, "mlflow", target, folder_size(target))
    inside = sorted(p for p in target.iterdir() if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES)
    if len(inside) != 1:
        raise ValidationError(
            _("The folder {path!r} holds no MLmodel file and {count} model files; name one file "
              "(e.g. {name}/model.pkl) or an MLflow model folder.").format(
                path=path, count=len(inside), name=name),
            field=field,
        )
    return ModelSource(name, MODEL_SUFFIXES[inside[0].suffix.lower()], target, folder_size(target))


# -- MLflow runs -------------------------------------------------------------------------


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def local_path(location: str | None) -> Path | None:
    """The folder an MLflow artifact location names on this machine (``None``: remote or unset)."""
    if not location:
        return None
    if location.startswith("file:"):
        return Path(unquote(urlparse(location).path))
    if "://" in location:
        return None  # a remote artifact store: not ours to copy
    return Path(location)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def mlflow_sources(layout: Layout, job: str, run_id: str | None) -> list[ModelSource]:
    """MLflow models logged by the job's runs, newest per name (``mlflow:<name>``)."""
    if not layout.mlflow_db.exists():
        return []
    conn = _connect(layout.mlflow_db)
    try:
        tables = _tables(conn)
        if not {"runs", "tags"} <= tables:
            return []
        runs = {row[0]: row[1] for row in conn.execute(
            "SELECT r.run_uuid, r.artifact_uri FROM runs r JOIN tags t ON t.run_uuid = r.run_uuid "
            "WHERE t.key = ? AND t.value = ? AND r.lifecycle_stage = 'active'",
            (JOB_TAG, job),
        )}
        if run_id and run_id not in runs:
            row = conn.execute("SELECT artifact_uri FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
            if row:
                runs[run_id] = row[0]
        if not runs:
            return []
        found: dict[str, tuple[float, ModelSource]] = {}
        if "logged_models" in tables:
            marks = ",".join("?" * len(runs))
            for name, location, created, status, source_run in conn.execute(
                "SELECT name, artifact_location, creation_timestamp_ms, status, source_run_id FROM logged_models "
                f"WHERE source_run_id IN ({marks}) AND lifecycle_stage = 'active'",
                list(runs),
            ):
                _offer(found, name, local_path(location), float(created or 0), status, source_run)
        for run, artifact_uri in runs.items():  # MLflow 2 style: <run artifacts>/<name>/MLmodel
            base = local_path(artifact_uri)
            if base is None or not base.is_dir():
                continue
            for mlmodel in sorted(base.glob("*/MLmodel")):
                _offer(found, mlmodel.parent.name, mlmodel.parent, mlmodel.stat().st_mtime * 1000, None, run)
    except sqlite3.Error:
        return []  # a store of another shape: no MLflow candidates rather than a failure
    finally:
        conn.close()
    return [source for _, source in sorted(found.values(), key=lambda item: item[1].source)]


def _offer(
    found: dict[str, tuple[float, ModelSource]], name: str, folder: Path | None, created: float, status: object, run: str
) -> None:
    if folder is None or status in _FAILED_LOGGED_MODEL or not (folder / "MLmodel").is_file():
        return
    key = f"{MLFLOW_PREFIX}{name}"
    if key in found and found[key][0] >= created:
        return
    found[key] = (created, ModelSource(key, "mlflow", folder, folder_size(folder), mlflow_run_id=run))


# -- choosing ---------------------------------------------------------------------------


def all_sources(layout: Layout, job: str, run_id: str | None) -> list[ModelSource]:
    """MLflow models first (what autolog logged), then the files in outputs."""
    return mlflow_sources(layout, job, run_id) + output_sources(layout.outputs_dir(job))


def choose(layout: Layout, job: str, run_id: str | None, path: str | None, *, field: str = "path") -> ModelSource:
    """The source ``path`` names, or the obvious one when it is ``None`` (ambiguity is a 400 listing them)."""
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise ValidationError(_("path must be a file or folder in the job's outputs, or mlflow:<name>."), field=field)
    if path is not None and path.startswith(MLFLOW_PREFIX):
        wanted = path if path != MLFLOW_PREFIX else f"{MLFLOW_PREFIX}model"
        models = mlflow_sources(layout, job, run_id)
        for source in models:
            if source.source == wanted:
                return source
        known = ", ".join(s.source for s in models) or "none"
        raise NotFoundError(
            _("Job {job} logged no MLflow model {value!r}; its MLflow models: {known}.").format(
                job=job, value=wanted[len(MLFLOW_PREFIX):], known=known),
            details={field: path},
        )
    if path is not None:
        return output_source(layout.outputs_dir(job), path, field=field)
    models = mlflow_sources(layout, job, run_id)
    if len(models) == 1:
        return models[0]
    if not models:
        files = [s for s in output_sources(layout.outputs_dir(job)) if s.format != "mlflow"]
        folders = [s for s in output_sources(layout.outputs_dir(job)) if s.format == "mlflow"]
        pool = files or folders
        if len(pool) == 1:
            return pool[0]
        models = pool
    if not models:
        raise NotFoundError(
            _("Job {job} has no model to register: no MLflow model in its run and no {items} file in its outputs.").format(
                job=job, items=', '.join(MODEL_SUFFIXES)),
            details={"job": job},
        )
    names = [s.source for s in models]
    raise ValidationError(
        _("Job {job} has several models ({items}); say which one with path.").format(job=job, items=', '.join(names)),
        field=field,
        details={"candidates": names},
    )
