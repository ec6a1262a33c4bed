"""The text of main.py: a short job set-up, then the sliced cells verbatim, then the tear-down.

main.py must run unchanged under the local runner, on Azure ML and by hand,
without amlx-lab installed, so everything it needs is written into it. Its
own names start with ``_amlx_`` to stay out of the notebook's way. The
set-up does, in order: parse the parameters and job inputs (argparse), create
``./outputs/``, link job inputs into place, start MLflow tracking (see
``_TRACKING``) and, with autologging, let logged models reuse requirements.txt
(see ``_MODEL_REQUIREMENTS``); the cells follow, each headed by ``# %% cell N`` (so editors
show them as cells too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .data_files import PackageInput
from .parameters import Parameter, ParameterSite

__all__ = ["ScriptCell", "render_script"]


@dataclass(frozen=True)
class ScriptCell:
    index: int
    id: str | None
    execution_count: int | None
    reason: str
    code: str
    position: int


_TRACKING = '''
def _amlx_start_tracking(parameters, autolog):
    """Join the job's MLflow run (or start one), log the parameters, turn on autologging.

    With MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_NAME / MLFLOW_RUN_ID set (by a
    runner or Azure ML) the job logs into that run. Without a tracking URI it
    logs to ./outputs/mlflow/ so that no stray files appear elsewhere. Without
    mlflow installed the job runs untracked.
    """
    try:
        import mlflow
    except ImportError:
        print("amlx: mlflow is not installed; the job runs without tracking.", flush=True)
        return None
    env = _amlx_os.environ
    if not env.get("MLFLOW_TRACKING_URI"):
        folder = _amlx_os.path.abspath(_amlx_os.path.join("outputs", "mlflow"))
        _amlx_os.makedirs(folder, exist_ok=True)
        env["MLFLOW_TRACKING_URI"] = "sqlite:///" + _amlx_os.path.join(folder, "mlflow.db")
        name = env.setdefault("MLFLOW_EXPERIMENT_NAME", "amlx-job")
        if not env.get("MLFLOW_RUN_ID") and mlflow.get_experiment_by_name(name) is None:
            import pathlib

            mlflow.create_experiment(name, artifact_location=pathlib.Path(folder, "artifacts").as_uri())
        print(f"amlx: MLFLOW_TRACKING_URI is not set; tracking to {folder}", flush=True)
    run = mlflow.start_run()  # joins $MLFLOW_RUN_ID when set (and unsets it), else starts a run
    env["MLFLOW_RUN_ID"] = run.info.run_id  # later start_run() calls and child processes join it
    print(f"amlx: MLflow run {run.info.run_id}", flush=True)
    for key, value in parameters.items():
        try:
            mlflow.log_param(key, value)
        except Exception as exc:  # e.g. the runner logged another value under this name already
            print(f"amlx: parameter {key!r} not logged: {exc}", flush=True)

    class _JoinedRun(mlflow.ActiveRun):
        """``with mlflow.start_run():`` in the notebook code uses the job's run and leaves it open."""

        def __exit__(self, exc_type, exc, tb):
            return False

    original_start_run = mlflow.start_run

    def start_run(run_id=None, experiment_id=None, run_name=None, nested=False, *args, **kwargs):
        active = mlflow.active_run()
        if active is not None and not nested and run_id in (None, active.info.run_id):
            return _JoinedRun(active)
        return original_start_run(run_id, experiment_id, run_name, nested, *args, **kwargs)

    def set_tracking_uri(uri):
        print(f"amlx: mlflow.set_tracking_uri({uri!r}) ignored: the job logs to its own run", flush=True)

    def set_experiment(experiment_name=None, experiment_id=None):
        current = mlflow.get_experiment(run.info.experiment_id)  # the job's experiment: the code's own unless overridden
        if experiment_name not in (None, current.name) or experiment_id not in (None, current.experiment_id):
            print(f"amlx: mlflow.set_experiment(...) ignored: the job logs to its run in experiment {current.name!r}", flush=True)
        return current

    mlflow.start_run = start_run
    mlflow.set_tracking_uri = set_tracking_uri
    mlflow.set_experiment = set_experiment
    if autolog:
        try:
            import mlflow.sklearn

            mlflow.sklearn.autolog(log_models=True)
        except Exception as exc:  # scikit-learn missing or an unsupported version
            print(f"amlx: scikit-learn autologging is off: {exc}", flush=True)
    previous_hook = _amlx_sys.excepthook

    def excepthook(kind, value, tb):
        if mlflow.active_run() is not None:
            mlflow.end_run("FAILED")
        previous_hook(kind, value, tb)

    _amlx_sys.excepthook = excepthook
    return mlflow


def _amlx_finish(mlflow):
    if mlflow is not None and mlflow.active_run() is not None:
        mlflow.end_run("FINISHED")
    print("amlx: done; files in ./outputs/ are the job's outputs", flush=True)
'''

_MODEL_REQUIREMENTS = '''
def _amlx_pin_model_requirements(mlflow):
    """Logged models take their requirements from requirements.txt instead of MLflow's inference.

    MLflow infers a model's requirements by loading it in a subprocess, which costs
    seconds per logged model; requirements.txt beside this file (in the code folder,
    locally and on Azure ML) already pins the notebook kernel's versions. mlflow is
    left out (MLflow adds its own pin), and so is any package the flavor pins itself
    (its ``fallback``), so that the two can never disagree. If anything is unexpected,
    MLflow's own inference stays in place.
    """
    if mlflow is None:
        return
    try:
        import re

        import mlflow.models

        infer = getattr(mlflow.models, "infer_pip_requirements", None)
        path = _amlx_os.path.join(_amlx_os.path.dirname(_amlx_os.path.abspath(__file__)), "requirements.txt")
        if not callable(infer) or not _amlx_os.path.isfile(path):
            return

        def key(line):
            name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
            return re.sub(r"[-_.]+", "-", name.group(0)).lower() if name else line

        with open(path, encoding="utf-8") as fh:
            lines = [line.strip() for line in fh]
        pinned = [line for line in lines if line and not line.startswith(("#", "-"))]
        pinned = [line for line in pinned if key(line) not in ("mlflow", "mlflow-skinny", "mlflow-tracing")]

        def infer_pip_requirements(model_uri, flavor, fallback=None, *args, **kwargs):
            try:
                own = {key(line) for line in fallback or ()}
                return [line for line in pinned if key(line) not in own]
            except Exception:
                return infer(model_uri, flavor, fallback, *args, **kwargs)

        mlflow.models.infer_pip_requirements = infer_pip_requirements
    except Exception as exc:
        print(f"amlx: logged models' requirements are inferred by MLflow ({exc})", flush=True)
'''

_INPUTS = '''
def _amlx_link_inputs(args, inputs):
    """Put each job input where the notebook code reads it (a link to the path given)."""
    for rel, dest, flag in inputs:
        given = getattr(args, dest)
        if given:
            target = _amlx_os.path.abspath(given)
            if not _amlx_os.path.exists(target):
                _amlx_sys.exit(f"main.py: {flag} {given}: no such file or folder")
            if _amlx_os.path.islink(rel):
                _amlx_os.unlink(rel)
            elif _amlx_os.path.exists(rel):
                _amlx_sys.exit(f"main.py: {flag} given but {rel!r} already exists in the package folder")
            _amlx_os.makedirs(_amlx_os.path.dirname(rel) or ".", exist_ok=True)
            _amlx_os.symlink(target, rel)
        elif not _amlx_os.path.exists(rel):
            _amlx_sys.exit(f"main.py: the code reads {rel!r}, a job input the package does not contain; pass {flag} PATH")
'''

_CONVERTERS = {
    "bool": '''
def _amlx_bool(text):
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise _amlx_argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
''',
    "literal": '''
