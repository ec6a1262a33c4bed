"""The workspace's model registry: a finished job's model registered from its artifacts, read and downloaded.

A model is registered by reference, as ``az ml model create --path
azureml://jobs/<job>/outputs/artifacts/paths/<path>`` does: nothing is
uploaded, the service resolves the job's artifact. A file (``outputs/model.pkl``)
becomes a ``custom_model``; a folder holding an ``MLmodel`` file (in
``outputs/`` or logged by MLflow at the run's root, ``mlflow:<name>``) an
``mlflow_model``. What amlx chose (the source as the sidebar names it, its
format and size) travels in the version's properties, so a version reads back
the same on every target; a version registered elsewhere is described from its
path.
"""

from __future__ import annotations

import json

import os
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
import dataclasses
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import ConflictError, NotFoundError, ValidationError
from ...names import JOB_NAME_RE, check_alias, check_asset_name
from ...records import FileEntry, ModelCandidate, ModelColumn, ModelSummary, ModelVersion
from ...specs import LabelUpdate
from ...i18n import _
from .connection import Connection
from .quiet import quiet_streams
from .run_history import epoch

MODEL_SUFFIXES = {".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib", ".skops": "skops"}
MLFLOW_PREFIX = "mlflow:"
OUTPUTS = "outputs/"
PROP_SOURCE, PROP_FORMAT, PROP_SIZE, PROP_JOB = "amlx.source", "amlx.format", "amlx.size", "amlx.job"
PROP_COLUMNS = "amlx.input_columns"  # JSON [{name, type}] from an MLflow model's signature
PROP_AUTOML = "amlx.automl_job"  # the AutoML job whose best model this is
_NOT_MODELS = ("logs/", "user_logs/", "system_logs/", "azureml-logs/", "outputs/mlflow/")


@dataclass(frozen=True)
class Source:
    """One registrable model in a job's artifacts: how the sidebar names it and where it is in the run."""

    source: str
    format: str
    size: int
    artifact_path: str  # relative to the run's artifact root; a folder ends with "/"

    def candidate(self) -> ModelCandidate:
        return ModelCandidate(source=self.source, format=self.format, size=self.size)


def find_sources(files: tuple[FileEntry, ...]) -> list[Source]:
    """MLflow models logged at the run's root first, then model files and MLflow folders under ``outputs/``."""
    kept = [f for f in files if not f.path.startswith(_NOT_MODELS)]
    folders = sorted({f.path.rpartition("/")[0] for f in kept if f.path.endswith("/MLmodel")})
    found: list[Source] = []
    for folder in folders:
        prefix = f"{folder}/"
        size = sum(f.size for f in kept if f.path.startswith(prefix))
        if folder == "outputs" or prefix.startswith(OUTPUTS):
            found.append(Source(folder, "mlflow", size, prefix))
        else:
            found.append(Source(f"{MLFLOW_PREFIX}{folder}", "mlflow", size, prefix))
    for f in kept:
        fmt = MODEL_SUFFIXES.get(PurePosixPath(f.path).suffix.lower())
        inside_mlflow = any(f.path.startswith(f"{folder}/") for folder in folders)
        if fmt is not None and f.path.startswith(OUTPUTS) and not inside_mlflow:
            found.append(Source(f.path, fmt, f.size, f.path))
    mlflow_runs = sorted((s for s in found if s.source.startswith(MLFLOW_PREFIX)), key=lambda s: s.source)
    outputs = sorted((s for s in found if not s.source.startswith(MLFLOW_PREFIX)), key=lambda s: s.source)
    return mlflow_runs + outputs


def choose(job: str, sources: list[Source], files: tuple[FileEntry, ...], path: str | None) -> Source:
    """The source ``path`` names, or the obvious one when it is ``None`` (the rules of the local registry)."""
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise ValidationError(_("path must be a file or folder in the job's outputs, or mlflow:<name>."), field="path")
    if path is not None and path.startswith(MLFLOW_PREFIX):
        wanted = path if path != MLFLOW_PREFIX else f"{MLFLOW_PREFIX}model"
        logged = [s for s in sources if s.source.startswith(MLFLOW_PREFIX)]
        for source in logged:
            if source.source == wanted:
                return source
        known = ", ".join(s.source for s in logged) or "none"
        raise NotFoundError(
            _(
                'Job {job} logged no MLflow model {value!r}; its MLflow models: {known}.'
            ).format(job=job, value=wanted[len(MLFLOW_PREFIX):], known=known),
            details={"path": path},
        )
    if path is not None:
        return _named(job, sources, files, path)
    logged = [s for s in sources if s.source.startswith(MLFLOW_PREFIX)]
    if len(logged) == 1:
        return logged[0]
    pool = logged
    if not logged:
        in_outputs = [s for s in sources if not s.source.startswith(MLFLOW_PREFIX)]
        pool = [s for s in in_outputs if s.format != "mlflow"] or in_outputs
        if len(pool) == 1:
            return pool[0]
    if not pool:
        raise NotFoundError(
            _(
                'Job {job} has no model to register: no MLflow model in its run and no {join_model_suffixes} '
                'file in its outputs.'
            ).format(job=job, join_model_suffixes=', '.join(MODEL_SUFFIXES)),
            details={"job": job},
        )
    names = [s.source for s in pool]
    raise ValidationError(
        _('Job {job} has several models ({join_names}); say which one with path.').format(job=job, join_names=', '.join(names)),
        field="path", details={"candidates": names},
    )


