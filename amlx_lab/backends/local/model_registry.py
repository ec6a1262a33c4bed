"""The local model registry: named, auto-versioned, immutable copies of a job's model.

Why copies: a deployment must load files that never change, even if the job
folder or the MLflow run is deleted, and a read of the registry must need no
MLflow import. Each version is copied to ``<ws>/models/<name>/<version>/`` (an
MLflow model folder keeps its layout, with ``MLmodel`` at the top; a pickle
keeps its file name, with ``input_schema.json`` if the job wrote one), then
recorded in ``amlx.db`` in the transaction that picks the version number, so
two registrations at once get 1 and 2, never the same number.

Mirroring into MLflow's own model registry is left out on purpose: it would
cost an MLflow import per registration and nothing here reads it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path
from typing import Any

from ...errors import ConflictError, NotFoundError, ValidationError
from ...records import ModelCandidate, ModelColumn, ModelSummary, ModelVersion
from . import job_index
from .files import refuse_links
from .layout import Layout
from .model_inspect import inspect
from .model_sources import MODEL_SUFFIXES, ModelSource, all_sources, choose, folder_size
from ...names import JOB_NAME_RE, check_alias, check_asset_name
from ...specs import LabelUpdate
from .store import Store
from ...i18n import _

MAX_DESCRIPTION = 5000
MAX_TAGS = 50


def check_tags(tags: object, *, field: str = "tags") -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, dict) or len(tags) > MAX_TAGS:
        raise ValidationError(_("{field} must be an object of at most {MAX_TAGS} text values.").format(
            field=field, MAX_TAGS=MAX_TAGS), field=field)
    for key, value in tags.items():
        if not isinstance(key, str) or not key or len(key) > 255 or not isinstance(value, str) or len(value) > 5000:
            raise ValidationError(_("{field}.{key} must be text (keys up to 255 characters).").format(
                field=field, key=key), field=f"{field}.{key}")
    return dict(tags)


def check_description(description: object) -> str | None:
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise ValidationError(_("description must be text of at most {MAX_DESCRIPTION} characters.").format(
            MAX_DESCRIPTION=MAX_DESCRIPTION), field="description")
    return description or None


def parse_version(version: object, *, field: str = "version") -> int | None:
    """``latest`` -> ``None``; ``"3"`` or ``3`` -> 3; anything else is a 400."""
    if version is None or version == "latest":
        return None
    text = str(version) if isinstance(version, (int, str)) and not isinstance(version, bool) else ""
    if not text.isdigit() or not 1 <= int(text) < 10**9:
        raise ValidationError(_("{version!r} is not a model version: use a whole number or 'latest'.").format(version=version), field=field)
    return int(text)


def check_job(job: object) -> str:
    if not isinstance(job, str) or not JOB_NAME_RE.fullmatch(job):
        raise ValidationError(_("{job!r} is not a job name (like calm_lamp_x1y2z3a4b5).").format(job=job), field="job")
    return job


def _record(row: sqlite3.Row, aliases: tuple[str, ...] = ()) -> ModelVersion:
    columns = None
    if row["input_columns"] is not None:
        columns = tuple(ModelColumn(**c) for c in json.loads(row["input_columns"]))
    return ModelVersion(
        name=row["name"],
        version=str(row["version"]),
        job=row["job"],
        source=row["source"],
        format=row["format"],
        size=row["size"],
        description=row["description"],
        tags=json.loads(row["tags"]),
        created_at=row["created_at"],
        input_columns=columns,
        example=None if row["example"] is None else json.loads(row["example"]),
        archived=bool(row["archived"]),
        aliases=aliases,
    )


class ModelRegistry:
    """Registration, listing and downloads of model versions in one local workspace."""

    def __init__(self, store: Store, layout: Layout) -> None:
        self.store = store
        self.layout = layout

    # -- what a job offers ------------------------------------------------------------

    def _finished_job(self, job: str) -> sqlite3.Row:
        check_job(job)
        row = job_index.get_row(self.store, job)
        if row["status"] in job_index.ACTIVE:
            raise ConflictError(
                _("Job {job} is {value}; register its model once it has finished.").format(job=job, value=row['status']),
                details={"job": job, "status": row["status"]},
            )
        return row

    def _data_read_by(self, row: sqlite3.Row) -> list[Path]:
        """The data files the job read: copies in its code snapshot, then its job inputs (for an example row)."""
        code = self.layout.code_dir(row["name"])
        manifest = json.loads(row["manifest"]) if row["manifest"] else {}
        copies = [
            code / item["path"]
            for item in manifest.get("inputs") or ()
            if isinstance(item, dict) and item.get("mode") == "copied" and isinstance(item.get("path"), str)
        ]
        inside = [path for path in copies if path.resolve().is_relative_to(code.resolve())]
        return inside + [Path(item["path"]) for item in json.loads(row["inputs"] or "[]") if isinstance(item.get("path"), str)]

    def candidates(self, job: str) -> tuple[ModelCandidate, ...]:
        """Every model the job left: MLflow models of its run(s), then model files and folders in outputs."""
        check_job(job)
        row = job_index.get_row(self.store, job)
        return tuple(s.candidate() for s in all_sources(self.layout, job, row["mlflow_run_id"]))

    # -- write -------------------------------------------------------------------------

    def register(
        self,
        name: str,
        *,
        job: str,
        path: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Copy the job's model in as the next version of ``name`` (see ``model_sources.choose`` for ``path``)."""
        check_asset_name(name, kind="model")
        description = check_description(description)
        tags = check_tags(tags)
        row = self._finished_job(job)
        source = choose(self.layout, job, row["mlflow_run_id"], path)
        folder = self.layout.model_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".staging-{secrets.token_hex(6)}"
        try:
            _copy(source, staging)
            size = folder_size(staging)
            columns, example = inspect(staging, source.format, self._data_read_by(row))
            version = self._record(name, job, source, staging, size, description, tags, columns, example)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return self.get(name, version)

    def _record(
        self,
        name: str,
        job: str,
        source: ModelSource,
        staging: Path,
        size: int,
        description: str | None,
        tags: dict[str, str],
        columns: tuple[ModelColumn, ...] | None,
        example: dict[str, Any] | None,
    ) -> int:
        now = time.time()
        with self.store.write() as tx:
            latest = tx.execute("SELECT MAX(version) FROM model_versions WHERE name = ?", (name,)).fetchone()[0]
            version = int(latest or 0) + 1
            final = self.layout.model_dir(name) / str(version)
            if final.exists():  # left by a registration that crashed before recording it
                shutil.rmtree(final)
            os.replace(staging, final)
            tx.execute(
                "INSERT INTO models (name, description, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at, "
                "description = COALESCE(excluded.description, models.description)",
                (name, description, now, now),
            )
            tx.execute(
                "INSERT INTO model_versions (name, version, job, source, format, path, size, description, tags, "
                "input_columns, example, mlflow_run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name, version, job, source.source, source.format, str(final), size, description,
                    json.dumps(tags), None if columns is None else json.dumps([c.to_dict() for c in columns]),
                    None if example is None else json.dumps(example), source.mlflow_run_id, now,
                ),
            )
        return version

    # -- read --------------------------------------------------------------------------

    def list(self) -> tuple[ModelSummary, ...]:
        """Every model with its newest version, most recently updated first."""
        rows = self.store.query(
            "SELECT m.name, m.description, m.updated_at, MAX(v.version) AS latest, COUNT(v.seq) AS n "
            "FROM models m JOIN model_versions v ON v.name = m.name AND v.archived = 0 "
            "GROUP BY m.name ORDER BY m.updated_at DESC, m.name"
        )
        aliases: dict[str, dict[str, str]] = {}
        for r in self.store.query("SELECT name, alias, version FROM model_aliases ORDER BY name, alias"):
            aliases.setdefault(r["name"], {})[r["alias"]] = str(r["version"])
        return tuple(
            ModelSummary(
                name=r["name"], latest_version=str(r["latest"]), version_count=r["n"],
                description=r["description"], updated_at=r["updated_at"], aliases=aliases.get(r["name"], {}),
            )
            for r in rows
        )

    def versions(self, name: str) -> tuple[ModelVersion, ...]:
        """All versions of ``name``, newest first."""
        check_asset_name(name, kind="model")
        rows = self.store.query("SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC", (name,))
        if not rows:
            raise NotFoundError(_("There is no model named {name!r}.").format(name=name), details={"name": name})
        aliases = self._aliases(name)
        return tuple(_record(r, aliases.get(r["version"], ())) for r in rows)

    def get(self, name: str, version: str | int = "latest") -> ModelVersion:
        row = self._row(name, version)
        return _record(row, self._aliases(name).get(row["version"], ()))

    def _aliases(self, name: str) -> dict[int, tuple[str, ...]]:
        found: dict[int, tuple[str, ...]] = {}
        for r in self.store.query("SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias", (name,)):
            found[r["version"]] = (*found.get(r["version"], ()), r["alias"])
        return found

    # -- labels, archive, aliases -------------------------------------------------------

    def update_labels(self, name: str, version: str | int, update: LabelUpdate) -> ModelVersion:
        row = self._row(name, version)
        with self.store.write() as tx:
            tags, description = update.applied_to(json.loads(row["tags"]), row["description"])
            tx.execute("UPDATE model_versions SET tags = ?, description = ? WHERE seq = ?",
                       (json.dumps(tags), description, row["seq"]))
            tx.execute("UPDATE models SET updated_at = ? WHERE name = ?", (time.time(), name))
        return self.get(name, row["version"])

    def set_archived(self, name: str, version: str | int, archived: bool) -> ModelVersion:
        row = self._row(name, version)
        with self.store.write() as tx:
            tx.execute("UPDATE model_versions SET archived = ? WHERE seq = ?", (int(archived), row["seq"]))
        return self.get(name, row["version"])

    def set_alias(self, name: str, alias: str, version: str | int | None) -> ModelVersion | None:
        """Point ``alias`` at one version (moving it from any other), or remove it (``version=None``)."""
        alias = check_alias(alias)
        if version is None:
            check_asset_name(name, kind="model")
            with self.store.write() as tx:
                gone = tx.execute("DELETE FROM model_aliases WHERE name = ? AND alias = ?", (name, alias)).rowcount
            if not gone:
                raise NotFoundError(f"Model {name!r} has no alias {alias!r}.", details={"name": name, "alias": alias})
            return None
        row = self._row(name, version)
        if row["archived"]:
            raise ConflictError(f"Version {row['version']} of {name} is archived; restore it before giving it the "
                                f"alias {alias!r}.", details={"name": name, "version": str(row["version"])})
        with self.store.write() as tx:
            tx.execute(
                "INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) "
                "ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                (name, alias, row["version"]),
            )
            tx.execute("UPDATE models SET updated_at = ? WHERE name = ?", (time.time(), name))
        return self.get(name, row["version"])

    def _row(self, name: str, version: str | int = "latest") -> sqlite3.Row:
        check_asset_name(name, kind="model")
        number = parse_version(version)
        if number is None:
            rows = self.store.query(
                "SELECT * FROM model_versions WHERE name = ? AND archived = 0 ORDER BY version DESC LIMIT 1", (name,)
            )
        else:
            rows = self.store.query("SELECT * FROM model_versions WHERE name = ? AND version = ?", (name, number))
        if not rows:
            which = "any version" if number is None else f"version {number}"
            raise NotFoundError(_("There is no model {name!r} with {which}.").format(
                name=name, which=which), details={"name": name, "version": str(version)})
        return rows[0]

    def alias_version(self, name: str, alias: str, *, field: str = "model") -> int:
        """The version ``alias`` names; 404 saying which aliases the model has."""
        check_asset_name(name, kind="model")
        rows = self.store.query("SELECT alias, version FROM model_aliases WHERE name = ?", (name,))
        for r in rows:
            if r["alias"] == alias:
                return int(r["version"])
        known = ", ".join(sorted(r["alias"] for r in rows)) or "none"
        raise NotFoundError(f"Model {name!r} has no alias {alias!r} (its aliases: {known}).",
                            details={"name": name, "alias": alias, "field": field})

    def folder(self, model: ModelVersion) -> Path:
        """The immutable local copy of a version (a local detail, never in a record)."""
        return Path(self._row(model.name, model.version)["path"])

    def resolve(self, ref: str, *, field: str = "model") -> ModelVersion:
        """``name``, ``name:3``, ``name@latest`` or ``azureml:name:3`` -> that version."""
        if not isinstance(ref, str) or not ref.strip():
            raise ValidationError(_("Name the model as name or name:version."), field=field)
        text = ref.strip().removeprefix("azureml:")
        if text.endswith("@latest"):
            return self.get(text[: -len("@latest")])
        if "@" in text:
            name, _at, alias = text.partition("@")
            return self.get(name, self.alias_version(name, alias, field=field))
        name, sep, version = text.rpartition(":")
        if not sep:
            return self.get(text)
        return self.get(name, parse_version(version, field=field) or "latest")

    def download(self, name: str, version: str | int = "latest") -> tuple[Path, str]:
        """The file to send and its download name: the model file itself, or a zip of an MLflow folder.

        Zips are built once per version beside the registry (versions never change).
        """
        model = self.get(name, version)
        folder = self.folder(model)
        files = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()] if folder.is_dir() else []
        model_files = [p for p in files if p.suffix.lower() in MODEL_SUFFIXES]
        if model.format != "mlflow" and len(model_files) == 1:
            return model_files[0], model_files[0].name
        archive = self.layout.model_dir(name) / f".{model.version}.zip"
        if not archive.exists():
            tmp = archive.with_name(f"{archive.name}.{secrets.token_hex(4)}.tmp")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for item in sorted(folder.rglob("*")):
                    if item.is_file() and not item.is_symlink():
                        out.write(item, item.relative_to(folder).as_posix())
            os.replace(tmp, archive)
        return archive, f"{name}-{model.version}.zip"


def _copy(source: ModelSource, staging: Path) -> None:
    """The model's files into ``staging`` (a new folder).

    A folder holding a link that leaves it is refused (``files.refuse_links``);
    an ``input_schema.json`` next to a model file is taken only if it is a real file.
    """
    if source.path.is_file():
        staging.mkdir()
        shutil.copy2(source.path, staging / source.path.name)
        schema = source.path.parent / "input_schema.json"
        if schema.is_file() and not schema.is_symlink():
            shutil.copy2(schema, staging / schema.name)
        return
    refuse_links(source.path, what=f"model folder {source.source!r}")
    shutil.copytree(source.path, staging, symlinks=False)
