"""The ``%aml`` magic: one line/cell magic with subcommands over the workspace facade.

``%load_ext amlx_lab`` registers it. Every subcommand calls the same
:class:`~amlx_lab.workspace.Workspace` facade as the Jupyter server and the
``amlx`` CLI, on the same workspace folder, so a job submitted here shows up
in the sidebar and the other way round.

Design rules (the why behind the code below):

* Subcommands are methods declared with IPython's ``magic_arguments``, so the
  options are documented next to the code and ``%aml SUBCOMMAND --help``
  prints them; ``%aml?`` lists them all.
* Settings are traitlets of the ``Aml`` class (``%config Aml.experiment =
  "diabetes"``). The workspace is resolved again on every call (a small file
  read), so ``%config`` changes, ``%aml target`` and a target switched in the
  sidebar all apply at once, without a restart.
* User errors print one line on stderr, never a traceback, and never escape
  to IPython; Ctrl+C stops ``--wait`` and ``--follow`` cleanly (the job keeps
  running).
* Results are the facade's records (``Job``, ``DataAsset``,
  ``WorkspaceInfo``); :func:`register` teaches IPython's display formatters to
  show them as HTML in JupyterLab and as text in a terminal, so a record kept
  in a variable renders the same way later.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import html
import json
import keyword
import os
import re
import shlex
import shutil
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import MagicHelpFormatter, argument, kwds, magic_arguments
from traitlets import Bool, Enum, Unicode
from traitlets.config import Configurable

from . import render
from .config import ENV_TARGET, SETTINGS_FILE, TARGETS, AmlxConfig, write_settings_file
from .errors import AmlxError, NotFoundError, ValidationError
from .paths import resolve_within
from .records import DataAsset, Endpoint, InvokeResult, Job, ModelVersion, WorkspaceInfo
from .submission import SubmitRequest, parse_assignments
from .workspace import Workspace

#: how often ``--wait`` / ``--follow`` look for new log text when there was none
FOLLOW_INTERVAL_S = 0.25
#: live status polling starts fast (short jobs) and slows down to this (long jobs, remote targets)
LIVE_FIRST_INTERVAL_S = 0.5
LIVE_MAX_INTERVAL_S = 5.0


class NotAvailableError(AmlxError):
    """The facade of this installation lacks the operation (models and endpoints arrive later)."""

    status = 501
    code = "not_available"


class _HelpShown(Exception):
    """``--help`` printed its text; nothing else to do."""


class _HelpFormatter(MagicHelpFormatter):
    """IPython's magic help layout, with a plain ``usage: %aml ...`` line instead of an RST block."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def,override]
        argparse.RawDescriptionHelpFormatter.add_usage(self, usage, actions, groups, "usage: %")


def _parser_options(description: str) -> kwds:
    return kwds(formatter_class=_HelpFormatter, add_help=True, description=description)


class Rich:
    """A result that renders as HTML in JupyterLab and as text in a terminal; ``value`` is the data."""

    def __init__(self, text: str, html: str, value: Any = None) -> None:
        self.text, self.html, self.value = text, html, value

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


class JobView:
    """A job with a hint under it (how to follow it); what ``%%aml submit`` shows and keeps updating."""

    def __init__(self, job: Job, note: str) -> None:
        self.job, self.note = job, note

    def _repr_html_(self) -> str:
        return render.job_html(self.job, note=self.note)

    def __repr__(self) -> str:
        return render.job_text(self.job) + "\n" + self.note


# -- where the submitted cell's code comes from ------------------------------------------------


@dataclass(frozen=True)
class CellOrigin:
    """The cells to slice, which one is the target, and where relative paths in the code resolve."""

    sources: tuple[str, ...]
    index: int
    base_dir: Path
    notebook: Path | None  # the notebook the kernel runs, when known (names the experiment)
    from_file: bool  # True: the cells came from the saved notebook; False: from the execution history


def _is_submit_cell(source: str, body: str) -> bool:
    """``source`` is a ``%%aml`` cell whose body is ``body`` (whitespace at the ends aside)."""
    first, _, rest = source.lstrip().partition("\n")
    words = first.split()
    return bool(words) and words[0] == "%%aml" and rest.strip() == body.strip()


def history_origin(raw_history: list[str], body: str, base_dir: Path, notebook: Path | None) -> CellOrigin:
    """The kernel's execution history as the earlier cells, and ``body`` as the target.

    IPython stores a cell in its history before running it, so while the magic
    runs the last entry is the ``%%aml`` cell itself: it is replaced by the
    bare body (the slicer would drop the whole cell as IPython syntax).
    """
    earlier = list(raw_history)
    if earlier and _is_submit_cell(earlier[-1], body):
        earlier.pop()
    sources = (*earlier, body)
    return CellOrigin(tuple(sources), len(sources) - 1, base_dir, notebook, from_file=False)


