"""Where the workspace lives and which target is active, resolved the same way everywhere.

The Jupyter server, the ``%aml`` magics and the ``amlx`` CLI run in different
processes, so they cannot share Python objects; they share this resolution
instead. Precedence, highest first: explicit values (traitlets, CLI flags),
environment variables, the workspace's own ``settings.json``, defaults.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .i18n import _

TARGETS = ("local", "azure")
SETTINGS_FILE = "settings.json"

ENV_WORKSPACE = "AMLX_WORKSPACE"
ENV_TARGET = "AMLX_TARGET"
ENV_COMPUTE_SLOTS = "AMLX_COMPUTE_SLOTS"


def default_workspace_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$AMLX_WORKSPACE`` or ``~/.amlx/workspace``."""
    explicit = environ.get(ENV_WORKSPACE)
    if explicit:
        return Path(explicit).expanduser().resolve()
    return (Path(environ.get("HOME") or Path.home()) / ".amlx" / "workspace").resolve()


#: The credentials a user can choose under ``azure.credential`` (any other name is a credential plugin).
AZURE_CREDENTIALS = ("default", "cli", "managed_identity", "environment", "interactive_browser", "device_code")
_AZURE_COORDINATES = ("subscription_id", "resource_group", "workspace_name", "config_path")


@dataclass(frozen=True)
class AzureSettings:
    """An Azure ML workspace and how to reach it; any may be missing until configured.

    Beyond the coordinates: ``credential`` (one of ``AZURE_CREDENTIALS``, or the
    name of a plugin in the ``amlx_lab.azure_credentials`` entry-point group),
    ``tenant_id`` and ``client_id`` (a user-assigned managed identity), a
    sovereign or custom cloud (``cloud`` by name, plus ``cloud_metadata`` for one
    azure-ai-ml does not know), and submit defaults: ``compute`` (a cluster; none
    means serverless), ``instance_type`` (serverless VM size), ``environment``
    (a named or curated environment instead of one built from the requirements)
    and ``base_image`` (the image such a built environment starts from); and
    deployment defaults: ``deployment_instance_type`` and ``deployment_instance_count``
    (the VM size and number of a managed online deployment) and
    ``deployment_environment`` (the environment a custom model is served in).
    """

    subscription_id: str | None = None
    resource_group: str | None = None
    workspace_name: str | None = None
    config_path: str | None = None  # a config.json as written by the Azure portal
    credential: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    cloud: str | None = None
    cloud_metadata: Mapping[str, str] | None = None
    compute: str | None = None
    instance_type: str | None = None
    environment: str | None = None
    base_image: str | None = None
    deployment_instance_type: str | None = None
    deployment_instance_count: str | None = None
    deployment_environment: str | None = None

    @property
    def complete(self) -> bool:
        return bool(self.subscription_id and self.resource_group and self.workspace_name)

    def with_coordinates(self, found: AzureSettings) -> AzureSettings:
        """These settings with the workspace coordinates of ``found`` (a discovered config.json)."""
        return dataclasses.replace(self, **{k: getattr(found, k) for k in _AZURE_COORDINATES})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], warnings: list[str] | None = None) -> AzureSettings:
        """Known keys only; a value of the wrong shape is dropped with a warning (when a list is given)."""
        known: dict[str, Any] = {}
        for key, value in data.items():
            if key not in cls.__dataclass_fields__ or value is None:
                continue
            if key == "cloud_metadata":
                if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
                    known[key] = {str(k): v for k, v in value.items()}
                elif warnings is not None:
                    warnings.append(f"{SETTINGS_FILE} 'azure.cloud_metadata' must map names to URLs; it is ignored.")
                continue
            if isinstance(value, (dict, list)):
                if warnings is not None:
                    warnings.append(f"{SETTINGS_FILE} 'azure.{key}' must be text; it is ignored.")
                continue
            known[key] = str(value)
        return cls(**known)


@dataclass(frozen=True)
class AmlxConfig:
    """The resolved settings one workspace facade runs with."""

    workspace_dir: Path
    target: str = "local"
    compute_slots: int = field(default_factory=lambda: os.cpu_count() or 1)
    azure: AzureSettings = field(default_factory=AzureSettings)
    warnings: tuple[str, ...] = ()  # problems found while resolving, shown in the workspace header

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValidationError(
                _("Unknown target {target!r}: choose one of {items}.").format(target=self.target, items=', '.join(TARGETS)), field="target"
            )
        if self.compute_slots < 1:
            raise ValidationError(_("compute_slots must be at least 1."), field="compute_slots")

    @classmethod
    def resolve(
        cls,
        *,
        workspace_dir: str | os.PathLike[str] | None = None,
        target: str | None = None,
        compute_slots: int | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> AmlxConfig:
        """Combine explicit values, environment and ``settings.json`` (see module doc)."""
        root = Path(workspace_dir).expanduser().resolve() if workspace_dir else default_workspace_dir(environ)
        warnings: list[str] = []
        try:
            stored = read_settings_file(root)
        except ValidationError as exc:  # keep working on defaults; say why in the header
            stored, warnings = {}, [exc.message + " Using defaults until then."]
        if target is None:
            target = _pick(TARGETS, environ.get(ENV_TARGET), ENV_TARGET, warnings) or _pick(
                TARGETS, stored.get("target"), f"{SETTINGS_FILE} 'target'", warnings
            ) or "local"
        if compute_slots is None:
            compute_slots = _whole(environ.get(ENV_COMPUTE_SLOTS), ENV_COMPUTE_SLOTS, warnings) or _whole(
                stored.get("compute_slots"), f"{SETTINGS_FILE} 'compute_slots'", warnings
            ) or os.cpu_count() or 1
        azure = stored.get("azure") or {}
        if not isinstance(azure, dict):
            warnings.append(_("{SETTINGS_FILE} 'azure' must be an object; it is ignored.").format(SETTINGS_FILE=SETTINGS_FILE))
            azure = {}
        return cls(
            workspace_dir=root,
            target=target,
            compute_slots=compute_slots,
            azure=AzureSettings.from_mapping(azure, warnings),
            warnings=tuple(warnings),
        )


def _pick(choices: tuple[str, ...], value: Any, source: str, warnings: list[str]) -> str | None:
    """``value`` if it is one of ``choices``; otherwise ``None`` and a warning naming ``source``."""
    if value in (None, ""):
        return None
    if value in choices:
        return str(value)
    warnings.append(_("{source} is {value!r}, which is not one of {items}; it is ignored.").format(
        source=source, value=value, items=', '.join(choices)))
    return None


def _whole(value: Any, source: str, warnings: list[str]) -> int | None:
    """``value`` as a positive whole number; otherwise ``None`` and a warning naming ``source``."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number >= 1:
        return number
    warnings.append(_("{source} is {value!r}, which is not a whole number of at least 1; it is ignored.").format(
        source=source, value=value))
    return None


def read_settings_file(root: Path) -> dict[str, Any]:
    """The workspace's ``settings.json``; empty when absent. A broken file is an error, not ignored."""
    path = root / SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("The workspace settings file {path} is not valid JSON (line {lineno}): fix or delete it.").format(
                path=path, lineno=exc.lineno),
            field="settings.json",
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(_("The workspace settings file {path} must hold a JSON object.").format(path=path), field="settings.json")
    return data


def write_settings_file(root: Path, updates: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``updates`` into ``settings.json`` atomically (write then rename)."""
    root.mkdir(parents=True, exist_ok=True)
    data = read_settings_file(root)
    data.update(updates)
    tmp = root / f".{SETTINGS_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, root / SETTINGS_FILE)
    return data
