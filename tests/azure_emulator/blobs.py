"""The emulator's own view of Azurite: containers, SAS URLs for clients, folder download and upload."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from pathlib import Path, PurePosixPath

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContainerSasPermissions,
    generate_blob_sas,
    generate_container_sas,
)

from .config import AZURITE_ACCOUNT, AZURITE_KEY

_APPEND_BLOCK_MAX = 4 * 1024 * 1024


class BlobStore:
    """Blob operations against Azurite's development account, signed with its shared key."""

    def __init__(self, azurite_url: str) -> None:
        self.account_url = f"{azurite_url}/{AZURITE_ACCOUNT}"
        self.service = BlobServiceClient(
            self.account_url, credential={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}
        )

    def ensure_container(self, name: str) -> None:
        with contextlib.suppress(ResourceExistsError):
            self.service.create_container(name)

    def new_upload_container(self, kind: str) -> str:
        """A fresh container for one pending upload (``startPendingUpload`` hands out container SAS URLs)."""
        name = f"{kind}-{uuid.uuid4().hex}"[:63]
        self.ensure_container(name)
        return name

    def container_url(self, container: str) -> str:
        return f"{self.account_url}/{container}"

    def container_sas_url(self, container: str, hours: float = 24.0) -> str:
        sas = generate_container_sas(
            AZURITE_ACCOUNT, container, account_key=AZURITE_KEY,
            permission=ContainerSasPermissions(read=True, add=True, create=True, write=True, delete=True, list=True),
            expiry=_expiry(hours),
        )
        return f"{self.container_url(container)}?{sas}"

    def blob_sas_url(self, container: str, blob: str, hours: float = 24.0) -> str:
        sas = generate_blob_sas(
            AZURITE_ACCOUNT, container, blob, account_key=AZURITE_KEY,
            permission=BlobSasPermissions(read=True), expiry=_expiry(hours),
        )
        return f"{self.container_url(container)}/{blob}?{sas}"

    def blob_names(self, container: str, prefix: str) -> list[str]:
        return [b.name for b in self.service.get_container_client(container).list_blobs(name_starts_with=prefix)]

    def exists_under(self, container: str, prefix: str) -> bool:
        """True if ``prefix`` names a blob or a folder with at least one blob."""
        return bool(self.blob_names(container, prefix))

    def download_prefix(self, container: str, prefix: str, destination: Path) -> list[Path]:
        """Download every blob under ``prefix``; a blob named exactly ``prefix`` lands as ``destination/<its name>``."""
        client = self.service.get_container_client(container)
        written = []
        folder = prefix.rstrip("/") + "/" if prefix else ""
        for name in self.blob_names(container, prefix):
            if name == prefix.rstrip("/"):
                relative = PurePosixPath(name).name
            elif name.startswith(folder):
                relative = name[len(folder):]
            else:  # "data/x" matched prefix "data/x" of "data/xy": not under the folder
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(client.download_blob(name).readall())
            written.append(target)
        return written

    def upload_folder(self, container: str, prefix: str, source: Path) -> list[str]:
        client = self.service.get_container_client(container)
        names = []
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            name = str(PurePosixPath(prefix) / path.relative_to(source).as_posix())
            with open(path, "rb") as data:
                client.upload_blob(name, data, overwrite=True)
            names.append(name)
        return names

    def upload_bytes(self, container: str, name: str, data: bytes) -> None:
        self.service.get_container_client(container).upload_blob(name, data, overwrite=True)

    def append_log(self, container: str, name: str) -> AppendLog:
        return AppendLog(self, container, name)


class AppendLog:
    """A log file that grows in place: an append blob readers can follow with HTTP ``Range`` requests."""

    def __init__(self, store: BlobStore, container: str, name: str) -> None:
        self.client = store.service.get_blob_client(container, name)
        self.client.create_append_blob()

    def append(self, data: bytes) -> None:
        for start in range(0, len(data), _APPEND_BLOCK_MAX):
            self.client.append_block(data[start:start + _APPEND_BLOCK_MAX])


def _expiry(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
