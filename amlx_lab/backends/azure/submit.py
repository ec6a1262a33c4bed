"""A ``CommandJobSpec`` as an Azure ML command job (the same package the local target runs).

* The code folder is uploaded as the job's code (azure-ai-ml reuses a version
  with the same content hash).
* Parameters become literal inputs and the command refers to them as
  ``${{inputs.<name>}}``: rendered ``--name value`` pairs are rewritten, and a
  parameter main.py accepts (the package manifest lists it) but the command
  does not mention is added with its current value. So the job in the studio
  shows them as inputs, and a re-run there can change them.
* Inputs are data assets (``azureml:name:version``, ``name@latest``,
  ``azureml:name@latest``; resolved to a version at submit, since azure-ai-ml
  takes ``azureml:name@latest`` for an asset literally named ``azureml:name``)
  or local files and folders (uploaded as ``uri_file``/``uri_folder``). An input
  the command does not mention is passed as ``--<name> ${{inputs.<name>}}``.
  Azure's input names are identifiers, so ``-`` becomes ``_`` in the placeholder.
* Compute: a named cluster, or serverless (no compute) with the
  ``instance_type`` setting. Environment: see ``environments.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import NotFoundError, ValidationError
from ...names import asset_name_problem
from ...specs import CommandJobSpec
from ...i18n import _
from .environments import Environments, python_version, requirement_lines
from .job_records import BUILT_ENVIRONMENT, PROP_ENVIRONMENT, PROP_INPUTS, PROP_PARAMETERS, SERVERLESS

_PLACEHOLDER = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
_AZURE_INPUT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ASSET_REF = re.compile(r"^(?:azureml:)?(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]*)(?:@(?P<label>latest)|:(?P<version>[A-Za-z0-9_.\-]+))$")


@dataclass(frozen=True)
class ResolvedAsset:
    """A data asset version an input refers to."""

    name: str
    version: str
    type: str  # uri_file | uri_folder | mltable


AssetLookup = Callable[[str, str | None], ResolvedAsset]  # (name, version or None for latest)


@dataclass(frozen=True)
class JobDefinition:
    """Everything ``command(...)`` needs, decided without the SDK (so it can be checked on its own)."""

    command: str
    inputs: dict[str, Any]  # azure input name -> literal text or ("uri_file"|"uri_folder"|..., path)
    properties: dict[str, str]
    environment: str
    compute: str | None
    instance_type: str | None


def placeholder(name: str) -> str:
    """``${{inputs.<name>}}``, which Azure ML replaces with the input's value or path."""
    return "${{inputs." + name + "}}"


def is_asset_ref(ref: str) -> bool:
    """``azureml:name:version``, ``azureml:name@latest``, ``name@latest`` or ``name:version`` (not a path or URI)."""
    return "/" not in ref and _ASSET_REF.match(ref) is not None and (ref.startswith("azureml:") or ":" in ref or "@" in ref)


def asset_parts(ref: str) -> tuple[str, str | None]:
    """The name and version (``None``: latest) of a reference ``is_asset_ref`` accepts."""
    match = _ASSET_REF.match(ref)
    if match is None:
        raise ValidationError(_('{ref!r} is not a data asset reference (azureml:<name>@latest).').format(ref=ref), field="training_data")
    return match.group("name"), match.group("version")


def azure_input_name(name: str) -> str:
    key = name.replace("-", "_")
    if not _AZURE_INPUT.match(key):
        raise ValidationError(_('{name!r} cannot be an Azure ML input name.').format(name=name), field="inputs")
    return key


def define(
    spec: CommandJobSpec,
    *,
    lookup: AssetLookup,
    environments: Environments,
    default_environment: str | None,
    instance_type: str | None,
) -> JobDefinition:
    """The Azure job for ``spec``: command with placeholders, inputs, environment, compute."""
    argv = list(spec.command)
    inputs: dict[str, Any] = {}
    names = _input_names(spec)

    literals = {name: _literal_text(value, _rendered(spec.command, name)) for name, value in spec.parameters.items()}
    for name, text in literals.items():
        inputs[names[name]] = text
    argv = _parameters_as_placeholders(argv, spec, literals)

    recorded_inputs = []
    mentioned = _mentioned(argv)
    for name, ref in spec.inputs.items():
        kind, path, record = _input(name, os.fspath(ref), lookup)
        inputs[names[name]] = (kind, path)
        recorded_inputs.append(record)
        if name not in mentioned:
            argv += [f"--{name}", _Shell(placeholder(name))]

    command = " ".join(_shell_word(arg, names) for arg in argv)
    environment_ref = spec.environment or default_environment
    properties = {
        PROP_PARAMETERS: json.dumps(spec.parameters, sort_keys=True),
        PROP_INPUTS: json.dumps(recorded_inputs, sort_keys=True),
    }
    if environment_ref is None:
        code = Path(spec.code_dir)
        environment_ref = environments.built(requirement_lines(code), python_version(spec.manifest))
        properties[PROP_ENVIRONMENT] = BUILT_ENVIRONMENT
    compute = _compute(spec)
    return JobDefinition(
        command=command,
        inputs=inputs,
        properties=properties,
        environment=environment_ref,
        compute=compute,
        instance_type=instance_type if compute is None else None,
    )


