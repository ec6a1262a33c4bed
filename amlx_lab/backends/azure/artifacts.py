"""A job's files in the workspace's storage: its outputs (the run's artifacts) and its code snapshot.

Outputs are what the job wrote to ``./outputs``, which Azure ML keeps under
``ExperimentRun/<data container>/outputs/`` in the workspace artifact store;
the code is the job's code asset (the folder uploaded at submit). Both are
listed with azure-storage-blob and downloaded one file at a time, on demand,
into a cache under the local workspace folder (a finished job's files never
change, so a second download of the same file is skipped).

The storage account URL and credential come from azure-ai-ml's
``get_datastore_info`` (the datastore's account, a key or SAS from the
service, the cloud's storage suffix), so storage is reached exactly as the
SDK's own uploads and ``jobs.download`` reach it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from ...errors import NotFoundError, ValidationError
from ...records import FileEntry
from ...i18n import _
from .connection import Connection

ARTIFACT_STORE = "workspaceartifactstore"
BLOB_STORE = "workspaceblobstore"
CLIENT_TTL_S = 900.0  # datastore secrets are fetched again after this


class Artifacts:
    def __init__(self, connection: Connection, cache_dir: Path) -> None:
        self._connection = connection
        self._cache = cache_dir
        self._clients: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    # -- outputs -----------------------------------------------------------------------------

    def list_outputs(self, name: str, data_container: str) -> tuple[FileEntry, ...]:
        container = self._datastore_container(ARTIFACT_STORE)
        return self._list(container, f"ExperimentRun/{data_container}/outputs/")

    def run_files(self, data_container: str) -> tuple[FileEntry, ...]:
        """Every artifact of the run (outputs, logs, MLflow models logged at the run's root), by relative path."""
        container = self._datastore_container(ARTIFACT_STORE)
        return self._list(container, f"ExperimentRun/{data_container}/")

    def output_file(self, name: str, data_container: str, path: str) -> Path:
        relative = check_relpath(path)
        container = self._datastore_container(ARTIFACT_STORE)
        blob = f"ExperimentRun/{data_container}/outputs/{relative}"
        target = self._cache / "jobs" / name / "outputs" / relative
        return self._download(container, blob, target, what=f"outputs of job {name}", shown=str(relative))

    # -- code ----------------------------------------------------------------------------------

    def code_files(self, name: str, code_uri: str) -> tuple[FileEntry, ...]:
        container, prefix = self._code_container(code_uri)
        return self._list(container, prefix)

    def code_file(self, name: str, code_uri: str, path: str) -> Path:
        relative = check_relpath(path)
        container, prefix = self._code_container(code_uri)
        target = self._cache / "jobs" / name / "code" / relative
        return self._download(container, prefix + str(relative), target, what=f"code of job {name}",
                              shown=str(relative))

    def _code_container(self, code_uri: str) -> tuple[Any, str]:
        """The container and folder of a code asset's ``codeUri`` (virtual-host or path-style blob URL)."""
        parsed = urlparse(code_uri)
        parts = [p for p in parsed.path.split("/") if p]
        path_style = parsed.hostname in ("127.0.0.1", "localhost") or ".blob." not in (parsed.hostname or "")
        if path_style:
            account, container_name, folder = parts[0], parts[1], parts[2:]
            account_url = f"{parsed.scheme}://{parsed.netloc}/{account}"
        else:
            container_name, folder = parts[0], parts[1:]
            account_url = f"{parsed.scheme}://{parsed.netloc}"
        credential = self._datastore_info(BLOB_STORE)["credential"]
        from azure.storage.blob import ContainerClient

        client = ContainerClient(account_url, container_name, credential=credential)
        return client, ("/".join(folder) + "/") if folder else ""

    # -- storage ---------------------------------------------------------------------------------

    def _datastore_info(self, datastore: str) -> dict[str, Any]:
        # azure-ai-ml's own helper: account URL from the cloud's storage suffix, a key or SAS from the service.
        from azure.ai.ml._artifacts._artifact_utilities import get_datastore_info

        ml = self._connection.ml
        with self._connection.translated():
            return dict(get_datastore_info(ml.datastores, datastore))

    def _datastore_container(self, datastore: str) -> Any:
        now = time.monotonic()
        with self._lock:
            cached = self._clients.get(datastore)
            if cached is not None and now - cached[0] < CLIENT_TTL_S:
                return cached[1]
        info = self._datastore_info(datastore)
        from azure.storage.blob import ContainerClient

        client = ContainerClient(info["account_url"], info["container_name"], credential=info["credential"])
        with self._lock:
            self._clients[datastore] = (now, client)
        return client

    def _list(self, container: Any, prefix: str) -> tuple[FileEntry, ...]:
        with self._connection.translated():
            blobs = list(container.list_blobs(name_starts_with=prefix))
        entries = [
            FileEntry(path=b.name[len(prefix):], size=int(b.size or 0), modified=_epoch(b.last_modified))
            for b in blobs
            if b.name.startswith(prefix) and len(b.name) > len(prefix) and not b.name.endswith("/")
        ]
        return tuple(sorted(entries, key=lambda e: e.path))

    def _download(self, container: Any, blob: str, target: Path, *, what: str, shown: str) -> Path:
        from azure.core.exceptions import ResourceNotFoundError

        def missing() -> NotFoundError:
            return NotFoundError(_('There is no file {shown!r} in the {what}.').format(shown=shown, what=what), details={"path": shown})

        client = container.get_blob_client(blob)
        try:
            with self._connection.translated(not_found=missing):
                props = client.get_blob_properties()
        except ResourceNotFoundError:
            raise missing() from None
        modified = _epoch(props.last_modified)
        if target.is_file() and target.stat().st_size == props.size and abs(target.stat().st_mtime - modified) < 1:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            with self._connection.translated(not_found=missing), open(partial, "wb") as out:
                client.download_blob().readinto(out)
            os.utime(partial, (modified, modified))
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return target


def check_relpath(path: str) -> PurePosixPath:
    """A path inside a job's outputs or code: relative, no ``..``, no empty parts."""
    if not isinstance(path, str) or not path or "\x00" in path:
        raise ValidationError(_('Name a file by its path inside the folder.'), field="path")
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in path.split("/")):
        raise ValidationError(_('{path!r} is not a path inside the folder.').format(path=path), field="path")
    return pure


def _epoch(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else 0.0