def _named(job: str, sources: list[Source], files: tuple[FileEntry, ...], path: str) -> Source:
    text = path.strip().replace("\\", "/").strip("/")
    parts = text.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\x00" in text:
        raise ValidationError(_("{path!r} points outside the job's outputs.").format(path=path), field="path")
    relative = text if text == "outputs" or text.startswith(OUTPUTS) else f"{OUTPUTS}{text}"
    for source in sources:
        if source.source == relative:
            return source
    exact = [f for f in files if f.path == relative]
    inside = [f for f in files if f.path.startswith(f"{relative}/")]
    if exact:
        raise ValidationError(
            _(
                '{path!r} is not a model file: register a {join_model_suffixes} file or an MLflow model folder.'
            ).format(path=path, join_model_suffixes=', '.join(MODEL_SUFFIXES)),
            field="path",
        )
    if inside:
        models = [f for f in inside if "/" not in f.path[len(relative) + 1:]
                  and PurePosixPath(f.path).suffix.lower() in MODEL_SUFFIXES]
        if len(models) == 1:
            fmt = MODEL_SUFFIXES[PurePosixPath(models[0].path).suffix.lower()]
            return Source(relative, fmt, sum(f.size for f in inside), f"{relative}/")
        raise ValidationError(
            _(
                'The folder {path!r} holds no MLmodel file and {len_models} model files; name one file (e.g. '
                '{relative}/model.pkl) or an MLflow model folder.'
            ).format(path=path, len_models=len(models), relative=relative),
            field="path",
        )
    raise NotFoundError(_("There is no {path!r} in the job's outputs.").format(path=path), details={"path": path})


def parse_version(version: object) -> str | None:
    """``latest`` -> ``None``; a whole number (as text or int) -> its text; anything else is a 400."""
    if version is None or version == "latest":
        return None
    text = str(version) if isinstance(version, (int, str)) and not isinstance(version, bool) else ""
    if not text.isdigit() or not 1 <= int(text) < 10**9:
        raise ValidationError(_(
            "{version!r} is not a model version: use a whole number or 'latest'."
        ).format(version=version), field="version")
    return str(int(text))


#: Azure ML has no model aliases: one is a tag ``amlx.alias.<alias>`` on the one version that holds it.
ALIAS_TAG = "amlx.alias."


def model_record(entity: Any) -> ModelVersion:
    """An azure-ai-ml ``Model`` as the target-neutral record (alias tags become ``aliases``)."""
    props = {str(k): str(v) for k, v in (getattr(entity, "properties", None) or {}).items()}
    raw_tags = {str(k): str(v) for k, v in (getattr(entity, "tags", None) or {}).items()}
    path = str(getattr(entity, "path", "") or "")
    kind = str(getattr(entity, "type", "") or "")
    fmt = props.get(PROP_FORMAT) or ("mlflow" if kind == "mlflow_model" else
                                    MODEL_SUFFIXES.get(PurePosixPath(path.rstrip("/")).suffix.lower(), "custom"))
    source = props.get(PROP_SOURCE) or _source_from_path(path)
    size = props.get(PROP_SIZE, "0")
    context = getattr(entity, "creation_context", None)
    job = props.get(PROP_JOB) or getattr(entity, "job_name", None)
    try:
        columns = tuple(ModelColumn(name=str(c["name"]), type=str(c["type"])) for c in json.loads(props[PROP_COLUMNS]))
    except (KeyError, ValueError, TypeError):
        columns = None
    return ModelVersion(
        name=str(entity.name),
        version=str(entity.version),
        job=str(job) if job else None,
        source=source,
        format=fmt,
        size=int(size) if size.isdigit() else 0,
        description=getattr(entity, "description", None) or None,
        tags={k: v for k, v in raw_tags.items() if not k.startswith(ALIAS_TAG)},
        created_at=epoch(getattr(context, "created_at", None)) or 0.0,
        input_columns=columns,
        aliases=tuple(sorted(k[len(ALIAS_TAG):] for k in raw_tags if k.startswith(ALIAS_TAG))),
    )


