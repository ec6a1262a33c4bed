"""Notebook cell -> job package: the one entry point the rest of amlx-lab calls.

``preview_package`` computes everything (script, requirements, inputs,
parameters, warnings, content hash) and writes nothing; ``build_package``
does the same and writes the folder::

    main.py              the job: the cells, and two lines of set-up (see script.py)
    _amlx_runtime/       the set-up main.py imports, with its job.json (see jobruntime.py)
    requirements.txt     pinned from the kernel's environment
    amlx-manifest.json   JobPackage.to_dict() without the script
    <data files>         at the relative paths the code reads them from

Both are pure apart from reading the notebook and data files, asking the
kernel's interpreter for its package versions (cached), and, for build,
writing the folder. No network, and user code is never executed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..names import asset_name_problem
from ..records import Record
from .analysis import CellAnalysis, ImportRef, analyze_cell, strings_and_imports
from .data_files import (
    OUTPUTS,
    PackageInput,
    copy_inputs,
    find_inputs,
    local_module,
    normalise_path,
    written_first,
)
from .errors import (
    CellSyntaxError,
    NotebookError,
    UndefinedNameError,
    ValidationError,
    cell_details,
    cell_label,
)
from .experiment import chosen_experiment
from .explain import KeepReason, explain
from .ipython_syntax import Converted, convert_cell
from .jobruntime import runtime_config, runtime_files
from .parameters import Parameter, apply_overrides, find_parameters, format_value
from .requirements import (
    KernelInfo,
    find_kernel_python,
    pin_requirements,
    probe_environment,
)
from .script import ScriptCell, render_script
from .slicer import Unit, is_history_name, slice_units
from .source import (
    PARAMETERS_TAG,
    Cell,
    CellSelector,
    Notebook,
    Source,
    load_source,
    select_cell,
)
from ..i18n import _

__all__ = [
    "DEFAULT_MAX_COPY_BYTES",
    "MANIFEST_NAME",
    "CellRef",
    "IncludedCell",
    "JobPackage",
    "PackageOptions",
    "build_package",
    "load_package",
    "preview_package",
]

DEFAULT_MAX_COPY_BYTES = 20 * 1024 * 1024
MANIFEST_NAME = "amlx-manifest.json"
SCRIPT_NAME = "main.py"
REQUIREMENTS_NAME = "requirements.txt"


@dataclass(frozen=True)
class PackageOptions:
    """How to package a cell. All fields have defaults; ``from_dict`` reads the REST/CLI form.

    include_all_above: take every code cell above the target instead of the minimal slice.
    autolog: turn on MLflow autologging for scikit-learn in main.py.
    max_copy_bytes: data files (or folders) up to this size are copied; larger ones become job inputs.
    job_inputs: paths the code reads (relative, as it names them) that become job inputs whatever
        their size, so a data asset can replace them at submit time; each must be read by the slice.
    kernel_python: pin requirements from this interpreter instead of the notebook's kernelspec.
    kernel_name: use this kernelspec instead of the one named in the notebook's metadata.
    base_dir: folder the code's relative paths resolve against (default: the notebook's folder,
        or the current folder for an execution history).
    parameters_override: new defaults for parameters, e.g. ``{"alpha": 0.3}`` (names must exist).
    target_source: run this text as the target cell instead of what the file holds (``%%aml submit
        --notebook`` sends its body: the saved cell also holds the magic line). The notebook's other
        cells, with their tags, are read from the file as usual.
    """

    include_all_above: bool = False
    autolog: bool = True
    max_copy_bytes: int = DEFAULT_MAX_COPY_BYTES
    kernel_python: str | None = None
    kernel_name: str | None = None
    base_dir: str | None = None
    parameters_override: Mapping[str, Any] = field(default_factory=dict)
    job_inputs: tuple[str, ...] = ()
    target_source: str | None = None

    def __post_init__(self) -> None:
        for name in ("include_all_above", "autolog"):
            if not isinstance(getattr(self, name), bool):
                raise ValidationError(_("{name} must be true or false.").format(name=name), field=name)
        if isinstance(self.max_copy_bytes, bool) or not isinstance(self.max_copy_bytes, int) or self.max_copy_bytes < 0:
            raise ValidationError(_("max_copy_bytes must be a whole number of bytes, 0 or more."), field="max_copy_bytes")
        for name in ("kernel_python", "kernel_name", "base_dir"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (str, os.PathLike)) or not str(value)):
                raise ValidationError(_("{name} must be a non-empty string.").format(name=name), field=name)
        if not isinstance(self.parameters_override, Mapping) or not all(
            isinstance(k, str) for k in self.parameters_override
        ):
            raise ValidationError(_("parameters_override must map parameter names to values."), field="parameters_override")
        object.__setattr__(self, "job_inputs", _job_input_paths(self.job_inputs))
        if self.target_source is not None and not isinstance(self.target_source, str):
            raise ValidationError(_("target_source must be the text of a cell."), field="target_source")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PackageOptions:
        """Options from JSON; unknown keys are refused so that typos do not pass silently."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(
                _("Unknown package option(s): {items}; known: {items2}.").format(items=', '.join(unknown), items2=', '.join(sorted(known))),
                field=unknown[0],
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: (dict(v) if isinstance(v := getattr(self, f.name), Mapping) else v) for f in fields(self)}


