"""The ``%aml`` magic: one line/cell magic with subcommands over the workspace facade.

``%load_ext amlx_lab`` registers it. Settings are traitlets of the ``Aml``
class, so ``%config Aml.target = "azure"`` works. User errors print one line,
never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Enum, Unicode
from traitlets.config import Configurable

from . import render
from .config import TARGETS
from .errors import AmlxError, ValidationError
from .records import WorkspaceInfo
from .workspace import Workspace


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting the kernel."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ValidationError(message, details={"usage": self.format_usage().strip(), "prog": self.prog})

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            print(message, end="")
        raise _HelpShown()


class _HelpShown(Exception):
    """``--help`` printed its text; nothing else to do."""


class Rich:
    """A result that renders as HTML in JupyterLab and as text in a terminal."""

    def __init__(self, text: str, html: str, value: Any = None) -> None:
        self.text, self.html, self.value = text, html, value

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _parser() -> _ArgumentParser:
    parser = _ArgumentParser(prog="%aml", add_help=True, description="Azure ML (or local) jobs from notebook cells.")
    verbs = parser.add_subparsers(dest="verb", metavar="SUBCOMMAND", parser_class=_ArgumentParser)
    verbs.add_parser("workspace", help="show the active target, its health and capabilities")
    return parser


@magics_class
class Aml(Magics, Configurable):  # type: ignore[misc]
    """%aml SUBCOMMAND [options]

    Subcommands:
      workspace   show the active target, its health and capabilities

    Run ``%aml SUBCOMMAND --help`` for the options of one subcommand.
    """

    workspace_dir = Unicode(None, allow_none=True, config=True, help="Local workspace folder (default: $AMLX_WORKSPACE).")
    target = Enum(list(TARGETS), default_value=None, allow_none=True, config=True, help="Target to use.")

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        """Re-resolved when ``%config`` changed a setting, so the change applies at once."""
        wanted = (self.workspace_dir, self.target)
        if self._workspace is None or getattr(self, "_resolved_for", None) != wanted:
            if self._workspace is not None:
                self._workspace.close()
            self._workspace = Workspace.from_environment(workspace_dir=self.workspace_dir, target=self.target)
            self._resolved_for = wanted
        return self._workspace

    @line_cell_magic
    def aml(self, line: str, cell: str | None = None) -> Any:
        try:
            try:
                words = shlex.split(line)
            except ValueError as exc:
                raise ValidationError(f"cannot read the line ({exc}); check the quotes.") from None
            args = _parser().parse_args(words)
            if args.verb is None:
                print(self.__class__.__doc__)
                return None
            return getattr(self, f"_do_{args.verb}")(args, cell)
        except _HelpShown:
            return None
        except AmlxError as exc:
            print(f"{exc.details.get('prog', '%aml')}: {exc.message}", file=sys.stderr)
            return None

    def _do_workspace(self, args: argparse.Namespace, cell: str | None) -> Rich:
        info: WorkspaceInfo = self.workspace.info()
        return Rich(render.workspace_text(info), render.workspace_html(info), info)


def register(ipython: Any) -> None:
    ipython.register_magics(Aml(shell=ipython, config=ipython.config))
