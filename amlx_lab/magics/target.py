"""``%aml workspace`` and ``%aml target``: which target the magics use, and switching it.

The switch is written to the workspace's ``settings.json`` (where the server
and the CLI read it) rather than kept in the kernel, so every front end
agrees on the target.
"""

from __future__ import annotations

import argparse
import html
import os
from typing import TYPE_CHECKING

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..config import ENV_TARGET, SETTINGS_FILE, TARGETS, write_settings_file
from ..records import WorkspaceInfo
from .arguments import parser_options
from .display import Rich

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml workspace")
@parser_options("Show the active target, where it lives, its health and what it can do.")
def cmd_workspace(aml: Aml, args: argparse.Namespace, cell: str | None) -> WorkspaceInfo:
    return aml.workspace.info()


@magic_arguments("aml target")
@parser_options(
    "Show the target, or switch to another one. The choice is saved in the workspace's settings.json, "
    "where the CLI and other kernels read it, and it applies here at once."
)
@argument("name", nargs="?", choices=list(TARGETS), metavar="local|azure", help="local or azure; leave out to show the current one")
def cmd_target(aml: Aml, args: argparse.Namespace, cell: str | None) -> Rich:
    if args.name is None:
        info = aml.workspace.info()
        health = info.health.state.value.replace("_", " ")
        text = f"target: {info.target} ({info.label}); health: {health} - {info.health.message}"
        return Rich(text, render.workspace_html(info), info)
    root = aml.workspace.config.workspace_dir
    write_settings_file(root, {"target": args.name})
    notes = [f"Target set to {args.name} (saved in {root / SETTINGS_FILE})."]
    overriding = os.environ.get(ENV_TARGET)
    if aml.target is not None or (overriding and overriding != args.name):
        aml.target = args.name  # an explicit setting outranks settings.json: keep it in step
    if overriding and overriding != args.name:
        notes.append(f"${ENV_TARGET}={overriding} still wins in processes started with it.")
    info = aml.workspace.info()
    text = "\n".join(notes) + "\n" + render.workspace_text(info)
    page = "".join(f"<p>{html.escape(n)}</p>" for n in notes) + render.workspace_html(info)
    return Rich(text, page, info)
