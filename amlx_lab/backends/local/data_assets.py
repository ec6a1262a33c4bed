"""Data assets: named, versioned copies of files or folders, usable as job inputs.

Registering copies the data into ``<ws>/data/<name>/<version>/`` so a job
reads exactly what was registered even if the original changes. Versions
auto-increment (1, 2, ...) like Azure ML's; ``latest`` is the most recently
registered version. References follow Azure ML: ``azureml:titanic-dataset@latest``,
``azureml:titanic-dataset:1``, or without the ``azureml:`` prefix.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import time
from pathlib import Path

from ...errors import ConflictError, NotFoundError, ValidationError
from ...records import DataAsset
from .files import refuse_links
from .layout import Layout
from ...names import check_asset_name
from .store import Store
from ...i18n import _

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
_REF_RE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]{0,254}?)(?:@(?P<label>[A-Za-z]+)|:(?P<version>[A-Za-z0-9][A-Za-z0-9_.-]*))?$")


def _record(row: sqlite3.Row) -> DataAsset:
    return DataAsset(
        name=row["name"],
        version=row["version"],
        type=row["type"],
        size=row["size"],
        created_at=row["created_at"],
        description=row["description"],
        source=row["source"],
    )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class DataAssets:
    """Data assets of one workspace."""

    def __init__(self, store: Store, layout: Layout) -> None:
        self.store = store
        self.layout = layout

    def register(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        description: str | None = None,
        version: str | int | None = None,
    ) -> DataAsset:
        """Copy ``path`` in as the next version of ``name`` (or as ``version``, which must be new)."""
        check_asset_name(name)
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if version is not None and (not isinstance(version, str) or not VERSION_RE.fullmatch(version) or version == "latest"):
            raise ValidationError(
                _("{version!r} is not a valid version: use letters, digits, '-', '_' or '.'.").format(version=version), field="version"
            )
        if description is not None and (not isinstance(description, str) or len(description) > 5000):
            raise ValidationError(_("description must be text of at most 5000 characters."), field="description")
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            raise ValidationError(_("Give the path of the file or folder to register."), field="path")
        source = Path(path).expanduser().resolve()
        if not source.exists():
            raise ValidationError(_("There is no file or folder at {value!r}.").format(value=os.fspath(path)), field="path")
        kind = "uri_file" if source.is_file() else "uri_folder"
        if kind == "uri_folder":
            refuse_links(source, what=f"folder {source.name!r}")

        folder = self.layout.data_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".staging-{secrets.token_hex(6)}"
        staging.mkdir()
        try:
            if kind == "uri_file":
                shutil.copy2(source, staging / source.name)
            else:
                shutil.copytree(source, staging / source.name, symlinks=False)
            size = _size(staging / source.name)
            with self.store.write() as tx:
                if version is None:
                    row = tx.execute(
                        "SELECT MAX(CAST(version AS INTEGER)) FROM data_assets WHERE name = ? AND version GLOB '[0-9]*' "
                        "AND version NOT GLOB '*[^0-9]*'",
                        (name,),
                    ).fetchone()
                    version = str((row[0] or 0) + 1)
                elif tx.execute("SELECT 1 FROM data_assets WHERE name = ? AND version = ?", (name, version)).fetchone():
                    raise ConflictError(_("Data asset {name} already has a version {version}; versions never change.").format(
                        name=name, version=version))
                final = folder / version
                if final.exists():  # left by a registration that crashed before recording it
                    shutil.rmtree(final)
                os.replace(staging, final)
                target = final / source.name
                tx.execute(
                    "INSERT INTO data_assets (name, version, type, path, source, description, size, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, version, kind, str(target), str(source), description, size, time.time()),
                )
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return self.get(name, version)

    def list(self, name: str | None = None) -> tuple[DataAsset, ...]:
        """Latest version of every asset; or, with ``name``, all versions of it (newest first)."""
        if name is not None:
            check_asset_name(name)
            rows = self.store.query("SELECT * FROM data_assets WHERE name = ? ORDER BY seq DESC", (name,))
            if not rows:
                raise NotFoundError(_("There is no data asset named {name!r}.").format(name=name), details={"name": name})
        else:
            rows = self.store.query(
                "SELECT * FROM data_assets WHERE seq IN (SELECT MAX(seq) FROM data_assets GROUP BY name) ORDER BY name"
            )
        return tuple(_record(r) for r in rows)

    def get(self, name: str, version: str | int = "latest") -> DataAsset:
        return _record(self._row(name, version))

    def _row(self, name: str, version: str | int = "latest") -> sqlite3.Row:
        check_asset_name(name)
        version = str(version)
        if version == "latest":
            rows = self.store.query("SELECT * FROM data_assets WHERE name = ? ORDER BY seq DESC LIMIT 1", (name,))
        else:
            rows = self.store.query("SELECT * FROM data_assets WHERE name = ? AND version = ?", (name, version))
        if not rows:
            which = "any version" if version == "latest" else f"version {version}"
            raise NotFoundError(
                _("There is no data asset {name!r} with {which}.").format(
                    name=name, which=which), details={"name": name, "version": version}
            )
        return rows[0]

    def local_copy(self, name: str, version: str | int = "latest") -> tuple[Path, DataAsset]:
        """The workspace's copy of a version (a local detail, never in a record) and its record."""
        row = self._row(name, version)
        return Path(row["path"]), _record(row)

    def resolve(self, ref: str, *, base: Path | None = None, field: str = "ref") -> tuple[Path, DataAsset | None]:
        """The path a job input reads, and the asset it came from (``None`` for a plain path).

        ``azureml:<name>@latest`` / ``azureml:<name>:<version>`` (prefix optional)
        name assets; anything else is a local path, relative to ``base``. A bare
        word that is neither an existing path nor ``name:version`` falls back
        to the latest version of the asset with that name.
        """
        if not isinstance(ref, str) or not ref.strip():
            raise ValidationError(_("Give a data asset reference or a file path."), field=field)
        text = ref.strip()
        if text.startswith("azureml://"):
            raise ValidationError(
                _("{text!r} names an Azure datastore path, which the local workspace cannot read; register "
                  "the file as a data asset and use azureml:<name>@latest.").format(
                    text=text),
                field=field,
            )
        explicit = text.startswith("azureml:")
        body = text[len("azureml:"):] if explicit else text
        match = _REF_RE.fullmatch(body)
        if match and match["label"] not in (None, "latest"):
            raise ValidationError(_("Unknown label in {text!r}: only @latest is supported.").format(text=text), field=field)
        if explicit:
            if not match:
                raise ValidationError(_("{text!r} is not a data asset reference (azureml:<name>@latest).").format(text=text), field=field)
            return self.local_copy(match["name"], match["version"] or "latest")
        local = Path(body).expanduser()
        if not local.is_absolute() and base is not None:
            local = base / local
        if match and (match["label"] or match["version"]) and not local.exists():
            return self.local_copy(match["name"], match["version"] or "latest")
        if local.exists():
            return local.resolve(), None
        if match:
            try:
                return self.local_copy(match["name"])
            except NotFoundError:
                pass
        raise NotFoundError(
            _("{text!r} is neither a registered data asset nor an existing file.").format(text=text), details={field: text}
        )