def _job_input_paths(value: Any) -> tuple[str, ...]:
    """``job_inputs`` normalised like ``PackageInput.path`` and sorted, so equal requests compare equal."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)) or not all(
        isinstance(p, str) and p.strip() for p in value
    ):
        raise ValidationError(
            _('job_inputs must be a list of paths the code reads, as it names them (e.g. ["data/titanic.csv"]).'),
            field="job_inputs",
        )
    return tuple(sorted({normalise_path(p) for p in value}))


@dataclass(frozen=True)
class CellRef(Record):
    index: int
    id: str | None


@dataclass(frozen=True)
class IncludedCell(Record):
    """A cell main.py runs, and why the slice needs it.

    ``script_start``..``script_end``: the lines (1-based, inclusive) of main.py that hold the
    cell's code, with any line amlx added (a parameter's override), so a viewer can show a
    cell on its own or point into the script.
    """

    index: int
    id: str | None
    execution_count: int | None
    reason: str
    names: tuple[str, ...] = ()
    explanation: str = ""  # why the cell is kept, in sentences for the preview
    script_start: int | None = None
    script_end: int | None = None


@dataclass(frozen=True)
class JobPackage(Record):
    """A notebook cell packaged as a job (``root`` is None for a preview).

    Run it as ``command`` with cwd = ``root``, adding ``--name value`` per
    parameter (``command_line`` formats them) and ``--input-... PATH`` per
    job input.
    """

    script: str
    requirements: tuple[str, ...]
    parameters: dict[str, Parameter]
    inputs: tuple[PackageInput, ...]
    cells: tuple[IncludedCell, ...]
    warnings: tuple[str, ...]
    content_hash: str
    root: str | None
    notebook_path: str | None
    target_cell: CellRef
    kernel: KernelInfo
    command: tuple[str, ...] = ("python", SCRIPT_NAME)
    parameter_syntax: str = "--{name} {value}"
    outputs_dir: str = "outputs"
    files: tuple[str, ...] = ()
    autolog: bool = True
    generator: str = f"amlx-lab {__version__}"
    experiment: str | None = None  # what the code's own mlflow.set_experiment("...") names (see experiment.py)

    def command_line(self, parameters: Mapping[str, Any] | None = None, inputs: Mapping[str, str] | None = None) -> list[str]:
        """``command`` plus ``--name value`` for ``parameters`` and ``--input-... PATH`` for job ``inputs``.

        ``inputs`` maps the relative path the code reads (``PackageInput.path``) to a real path.
        """
        argv = list(self.command)
        for name, value in (parameters or {}).items():
            param = self.parameters.get(name)
            if param is None:
                raise ValidationError(
                    _("Unknown parameter {name!r}; this package's parameters are: {value}.").format(
                        name=name, value=', '.join(self.parameters) or 'none'),
                    field="parameters",
                )
            argv += [param.flag, format_value(param, value)]
        by_path = {i.path: i for i in self.inputs if i.mode == "job_input"}
        for rel, path in (inputs or {}).items():
            item = by_path.get(normalise_path(rel))
            if item is None or item.option is None:
                raise ValidationError(_("{rel!r} is not a job input of this package.").format(rel=rel), field="inputs")
            argv += [item.option, str(path)]
        return argv


# -- planning ---------------------------------------------------------------------------


@dataclass
class _Plan:
    package: JobPackage
    base_dir: Path
    copies: list[PackageInput]
    requirements_text: str
    runtime: dict[str, str]


def _line_note(cell: Cell, line: int | None, message: str) -> str:
    return f"{cell_label(cell.index, cell.id, line)}: {message}"


def _convert(cell: Cell) -> tuple[Converted | None, CellAnalysis | None, tuple[int, str] | None]:
    try:
        converted = convert_cell(cell.source)
        return converted, analyze_cell(converted.code), None
    except SyntaxError as exc:
        return None, None, (exc.lineno or 1, exc.msg)


def _undefined_error(name: str, cell: Cell, line: int, nb: Notebook, target: Cell, context: dict[str, Any]) -> UndefinedNameError:
    where = cell_label(cell.index, cell.id, line)
    hints: list[str] = []
    if is_history_name(name):
        hints.append(_("it is IPython's input/output history, which a job does not have"))
    for index, at in context["dropped"]:
        if name in at:
            hints.append(_("only IPython syntax a job cannot run assigns it ({cell_label})").format(
                cell_label=cell_label(index, None, at[name])))
            break
    for index, line_no in context["broken"]:
        hints.append(_("{cell_label} has a syntax error, so it never ran; it may be meant to define it").format(
            cell_label=cell_label(index, None, line_no)))
        break
    for later in nb.cells[target.index + 1 :]:
        if later.is_code:
            _source, analysis, _warnings = _convert(later)
            if analysis is not None and name in analysis.bound:
                hints.append(_("cell {index}, below the target, defines it: move that cell above cell {index2}").format(
                    index=later.index, index2=target.index))
                break
    message = f"{where}: name {name!r} is used but no cell above defines it"
    if hints:
        message += " (" + "; ".join(hints) + ")"
    return UndefinedNameError(message + ".", details=cell_details(cell.index, cell.id, line, name=name))


@dataclass
class _Analysed:
    """Every code cell up to the target as plain Python, analysed (cells with syntax errors have no analysis)."""

    units: list[Unit]
    converted: dict[int, Converted]
    cells: dict[int, Cell]
    broken: list[tuple[int, int]]
    warnings: list[str]


def _analyse(nb: Notebook, target: Cell) -> _Analysed:
    code_cells = [c for c in nb.cells[: target.index + 1] if c.is_code]
    units: list[Unit] = []
    converted: dict[int, Converted] = {}
    broken: list[tuple[int, int]] = []
    warnings: list[str] = []
    for c in code_cells:
        conv, analysis, error = _convert(c)
        if error is not None:
            if c.index == target.index:
                raise CellSyntaxError(
                    f"{cell_label(c.index, c.id, error[0])}: syntax error: {error[1]}.",
                    details=cell_details(c.index, c.id, error[0], error=error[1]),
                )
            broken.append((c.index, error[0]))
            warnings.append(_line_note(c, error[0], _("syntax error ({value}); the cell is left out (it cannot have run)").format(
                value=error[1])))
        else:
            converted[c.index] = conv  # type: ignore[assignment]
        units.append(Unit(c.index, c.id, analysis, error))
    return _Analysed(units, converted, {c.index: c for c in code_cells}, broken, warnings)


def _inputs(
    included: list[Unit], analysed: _Analysed, base_dir: Path, options: PackageOptions
) -> tuple[list[PackageInput], list[tuple[ImportRef, int]], dict[str, PackageInput], list[str]]:
    """Data files named in the slice's string literals, and the local modules it imports."""
    scanned = {unit.index: strings_and_imports(analysed.converted[unit.index].code) for unit in included}
    uses = [(s.value, index, s.line, s.written) for index, (strings, _) in scanned.items() for s in strings]
    outputs = written_first(uses)
    literals = [(text, index, line) for text, index, line, _ in uses if normalise_path(text) not in outputs]
    inputs, warnings = find_inputs(literals, base_dir, options.max_copy_bytes, job_inputs=options.job_inputs)
    for written, (text, index, line) in sorted(outputs.items(), key=lambda item: item[1][1:]):
        inside = not written.startswith(("/", "~", "..")) and written.split("/")[0] != OUTPUTS
        if inside and os.path.lexists(base_dir / written):
            warnings.append(
                _("cell {index}, line {line}: the code writes {text!r} before reading it, so the file in the notebook's folder is not "
                  "copied in; only files the job writes under {OUTPUTS}/ are kept as its outputs").format(
                    index=index, line=line, text=text, OUTPUTS=OUTPUTS)
            )
    _check_job_inputs(options.job_inputs, inputs)
    imports = [(ref, index) for index, (_, refs) in scanned.items() for ref in refs]
    modules: dict[str, PackageInput] = {}
    for ref, index in imports:
        if ref.relative:
            warnings.append(_("cell {index}, line {line}: relative import; the package has no parent package, so it will fail").format(
                index=index, line=ref.line))
            continue
        path = local_module(ref.module, base_dir) if ref.module not in modules else None
        if path is not None:
            found, _large = find_inputs([(path.name, index, ref.line)], base_dir, 1 << 40)  # code is always copied
            for item in found:
                modules[ref.module] = PackageInput(
                    item.path, "module", "copied", item.size_bytes, item.sha256, item.source, None, index, ref.line
                )
    known = {i.path for i in inputs}
    inputs += [m for m in modules.values() if m.path not in known]
    inputs.sort(key=lambda i: i.path)
    return inputs, imports, modules, warnings


