"""Data assets in the workspace: a local file (``uri_file``) or folder (``uri_folder``) uploaded and versioned.

Azure keeps no size for an asset, so amlx records the size it uploaded (and
the file's name, never its local path) in the version's properties; an asset
registered elsewhere shows size 0.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ...errors import NotFoundError, ValidationError
from ...names import check_asset_name
from ...records import DataAsset
from ...i18n import _
from .connection import Connection
from .quiet import quiet_streams
from .run_history import epoch
from .submit import ResolvedAsset

PROP_SIZE = "amlx.size"
PROP_SOURCE = "amlx.source"


class DataAssets:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def register(
        self, name: str, path: str | os.PathLike[str], description: str | None = None, version: str | int | None = None
    ) -> DataAsset:
        from azure.ai.ml.entities import Data

        check_asset_name(name)
        source = Path(path)
        if not source.exists():
            raise NotFoundError(_(
                'There is no file or folder {source_name!r} to register.'
            ).format(source_name=source.name), details={"path": source.name})
        version_text = None if version is None else _version(version)
        if version_text is None:
            version_text = self._next_version(name)
        kind = "uri_folder" if source.is_dir() else "uri_file"
        asset = Data(
            name=name, version=version_text, type=kind, path=str(source), description=description,
            properties={PROP_SIZE: str(_size(source)), PROP_SOURCE: source.name},
        )
        ml = self._connection.ml
        with self._connection.translated(), quiet_streams():
            created = ml.data.create_or_update(asset)
        return data_record(created)

    def _next_version(self, name: str) -> str:
        """One more than the highest whole-number version (``1`` for a new asset)."""
        versions = [a.version for a in self.list(name)]
        numbers = [int(v) for v in versions if v.isdigit()]
        return str(max(numbers) + 1) if numbers else "1"

    def list(self, name: str | None = None) -> tuple[DataAsset, ...]:
        """The latest version of every asset, or every version of ``name`` (newest first)."""
        ml = self._connection.ml
        if name is None:
            # the listing gives each asset's latest version number; its size and description are on the version
            with self._connection.translated():
                containers = [(str(c.name), getattr(c, "latest_version", None)) for c in ml.data.list()]
            wanted = [(n, v) for n, v in containers if v]
            with ThreadPoolExecutor(max_workers=max(1, min(8, len(wanted)))) as pool:
                latest = list(pool.map(lambda item: data_record(self._entity(*item)), wanted))
            return tuple(sorted(latest, key=lambda a: a.name))
        check_asset_name(name)
        with self._connection.translated(not_found=lambda: NotFoundError(_('There is no data asset named {name!r}.').format(name=name))):
            versions = [data_record(a) for a in ml.data.list(name=name)]
        return tuple(sorted(versions, key=_version_key, reverse=True))

    def get(self, name: str, version: str | int = "latest") -> DataAsset:
        return data_record(self._entity(name, version))

    def resolve(self, name: str, version: str | None) -> ResolvedAsset:
        """The version a job input names (``None``: the latest), with its type."""
        entity = self._entity(name, version or "latest")
        return ResolvedAsset(name=str(entity.name), version=str(entity.version), type=str(entity.type))

    def location(self, name: str, version: str | None) -> tuple[ResolvedAsset, str]:
        """The version a reference names (``None``: the latest) and where its files are (a datastore URI)."""
        entity = self._entity(name, version or "latest")
        found = ResolvedAsset(name=str(entity.name), version=str(entity.version), type=str(entity.type))
        return found, str(entity.path)

    def _entity(self, name: str, version: str | int) -> Any:
        check_asset_name(name)
        text = _version(version)
        ml = self._connection.ml

        def missing() -> NotFoundError:
            which = "any version" if text == "latest" else f"version {text}"
            return NotFoundError(_('Data asset {name!r} has no {which} in this workspace.').format(name=name, which=which),
                                 details={"name": name, "version": text})

        with self._connection.translated(not_found=missing):
            if text == "latest":
                return ml.data.get(name, label="latest")
            return ml.data.get(name, version=text)


def data_record(entity: Any) -> DataAsset:
    props = {str(k): str(v) for k, v in (getattr(entity, "properties", None) or {}).items()}
    context = getattr(entity, "creation_context", None)
    size = props.get(PROP_SIZE, "0")
    return DataAsset(
        name=str(entity.name),
        version=str(entity.version),
        type="uri_file" if str(getattr(entity, "type", None)) == "uri_file" else "uri_folder",
        size=int(size) if size.isdigit() else 0,
        created_at=epoch(getattr(context, "created_at", None)) or 0.0,
        description=getattr(entity, "description", None),
        source=props.get(PROP_SOURCE),
    )


def _version(version: str | int) -> str:
    text = str(version)
    if text != "latest" and (not text or len(text) > 30 or not all(c.isalnum() or c in "._-" for c in text)):
        raise ValidationError(_('{text!r} is not a data asset version: use a number, or latest.').format(text=text), field="version")
    return text


def _version_key(asset: DataAsset) -> tuple[int, str]:
    return (int(asset.version), "") if asset.version.isdigit() else (-1, asset.version)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
