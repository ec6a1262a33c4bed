"""Submitting a local job: validate the spec, snapshot the code, record it, start its supervisor.

Submit must return at once (no MLflow import, no waiting for a slot): it does
the cheap, certain work here and leaves everything slow to the detached
supervisor (``supervisor.py``). The row is inserted before the supervisor is
started, so a crash in between leaves a job that reconcile marks Failed
rather than a process nobody knows about.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import NotFoundError, ValidationError
from ...records import Job, JobInput
from ...specs import CommandJobSpec
from . import job_index
from .data_assets import DataAssets
from .files import refuse_links
from .layout import Layout
from .names import new_job_name
from .procs import spawn_detached, start_time
from .store import Store
from ...i18n import _

_PLACEHOLDER = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SKIP_IN_CODE = {"__pycache__", ".ipynb_checkpoints", ".git", "outputs", ".DS_Store"}
COMPUTE = "local"


def _check_local(spec: CommandJobSpec) -> str:
    """What only the local target requires of a spec (the rest was checked when the spec was built)."""
    compute = spec.compute or COMPUTE
    if compute != COMPUTE:
        raise ValidationError(_("Unknown compute {compute!r}: the local workspace runs jobs on 'local'.").format(
            compute=compute), field="compute")
    return compute


def _code_dir(spec: CommandJobSpec) -> Path:
    """The code folder, checked: it exists, holds the script, and no link in it leaves it (the snapshot would follow it)."""
    given = os.fspath(spec.code_dir)
    path = Path(given).expanduser().resolve()
    if not path.is_dir():
        raise ValidationError(_("The code folder {value!r} does not exist.").format(value=given), field="code_dir")
    for arg in spec.command[1:2]:
        if arg.endswith(".py") and not (path / arg).is_file():
            raise ValidationError(_("The code folder {value!r} has no {arg}.").format(value=given, arg=arg), field="code_dir")
    try:
        refuse_links(path, what="code folder", skip_top=frozenset(_SKIP_IN_CODE))
    except ValidationError as exc:
        link = {k: v for k, v in exc.details.items() if k != "field"}
        raise ValidationError(exc.message, field="code_dir", details=link) from None
    return path


def _interpreter(interpreter: str | None) -> str:
    if interpreter is None:
        return sys.executable
    if not interpreter:
        raise ValidationError(_("interpreter must be the path of a Python interpreter."), field="interpreter")
    found = shutil.which(interpreter) if os.sep not in interpreter else interpreter
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise ValidationError(_("The Python interpreter {interpreter!r} does not exist or cannot run.").format(
            interpreter=interpreter), field="interpreter")
    return os.path.abspath(found)


def _format(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def build_command(command: tuple[str, ...] | list[str], python: str, inputs: list[JobInput], parameters: Mapping[str, Any]) -> list[str]:
    """The exact argv: interpreter substituted, ``${{inputs.x}}`` filled, unmentioned inputs appended."""
    values = {name: _format(v) for name, v in parameters.items()}
    values.update({item.name: item.path for item in inputs})
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValidationError(_("The command uses ${{{{inputs.{name}}}}}, which is neither an input nor a parameter.").format(
                name=name), field="command")
        used.add(name)
        return values[name]

    argv = [_PLACEHOLDER.sub(fill, arg) for arg in command]
    if argv[0] in ("python", "python3"):
        argv[0] = python
    for item in inputs:
        if item.name not in used:
            argv += [f"--{item.name}", item.path]
    return argv


def _copy_code(source: Path, target: Path, *, hardlink: bool = False) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == source
        return {n for n in names if n in _SKIP_IN_CODE and (top or n != "outputs")}

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system, or links not allowed: copy
            shutil.copy2(src, dst)

    shutil.copytree(source, target, ignore=ignore, copy_function=link if hardlink else shutil.copy2)


def populate_folder(layout: Layout, name: str, code: Path, *, hardlink: bool = False) -> None:
    """Fill ``jobs/<name>/``: the code snapshot (``hardlink``: linked, not copied, as sweep trials share one),
    ``outputs/`` (also reachable as ``code/outputs``) and an empty ``logs/std_log.txt``."""
    _copy_code(code, layout.code_dir(name), hardlink=hardlink)
    layout.outputs_dir(name).mkdir()
    layout.logs_dir(name).mkdir()
    layout.std_log(name).touch()
    outputs_link = layout.code_dir(name) / "outputs"
    outputs_link.symlink_to(Path("..") / "outputs", target_is_directory=True)  # ./outputs is the job output


class Submitter:
    """Creates job folders and rows and starts supervisors for one workspace."""

    def __init__(self, store: Store, layout: Layout, data: DataAssets, *, compute_slots: int, cancel_grace: float) -> None:
        self.store = store
        self.layout = layout
        self.data = data
        self.compute_slots = compute_slots
        self.cancel_grace = cancel_grace

    def check(self, spec: CommandJobSpec) -> None:
        """Everything ``submit`` refuses except the code folder (a preview has none yet); starts nothing."""
        compute, python, inputs = self._resolve_parts(spec, base=Path(spec.code_dir).expanduser())
        build_command(spec.command, python, inputs, spec.parameters)  # placeholders name inputs or parameters

    def submit(self, spec: CommandJobSpec, *, job_type: str | None = None) -> Job:
        """Start ``spec``; ``job_type`` records another kind of job that runs as this command (``automl``)."""
        compute, code, python, inputs = self.resolve(spec)
        argv = build_command(spec.command, python, inputs, spec.parameters)
        name, folder = self.create_folder(code)
        try:
            with self.store.write() as tx:
                job_index.insert(
                    tx,
                    {
                        "name": name,
                        "display_name": spec.display_name or name,
                        "experiment": spec.experiment,
                        "status": "Queued",
                        "compute": compute,
                        "compute_slots": self.compute_slots,
                        "interpreter": python,
                        "environment": spec.environment,
                        "type": job_type or spec.type,
                        "parent": spec.parent,
                        "command": json.dumps(argv),
                        "parameters": json.dumps(dict(spec.parameters)),
                        "inputs": json.dumps([i.to_dict() for i in inputs]),
                        "tags": json.dumps(dict(spec.tags)),
                        "manifest": json.dumps(spec.manifest) if spec.manifest is not None else None,
                        "cancel_grace": self.cancel_grace,
                        "created_at": time.time(),
                    },
                )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._spawn(name)
        return job_index.get_job(self.store, name)

    def resolve(self, spec: CommandJobSpec) -> tuple[str, Path, str, list[JobInput]]:
        """What the spec names on this machine: compute, code folder, interpreter and inputs (checked)."""
        code = _code_dir(spec)
        compute, python, inputs = self._resolve_parts(spec, base=code)
        return compute, code, python, inputs

    def _resolve_parts(self, spec: CommandJobSpec, *, base: Path) -> tuple[str, str, list[JobInput]]:
        """The compute, interpreter and resolved inputs (relative paths against ``base``)."""
        compute = _check_local(spec)
        python = _interpreter(spec.interpreter)
        inputs = []
        for name, ref in spec.inputs.items():
            try:
                path, asset = self.data.resolve(str(ref), base=base, field=f"inputs.{name}")
            except NotFoundError as exc:
                raise ValidationError(exc.message, field=f"inputs.{name}") from None
            inputs.append(JobInput(name=name, ref=str(ref), path=str(path), asset=f"{asset.name}:{asset.version}" if asset else None))
        return compute, python, inputs

    def create_folder(self, code: Path) -> tuple[str, Path]:
        """A fresh job name and its folder: a snapshot of ``code``, empty outputs, an empty log."""
        name, folder = self._new_folder()
        try:
            populate_folder(self.layout, name, code)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return name, folder

    def _new_folder(self) -> tuple[str, Path]:
        self.layout.jobs_dir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(20):
            name = new_job_name()
            folder = self.layout.job_dir(name)
            try:
                folder.mkdir()  # exclusive: two processes can never pick the same name
            except FileExistsError:
                continue
            return name, folder
        raise RuntimeError("Could not find a free job name after 20 tries.")

    def _spawn(self, name: str) -> None:
        """Start the detached supervisor and record who it is (PID plus start time)."""
        try:
            proc = spawn_detached(
                [sys.executable, "-m", "amlx_lab.backends.local.supervisor", str(self.layout.root), name],
                log=self.layout.supervisor_log(name),
                cwd=self.layout.job_dir(name),
            )
        except OSError as exc:
            job_index.update(
                self.store, name, {"status": "Failed", "error": f"Could not start the job's supervisor: {exc}", "ended_at": time.time()}
            )
            return
        job_index.update(self.store, name, {"supervisor_pid": proc.pid, "supervisor_start": start_time(proc.pid)})
