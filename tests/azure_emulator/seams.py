"""The two client-side settings the real SDKs need to reach the loopback workspace's storage and MLflow.

1. azure-ai-ml builds a datastore's blob URL as ``https://{account}.blob.{storage suffix}`` from the dict
   ``azure.ai.ml.constants._common.STORAGE_ACCOUNT_URLS``; Azurite answers path-style URLs on 127.0.0.1, so
   the ``AzureBlob`` entry becomes ``http://127.0.0.1:<port>/{}`` (the account name fills the path). Code
   uploads need nothing: their SAS URLs come from the server.
2. azureml-mlflow resolves the cloud named by ``AZUREML_CURRENT_CLOUD`` (which ``MLClient(cloud=...)`` sets
   process-wide) from its ``KNOWN_CLOUDS`` dict, and otherwise fetches ARM metadata from the internet; the
   loopback cloud is added there. Its credential is a ``DefaultAzureCredential`` chain unless a service context
   is registered for the tracking URI, which is how a client hands it the credential it already has.

Self-contained (standard library at import) because ``site/sitecustomize.py`` loads it by path.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

BLOB_CONSTANTS_MODULE = "azure.ai.ml.constants._common"
MLFLOW_CLOUD_MODULE = "azureml.mlflow._common._cloud.cloud"


def point_blob_datastores(azurite_url: str) -> None:
    from azure.ai.ml.constants._common import STORAGE_ACCOUNT_URLS

    STORAGE_ACCOUNT_URLS["AzureBlob"] = azurite_url.rstrip("/") + "/{}"


def register_mlflow_cloud(settings: dict[str, Any]) -> None:
    from azureml.mlflow._common._cloud.cloud import KNOWN_CLOUDS, Cloud, CloudEndpoints, CloudSuffixes

    base = settings["base_url"] + "/"
    KNOWN_CLOUDS[settings["cloud_name"]] = Cloud(
        settings["cloud_name"],
        endpoints=CloudEndpoints(management=base, resource_manager=base, active_directory=base, portal=base),
        suffixes=CloudSuffixes(storage_endpoint="core.windows.net"),
    )


def use_credential_for_mlflow(settings: dict[str, Any], credential: Any, tracking_uri: str | None = None) -> None:
    """Make azureml-mlflow use ``credential`` (and the loopback cloud) for the workspace's tracking URI."""
    from azureml.mlflow._common._cloud.cloud import KNOWN_CLOUDS
    from azureml.mlflow._internal.service_context_loader import _AzureMLServiceContextLoader
    from azureml.mlflow._internal.utils import ServiceContext

    register_mlflow_cloud(settings)
    uri = tracking_uri or settings["tracking_uri"]
    context = ServiceContext(
        host_url="https://" + urlparse(uri).netloc, subscription_id=settings["subscription_id"],
        workspace_name=settings["workspace_name"], resource_group_name=settings["resource_group"],
        auth=credential, location=settings["location"], cloud=KNOWN_CLOUDS[settings["cloud_name"]],
    )
    # The workspace reports v1.0; azure-ai-ml hands out the v2.0 form when azureml-mlflow is installed.
    for version in ("v1.0", "v2.0"):
        variant = re.sub(r"/mlflow/v\d\.0/", f"/mlflow/{version}/", uri)
        _AzureMLServiceContextLoader.add_service_context(variant, context)


def apply(settings: dict[str, Any], credential: Any) -> None:
    """Both seams, in this process, now (imports azure-ai-ml and azureml-mlflow)."""
    point_blob_datastores(settings["azurite_url"])
    use_credential_for_mlflow(settings, credential)


def install_on_import(settings_path: str) -> None:
    """Apply each seam when its package is first imported (keeps interpreter start-up cheap)."""
    settings = json.loads(Path(settings_path).read_text())

    def mlflow_seam(_: ModuleType) -> None:
        credentials = _load_sibling("credentials")
        register_mlflow_cloud(settings)
        _after_import("azureml.mlflow._internal.service_context_loader",
                      lambda _: use_credential_for_mlflow(settings, credentials.LoopbackCredential()))

    _after_import(BLOB_CONSTANTS_MODULE, lambda _: point_blob_datastores(settings["azurite_url"]))
    _after_import(MLFLOW_CLOUD_MODULE, mlflow_seam)


def _load_sibling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_amlx_emulator_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _after_import(name: str, action: Callable[[ModuleType], None]) -> None:
    if name in sys.modules:
        action(sys.modules[name])
        return
    sys.meta_path.insert(0, _AfterImport(name, action))


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``action`` on module ``name`` right after it executes (once)."""

    def __init__(self, name: str, action: Callable[[ModuleType], None]) -> None:
        self.name, self.action = name, action

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, action = spec.loader, self.action
        real_exec = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            real_exec(module)
            action(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec
