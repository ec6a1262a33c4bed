"""The job's set-up, shipped inside every job package as ``_amlx_runtime/`` beside main.py.

main.py is the notebook's cells plus two lines: ``import _amlx_runtime`` and
``_amlx_args = _amlx_runtime.start()``. Everything a job needs around the cells
lives here, one concern a module:

* ``options``: the parameters and job inputs as command-line options;
* ``tracking``: the job's MLflow run (joined, parameters logged, kept the only one);
* ``autolog``: scikit-learn autologging that logs one model at the end, not one per fit;
* ``figures``: matplotlib figures saved under outputs/figures/;
* ``systemlog``: MLflow's messages and warnings in logs/system_log.txt, not the user's log;
* ``cells``: tracebacks and warnings that name the notebook's cell and line.

What the package builder knows about the job (parameters, inputs, where each cell
sits in main.py) is in ``job.json`` next to this file.

This package runs in the job's interpreter (the notebook kernel's, or an Azure ML
image), which may not have amlx-lab: it imports only the standard library at
start-up, mlflow and scikit-learn only when tracking, matplotlib never (an import
hook waits for the notebook's code to import pyplot), and nothing from amlx_lab.
It must run on any Python 3.8 or later.
"""

from __future__ import annotations

import argparse
import atexit
import builtins
import json
import os
import sys
from typing import Any

from . import autolog, cells, figures, options, systemlog, tracking

CONFIG_NAME = "job.json"

_state: dict[str, Any] = {"failed": False, "mlflow": None, "tracker": None, "lines": None}


def start(argv: list[str] | None = None) -> argparse.Namespace:
    """Set the job up before the first cell runs; returns the parsed options (``_amlx_args`` in main.py)."""
    job = load_config()
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # logs reach the runner line by line
    main = sys.modules.get("__main__")
    script = os.path.abspath(getattr(main, "__file__", None) or job.get("script", "main.py"))
    lines = cells.LineMap(script, job.get("cells", []), job.get("script_sha256"))
    _state["lines"] = lines
    sys.excepthook = _excepthook
    systemlog.install(lines.locate)
    figures.install(_current_cell)
    if not hasattr(builtins, "display"):
        builtins.display = display  # type: ignore[attr-defined]  # IPython puts display() in builtins too
    args = options.parse(job, argv)
    os.makedirs("outputs", exist_ok=True)  # files written here are the job's outputs
    options.link_inputs(job, args)
    if job.get("tracking", True):
        values = {p["name"]: getattr(args, p["name"]) for p in job.get("parameters", ())}
        mlflow = tracking.start(values)
        _state["mlflow"] = mlflow
        if mlflow is not None and job.get("autolog", False):
            tracking.pin_model_requirements(mlflow)
            _state["tracker"] = autolog.enable(mlflow)
    atexit.register(_finish)  # after mlflow's own atexit hook, so it runs before it
    return args


def load_config() -> dict[str, Any]:
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), CONFIG_NAME), encoding="utf-8") as handle:
        config: dict[str, Any] = json.load(handle)
    return config


def display(*objs: Any, **kwargs: Any) -> None:
    """IPython's display() where there is no notebook: figures are saved, everything else printed."""
    for obj in objs:
        if figures.is_figure(obj):
            figures.save(obj)
        else:
            print(obj)


def _current_cell() -> int | None:
    """The cell whose code is running (the innermost main.py frame), for naming a figure."""
    lines = _state["lines"]
    frame = sys._getframe(1)
    while frame is not None:
        if lines is not None and lines.is_script(frame.f_code.co_filename):
            found = lines.find(frame.f_code.co_filename, frame.f_lineno)
            if found is not None:
                return found[0]
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    _state["failed"] = True
    try:
        text = cells.format_exception(kind, value, tb, _state["lines"])
    except Exception:
        sys.__excepthook__(kind, value, tb)
        return
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()


def _finish() -> None:
    """At exit: log the final model, end the run, say where the outputs are (figures: see ``figures``)."""
    failed = _state["failed"]
    mlflow = _state["mlflow"]
    if mlflow is not None and not failed:
        autolog.log_final_model(mlflow, _state["tracker"])
    tracking.finish(mlflow, failed)
    if not failed:
        print("amlx: done; files in ./outputs/ are the job's outputs", flush=True)
