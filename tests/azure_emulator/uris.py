"""Where an ``azureml:`` reference points: an asset version, or a folder/file in one of the datastores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from .config import ARTIFACTSTORE, DATASTORE_CONTAINERS
from .store import ArmStore

_DATASTORE = re.compile(
    r"^azureml://(?:subscriptions/[^/]+/resource[gG]roups/[^/]+/(?:providers/[^/]+/)?workspaces/[^/]+/)?"
    r"datastores/(?P<ds>[^/]+)/paths/(?P<path>.*)$"
)
_JOB_ARTIFACTS = re.compile(r"^azureml://jobs/(?P<job>[^/]+)/outputs/artifacts/(?:paths/)?(?P<path>.*)$")
_SHORT_ASSET = re.compile(r"^azureml:(?P<name>[^:@/]+)(?::(?P<version>[^:@/]+)|@(?P<label>[^:@/]+))?$")
_ASSET_ID = re.compile(
    r"(?:^azureml:|^azureml://)?/?(?:subscriptions/[^/]+/resource[gG]roups/[^/]+/providers/[^/]+/workspaces/[^/]+/)"
    r"(?P<kind>data|models)/(?P<name>[^/]+)/versions/(?P<version>[^/]+)$"
)


class UnresolvableUri(ValueError):
    pass


@dataclass(frozen=True)
class BlobLocation:
    container: str
    path: str


def datastore_uri(workspace_path: str, datastore: str, path: str) -> str:
    """The long ``azureml://subscriptions/.../datastores/<ds>/paths/<path>`` form the service stores."""
    scope = workspace_path.replace("/providers/Microsoft.MachineLearningServices", "").lstrip("/")
    return f"azureml://{scope}/datastores/{datastore}/paths/{path}"


def job_artifact_location(job: str, path: str) -> BlobLocation:
    return BlobLocation(DATASTORE_CONTAINERS[ARTIFACTSTORE], f"ExperimentRun/dcid.{job}/{path}")


@dataclass(frozen=True)
class AssetReference:
    kind: str | None  # "data" or "models" when the reference says so (an ARM id), else None
    name: str
    version: str | None  # None means the latest version

    def __str__(self) -> str:
        return f"{self.name}:{self.version}" if self.version else f"{self.name}@latest"


def asset_reference(uri: str) -> AssetReference | None:
    """``azureml:name:version``, ``azureml:name@latest`` or an asset version's ARM id; else None."""
    if full := _ASSET_ID.search(uri):
        return AssetReference(full.group("kind"), full.group("name"), full.group("version"))
    if short := _SHORT_ASSET.match(uri):
        label = short.group("label")
        if label not in (None, "latest"):
            raise UnresolvableUri(f"Label '{label}' is not supported; use a version or @latest.")
        return AssetReference(None, short.group("name"), short.group("version"))
    return None


def asset_version(store: ArmStore, workspace_path: str, ref: AssetReference, kind: str) -> dict[str, object] | None:
    """The stored asset version ``ref`` names (``kind`` is used when the reference does not say)."""
    kind = ref.kind or kind
    version = ref.version
    if version is None:
        container = store.get(f"{workspace_path}/{kind}/{ref.name}")
        if container is None:
            return None
        version = container["properties"]["latestVersion"]
    return store.get(f"{workspace_path}/{kind}/{ref.name}/versions/{version}")


def blob_location(uri: str, blob_account_url: str) -> BlobLocation:
    """The container and path of a datastore URI, a job artifact URI, or an Azurite URL."""
    if match := _DATASTORE.match(uri):
        datastore = match.group("ds")
        if datastore not in DATASTORE_CONTAINERS:
            raise UnresolvableUri(f"Datastore '{datastore}' does not exist in this workspace.")
        return BlobLocation(DATASTORE_CONTAINERS[datastore], unquote(match.group("path")))
    if match := _JOB_ARTIFACTS.match(uri):
        return job_artifact_location(match.group("job"), unquote(match.group("path")))
    if uri.startswith(blob_account_url + "/"):
        return _split(uri, blob_account_url)
    if uri.startswith(("http://", "https://")):
        raise UnresolvableUri(f"'{uri}' is on the internet, which the loopback workspace cannot reach.")
    raise UnresolvableUri(f"'{uri}' is not a datastore, job output or data asset reference.")


def _split(uri: str, blob_account_url: str) -> BlobLocation:
    """``http://127.0.0.1:<port>/<account>/<container>/<path>?<sas>`` → container and path."""
    rest = unquote(urlparse(uri).path)[len(urlparse(blob_account_url).path) + 1:]
    container, _, path = rest.partition("/")
    return BlobLocation(container, path)
