"""A job record as a CLI v2 command job document (what ``az ml job create -f`` and ``load_job`` read).

Written from our own records, never from azure-ai-ml's ``dump`` (which writes a
pipeline node for a ``command()`` builder and prefixes local and https input
paths with ``azureml:``). The same document comes from either target: the code
folder, the command with ``${{inputs.x}}`` placeholders, parameters as literal
inputs, data inputs, environment, compute, experiment, display name and tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..records import Job
from ..sweep.settings import SweepSettings
from .command import PLACEHOLDER, azure_input_name, check_complete, placeholder, shell_text, with_placeholders

COMMAND_JOB_SCHEMA = "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
SWEEP_JOB_SCHEMA = "https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json"
#: Words the local target records as the compute of a job that ran on this machine, or Azure's serverless.
NO_AZURE_COMPUTE = frozenset({"", "local", "serverless"})


@dataclass(frozen=True)
class DataInput:
    """A data input as the YAML names it: ``uri_file``/``uri_folder`` and a path, URI or ``azureml:name:version``."""

    type: str
    path: str


def command_job(
    job: Job,
    *,
    code: str,
    data: Mapping[str, DataInput],
    environment: str | dict[str, Any],
    description: str,
) -> dict[str, Any]:
    """The ``type: command`` document for ``job``; ``data`` holds its data inputs by their recorded names."""
    names = [*job.parameters, *data]
    argv = with_placeholders(portable(job.command), names)
    rendered = _rendered(job.command, job.parameters)
    inputs: dict[str, Any] = {}
    quoted: dict[str, bool] = {}
    for name, value in job.parameters.items():
        key = azure_input_name(name)
        inputs[key] = literal(value, rendered.get(name))
        quoted[key] = isinstance(inputs[key], str) and _needs_quotes(inputs[key])
    for name, item in data.items():
        inputs[azure_input_name(name)] = {"type": item.type, "path": item.path}
    check_complete(argv, inputs, job.name)
    document: dict[str, Any] = {
        "$schema": COMMAND_JOB_SCHEMA,
        "type": "command",
        "display_name": job.display_name,
        "experiment_name": job.experiment,
        "description": description,
        "tags": dict(job.tags),
        "code": code,
        "command": shell_text(argv, quoted),
        "inputs": inputs,
        "environment": environment,
    }
    if not inputs:
        del document["inputs"]
    compute = azure_compute(job.compute)
    if compute is not None:
        document["compute"] = compute
    return document


def sweep_job(
    job: Job,
    settings: SweepSettings,
    *,
    code: str,
    data: Mapping[str, DataInput],
    environment: str | dict[str, Any],
    description: str,
) -> dict[str, Any]:
    """The ``type: sweep`` document: the trial's code, command and environment, the search space and the rest.

    A searched parameter reaches the trial as ``${{search_space.<name>}}`` (what ``.sweep()``
    rewrites ``${{inputs.<name>}}`` to); the fixed ones are the sweep's literal inputs.
    """
    searched = set(settings.search_space)
    fixed = {name: value for name, value in job.parameters.items() if name not in searched}
    argv = with_placeholders(portable(job.command), [*fixed, *data])
    rendered = _rendered(job.command, fixed)
    inputs: dict[str, Any] = {}
    quoted: dict[str, bool] = {}
    for name, value in fixed.items():
        key = azure_input_name(name)
        inputs[key] = literal(value, rendered.get(name))
        quoted[key] = isinstance(inputs[key], str) and _needs_quotes(inputs[key])
    for name, item in data.items():
        inputs[azure_input_name(name)] = {"type": item.type, "path": item.path}
    check_complete([a for a in argv if not _searched_only(a, searched)], inputs, job.name)
    command = shell_text(argv, quoted)
    for name in searched:
        command = command.replace(placeholder(azure_input_name(name)), "${{search_space." + name + "}}")
    algorithm = settings.sampling_algorithm.model_dump(mode="json", exclude_none=True)
    if algorithm.get("type") != "random" or (algorithm.get("rule", "random") == "random" and "seed" not in algorithm):
        sampling: str | dict[str, Any] = str(algorithm["type"])
    else:
        sampling = algorithm
    document: dict[str, Any] = {
        "$schema": SWEEP_JOB_SCHEMA,
        "type": "sweep",
        "display_name": job.display_name,
        "experiment_name": job.experiment,
        "description": description,
        "tags": dict(job.tags),
        "inputs": inputs,
        "trial": {"code": code, "command": command, "environment": environment},
        "search_space": {name: e.model_dump(mode="json", exclude_none=True) for name, e in settings.search_space.items()},
        "objective": settings.objective.model_dump(mode="json"),
        "sampling_algorithm": sampling,
        "limits": settings.limits.model_dump(mode="json", exclude_none=True),
    }
    if settings.early_termination is not None:
        document["early_termination"] = settings.early_termination.model_dump(mode="json", exclude_none=True)
    if not inputs:
        del document["inputs"]
    compute = azure_compute(job.compute)
    if compute is not None:
        document["compute"] = compute
    return document


def _searched_only(arg: str, searched: set[str]) -> bool:
    names = {m.group(1) for m in PLACEHOLDER.finditer(arg)}
    return bool(names) and names <= {azure_input_name(n) for n in searched}


def portable(argv: tuple[str, ...]) -> list[str]:
    """The local target records the interpreter it ran (the kernel's ``/…/bin/python3``); Azure's image has ``python``."""
    args = list(argv)
    if args and "/" in args[0] and args[0].rsplit("/", 1)[1].startswith("python"):
        args[0] = "python"
    return args


def azure_compute(compute: str | None) -> str | None:
    """``azureml:<cluster>``; ``None`` (serverless) for the local machine and for serverless jobs."""
    if compute is None or compute in NO_AZURE_COMPUTE:
        return None
    return compute if compute.startswith("azureml:") else f"azureml:{compute}"


def environment_reference(ref: str) -> str:
    """A named environment as CLI v2 writes it: ``azureml:name:version``, ``azureml:name@latest`` or a registry URI."""
    return ref if ref.startswith("azureml:") else f"azureml:{ref}"


def literal(value: Any, rendered: str | None) -> str | int | float:
    """A parameter as a literal input: numbers stay numbers, anything else is the text main.py receives."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if rendered is not None:
        return rendered
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rendered(argv: tuple[str, ...], parameters: Mapping[str, Any]) -> dict[str, str]:
    """The text each parameter had in a command that passed values literally (the local target's)."""
    found: dict[str, str] = {}
    for i, arg in enumerate(argv[:-1]):
        name = arg[2:]
        if arg.startswith("--") and name in parameters and "${{" not in argv[i + 1]:
            found[name] = argv[i + 1]
    return found


def _needs_quotes(text: str) -> bool:
    return text == "" or any(c.isspace() or c in "'\"\\$`!*?;&|<>(){}[]#~" for c in text)