def _amlx_literal(text):
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise _amlx_argparse.ArgumentTypeError(f"expected a Python literal such as [1, 2], got {text!r}") from None
''',
}
_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "_amlx_bool", "literal": "_amlx_literal"}


def _comment(text: str) -> str:
    return text.replace("\n", " ")


def _header(notebook: str, target: ScriptCell, params: Sequence[Parameter], inputs: Sequence[PackageInput], generator: str) -> str:
    example = " ".join(f"{p.flag} {p.default!r}" if p.type == "literal" else f"{p.flag} {p.default}" for p in params[:3])
    job_inputs = [i for i in inputs if i.mode == "job_input"]
    lines = [
        "#!/usr/bin/env python3",
        f'"""Job script for cell {target.index} of {notebook} (generated by {generator}).',
        "",
        "The notebook's code runs below as written, top to bottom: each block is one notebook",
        "cell, headed by its number (# %% cell N), and only IPython syntax was translated",
        "(see the 'amlx:' comments).",
        "",
        f"Run:      python main.py {example}".rstrip() + ("  (python main.py --help lists the options)" if params else ""),
        "Outputs:  files written to ./outputs/ are the job's outputs (Azure ML's convention).",
        "Tracking: MLflow logs into $MLFLOW_RUN_ID under $MLFLOW_TRACKING_URI when they are set;",
        "          otherwise into ./outputs/mlflow/. Without mlflow the job runs untracked.",
    ]
    if job_inputs:
        lines.append("Inputs:   " + "; ".join(f"{i.option} PATH for {i.path}" for i in job_inputs))
    lines.append('"""')
    return "\n".join(lines)


def render_script(
    *,
    notebook: str,
    generator: str,
    cells: Sequence[ScriptCell],
    target: ScriptCell,
    parameters: Sequence[Parameter],
    sites: Sequence[ParameterSite],
    inputs: Sequence[PackageInput],
    tracking: bool,
    autolog: bool,
    needs_display: bool,
) -> str:
    """The complete main.py."""
    out: list[str] = [_header(notebook, target, parameters, inputs, generator), ""]
    out.append("# ---- amlx: job set-up (not from the notebook) " + "-" * 33)
    out += ["import argparse as _amlx_argparse", "import os as _amlx_os", "import sys as _amlx_sys", ""]
    for kind in sorted({p.type for p in parameters} & set(_CONVERTERS)):
        out += ["", _CONVERTERS[kind].strip("\n"), "", ""]
    job_inputs = [i for i in inputs if i.mode == "job_input"]
    out.append(f'_amlx_parser = _amlx_argparse.ArgumentParser(description={f"Cell {target.index} of {notebook} as a job."!r})')
    for p in parameters:
        help_text = f"cell {p.cell_index}, line {p.line}; notebook value {p.notebook_value!r}"
        out.append(
            f"_amlx_parser.add_argument({p.flag!r}, type={_TYPES[p.type]}, default={_literal(p)}, help={help_text!r})"
        )
    for n, item in enumerate(job_inputs):
        out.append(
            f"_amlx_parser.add_argument({item.option!r}, dest='_amlx_input_{n}', metavar='PATH', "
            f"help={('path of ' + item.path + ' (a job input: not in the package)')!r})"
        )
    out.append("_amlx_args = _amlx_parser.parse_args()")
    out.append("if hasattr(_amlx_sys.stdout, 'reconfigure'):  # logs reach the runner line by line")
    out.append("    _amlx_sys.stdout.reconfigure(line_buffering=True)")
    out.append('_amlx_os.makedirs("outputs", exist_ok=True)  # files written here are the job\'s outputs')
    out.append('_amlx_os.environ.setdefault("MPLBACKEND", "Agg")  # no display in a job')
    if job_inputs:
        out += ["", "", _INPUTS.strip("\n"), "", ""]
        spec = [(i.path, f"_amlx_input_{n}", i.option) for n, i in enumerate(job_inputs)]
        out.append(f"_amlx_link_inputs(_amlx_args, {spec!r})")
    if needs_display:
        out += [
            "try:  # the notebook's display() builtin",
            "    from IPython.display import display",
            "except ImportError:",
            "    display = print",
        ]
    if tracking:
        out += ["", "", _TRACKING.strip("\n"), "", ""]
        values = "{" + ", ".join(f"{p.name!r}: _amlx_args.{p.name}" for p in parameters) + "}"
        out.append(f"_amlx_mlflow = _amlx_start_tracking({values}, autolog={autolog!r})")
        if autolog:
            out += ["", "", _MODEL_REQUIREMENTS.strip("\n"), "", ""]
            out.append("_amlx_pin_model_requirements(_amlx_mlflow)  # MLflow's own inference costs seconds per model")
    for cell in cells:
        out += ["", ""]
        title = f"# %% cell {cell.index}"
        if cell.id:
            title += f" (id {cell.id})"
        if cell.execution_count is not None:
            title += f" In [{cell.execution_count}]"
        out.append(title)
        out.append(f"# amlx: {_comment(cell.reason)}")
        out.append(_inject(cell, [s for s in sites if s.position == cell.position], parameters).rstrip("\n"))
    out += ["", "", "# ---- amlx: end of the notebook code " + "-" * 43]
    out.append("_amlx_finish(_amlx_mlflow)" if tracking else 'print("amlx: done; files in ./outputs/ are the job\'s outputs", flush=True)')
    return "\n".join(out) + "\n"


def _literal(p: Parameter) -> str:
    """The default as Python source (every JSON-ready literal is valid Python once repr'd)."""
    return repr(p.default)


def _inject(cell: ScriptCell, sites: Sequence[ParameterSite], params: Sequence[Parameter]) -> str:
    """The cell's code with ``name = _amlx_args.name`` after each parameter's own line."""
    if not sites:
        return cell.code
    flags = {p.name: p.flag for p in params}
    after: dict[int, list[str]] = {}
    for site in sites:
        after.setdefault(site.end_line, []).append(
            f"{site.name} = _amlx_args.{site.name}  # amlx: {flags[site.name]} overrides this value"
        )
    lines = cell.code.rstrip("\n").split("\n")
    result: list[str] = []
    for number, line in enumerate(lines, start=1):
        result.append(line)
        result.extend(after.get(number, []))
    return "\n".join(result)
