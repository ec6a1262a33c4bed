"""A job's inputs made local: literals become their value, data references become downloaded paths."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from ..blobs import BlobStore
from ..store import ArmStore
from ..uris import UnresolvableUri, asset_reference, asset_version, blob_location

_DATA_KINDS = {"uri_file", "uri_folder", "mltable"}
_MODEL_KINDS = {"custom_model", "mlflow_model", "triton_model"}


class InputError(ValueError):
    pass


def resolve_inputs(
    inputs: dict[str, Any], store: ArmStore, blobs: BlobStore, workspace_path: str, destination: Path
) -> dict[str, str]:
    """Name → the string ``${{inputs.name}}`` becomes (a value, or a local file or folder path)."""
    values: dict[str, str] = {}
    for name, spec in inputs.items():
        kind = str(spec.get("jobInputType", "")).lower()
        if kind == "literal":
            values[name] = str(spec.get("value", ""))
        elif kind in _DATA_KINDS | _MODEL_KINDS:
            try:
                values[name] = str(_download(spec["uri"], kind, store, blobs, workspace_path, destination / name))
            except UnresolvableUri as exc:
                raise InputError(f"Input '{name}': {exc}") from exc
        else:
            raise InputError(f"Input '{name}' has type '{kind}', which the loopback workspace cannot provide.")
    return values


def _download(uri: str, kind: str, store: ArmStore, blobs: BlobStore, workspace_path: str, target: Path) -> Path:
    ref = asset_reference(uri)
    if ref is not None:
        asset_kind = ref.kind or ("models" if kind in _MODEL_KINDS else "data")
        version = asset_version(store, workspace_path, ref, asset_kind)
        if version is None:
            noun = "model" if asset_kind == "models" else "data asset"
            raise UnresolvableUri(f"The {noun} '{ref}' does not exist in this workspace.")
        properties: Any = version["properties"]
        uri = str(properties.get("dataUri") or properties.get("modelUri") or "")
        kind = str(properties.get("dataType", kind)).lower()
    location = blob_location(uri, blobs.account_url)
    target.mkdir(parents=True, exist_ok=True)
    written = blobs.download_prefix(location.container, location.path, target)
    if not written:
        raise UnresolvableUri(f"Nothing is stored at '{uri}'.")
    if kind == "uri_file":
        return target / PurePosixPath(location.path).name
    return target