def _check_job_inputs(wanted: Sequence[str], inputs: Sequence[PackageInput]) -> None:
    """Refuse a forced job input the slice does not read: a data asset put there would be ignored."""
    data = [i for i in inputs if i.kind != "module"]
    reads = {i.path for i in data}
    for path in wanted:
        if path in reads:
            continue
        folder = next((i.path for i in data if i.kind == "directory" and path.startswith(i.path + "/")), None)
        if folder is not None:
            message = (
                f"job_inputs: {path!r} lies inside the folder {folder!r}, which the code reads as a whole; "
                f"name {folder!r} instead."
            )
        else:
            listed = ", ".join(repr(p) for p in sorted(reads)) or "none"
            message = (
                f"job_inputs: the cell's code (with the cells it needs) does not read {path!r}; "
                f"the files and folders it reads are: {listed}."
            )
        raise ValidationError(message, field="job_inputs", details={"path": path, "reads": sorted(reads)})


def _requirements(
    nb: Notebook, options: PackageOptions, imports: list[tuple[ImportRef, int]], analysed: _Analysed, modules: Mapping[str, Any]
) -> tuple[KernelInfo, list[str], str, list[str]]:
    """The kernel, the pinned requirement lines, requirements.txt's text, and warnings."""
    kernel, warnings = find_kernel_python(
        options.kernel_name or nb.kernel_name, override=options.kernel_python, history=nb.path is None
    )
    try:
        probe = probe_environment(kernel.python, kernel.launcher)
    except RuntimeError as exc:
        warnings.append(_("{exc}; requirements are pinned from the current interpreter ({executable}) instead").format(
            exc=exc, executable=sys.executable))
        kernel = KernelInfo(kernel.name, sys.executable, None, "current interpreter")
        probe = probe_environment(sys.executable)
    python = probe.executable if kernel.launcher else kernel.python
    kernel = KernelInfo(kernel.name, python, probe.version, kernel.source, kernel.launcher)
    tracking = ["mlflow"] if options.autolog else []
    if options.autolog and any(ref.module == "sklearn" for ref, _ in imports) and "skops" in probe.versions:
        tracking.append("skops")  # MLflow 3 saves scikit-learn models with skops
    installs = [(req.spec, index, req.line) for index, conv in analysed.converted.items() for req in conv.requirements]
    requirements, more = pin_requirements(
        [(ref.module, index, ref.line) for ref, index in imports], installs, probe, tracking=tracking, local_modules=modules
    )
    text = f"# Pinned from the kernel's environment: {kernel.python} (Python {kernel.python_version}).\n"
    text += "".join(f"{r.line}\n" for r in requirements)
    return kernel, [r.line for r in requirements], text, warnings + more


