"""The ``Aml`` magic: its settings, the facade it calls, and turning errors into one line.

Each subcommand is a function in a module of its own (see
:mod:`.subcommands`); this class holds only what they share: the traitlets
``%config Aml.*`` sets, the workspace facade for the current settings, the
``-o VAR`` convention and the error handling around every call.
"""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Bool, Enum, Unicode
from traitlets.config import Configurable

from ..config import TARGETS, AmlxConfig
from ..errors import AmlxError, ValidationError
from ..i18n import _
from ..workspace import Workspace
from .arguments import HelpShown, split_line
from .display import one_line
from .live import LiveStatus
from .subcommands import CELL_VERBS, find_subcommand, help_text, parse


@magics_class
class Aml(Magics, Configurable):
    """Azure ML (or local) jobs from notebook cells: ``%aml SUBCOMMAND [options]``.

    ``%%aml submit`` runs the cell it heads as a tracked job; the other
    subcommands list, inspect, download, register and serve what jobs made.
    Settings: ``%config Aml.experiment = "..."`` (also ``compute``, ``target``,
    ``workspace_dir``, ``live_status``, ``show_tracebacks``).
    """

    experiment = Unicode(None, allow_none=True, config=True,
                         help=_("Experiment for submit, jobs and best when --experiment is not given (outranks the one "
                                "the code names with mlflow.set_experiment)."))
    compute = Unicode(None, allow_none=True, config=True, help=_("Compute for submit when --compute is not given (default: local)."))
    workspace_dir = Unicode(None, allow_none=True, config=True, help=_("Local workspace folder (default: $AMLX_WORKSPACE)."))
    target = Enum(list(TARGETS), default_value=None, allow_none=True, config=True,
                  help=_("Target this kernel uses (%aml target NAME sets it); overrides $AMLX_TARGET and the "
                         "workspace's settings.json."))
    live_status = Bool(True, config=True, help=_("Keep a submitted job's status current in notebook front ends."))
    show_tracebacks = Bool(False, config=True, help=_("Show the traceback of unexpected errors (for bug reports)."))

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._workspaces: dict[AmlxConfig, Workspace] = {}
        self.live = LiveStatus()

    @property
    def workspace(self) -> Workspace:
        """The facade for the current settings; one per distinct resolved config, kept for later calls.

        Resolving reads ``settings.json`` each time, which is what lets a
        target chosen in the sidebar (or saved by ``%aml target --save``)
        apply here at once; ``%aml target NAME`` sets ``Aml.target``, which
        outranks it in this kernel only. Old facades are not closed: a live
        status may still use one.
        """
        config = AmlxConfig.resolve(workspace_dir=self.workspace_dir or None, target=self.target)
        found = self._workspaces.get(config)
        if found is None:
            found = self._workspaces[config] = Workspace(config)
        return found

    @property
    def ipython(self) -> InteractiveShell:
        """The shell this magic is registered in (set by ``%load_ext amlx_lab``)."""
        assert self.shell is not None, "the %aml magic is used outside an IPython shell"
        return self.shell

    def store(self, name: str | None, value: Any) -> bool:
        """Put ``value`` in the user's namespace as ``name`` (``-o``); ``True`` if it was stored."""
        if name is None:
            return False
        self.ipython.user_ns[name] = value
        return True

    def result(self, name: str | None, value: Any, shown: Any = None) -> Any:
        """``-o NAME`` stores the value instead of displaying it (like ``%%bigquery``'s destination_var)."""
        return None if self.store(name, value) else (value if shown is None else shown)

    @line_cell_magic
    def aml(self, line: str, cell: str | None = None) -> Any:
        verb = ""
        try:
            words = split_line(line)
            if not words or words[0] in ("-h", "--help", "help"):
                print(Aml.aml.__doc__)
                return None
            verb, handler, rest = find_subcommand(words)
            if cell is not None and cell.strip() and verb not in CELL_VERBS:
                raise ValidationError(_("{verb} takes no cell body; use %aml {verb} as a line magic.").format(verb=verb))
            args = parse(handler, rest)
            return handler(self, args, cell)
        except HelpShown:
            return None
        except (AmlxError, UsageError) as exc:
            message = exc.message if isinstance(exc, AmlxError) else _("{problem} (see %aml {verb} --help)").format(problem=exc, verb=verb)
            print(f"%aml{' ' + verb if verb else ''}: {one_line(message)}", file=sys.stderr)
            return None
        except OSError as exc:
            print(f"%aml{' ' + verb if verb else ''}: {one_line(str(exc))}", file=sys.stderr)
            return None
        except Exception as exc:  # noqa: BLE001 - a bug: one line unless tracebacks are asked for
            if self.show_tracebacks:
                raise
            said = _("unexpected {kind}: {problem} (%config Aml.show_tracebacks = True shows the traceback)")
            print(f"%aml{' ' + verb if verb else ''}: " + said.format(kind=type(exc).__name__, problem=one_line(str(exc))),
                  file=sys.stderr)
            return None


Aml.aml.__doc__ = help_text()