MANIFEST = "amlx-manifest.json"


def check(spec: CommandJobSpec, *, lookup: AssetLookup | None, computes: Collection[str]) -> None:
    """What ``define`` and the service refuse (input names, placeholders, compute, missing inputs), creating nothing.

    ``computes`` are the workspace's compute names: naming another one is refused here with a
    sentence rather than by the service after the code upload. Without ``lookup`` the inputs
    are left to ``define``, which resolves them anyway.
    """
    names = _input_names(spec)
    for arg in spec.command:
        for used in _PLACEHOLDER.findall(arg):
            if used not in names:
                raise ValidationError(
                    _('The command uses ${{{{inputs.{used}}}}}, which is neither an input nor a parameter.').format(used=used),
                    field="command",
                )
    compute = _compute(spec)
    if compute is not None and compute not in computes:
        raise ValidationError(
            _(
                'This workspace has no compute named {compute!r}; amlx compute lists them, or leave compute '
                'empty for serverless.'
            ).format(compute=compute),
            field="compute",
        )
    if lookup is not None:
        for name, ref in spec.inputs.items():
            _input(name, os.fspath(ref), lookup)


def _input_names(spec: CommandJobSpec) -> dict[str, str]:
    """Our parameter and input names -> Azure input names, refusing two that would collide."""
    names: dict[str, str] = {}
    for name in [*spec.parameters, *spec.inputs]:
        key = azure_input_name(name)
        if key in names.values():
            raise ValidationError(_(
                'Inputs {name!r} and another one both become {key!r} on Azure ML.'
            ).format(name=name, key=key), field="inputs")
        names[name] = key
    return names


def _compute(spec: CommandJobSpec) -> str | None:
    """The compute the job names, ``None`` for serverless; the local machine is no Azure compute."""
    compute = spec.compute
    if compute in (None, "", SERVERLESS):
        return None
    if compute == "local":
        raise ValidationError(
            _(
                "The Azure ML target runs jobs on the workspace's computes: name a cluster (amlx compute lists "
                "them) or leave compute empty for serverless."
            ),
            field="compute",
        )
    return compute


def stable_package(code_dir: Path) -> None:
    """Drop the package folder's own path from its manifest before upload.

    A package built for a submit records where it was staged (a fresh folder
    each time, on this machine); without it, the same cell and requirements
    give the same content hash, so azure-ai-ml reuses the code it uploaded.
    Only a manifest naming this very folder is touched.
    """
    path = code_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(manifest, dict) and manifest.get("root") == str(code_dir):
        manifest["root"] = "."
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def build_job(spec: CommandJobSpec, definition: JobDefinition) -> Any:
    """The azure-ai-ml ``Command`` for a definition (azure.ai.ml imported here)."""
    from azure.ai.ml import Input, command
    from azure.ai.ml.entities import JobResourceConfiguration

    inputs = {
        key: value if isinstance(value, str) else Input(type=value[0], path=value[1])
        for key, value in definition.inputs.items()
    }
    extra: dict[str, Any] = {}
    if definition.instance_type:
        extra["resources"] = JobResourceConfiguration(instance_type=definition.instance_type)
    return command(
        code=os.fspath(spec.code_dir),
        command=definition.command,
        inputs=inputs,
        environment=definition.environment,
        compute=definition.compute,
        experiment_name=spec.experiment,
        display_name=spec.display_name,
        tags=dict(spec.tags),
        properties=dict(definition.properties),
        **extra,
    )


def command_job(
    spec: CommandJobSpec,
    *,
    lookup: AssetLookup,
    environments: Environments,
    default_environment: str | None,
    instance_type: str | None,
    computes: Collection[str],
) -> tuple[Any, JobDefinition]:
    """The checked ``Command`` for ``spec`` and its definition: what a command job submits, and a sweep's trial.

    Nothing is created here except the environment (registered once per content
    hash); the code is uploaded by ``jobs.create_or_update``.
    """
    check(spec, lookup=None, computes=computes)
    definition = define(
        spec, lookup=lookup, environments=environments, default_environment=default_environment,
        instance_type=instance_type,
    )
    stable_package(Path(spec.code_dir))
    return build_job(spec, definition), definition


class _Shell(str):
    """A command word that is already written for the shell (a placeholder, possibly quoted)."""