def _content_hash(script: str, requirements_text: str, inputs: list[PackageInput], runtime: Mapping[str, str]) -> str:
    """What the job runs and reads, not where it was built: equal packages hash equal."""
    digest = hashlib.sha256()
    digest.update(script.encode())
    digest.update(b"\0" + requirements_text.encode())
    for name, text in sorted(runtime.items()):
        digest.update(f"\0{name}\0".encode() + text.encode())
    for item in inputs:
        fingerprint = item.sha256 or f"{item.size_bytes}:{_mtime(item.source)}"
        digest.update(f"\0{item.path}\0{item.kind}\0{item.mode}\0{fingerprint}".encode())
    return "sha256:" + digest.hexdigest()


def _plan(source: Source, cell: CellSelector, options: PackageOptions | None) -> _Plan:
    options = options or PackageOptions()
    if not isinstance(options, PackageOptions):
        options = PackageOptions.from_dict(options)
    nb = load_source(source, options.base_dir)
    if nb.language not in (None, "python"):
        raise NotebookError(
            _("The notebook's kernel language is {language!r}; only Python notebooks can be packaged.").format(language=nb.language),
            details={"language": nb.language},
        )
    target = select_cell(nb, cell)
    if options.target_source is not None:
        target = replace(target, source=options.target_source)
        nb = replace(nb, cells=tuple(target if c.index == target.index else c for c in nb.cells))
    analysed = _analyse(nb, target)
    units, cells = analysed.units, analysed.cells
    warnings = list(analysed.warnings)

    # the slice, and the names it needs that nothing defines
    result = slice_units(units, include_all=options.include_all_above)
    context = {
        "dropped": [(i, conv.dropped_names) for i, conv in analysed.converted.items() if conv.dropped_names],
        "broken": analysed.broken,
    }
    for item in result.undefined:
        c = cells[units[item.position].index]
        if not item.soft:
            raise _undefined_error(item.name, c, item.line, nb, target, context)
        inside = f" in {item.in_function}()" if item.in_function else ""
        warnings.append(
            _line_note(c, item.line, _("name {name!r}{inside} is not defined by any cell above; the job fails if that line runs").format(
                name=item.name, inside=inside))
        )
    included = [units[p] for p in result.positions]
    for unit in included:
        for note in analysed.converted[unit.index].notes:
            if note.warning:
                warnings.append(_line_note(cells[unit.index], note.line, note.message))

    # parameters, inputs, requirements
    params, sites, notes = find_parameters([
        (pos, units[pos].index, units[pos].analysis.literal_assigns, units[pos].analysis.binding_counts,  # type: ignore[union-attr]
         PARAMETERS_TAG in cells[units[pos].index].tags)
        for pos in result.positions
    ])
    warnings += notes
    params = apply_overrides(params, options.parameters_override)
    inputs, imports, modules, input_warnings = _inputs(included, analysed, nb.base_dir, options)
    warnings += input_warnings
    kernel, requirements, requirements_text, requirement_warnings = _requirements(nb, options, imports, analysed, modules)
    warnings += requirement_warnings
    experiment, experiment_warnings = _experiment(analysed)
    warnings += experiment_warnings

    # main.py
    script_cells: list[ScriptCell] = []
    explanations: list[str] = []
    for pos in result.positions:
        c = cells[units[pos].index]
        reasons = list(result.reasons.get(pos, []))
        why = list(result.why.get(pos, []))
        if PARAMETERS_TAG in c.tags:
            reasons.insert(0, "cell tagged 'parameters'")
            why.insert(0, KeepReason("parameters"))
        reason = "; ".join(reasons) or "needed by the slice"
        script_cells.append(ScriptCell(c.index, c.id, c.execution_count, reason, analysed.converted[c.index].code, pos))
        explanations.append(explain(c.index, why))
    notebook_name = nb.path.name if nb.path else "the kernel's execution history"
    rendered = render_script(
        notebook=notebook_name,
        generator=f"amlx-lab {__version__}",
        cells=script_cells,
        target=script_cells[-1],
        parameters=params,
        sites=sites,
        inputs=inputs,
    )
    runtime = runtime_files(runtime_config(
        script=rendered,
        notebook=notebook_name,
        target_index=target.index,
        parameters=params,
        inputs=inputs,
        tracking=True,
        autolog=options.autolog and any(ref.module == "sklearn" for ref, _ in imports),
    ))
    included_cells = [
        IncludedCell(
            sc.index, sc.id, sc.execution_count, sc.reason, tuple(result.names.get(sc.position, [])),
            explanation=explanation, script_start=lines.start, script_end=lines.end,
        )
        for sc, lines, explanation in zip(script_cells, rendered.cells, explanations)
    ]
    script = rendered.text
    package = JobPackage(
        script=script,
        requirements=tuple(requirements),
        parameters={p.name: p for p in params},
        inputs=tuple(inputs),
        cells=tuple(included_cells),
        warnings=tuple(dict.fromkeys(warnings)),
        content_hash=_content_hash(script, requirements_text, inputs, runtime),
        root=None,
        notebook_path=str(nb.path) if nb.path else None,
        target_cell=CellRef(target.index, target.id),
        kernel=kernel,
        files=tuple([SCRIPT_NAME, *sorted(runtime), REQUIREMENTS_NAME, MANIFEST_NAME] + [i.path for i in inputs if i.mode == "copied"]),
        autolog=options.autolog,
        experiment=experiment,
    )
    return _Plan(package, nb.base_dir, inputs, requirements_text, runtime)


