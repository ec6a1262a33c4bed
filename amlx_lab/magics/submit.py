"""``%%aml submit``: run the cell the magic heads as a tracked job.

Builds the same :class:`~amlx_lab.submission.SubmitRequest` as the REST API
and the CLI (so validation is shared), from the cell's origin (see
:mod:`.origin`) and the options; then waits, or shows the job live.
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..errors import ValidationError
from ..i18n import _
from ..records import Job
from ..submission import SubmitRequest, parse_assignments
from ..workspace import Workspace
from .arguments import parser_options, variable_name
from .display import JobView, Rich
from .jobs import follow_log
from .live import live_note
from .origin import CellOrigin, history_origin, kernel_notebook, notebook_origin

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml submit")
@parser_options(_("Run the cell this magic heads as a tracked job, with the earlier code it needs. The cell does not "
    "run in the kernel.\n\n"
    "Where the earlier code comes from: by default the kernel's execution history (what you typed, "
    "in the order it ran: that is the state the cell was tested against); the magic's own cell is "
    "replaced by its body. With --notebook the saved .ipynb is used instead (the kernel's own "
    "notebook, or PATH), but only if the file holds this very cell, so an unsaved notebook is never "
    "mistaken for the code that ran.\n\n"
    "Without --wait the magic returns at once and shows the job; in JupyterLab its status updates in "
    "place until the job ends. With --wait the job's log streams into the output and the finished "
    "job is returned (Ctrl+C stops following; the job keeps running)."))
@argument("--experiment", metavar="E",
          help=_("experiment (default: Aml.experiment, else the one the code names with mlflow.set_experiment, "
                 "else the notebook's name)"))
@argument("--name", dest="display_name", metavar="N", help=_("display name of the job"))
@argument("--compute", metavar="C", help=_("compute target (default: Aml.compute, else local)"))
@argument("--param", action="append", metavar="NAME=VALUE", help=_("override a parameter of the code (repeatable)"))
@argument("--input", action="append", metavar="PATH=REF",
          help=_("point a file the code reads at another file or a data asset (repeatable)"))
@argument("--tag", action="append", metavar="KEY=VALUE", help=_("tag the job (repeatable)"))
@argument("--all-above", action="store_true", help=_("run every earlier cell instead of the minimal slice"))
@argument("--no-autolog", action="store_true", help=_("turn off MLflow autologging inside the job"))
@argument("--python", metavar="PYTHON", help=_("interpreter whose packages are pinned and that runs local jobs (default: this kernel's)"))
@argument("--environment", metavar="ENV", help=_("an Azure ML environment to run in (default: built from the pinned requirements)"))
@argument("--notebook", nargs="?", const="", metavar="PATH",
          help=_("take the earlier cells from the saved notebook (this kernel's, or PATH)"))
@argument("--preview", action="store_true",
          help=_("show the package (cells, parameters, requirements, data files, warnings); submit nothing"))
@argument("--script", action="store_true", help=_("with --preview: show main.py itself"))
@argument("--wait", action="store_true", help=_("stream the log until the job ends and return the finished job"))
@argument("-o", "--out", metavar="VAR", help=_("store the job record in this variable (with --wait: the finished job, not shown)"))
def cmd_submit(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    if cell is None:
        raise ValidationError("submit runs the cell it heads: start a cell with %%aml submit and put the code below it.")
    if not cell.strip():
        raise ValidationError("the cell is empty: put the code to run as a job below the %%aml submit line.")
    out = variable_name(args.out)
    origin = _origin(aml, args.notebook, cell)
    request = _submit_request(aml, args, origin)
    ws = aml.workspace
    if args.preview:
        package = ws.preview(request, base_dir=origin.base_dir)
        if args.script:
            return Rich(package.script, f"<pre>{html.escape(package.script)}</pre>", package)
        return Rich(render.package_text(package), render.package_html(package), package)
    job = ws.submit(request, base_dir=origin.base_dir)
    aml.store(out, job)
    if args.wait:
        print(_("Submitted {name}; streaming its log.").format(name=job.name))
        finished = follow_log(ws, job.name)
        if out:
            aml.store(out, finished)
            return None
        return finished
    return _show_submitted(aml, ws, job)


def _origin(aml: Aml, notebook: str | None, cell: str) -> CellOrigin:
    """``--notebook`` absent: the history; bare: this kernel's notebook; with a path: that file."""
    known = kernel_notebook(aml.ipython.user_ns)
    if notebook is None:
        history = aml.ipython.history_manager
        assert history is not None, "IPython keeps a history in every shell"
        raw = list(history.input_hist_raw)
        return history_origin(raw, cell, Path.cwd(), known)
    if notebook == "":
        if known is None:
            raise ValidationError("this kernel does not know its notebook file; give its path: --notebook PATH.", field="--notebook")
        return notebook_origin(known, cell)
    path = Path(notebook).expanduser()
    return notebook_origin(path if path.is_absolute() else Path.cwd() / path, cell)


def _submit_request(
    aml: Aml, args: argparse.Namespace, origin: CellOrigin, parameters: dict[str, str] | None = None
) -> SubmitRequest:
    """The request, tagged with where the code came from. A cell of a notebook file is named by the
    workspace as every front end names it; a cell of the history by its ``In[n]``.

    ``parameters`` replaces the ``--param`` values (a sweep separates its search expressions from them).
    """
    stem = origin.notebook.stem if origin.notebook else None
    if args.display_name:
        display = args.display_name
    elif stem and not origin.from_file:
        display = f"{stem} In[{origin.index}]"
    else:
        display = None
    tags = {"amlx.cell_source": "notebook file" if origin.from_file else "kernel history"}
    if origin.notebook:
        tags["amlx.notebook"] = str(origin.notebook)
    tags.update(parse_assignments(args.tag, field_name="--tag"))
    code: dict[str, Any] = (
        {"notebook": str(origin.notebook), "cell_source": origin.body}
        if origin.from_file and origin.notebook
        else {"sources": list(origin.sources)}
    )
    return SubmitRequest.from_json({
        "cell": origin.index,
        **code,
        "experiment": args.experiment or aml.experiment,  # else the code's own mlflow.set_experiment, else the stem
        "default_experiment": stem,
        "display_name": display,
        "compute": args.compute or aml.compute,
        "parameters": parse_assignments(args.param, field_name="--param") if parameters is None else parameters,
        "inputs": parse_assignments(args.input, field_name="--input"),
        "tags": tags,
        "include_all_above": args.all_above,
        "autolog": not args.no_autolog,
        "python": args.python,
        "environment": args.environment,
    })


def _show_submitted(aml: Aml, ws: Workspace, job: Job) -> Any:
    """Live in a notebook (a display updated in place), a plain record in a terminal."""
    if not (aml.live_status and getattr(aml.shell, "kernel", None) is not None):
        return JobView(job, _("Follow the log: %aml logs {name} --follow    Status: %aml show {name}").format(name=job.name))
    from IPython.display import display

    handle = display(JobView(job, live_note(job)), display_id=True)
    aml.live.watch(ws, ws.config.target, job, handle)
    return None