def _parameters_as_placeholders(argv: list[str], spec: CommandJobSpec, literals: Mapping[str, str]) -> list[str]:
    """``--alpha 0.5`` becomes ``--alpha ${{inputs.alpha}}``; parameters main.py takes but the command omits are added."""
    flags = {f"--{name}": name for name in spec.parameters}
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = flags.get(arg)
        if name is not None and i + 1 < len(argv) and not _PLACEHOLDER.search(argv[i + 1]):
            out += [arg, _parameter_word(name, literals[name])]
            seen.add(name)
            i += 2
            continue
        out.append(arg)
        i += 1
    mentioned = _mentioned(out)
    accepted = _manifest_flags(spec.manifest)
    for name in spec.parameters:
        if name not in seen and name not in mentioned and accepted.get(name):
            out += [accepted[name], _parameter_word(name, literals[name])]
    return out


def _parameter_word(name: str, text: str) -> str:
    """Azure substitutes a literal input into the command as is: quote the placeholder when the value needs it."""
    word = placeholder(name)
    if not _needs_quotes(text):
        return _Shell(word)
    if "'" not in text:
        return _Shell(f"'{word}'")
    return _Shell(shlex.quote(text))  # a value the shell cannot take inside the placeholder: pass it inline


def _manifest_flags(manifest: Mapping[str, Any] | None) -> dict[str, str]:
    """Parameter name -> flag, for the parameters the package's main.py accepts."""
    params = (manifest or {}).get("parameters") or {}
    if not isinstance(params, dict):
        return {}
    return {str(n): str(p.get("flag")) for n, p in params.items() if isinstance(p, dict) and p.get("flag")}


def _rendered(command: tuple[str, ...], name: str) -> str | None:
    """The text the command already passes for ``--name`` (what main.py would parse)."""
    flag = f"--{name}"
    for i, arg in enumerate(command[:-1]):
        if arg == flag and not _PLACEHOLDER.search(command[i + 1]):
            return command[i + 1]
    return None


def _literal_text(value: Any, rendered: str | None) -> str:
    if rendered is not None:
        return rendered
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _mentioned(argv: list[str]) -> set[str]:
    return {m.group(1) for arg in argv for m in _PLACEHOLDER.finditer(arg)}


def _shell_word(arg: str, names: Mapping[str, str]) -> str:
    """One argument as shell text, its ``${{inputs.x}}`` placeholders renamed to Azure's input names."""
    renamed = _PLACEHOLDER.sub(lambda m: placeholder(names.get(m.group(1), m.group(1))), arg)
    if isinstance(arg, _Shell) or not _needs_quotes(renamed):
        return renamed
    return _quote(renamed)


def _needs_quotes(arg: str) -> bool:
    return arg == "" or any(c.isspace() or c in "'\"\\$`;&|<>()*?[]#~!{}" for c in _PLACEHOLDER.sub("", arg))


def _quote(arg: str) -> str:
    """Shell-quote ``arg`` but leave ``${{inputs.x}}`` for Azure to substitute (inside double quotes)."""
    parts = _PLACEHOLDER.split(arg)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(placeholder(part))
        else:
            out.append(shlex.quote(part) if part else "")
    return "".join(out)


def _input(name: str, ref: str, lookup: AssetLookup) -> tuple[str, str, dict[str, Any]]:
    """(type, path for Azure, what the job record shows) for one input."""
    if ref.startswith(("azureml://", "https://", "http://", "wasbs://", "abfss://")):
        kind = "uri_folder" if ref.endswith("/") else "uri_file"
        return kind, ref, {"name": name, "ref": ref, "path": ref, "asset": None}
    if is_asset_ref(ref):
        match = _ASSET_REF.match(ref)
        assert match is not None
        asset_name = match.group("name")
        problem = asset_name_problem(asset_name, "data asset")
        if problem:
            raise ValidationError(problem, field=f"inputs.{name}")
        try:
            asset = lookup(asset_name, match.group("version"))
        except NotFoundError as missing:
            raise ValidationError(str(missing), field=f"inputs.{name}") from None
        path = f"azureml:{asset.name}:{asset.version}"
        return asset.type, path, {"name": name, "ref": ref, "path": path, "asset": f"{asset.name}:{asset.version}"}
    local = Path(ref)
    if not local.exists():
        raise NotFoundError(_(
            'Input {name!r}: there is no file or folder {local_name!r} to upload.'
        ).format(name=name, local_name=local.name),
                            details={"input": name})
    kind = "uri_folder" if local.is_dir() else "uri_file"
    # the record names the file, never this machine's path; Azure shows where it was uploaded
    return kind, str(local), {"name": name, "ref": local.name, "path": local.name, "asset": None}