def _experiment(analysed: _Analysed) -> tuple[str | None, list[str]]:
    """The experiment the code chooses for the target cell, from every cell up to it (not only the slice)."""
    choice = chosen_experiment((index, conv.code) for index, conv in sorted(analysed.converted.items()))
    if choice is None:
        return None, []
    where = cell_label(choice.cell, analysed.cells[choice.cell].id, choice.line)
    if choice.name is None:
        return None, [f"{where}: mlflow.set_experiment() names no literal experiment; the job's experiment is the default "
                      "(choose one with --experiment)"]
    problem = asset_name_problem(choice.name, "experiment")
    if problem:
        return None, [f"{where}: {problem} The job's experiment is the default (choose one with --experiment)."]
    return choice.name, []


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


# -- public API -------------------------------------------------------------------------


def preview_package(source: Source, *, cell: CellSelector, options: PackageOptions | None = None) -> JobPackage:
    """The package of ``cell`` (script, requirements, inputs, parameters, warnings, hash); writes nothing.

    ``source`` is an ``.ipynb`` path or a list of cell sources (a kernel's
    history); ``cell`` is an index (int; negative counts from the end), or a
    cell id, else a tag such as ``"aml-train"`` (str).
    """
    return _plan(source, cell, options).package


def build_package(
    source: Source, *, cell: CellSelector, out_dir: str | os.PathLike[str], options: PackageOptions | None = None
) -> JobPackage:
    """Write the package of ``cell`` into ``out_dir`` (which must not exist or be empty).

    The folder appears complete or not at all: files are written to a sibling
    temporary folder that is then renamed into place.
    """
    plan = _plan(source, cell, options)
    out = Path(out_dir).expanduser().absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationError(_("out_dir {value!r} exists and is not an empty folder.").format(value=str(out)), field="out_dir")
    out.parent.mkdir(parents=True, exist_ok=True)
    package = _with_root(plan.package, str(out))
    staging = out.parent / f".{out.name}.{uuid.uuid4().hex[:12]}.tmp"
    staging.mkdir()  # unlike mkdtemp, honours the umask: the package is as readable as any folder
    try:
        (staging / SCRIPT_NAME).write_text(package.script, encoding="utf-8")
        for name, text in plan.runtime.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(text, encoding="utf-8")
        (staging / REQUIREMENTS_NAME).write_text(plan.requirements_text, encoding="utf-8")
        copy_inputs(plan.copies, staging, plan.base_dir)
        manifest = package.to_dict()
        manifest.pop("script")
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return package