def from_automl(entity: Any) -> bool:
    """Whether a model version is an AutoML job's best model (registered from the job)."""
    return bool((getattr(entity, "properties", None) or {}).get(PROP_AUTOML))


def signature_columns(mlmodel_file: Path) -> list[dict[str, str]] | None:
    """The named input columns of an MLflow model's signature (its ``MLmodel`` file), read without MLflow."""
    import yaml

    from ...serving.schema import from_mlflow_signature

    try:
        mlmodel = yaml.safe_load(mlmodel_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    schema = from_mlflow_signature(mlmodel) if isinstance(mlmodel, dict) else None
    return None if schema is None else [{"name": c.name, "type": c.type} for c in schema.columns]


def _source_from_path(path: str) -> str:
    """``.../ExperimentRun/dcid.<job>/outputs/model.pkl`` -> ``outputs/model.pkl``; else the path's last part."""
    marker = "/ExperimentRun/"
    if marker in path:
        rest = path.split(marker, 1)[1].split("/", 1)
        if len(rest) == 2:
            return rest[1].rstrip("/")
    return path.rstrip("/").rsplit("/", 1)[-1]


class Models:
    def __init__(self, connection: Connection, cache_dir: Path) -> None:
        self._connection = connection
        self._cache = cache_dir

    def register(
        self, name: str, *, job: str, source: Source, description: str | None, tags: dict[str, str] | None,
        input_columns: list[dict[str, str]] | None = None, automl_job: str | None = None,
    ) -> ModelVersion:
        from azure.ai.ml.constants import AssetTypes
        from azure.ai.ml.entities import Model

        check_asset_name(name, kind="model")
        model = Model(
            name=name,
            type=AssetTypes.MLFLOW_MODEL if source.format == "mlflow" else AssetTypes.CUSTOM_MODEL,
            path=f"azureml://jobs/{job}/outputs/artifacts/paths/{source.artifact_path}",
            description=description or None,
            tags=dict(tags or {}),
            properties={PROP_SOURCE: source.source, PROP_FORMAT: source.format, PROP_SIZE: str(source.size),
                        PROP_JOB: job, **({PROP_COLUMNS: json.dumps(input_columns)} if input_columns else {}),
                        **({PROP_AUTOML: automl_job} if automl_job else {})},
        )
        with self._connection.translated(), quiet_streams():
            created = self._connection.ml.models.create_or_update(model)
        return model_record(created)

    def list(self) -> tuple[ModelSummary, ...]:
        """Every model with its newest version and how many there are, most recently updated first."""
        ml = self._connection.ml
        with self._connection.translated():
            names = sorted({str(c.name) for c in ml.models.list()})
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(names)))) as pool:
            per_model = list(pool.map(self._versions_or_none, names))
        summaries = [
            ModelSummary(name=versions[0].name, latest_version=versions[0].version, version_count=len(versions),
                         description=versions[0].description, updated_at=versions[0].created_at,
                         aliases={a: v.version for v in versions for a in v.aliases})
            for versions in per_model if versions
        ]
        return tuple(sorted(summaries, key=lambda m: (-m.updated_at, m.name)))

    def _versions_or_none(self, name: str) -> tuple[ModelVersion, ...]:
        try:
            return self.versions(name)
        except NotFoundError:  # deleted meanwhile
            return ()

    def versions(self, name: str) -> tuple[ModelVersion, ...]:
        """All versions of ``name``, newest first."""
        check_asset_name(name, kind="model")
        with self._connection.translated(not_found=lambda: NotFoundError(_('There is no model named {name!r}.').format(name=name))):
            found = [model_record(m) for m in self._connection.ml.models.list(name=name)]
        if not found:
            raise NotFoundError(_('There is no model named {name!r}.').format(name=name), details={"name": name})
        return tuple(sorted(found, key=lambda m: (int(m.version) if m.version.isdigit() else -1, m.version),
                            reverse=True))

    def get(self, name: str, version: str | int = "latest") -> ModelVersion:
        return model_record(self.entity(name, version))

    def entity(self, name: str, version: str | int = "latest") -> Any:
        check_asset_name(name, kind="model")
        number = parse_version(version)

        def missing() -> NotFoundError:
            which = "any version" if number is None else f"version {number}"
            return NotFoundError(_('There is no model {name!r} with {which}.').format(name=name, which=which),
                                 details={"name": name, "version": str(version)})

        ml = self._connection.ml
        with self._connection.translated(not_found=missing):
            if number is None:
                return ml.models.get(name, label="latest")
            return ml.models.get(name, version=number)

    def resolve(self, ref: str, *, field: str = "model") -> Any:
        """``name``, ``name:3``, ``name@latest`` or ``azureml:name:3`` -> that version's entity."""
        if not isinstance(ref, str) or not ref.strip():
            raise ValidationError(_('Name the model as name or name:version.'), field=field)
        text = ref.strip().removeprefix("azureml:")
        if text.endswith("@latest"):
            return self.entity(text[: -len("@latest")])
        if "@" in text:
            name, _at, alias = text.partition("@")
            return self.entity(name, self.alias_holder(name, alias).version)
        name, sep, version = text.rpartition(":")
        if not sep:
            return self.entity(text)
        if parse_version(version) is None:
            raise ValidationError(_('{version!r} is not a model version.').format(version=version), field=field)
        return self.entity(name, version)

    # -- labels, archive, aliases ---------------------------------------------------------------

    def _save(self, entity: Any) -> ModelVersion:
        with self._connection.translated(), quiet_streams():
            return model_record(self._connection.ml.models.create_or_update(entity))

    def update_labels(self, name: str, version: str | int, update: LabelUpdate) -> ModelVersion:
        """The version's own tags and description, sent back with ``models.create_or_update``."""
        entity = self.entity(name, version)
        tags, description = update.applied_to(dict(entity.tags or {}), getattr(entity, "description", None))
        entity.tags = tags  # alias tags stay: an update cannot name amlx.* tags
        entity.description = description
        return self._save(entity)

    def set_archived(self, name: str, version: str | int, archived: bool) -> ModelVersion:
        entity = self.entity(name, version)
        ml = self._connection.ml
        with self._connection.translated(), quiet_streams():
            (ml.models.archive if archived else ml.models.restore)(name=name, version=str(entity.version))
        return dataclasses.replace(model_record(entity), archived=archived)

    def alias_holder(self, name: str, alias: str) -> ModelVersion:
        """The version holding ``alias``; 404 naming the aliases the model has."""
        versions = self.versions(name)
        for found in versions:
            if alias in found.aliases:
                return found
        known = ", ".join(sorted({a for v in versions for a in v.aliases})) or "none"
        raise NotFoundError(_('Model {name!r} has no alias {alias!r} (its aliases: {known}).').format(name=name, alias=alias, known=known),
                            details={"name": name, "alias": alias})

    def set_alias(self, name: str, alias: str, version: str | int | None) -> ModelVersion | None:
        """Move the alias tag to one version (taking it off any other first), or remove it."""
        alias = check_alias(alias)
        key = ALIAS_TAG + alias
        holders = [v for v in self.versions(name) if alias in v.aliases]
        target = None if version is None else self.entity(name, version)
        if target is None and not holders:
            raise NotFoundError(_(
                'Model {name!r} has no alias {alias!r}.'
            ).format(name=name, alias=alias), details={"name": name, "alias": alias})
        for holder in holders:
            if target is not None and holder.version == str(target.version):
                return self.get(name, holder.version)
            entity = self.entity(name, holder.version)
            entity.tags = {k: v for k, v in (entity.tags or {}).items() if k != key}
            self._save(entity)
        if target is None:
            return None
        target.tags = {**(target.tags or {}), key: "true"}
        return self._save(target)

    def download(self, name: str, version: str | int = "latest") -> tuple[Path, str]:
        """The model file itself, or a zip of a folder; fetched once per version with ``models.download``."""
        model = self.get(name, version)
        folder = self._cache / "models" / model.name / model.version
        if not folder.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{model.version}.", dir=folder.parent))
            try:
                with self._connection.translated(), quiet_streams():
                    self._connection.ml.models.download(model.name, model.version, download_path=str(staging))
                os.replace(staging, folder)
            except OSError:
                if not folder.is_dir():
                    raise
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and not p.name.endswith(".zip"))
        if model.format != "mlflow" and len(files) == 1:
            return files[0], files[0].name
        archive = folder / f"{model.name}-{model.version}.zip"
        if not archive.exists():
            tmp = archive.with_name(f".{archive.name}.{os.getpid()}.tmp")
            common = _common_root(folder, files)
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for item in files:
                    out.write(item, item.relative_to(common).as_posix())
            os.replace(tmp, archive)
        return archive, archive.name


def _common_root(folder: Path, files: list[Path]) -> Path:
    """The deepest folder holding every file (``models.download`` nests them under the model's name)."""
    if not files:
        return folder
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    return root if root == folder or folder in root.parents else folder


def check_job(job: object) -> str:
    if not isinstance(job, str) or not JOB_NAME_RE.fullmatch(job):
        raise ValidationError(_('{job!r} is not a job name (like calm_lamp_x1y2z3a4b5).').format(job=job), field="job")
    return job


def finished(job: str, status: Any) -> None:
    if not status.terminal:
        raise ConflictError(
            _('Job {job} is {status_value}; register its model once it has finished.').format(job=job, status_value=status.value),
            details={"job": job, "status": status.value},
        )
