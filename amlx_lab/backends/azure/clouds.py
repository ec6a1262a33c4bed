"""Which Azure cloud the workspace lives in: where ARM, sign-in and the studio are.

The public cloud is the default. Sovereign clouds are a setting (``cloud``:
``AzureChinaCloud``, ``AzureUSGovernment``), and any other cloud, such as the
test suite's loopback workspace, is a name plus ``cloud_metadata`` with the
keys azure-ai-ml's ``MLClient(cloud_metadata=...)`` takes. Nothing here
imports the SDK: the same facts feed the SDK client, our own REST pipeline and
the sign-in authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...config import AzureSettings
from ...errors import ValidationError
from ...i18n import _

PUBLIC_CLOUD = "AzureCloud"
#: The keys ``MLClient(cloud_metadata=...)`` needs (azure-ai-ml's ``EndpointURLS`` values).
METADATA_KEYS = (
    "azure_portal",
    "resource_manager",
    "active_directory",
    "aml_resource_id",
    "registry_discovery_endpoint",
    "storage_endpoint",
)


@dataclass(frozen=True)
class Cloud:
    """The endpoints of one cloud that this target uses itself."""

    name: str
    resource_manager: str  # ARM base URL, ending with "/"
    active_directory: str  # the sign-in authority
    studio: str  # Azure ML studio, ending with "/"
    metadata: dict[str, str] | None = None  # for a cloud azure-ai-ml does not know

    @property
    def arm_scope(self) -> str:
        """The token scope of ARM (also what run history and the MLflow API accept)."""
        return self.resource_manager.rstrip("/") + "/.default"

    def mlclient_kwargs(self) -> dict[str, Any]:
        """What to pass to ``MLClient`` so it talks to this cloud (nothing for the public cloud)."""
        if self.metadata is not None:
            return {"cloud": self.name, "cloud_metadata": dict(self.metadata)}
        return {} if self.name == PUBLIC_CLOUD else {"cloud": self.name}


KNOWN_CLOUDS = {
    PUBLIC_CLOUD: Cloud(PUBLIC_CLOUD, "https://management.azure.com/", "https://login.microsoftonline.com/",
                        "https://ml.azure.com/"),
    "AzureChinaCloud": Cloud("AzureChinaCloud", "https://management.chinacloudapi.cn/",
                             "https://login.chinacloudapi.cn/", "https://ml.azure.cn/"),
    "AzureUSGovernment": Cloud("AzureUSGovernment", "https://management.usgovcloudapi.net/",
                               "https://login.microsoftonline.us/", "https://ml.azure.us/"),
}


def cloud_of(settings: AzureSettings) -> Cloud:
    """The cloud the settings name; an unknown name without its metadata is a 400 saying what to add."""
    name = settings.cloud or PUBLIC_CLOUD
    metadata = settings.cloud_metadata
    if metadata is not None:
        missing = [key for key in METADATA_KEYS if not metadata.get(key)]
        if missing:
            raise ValidationError(
                _(
                    "The Azure settings' cloud_metadata lacks {join_missing}: give all of {join_metadata_keys}."
                ).format(join_missing=', '.join(missing), join_metadata_keys=', '.join(METADATA_KEYS)),
                field="azure.cloud_metadata",
            )
        return Cloud(
            name,
            _slash(metadata["resource_manager"]),
            _slash(metadata["active_directory"]),
            _slash(metadata["aml_resource_id"]),
            metadata={key: metadata[key] for key in METADATA_KEYS},
        )
    if name not in KNOWN_CLOUDS:
        raise ValidationError(
            _(
                'Unknown Azure cloud {name!r}: use one of {join_known_clouds}, or add its cloud_metadata to the '
                'Azure settings.'
            ).format(name=name, join_known_clouds=', '.join(KNOWN_CLOUDS)),
            field="azure.cloud",
        )
    return KNOWN_CLOUDS[name]


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