def _with_root(package: JobPackage, root: str | None) -> JobPackage:
    values = {f.name: getattr(package, f.name) for f in fields(package)}
    values["root"] = root
    return JobPackage(**values)


def load_package(folder: str | os.PathLike[str]) -> JobPackage:
    """Read back a package folder written by :func:`build_package` (e.g. in a job supervisor)."""
    root = Path(folder)
    try:
        data = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
        script = (root / SCRIPT_NAME).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ValidationError(_("{value!r} is not a job package ({name} is missing).").format(
            value=str(root), name=Path(exc.filename).name), field="folder") from None
    return JobPackage(
        script=script,
        requirements=tuple(data["requirements"]),
        parameters={k: Parameter(**v) for k, v in data["parameters"].items()},
        inputs=tuple(PackageInput(**i) for i in data["inputs"]),
        cells=tuple(IncludedCell(**{**c, "names": tuple(c.get("names", ()))}) for c in data["cells"]),
        warnings=tuple(data["warnings"]),
        content_hash=data["content_hash"],
        root=str(root.absolute()),
        notebook_path=data["notebook_path"],
        target_cell=CellRef(**data["target_cell"]),
        kernel=KernelInfo(**{**data["kernel"], "launcher": tuple(data["kernel"].get("launcher", ()))}),
        command=tuple(data["command"]),
        parameter_syntax=data["parameter_syntax"],
        outputs_dir=data["outputs_dir"],
        files=tuple(data["files"]),
        autolog=data["autolog"],
        generator=data["generator"],
        experiment=data.get("experiment"),
    )