def notebook_origin(path: Path, body: str) -> CellOrigin:
    """The saved notebook's cells above this one, and ``body`` as the target.

    The file is used only if it holds this very cell (same ``%%aml`` cell,
    same body): otherwise the file is not saved or not this notebook, and its
    cells would not be the code that ran.
    """
    from .notebook.source import read_notebook

    nb = read_notebook(path)
    matches = [c for c in nb.cells if c.is_code and _is_submit_cell(c.source, body)]
    if not matches:
        raise ValidationError(
            f"{path.name} on disk has no copy of this cell: save the notebook and run the cell again, "
            "or leave out --notebook to use the kernel's history.",
            field="--notebook",
        )
    if len(matches) > 1:
        where = ", ".join(str(c.index) for c in matches)
        raise ValidationError(
            f"{path.name} has {len(matches)} identical copies of this cell (cells {where}); "
            "leave out --notebook to use the kernel's history.",
            field="--notebook",
        )
    target = matches[0]
    # markdown cells become empty code cells so that indices stay the notebook's cell numbers
    sources = [c.source if c.is_code else "" for c in nb.cells[: target.index]] + [body]
    return CellOrigin(tuple(sources), target.index, nb.base_dir, nb.path, from_file=True)


def kernel_notebook(user_ns: dict[str, Any], environ: Any = os.environ) -> Path | None:
    """The notebook this kernel runs, if the front end said: VS Code's variable, else ``JPY_SESSION_NAME``.

    JupyterLab sets ``JPY_SESSION_NAME`` to the notebook's path when it starts
    the kernel; a console or a renamed notebook gives a path that is not an
    existing ``.ipynb``, which counts as unknown.
    """
    for candidate in (user_ns.get("__vsc_ipynb_file__"), environ.get("JPY_SESSION_NAME")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


# -- results as tables ---------------------------------------------------------------------------


def jobs_frame(jobs: Any) -> Any:
    """Jobs as a pandas DataFrame, one row per job.

    Columns: ``name, display_name, experiment, status, created`` (local time),
    ``duration_s``, ``compute``, then ``params.<name>`` and ``metrics.<key>``:
    the prefixes are MLflow's ``search_runs`` convention and the facade's
    ``order_by="metrics.rmse"``, and they keep a metric named like a column
    apart. ``params.*`` are the parameters the job was submitted with, plus
    what the run logged with ``mlflow.log_param`` under names no parameter has.
    """
    import pandas as pd

    rows = []
    for job in jobs:
        row: dict[str, Any] = {
            "name": job.name,
            "display_name": job.display_name,
            "experiment": job.experiment,
            "status": job.status.value,
            "created": pd.Timestamp.fromtimestamp(job.created_at),
            "duration_s": ((job.ended_at or time.time()) - job.started_at) if job.started_at else None,
            "compute": job.compute,
        }
        params = {**job.params, **job.parameters}
        row.update({f"params.{k}": params[k] for k in sorted(params)})
        row.update({f"metrics.{k}": job.metrics[k] for k in sorted(job.metrics)})
        rows.append(row)
    base = ["name", "display_name", "experiment", "status", "created", "duration_s", "compute"]
    frame = pd.DataFrame(rows, columns=None if rows else base)
    extra = sorted(c for c in frame.columns if c not in base)
    ordered = [c for c in extra if c.startswith("params.")] + [c for c in extra if c.startswith("metrics.")]
    return frame[base + ordered]


# -- live status -----------------------------------------------------------------------------------


@dataclass
class _Watched:
    workspace: Workspace
    target: str
    handle: Any  # IPython.display.DisplayHandle
    job: Job


class LiveStatus:
    """One daemon thread that keeps the displayed status of submitted jobs current until each ends.

    One thread for all jobs (not one per job) so that a loop of submissions
    does not start a thread per cell. It polls ``get_job`` (at once when a job
    is added, then less and less often, up to every few seconds), updates a
    display only when its job changed, and exits when no job is left to watch
    or the interpreter is exiting: it is a daemon and stops at ``atexit``, so
    it never keeps the kernel alive.
    """

    def __init__(self, first: float = LIVE_FIRST_INTERVAL_S, most: float = LIVE_MAX_INTERVAL_S) -> None:
        self.first, self.most = first, most
        self._jobs: dict[str, _Watched] = {}  # by display id: one job may be shown twice
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        atexit.register(self.stop)

    def watch(self, workspace: Workspace, target: str, job: Job, handle: Any) -> None:
        """Keep ``handle``'s display of ``job`` current until the job ends."""
        with self._lock:
            self._jobs[handle.display_id] = _Watched(workspace, target, handle, job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="amlx-live-status", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def watching(self) -> tuple[str, ...]:
        """Names of the jobs whose displays are still being updated."""
        with self._lock:
            return tuple(item.job.name for item in self._jobs.values())

    def _run(self) -> None:
        delay = self.first
        while True:
            if self._wake.wait(delay):
                self._wake.clear()
                delay = self.first  # a new job: look soon, short jobs end quickly
            if self._stop.is_set():
                return
            with self._lock:
                watched = list(self._jobs.items())
            for key, item in watched:
                if self._refresh(item):
                    with self._lock:
                        self._jobs.pop(key, None)
            with self._lock:
                if not self._jobs:
                    self._thread = None
                    return
            delay = min(delay * 1.5, self.most)

    def _refresh(self, item: _Watched) -> bool:
        """Update one display if its job changed; ``True`` when there is nothing more to watch."""
        try:
            job = item.workspace.get_job(item.job.name, target=item.target)
            if job.revision != item.job.revision or job.status != item.job.status:
                item.job = job
                item.handle.update(JobView(job, _live_note(job)))
            return job.status.terminal
        except Exception as exc:  # noqa: BLE001 - a status display must never raise into the kernel
            note = f"Live status stopped: {_one_line(str(exc))}. Refresh with: %aml show {item.job.name}"
            with contextlib.suppress(Exception):
                item.handle.update(JobView(item.job, note))
            return True


def _live_note(job: Job) -> str:
    if job.status.terminal:
        return f"Logs: %aml logs {job.name}    Outputs: %aml download {job.name}"
    return f"Status updates here until the job ends. Follow the log: %aml logs {job.name} --follow"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- small helpers -----------------------------------------------------------------------------------


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ValidationError(f"cannot read the line ({exc}); check the quotes.") from None


def _variable_name(name: str | None) -> str | None:
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise ValidationError(f"-o {name!r} is not a Python variable name.", field="-o")
    return name


def parse_model(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name:version`` (Azure ML's model reference form)."""
    name, sep, version = spec.partition(":")
    if not name.strip() or (sep and (not version.strip() or ":" in version)):
        raise ValidationError(f"model {spec!r} must be NAME or NAME:VERSION.", field="model")
    return name.strip(), (version.strip() if sep else None)


def payload_from_value(value: Any, name: str) -> dict[str, Any]:
    """A notebook variable as a scoring request body, in Azure ML's ``{"data": [...]}`` shape.

    DataFrames become a list of records (column -> value), as Azure ML's
    samples send them; a dict is taken as the whole body.
    """
    if isinstance(value, dict):
        return value
    if hasattr(value, "to_json") and hasattr(value, "columns"):  # a pandas DataFrame
        return {"data": json.loads(value.to_json(orient="records", date_format="iso"))}
    if hasattr(value, "to_json"):  # a pandas Series: one record
        return {"data": [json.loads(value.to_json(date_format="iso"))]}
    if hasattr(value, "tolist"):  # a numpy array
        return {"data": value.tolist()}
    if isinstance(value, (list, tuple)):
        return {"data": list(value)}
    raise ValidationError(
        f"{name} is a {type(value).__name__}; --data-var takes a DataFrame, a dict, a list or an array.",
        field="--data-var",
    )


def payload_from_text(text: str, where: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{where} is not valid JSON ({exc.msg}, column {exc.colno}).", field="--data") from None
    if not isinstance(body, dict):
        raise ValidationError(f'{where} must be a JSON object such as {{"data": [...]}}.', field="--data")
    return body


# -- the magic ---------------------------------------------------------------------------------------


@magics_class
class Aml(Magics, Configurable):  # type: ignore[misc]
    """Azure ML (or local) jobs from notebook cells: ``%aml SUBCOMMAND [options]``.

    ``%%aml submit`` runs the cell it heads as a tracked job; the other
    subcommands list, inspect, download, register and serve what jobs made.
    Settings: ``%config Aml.experiment = "..."`` (also ``compute``, ``target``,
    ``workspace_dir``, ``live_status``, ``show_tracebacks``).
    """

    experiment = Unicode(None, allow_none=True, config=True, help="Experiment for submit, jobs and best when --experiment is not given.")
    compute = Unicode(None, allow_none=True, config=True, help="Compute for submit when --compute is not given (default: local).")
    workspace_dir = Unicode(None, allow_none=True, config=True, help="Local workspace folder (default: $AMLX_WORKSPACE).")
    target = Enum(list(TARGETS), default_value=None, allow_none=True, config=True,
                  help="Target to use; overrides $AMLX_TARGET and the workspace's settings.json.")
    live_status = Bool(True, config=True, help="Keep a submitted job's status current in notebook front ends.")
    show_tracebacks = Bool(False, config=True, help="Show the traceback of unexpected errors (for bug reports).")

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._workspaces: dict[AmlxConfig, Workspace] = {}
        self.live = LiveStatus()

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        """The facade for the current settings; one per distinct resolved config, kept for later calls.

        Resolving reads ``settings.json`` each time, which is what lets a
        target chosen in the sidebar (or by ``%aml target``) apply here at
        once. Old facades are not closed: a live status may still use one.
        """
        config = AmlxConfig.resolve(workspace_dir=self.workspace_dir or None, target=self.target)
        found = self._workspaces.get(config)
        if found is None:
            found = self._workspaces[config] = Workspace(config)
        return found

    def _store(self, name: str | None, value: Any) -> bool:
        """Put ``value`` in the user's namespace as ``name`` (``-o``); ``True`` if it was stored."""
        if name is None:
            return False
        self.shell.user_ns[name] = value
        return True

    def _result(self, name: str | None, value: Any, shown: Any = None) -> Any:
        """``-o NAME`` stores the value instead of displaying it (like ``%%bigquery``'s destination_var)."""
        return None if self._store(name, value) else (value if shown is None else shown)

    @line_cell_magic
    def aml(self, line: str, cell: str | None = None) -> Any:
        verb = ""
        try:
            words = _split(line)
            if not words or words[0] in ("-h", "--help", "help"):
                print(self.aml.__doc__)
                return None
            verb, handler, rest = _find_subcommand(words)
            if cell is not None and cell.strip() and verb not in _CELL_VERBS:
                raise ValidationError(f"{verb} takes no cell body; use %aml {verb} as a line magic.")
            args = _parse(handler, rest)
            return handler(self, args, cell)
        except _HelpShown:
            return None
        except (AmlxError, UsageError) as exc:
            message = exc.message if isinstance(exc, AmlxError) else f"{exc} (see %aml {verb} --help)"
            print(f"%aml{' ' + verb if verb else ''}: {_one_line(message)}", file=sys.stderr)
            return None
        except OSError as exc:
            print(f"%aml{' ' + verb if verb else ''}: {_one_line(str(exc))}", file=sys.stderr)
            return None
        except Exception as exc:  # noqa: BLE001 - a bug: one line unless tracebacks are asked for
            if self.show_tracebacks:
                raise
            print(f"%aml{' ' + verb if verb else ''}: unexpected {type(exc).__name__}: {_one_line(str(exc))} "
                  "(%config Aml.show_tracebacks = True shows the traceback)", file=sys.stderr)
            return None

    # -- subcommands ----------------------------------------------------------------------------

    @magic_arguments("aml workspace")
    @_parser_options("Show the active target, where it lives, its health and what it can do.")
    def _cmd_workspace(self, args: argparse.Namespace, cell: str | None) -> WorkspaceInfo:
        return self.workspace.info()

    @magic_arguments("aml target")
    @_parser_options(
        "Show the target, or switch to another one. The choice is saved in the workspace's settings.json, "
        "where the CLI and other kernels read it, and it applies here at once."
    )
    @argument("name", nargs="?", choices=list(TARGETS), metavar="local|azure", help="local or azure; leave out to show the current one")
    def _cmd_target(self, args: argparse.Namespace, cell: str | None) -> Rich:
        if args.name is None:
            info = self.workspace.info()
            health = info.health.state.value.replace("_", " ")
            text = f"target: {info.target} ({info.label}); health: {health} - {info.health.message}"
            return Rich(text, render.workspace_html(info), info)
        root = self.workspace.config.workspace_dir
        write_settings_file(root, {"target": args.name})
        notes = [f"Target set to {args.name} (saved in {root / SETTINGS_FILE})."]
        overriding = os.environ.get(ENV_TARGET)
        if self.target is not None or (overriding and overriding != args.name):
            self.target = args.name  # an explicit setting outranks settings.json: keep it in step
        if overriding and overriding != args.name:
            notes.append(f"${ENV_TARGET}={overriding} still wins in processes started with it.")
        info = self.workspace.info()
        text = "\n".join(notes) + "\n" + render.workspace_text(info)
        page = "".join(f"<p>{html.escape(n)}</p>" for n in notes) + render.workspace_html(info)
        return Rich(text, page, info)

    @magic_arguments("aml submit")
    @_parser_options(
        "Run the cell this magic heads as a tracked job, with the earlier code it needs. The cell does not "
        "run in the kernel.\n\n"
        "Where the earlier code comes from: by default the kernel's execution history (what you typed, "
        "in the order it ran: that is the state the cell was tested against); the magic's own cell is "
        "replaced by its body. With --notebook the saved .ipynb is used instead (the kernel's own "
        "notebook, or PATH), but only if the file holds this very cell, so an unsaved notebook is never "
        "mistaken for the code that ran.\n\n"
        "Without --wait the magic returns at once and shows the job; in JupyterLab its status updates in "
        "place until the job ends. With --wait the job's log streams into the output and the finished "
        "job is returned (Ctrl+C stops following; the job keeps running)."
    )
    @argument("--experiment", metavar="E", help="experiment (default: Aml.experiment, else the notebook's name)")
    @argument("--name", dest="display_name", metavar="N", help="display name of the job")
    @argument("--compute", metavar="C", help="compute target (default: Aml.compute, else local)")
    @argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter of the code (repeatable)")
    @argument("--input", action="append", metavar="PATH=REF", help="point a file the code reads at another file or a data asset (repeatable)")
    @argument("--tag", action="append", metavar="KEY=VALUE", help="tag the job (repeatable)")
    @argument("--all-above", action="store_true", help="run every earlier cell instead of the minimal slice")
    @argument("--no-autolog", action="store_true", help="turn off MLflow autologging inside the job")
    @argument("--python", dest="environment", metavar="PYTHON", help="interpreter to run with (default: this kernel's)")
    @argument("--notebook", nargs="?", const="", metavar="PATH", help="take the earlier cells from the saved notebook (this kernel's, or PATH)")
    @argument("--preview", action="store_true", help="show the generated main.py and warnings; submit nothing")
    @argument("--wait", action="store_true", help="stream the log until the job ends and return the finished job")
    @argument("-o", "--out", metavar="VAR", help="store the job record in this variable (with --wait: the finished job, not shown)")
    def _cmd_submit(self, args: argparse.Namespace, cell: str | None) -> Any:
        if cell is None:
            raise ValidationError("submit runs the cell it heads: start a cell with %%aml submit and put the code below it.")
        if not cell.strip():
            raise ValidationError("the cell is empty: put the code to run as a job below the %%aml submit line.")
        out = _variable_name(args.out)
        origin = self._origin(args.notebook, cell)
        request = self._submit_request(args, origin)
        ws = self.workspace
        if args.preview:
            package = ws.preview(request, base_dir=origin.base_dir)
            return Rich(render.package_text(package), render.package_html(package), package)
        job = ws.submit(request, base_dir=origin.base_dir)
        self._store(out, job)
        if args.wait:
            print(f"Submitted {job.name}; streaming its log.")
            finished = self._follow(ws, job.name)
            if out:
                self._store(out, finished)
                return None
            return finished
        return self._show_submitted(ws, job)

    def _origin(self, notebook: str | None, cell: str) -> CellOrigin:
        known = kernel_notebook(self.shell.user_ns)
        if notebook is None:
            raw = list(self.shell.history_manager.input_hist_raw)
            return history_origin(raw, cell, Path.cwd(), known)
        if notebook == "":
            if known is None:
                raise ValidationError("this kernel does not know its notebook file; give its path: --notebook PATH.", field="--notebook")
            return notebook_origin(known, cell)
        path = Path(notebook).expanduser()
        return notebook_origin(path if path.is_absolute() else Path.cwd() / path, cell)

    def _submit_request(self, args: argparse.Namespace, origin: CellOrigin) -> SubmitRequest:
        stem = origin.notebook.stem if origin.notebook else None
        if args.display_name:
            display = args.display_name
        elif stem:
            display = f"{stem} cell {origin.index}" if origin.from_file else f"{stem} In[{origin.index}]"
        else:
            display = None
        tags = {"amlx.cell_source": "notebook file" if origin.from_file else "kernel history"}
        if origin.notebook:
            tags["amlx.notebook"] = str(origin.notebook)
        tags.update(parse_assignments(args.tag, field_name="--tag"))
        return SubmitRequest.from_json({
            "cell": origin.index,
            "sources": list(origin.sources),
            "experiment": args.experiment or self.experiment or stem,
            "display_name": display,
            "compute": args.compute or self.compute,
            "parameters": parse_assignments(args.param, field_name="--param"),
            "inputs": parse_assignments(args.input, field_name="--input"),
            "tags": tags,
            "include_all_above": args.all_above,
            "autolog": not args.no_autolog,
            "environment": args.environment,
        })

    def _show_submitted(self, ws: Workspace, job: Job) -> Any:
        """Live in a notebook (a display updated in place), a plain record in a terminal."""
        if not (self.live_status and getattr(self.shell, "kernel", None) is not None):
            return JobView(job, f"Follow the log: %aml logs {job.name} --follow    Status: %aml show {job.name}")
        from IPython.display import display

        handle = display(JobView(job, _live_note(job)), display_id=True)
        self.live.watch(ws, ws.config.target, job, handle)
        return None

    def _follow(self, ws: Workspace, name: str) -> Job:
        """Write the job's log to the cell's output as it grows, until the job ends or Ctrl+C."""
        offset = 0
        try:
            while True:
                chunk = ws.logs(name, offset)
                if chunk.text:
                    sys.stdout.write(chunk.text)
                    sys.stdout.flush()
                offset = chunk.next_offset
                if chunk.complete:
                    break
                if not chunk.text:
                    time.sleep(FOLLOW_INTERVAL_S)  # the log is a file another process appends to
        except KeyboardInterrupt:
            print(f"\nStopped following {name}; the job keeps running (%aml cancel {name} stops it).", file=sys.stderr)
        return ws.get_job(name)

    @magic_arguments("aml jobs")
    @_parser_options(
        "List jobs as a pandas DataFrame, newest first: one row per job with its status, params.<name> and "
        "metrics.<key> columns (MLflow's naming)."
    )
    @argument("--experiment", metavar="E", help="only this experiment (default: Aml.experiment when set)")
    @argument("--all", action="store_true", help="every experiment, even when Aml.experiment is set")
    @argument("--status", action="append", metavar="S", help="only jobs with this status (repeatable)")
    @argument("--search", dest="text", metavar="TEXT", help="text to find in names, display names and tags")
    @argument("--order-by", default="created_at", metavar="COLUMN", help="a column or metrics.<key> (default: created_at)")
    @argument("--asc", action="store_true", help="ascending order")
    @argument("--top", type=int, default=50, metavar="N", help="how many rows (default 50, at most 1000)")
    @argument("-o", "--out", metavar="VAR", help="store the DataFrame in this variable instead of showing it")
    def _cmd_jobs(self, args: argparse.Namespace, cell: str | None) -> Any:
        out = _variable_name(args.out)
        experiment = args.experiment or (None if args.all else self.experiment)
        page = self.workspace.list_jobs(
            experiment=experiment, status=args.status, text=args.text, order_by=args.order_by,
            descending=not args.asc, limit=args.top,
        )
        return self._result(out, jobs_frame(page.items))

    @magic_arguments("aml show")
    @_parser_options("Show one job: status, times, parameters, metrics, outputs.")
    @argument("name", metavar="NAME", help="the job's name")
    @argument("-o", "--out", metavar="VAR", help="store the job record in this variable instead of showing it")
    def _cmd_show(self, args: argparse.Namespace, cell: str | None) -> Any:
        out = _variable_name(args.out)
        return self._result(out, self.workspace.get_job(args.name))

    @magic_arguments("aml logs")
    @_parser_options("Print a job's log (std_log.txt); --follow keeps printing until the job ends (Ctrl+C stops).")
    @argument("name", metavar="NAME", help="the job's name")
    @argument("-f", "--follow", action="store_true", help="keep printing until the job ends")
    def _cmd_logs(self, args: argparse.Namespace, cell: str | None) -> None:
        ws = self.workspace
        if args.follow:
            self._follow(ws, args.name)
            return None
        offset = 0
        while True:  # the backend hands out the log in bounded chunks
            chunk = ws.logs(args.name, offset)
            sys.stdout.write(chunk.text)
            if chunk.next_offset == offset or chunk.next_offset >= chunk.size:
                break
            offset = chunk.next_offset
        sys.stdout.flush()
        return None

    @magic_arguments("aml cancel")
    @_parser_options("Cancel a queued or running job.")
    @argument("name", metavar="NAME", help="the job's name")
    def _cmd_cancel(self, args: argparse.Namespace, cell: str | None) -> Job:
        return self.workspace.cancel(args.name)

    @magic_arguments("aml best")
    @_parser_options(
        "The completed job with the lowest (--min) or highest (--max) value of a metric: the tutorial's "
        "best-run loop in one line."
    )
    @argument("--experiment", metavar="E", help="experiment to search (default: Aml.experiment, else all)")
    @argument("--metric", required=True, metavar="KEY", help="metric key, e.g. rmse")
    @argument("--min", action="store_true", help="lowest value wins")
    @argument("--max", action="store_true", help="highest value wins")
    @argument("-o", "--out", metavar="VAR", help="store the job record in this variable instead of showing it")
    def _cmd_best(self, args: argparse.Namespace, cell: str | None) -> Any:
        out = _variable_name(args.out)
        if args.min == args.max:
            raise ValidationError("say which value is best: --min or --max.", field="--min")
        if not args.metric.strip():
            raise ValidationError("--metric must name a metric, e.g. --metric rmse.", field="--metric")
        experiment = args.experiment or self.experiment
        page = self.workspace.list_jobs(
            experiment=experiment, status="Completed", order_by=f"metrics.{args.metric}",
            descending=args.max, limit=1,
        )
        best = page.items[0] if page.items else None
        if best is None or best.metrics.get(args.metric) is None:
            where = f"experiment {experiment!r}" if experiment else "any experiment"
            raise NotFoundError(f"no completed job in {where} logged the metric {args.metric!r}.")
        return self._result(out, best)

    @magic_arguments("aml download")
    @_parser_options(
        "Copy a job's outputs (all, or the file or folder --path names) into a local folder, "
        "./outputs/<job name>/ by default. A relative --to must stay inside the current folder; "
        "an absolute one is used as given."
    )
    @argument("name", metavar="NAME", help="the job's name")
    @argument("--path", metavar="P", help="one output file or folder, relative to the job's outputs (e.g. model.pkl)")
    @argument("--to", metavar="DIR", help="where to write (default: outputs/<job name>)")
    def _cmd_download(self, args: argparse.Namespace, cell: str | None) -> Rich:
        ws = self.workspace
        files = _select_outputs(ws.list_outputs(args.name), args.path, args.name)
        dest = _download_folder(args.to, args.name)
        written: list[tuple[str, int]] = []
        for entry in files:
            target = (dest / entry.path).resolve()
            if dest.resolve() not in target.parents:
                raise ValidationError(f"output {entry.path!r} would land outside {dest}.", field="--path")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ws.output_path(args.name, entry.path), target)
            written.append((entry.path, target.stat().st_size))
        shown = str(dest)
        return Rich(render.download_text(shown, written), render.download_html(shown, written), dest)

    @magic_arguments("aml register")
    @_parser_options("Register a file a job wrote as the next version of a model.")
    @argument("name", metavar="NAME", help="model name")
    @argument("--job", required=True, metavar="J", help="the job that wrote the model")
    @argument("--path", metavar="P", help="the model in the job: outputs/model.pkl, or mlflow:model for what autolog logged (default: the only candidate)")
    @argument("--description", metavar="TEXT", help="a note kept with the version")
    def _cmd_register(self, args: argparse.Namespace, cell: str | None) -> Any:
        if not args.name.strip():
            raise ValidationError("name the model.", field="name")
        operation = _facade_operation(self.workspace, "register_model", "model registration")
        return operation(args.name, job=args.job, path=args.path, description=args.description)

    @magic_arguments("aml deploy")
    @_parser_options("Deploy a registered model to an online endpoint (created if it does not exist).")
    @argument("model", metavar="MODEL[:VERSION]", help="model name, optionally with a version (default: latest)")
    @argument("--endpoint", required=True, metavar="E", help="endpoint name")
    @argument("--deployment", metavar="D", help="deployment name (default: chosen by the target)")
    def _cmd_deploy(self, args: argparse.Namespace, cell: str | None) -> Any:
        parse_model(args.model)
        operation = _facade_operation(self.workspace, "deploy", "deployment")
        return operation(args.model, endpoint=args.endpoint, deployment=args.deployment)

    @magic_arguments("aml invoke")
    @_parser_options(
        "Score data with an online endpoint. The request body is --data (JSON), --data-var (a DataFrame "
        'becomes {"data": [records]}), or the cell body under %%aml invoke.'
    )
    @argument("endpoint", metavar="ENDPOINT", help="endpoint name")
    @argument("--data", metavar="JSON", help='request body as JSON, e.g. \'{"data": [{"Age": 22}]}\'')
    @argument("--data-var", metavar="VAR", help="a notebook variable: DataFrame, dict, list or array")
    @argument("--deployment", metavar="D", help="send to this deployment instead of following the traffic split")
    @argument("-o", "--out", metavar="VAR", help="store the response in this variable instead of showing it")
    def _cmd_invoke(self, args: argparse.Namespace, cell: str | None) -> Any:
        out = _variable_name(args.out)
        payload = self._payload(args, cell)
        operation = _facade_operation(self.workspace, "invoke", "endpoint scoring")
        return self._result(out, operation(args.endpoint, payload, deployment=args.deployment))

    def _payload(self, args: argparse.Namespace, cell: str | None) -> dict[str, Any]:
        given = [s for s in (args.data is not None, args.data_var is not None, bool(cell and cell.strip())) if s]
        if len(given) != 1:
            raise ValidationError("give the request body once: --data JSON, --data-var VAR or the cell body.", field="--data")
        if args.data is not None:
            return payload_from_text(args.data, "--data")
        if args.data_var is not None:
            if args.data_var not in self.shell.user_ns:
                raise ValidationError(f"no variable named {args.data_var!r} in the notebook.", field="--data-var")
            return payload_from_value(self.shell.user_ns[args.data_var], args.data_var)
        return payload_from_text(cell or "", "the cell body")

    @magic_arguments("aml endpoints")
    @_parser_options("List online endpoints with their deployments, traffic and scoring URLs.")
    def _cmd_endpoints(self, args: argparse.Namespace, cell: str | None) -> Any:
        endpoints = _facade_operation(self.workspace, "list_endpoints", "endpoint listing")()
        text = render.endpoints_text(endpoints)
        return Rich(text, _pre(text), endpoints)

    @magic_arguments("aml data register")
    @_parser_options("Register a file or folder as the next version of a data asset (jobs read it as azureml:NAME:VERSION).")
    @argument("name", metavar="NAME", help="asset name")
    @argument("path", metavar="PATH", help="file or folder, relative to the current folder")
    @argument("--description", metavar="TEXT", help="a note kept with the version")
    @argument("--version", metavar="V", help="version to create (default: the next number)")
    def _cmd_data_register(self, args: argparse.Namespace, cell: str | None) -> DataAsset:
        return self.workspace.register_data(
            args.name, args.path, base_dir=Path.cwd(), description=args.description, version=args.version
        )

    @magic_arguments("aml data list")
    @_parser_options("List data assets (the latest version of each, or every version of NAME).")
    @argument("name", nargs="?", metavar="NAME", help="list every version of this asset")
    @argument("-o", "--out", metavar="VAR", help="store the assets in this variable instead of showing them")
    def _cmd_data_list(self, args: argparse.Namespace, cell: str | None) -> Any:
        out = _variable_name(args.out)
        assets = self.workspace.list_data(args.name)
        return self._result(out, assets, Rich(render.data_text(assets), render.data_html(assets), assets))


# -- dispatch ----------------------------------------------------------------------------------------

Handler = Callable[[Aml, argparse.Namespace, "str | None"], Any]

#: subcommand -> method, in the order ``%aml?`` lists them
SUBCOMMANDS: dict[str, Handler] = {
    "submit": Aml._cmd_submit,
    "jobs": Aml._cmd_jobs,
    "show": Aml._cmd_show,
    "logs": Aml._cmd_logs,
    "cancel": Aml._cmd_cancel,
    "best": Aml._cmd_best,
    "download": Aml._cmd_download,
    "register": Aml._cmd_register,
    "deploy": Aml._cmd_deploy,
    "invoke": Aml._cmd_invoke,
    "endpoints": Aml._cmd_endpoints,
    "data register": Aml._cmd_data_register,
    "data list": Aml._cmd_data_list,
    "target": Aml._cmd_target,
    "workspace": Aml._cmd_workspace,
}
_CELL_VERBS = frozenset({"submit", "invoke"})


def _find_subcommand(words: list[str]) -> tuple[str, Handler, list[str]]:
    """The subcommand the words name (one word, or two for ``data register|list``) and the rest."""
    if words[0] == "data":
        if len(words) < 2:
            raise ValidationError("data needs an action: %aml data register NAME PATH, or %aml data list [NAME].")
        if words[1] in ("-h", "--help"):
            print("\n".join(SUBCOMMANDS[v].parser.format_help() for v in ("data register", "data list")))  # type: ignore[attr-defined]
            raise _HelpShown()
        verb, rest = f"data {words[1]}", words[2:]
    else:
        verb, rest = words[0], words[1:]
    handler = SUBCOMMANDS.get(verb)
    if handler is None:
        choices = ", ".join(dict.fromkeys(v.split()[0] for v in SUBCOMMANDS))
        raise ValidationError(f"unknown subcommand {verb!r}; choose one of: {choices} (%aml? explains them).")
    return verb, handler, rest


def _parse(handler: Handler, words: list[str]) -> argparse.Namespace:
    """Parse with the subcommand's ``magic_arguments`` parser; ``--help`` prints and stops."""
    try:
        return handler.parser.parse_args(words)  # type: ignore[attr-defined]
    except SystemExit:  # argparse's --help action prints the help, then exits
        raise _HelpShown() from None


def _facade_operation(ws: Workspace, method: str, what: str) -> Callable[..., Any]:
    operation = getattr(ws, method, None)
    if operation is None:
        raise NotAvailableError(f"{what} is not available yet in this version of amlx_lab.")
    return operation


def _select_outputs(entries: Any, path: str | None, job: str) -> list[Any]:
    """All output files, or those at or under ``path`` (an ``outputs/`` prefix is accepted too)."""
    entries = list(entries)
    if path is None:
        return entries
    wanted = path.strip().strip("/")
    for candidate in dict.fromkeys((wanted, wanted.removeprefix("outputs/"))):
        chosen = [e for e in entries if e.path == candidate or e.path.startswith(candidate + "/")]
        if chosen:
            return chosen
    known = ", ".join(e.path for e in entries[:10]) or "none"
    raise NotFoundError(f"job {job} has no output {path!r}; its outputs are: {known}.")


def _download_folder(to: str | None, job: str) -> Path:
    """Where downloads go: inside the current folder unless an absolute path is given explicitly."""
    if to is not None and Path(to).expanduser().is_absolute():
        return Path(to).expanduser()
    relative = to if to is not None else str(Path("outputs") / job)
    return resolve_within(Path.cwd(), relative, field="--to", must_exist=False)


def _wrap_usage(usage: str, width: int) -> list[str]:
    """Wrap a usage line between options, never inside ``[--top N]``."""
    lines, current = [], "  "
    for token in re.findall(r"\[(?:[^\[\]]|\[[^\]]*\])*\]|\S+", usage):
        if len(current) + len(token) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = "        "
        current += token + " "
    return [*lines, current.rstrip()]


def _help_text() -> str:
    """What ``%aml?`` and bare ``%aml`` show: every subcommand's usage and purpose."""
    lines = [
        "%aml SUBCOMMAND [options]      (and %%aml submit at the top of a cell)",
        "",
        "Run notebook cells as tracked ML jobs (local by default, Azure ML optionally) and work",
        "with what they produce. The same workspace as the JupyterLab sidebar and the amlx CLI.",
        "",
        "Subcommands:",
    ]
    for verb, handler in SUBCOMMANDS.items():
        parser = handler.parser  # type: ignore[attr-defined]
        usage = " ".join(parser.format_usage().split()).removeprefix("usage: ").replace(" [-h]", "")
        if verb == "submit":
            usage = "%" + usage
        summary = (parser.description or "").split(". ")[0].rstrip(".")
        lines += _wrap_usage(usage, 100)
        lines += textwrap.wrap(summary + ".", 100, initial_indent="      ", subsequent_indent="      ")
    lines += [
        "",
        "Settings: %config Aml.experiment = 'name'   (also Aml.compute, Aml.target, Aml.workspace_dir,",
        "          Aml.live_status, Aml.show_tracebacks)",
        "Results: -o VAR stores the result in VAR instead of showing it. %aml SUBCOMMAND --help",
        "         shows every option of one subcommand.",
    ]
    return "\n".join(lines)


Aml.aml.__doc__ = _help_text()


# -- registration --------------------------------------------------------------------------------------


def _pre(text: str) -> str:
    """Preformatted HTML for records that have only a text rendering so far (models, endpoints)."""
    return f"<pre>{html.escape(text)}</pre>"


def _plain(render_text: Callable[[Any], str]) -> Callable[[Any, Any, bool], None]:
    """An IPython pretty-printer from a text renderer."""

    def printer(obj: Any, p: Any, cycle: bool) -> None:
        p.text(render_text(obj))

    return printer


def _register_formatters(ipython: Any) -> None:
    """Records render as HTML in JupyterLab and as text in a terminal, wherever they are displayed."""
    formatters = ipython.display_formatter.formatters
    html, plain = formatters["text/html"], formatters["text/plain"]
    html.for_type(Job, render.job_html)
    plain.for_type(Job, _plain(render.job_text))
    html.for_type(WorkspaceInfo, render.workspace_html)
    plain.for_type(WorkspaceInfo, _plain(render.workspace_text))
    html.for_type(DataAsset, lambda asset: render.data_html([asset]))
    plain.for_type(DataAsset, _plain(render.data_asset_text))
    for record_type, text in ((ModelVersion, render.model_version_text), (Endpoint, render.endpoint_text),
                              (InvokeResult, render.invoke_text)):
        html.for_type(record_type, lambda obj, text=text: _pre(text(obj)))
        plain.for_type(record_type, _plain(text))


def register(ipython: Any) -> None:
    ipython.register_magics(Aml(shell=ipython, config=ipython.config))
    _register_formatters(ipython)

