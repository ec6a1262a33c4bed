"""The ``%aml`` magic: one line/cell magic with subcommands over the workspace facade.

``%load_ext amlx_lab`` registers it. Every subcommand calls the same
:class:`~amlx_lab.workspace.Workspace` facade as the Jupyter server and the
``amlx`` CLI, on the same workspace folder, so a job submitted here shows up
in the sidebar and the other way round.

Design rules (the why behind the modules of this package):

* Subcommands are functions declared with IPython's ``magic_arguments``, so
  the options are documented next to the code and ``%aml SUBCOMMAND --help``
  prints them; ``%aml?`` lists them all (:mod:`.subcommands`).
* Settings are traitlets of the ``Aml`` class (``%config Aml.experiment =
  "diabetes"``). The workspace is resolved again on every call (a small file
  read), so ``%config`` changes, ``%aml target`` and a target switched in the
  sidebar all apply at once, without a restart (:mod:`.magic`).
* User errors print one line on stderr, never a traceback, and never escape
  to IPython; Ctrl+C stops ``--wait`` and ``--follow`` cleanly (the job keeps
  running).
* Results are the facade's records (``Job``, ``DataAsset``,
  ``WorkspaceInfo``); :func:`register` teaches IPython's display formatters to
  show them as HTML in JupyterLab and as text in a terminal, so a record kept
  in a variable renders the same way later (:mod:`.display`).
* mlflow, the Azure SDK and pandas are imported only inside the functions
  that need them: loading the extension must stay fast.

Modules: ``magic`` (the ``Aml`` class, dispatch, errors), ``subcommands``
(the table, ``%aml?``), ``arguments`` (line parsing, ``--help``, ``-o``),
one module per group of subcommands (``submit``, ``jobs``, ``downloads``,
``models``, ``data``, ``target``), ``origin`` (which cells a submission
slices), ``live`` (the status thread), ``frames`` (jobs as a DataFrame),
``payloads`` (scoring bodies, model references), ``display`` (rich results).
"""

from __future__ import annotations

from typing import Any

from .display import JobView, Rich, register_formatters
from .frames import jobs_frame
from .live import LIVE_FIRST_INTERVAL_S, LIVE_MAX_INTERVAL_S, LiveStatus
from .magic import Aml
from .origin import CellOrigin, history_origin, kernel_notebook, notebook_origin
from .payloads import parse_model, payload_from_text, payload_from_value
from .subcommands import SUBCOMMANDS, Handler

__all__ = [
    "LIVE_FIRST_INTERVAL_S",
    "LIVE_MAX_INTERVAL_S",
    "SUBCOMMANDS",
    "Aml",
    "CellOrigin",
    "Handler",
    "JobView",
    "LiveStatus",
    "Rich",
    "history_origin",
    "jobs_frame",
    "kernel_notebook",
    "notebook_origin",
    "parse_model",
    "payload_from_text",
    "payload_from_value",
    "register",
]


def register(ipython: Any) -> None:
    """Called by ``%load_ext amlx_lab``: the ``%aml`` magic and the rich display of records."""
    ipython.register_magics(Aml(shell=ipython, config=ipython.config))
    register_formatters(ipython)
