"""``%aml workspace`` and ``%aml target``: which target the magics use, and switching it.

A switch applies to this kernel only (``Aml.target``), so a notebook cannot
change what the sidebar, the CLI and every other notebook use behind their
backs. ``--save`` writes it to the workspace's ``settings.json`` instead,
where all of them read it. Either way the output says which it was.
"""

from __future__ import annotations

import argparse
import html
import os
from typing import TYPE_CHECKING

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..config import ENV_TARGET, SETTINGS_FILE, TARGETS, read_settings_file, write_settings_file
from ..errors import ValidationError
from ..records import WorkspaceInfo
from .arguments import parser_options
from .display import Rich

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml workspace")
@parser_options("Show the active target, where it lives, its health and what it can do.")
def cmd_workspace(aml: Aml, args: argparse.Namespace, cell: str | None) -> WorkspaceInfo:
    return aml.workspace.info()


def target_source(aml: Aml) -> str:
    """Where the target this kernel uses comes from, in the resolution order of ``config.AmlxConfig``."""
    if aml.target is not None:
        return "chosen for this kernel (%aml target NAME, or %config Aml.target)"
    if os.environ.get(ENV_TARGET) in TARGETS:
        return f"${ENV_TARGET} of this kernel's environment"
    root = aml.workspace.config.workspace_dir
    try:
        stored = read_settings_file(root).get("target")
    except ValidationError:
        stored = None
    if stored in TARGETS:
        return f"the workspace's {SETTINGS_FILE}, shared with the sidebar and the CLI"
    return "the default"


@magic_arguments("aml target")
@parser_options(
    "Show the target, or switch this kernel to another one (--save: the whole workspace). Shown, it says where "
    "the choice comes from. A switch applies to this kernel only: the sidebar, the amlx CLI and other notebooks "
    "keep theirs. With --save it is written to the workspace's settings.json instead, and applies everywhere "
    "that reads it (here at once)."
)
@argument("name", nargs="?", choices=list(TARGETS), metavar="local|azure", help="local or azure; leave out to show the current one")
@argument("--save", action="store_true", help="make it the workspace's target (settings.json), not only this kernel's")
def cmd_target(aml: Aml, args: argparse.Namespace, cell: str | None) -> Rich:
    if args.name is None:
        if args.save:
            raise ValidationError("name the target to save: %aml target local --save, or azure.", field="--save")
        info = aml.workspace.info()
        health = info.health.state.value.replace("_", " ")
        text = f"target: {info.target} ({info.label}), {target_source(aml)}; health: {health} - {info.health.message}"
        return Rich(text, f"<p>{html.escape(text.split(';')[0])}</p>" + render.workspace_html(info), info)
    if args.save:
        notes = _save(aml, args.name)
    else:
        aml.target = args.name
        notes = [
            f"Target set to {args.name} for this kernel only; the sidebar, the amlx CLI and other notebooks keep "
            f"theirs (%aml target {args.name} --save makes it the workspace's)."
        ]
    info = aml.workspace.info()
    text = "\n".join(notes) + "\n" + render.workspace_text(info)
    page = "".join(f"<p>{html.escape(n)}</p>" for n in notes) + render.workspace_html(info)
    return Rich(text, page, info)


def _save(aml: Aml, name: str) -> list[str]:
    """Write the target to settings.json; this kernel follows it from now on (unless its environment overrides it)."""
    root = aml.workspace.config.workspace_dir
    write_settings_file(root, {"target": name})
    notes = [f"Target set to {name} and saved in {root / SETTINGS_FILE}: the sidebar, the amlx CLI and other kernels use it."]
    overriding = os.environ.get(ENV_TARGET)
    if overriding and overriding != name:
        aml.target = name  # this kernel's environment would win over settings.json here
        notes.append(f"${ENV_TARGET}={overriding} still wins in processes started with it.")
    else:
        aml.target = None  # a choice made for this kernel alone gives way to the saved one
    return notes
