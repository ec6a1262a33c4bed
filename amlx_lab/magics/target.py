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
from ..i18n import _
from ..records import WorkspaceInfo
from .arguments import parser_options
from .display import Rich

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml workspace")
@parser_options(_("Show the active target, where it lives, its health and what it can do."))
def cmd_workspace(aml: Aml, args: argparse.Namespace, cell: str | None) -> WorkspaceInfo:
    return aml.workspace.info()


def target_source(aml: Aml) -> str:
    """Where the target this kernel uses comes from, in the resolution order of ``config.AmlxConfig``."""
    if aml.target is not None:
        return _("chosen for this kernel (%aml target NAME, or %config Aml.target)")
    if os.environ.get(ENV_TARGET) in TARGETS:
        return _("${variable} of this kernel's environment").format(variable=ENV_TARGET)
    root = aml.workspace.config.workspace_dir
    try:
        stored = read_settings_file(root).get("target")
    except ValidationError:
        stored = None
    if stored in TARGETS:
        return _("the workspace's {file}, shared with the sidebar and the CLI").format(file=SETTINGS_FILE)
    return _("the default")


@magic_arguments("aml target")
@parser_options(_("Show the target, or switch this kernel to another one (--save: the whole workspace). Shown, it says where "
    "the choice comes from. A switch applies to this kernel only: the sidebar, the amlx CLI and other notebooks "
    "keep theirs. With --save it is written to the workspace's settings.json instead, and applies everywhere "
    "that reads it (here at once)."))
@argument("name", nargs="?", choices=list(TARGETS), metavar="local|azure", help=_("local or azure; leave out to show the current one"))
@argument("--save", action="store_true", help=_("make it the workspace's target (settings.json), not only this kernel's"))
def cmd_target(aml: Aml, args: argparse.Namespace, cell: str | None) -> Rich:
    if args.name is None:
        if args.save:
            raise ValidationError(_("name the target to save: %aml target local --save, or azure."), field="--save")
        info = aml.workspace.info()
        health = render.health(info.health.state)
        said = _("target: {target} ({label}), {source}").format(target=info.target, label=info.label, source=target_source(aml))
        text = said + _("; health: {health} - {message}").format(health=health, message=info.health.message)
        return Rich(text, f"<p>{html.escape(said)}</p>" + render.workspace_html(info), info)
    if args.save:
        notes = _save(aml, args.name)
    else:
        aml.target = args.name
        notes = [
            _("Target set to {name} for this kernel only; the sidebar, the amlx CLI and other notebooks keep "
              "theirs (%aml target {name} --save makes it the workspace's).").format(name=args.name)
        ]
    info = aml.workspace.info()
    text = "\n".join(notes) + "\n" + render.workspace_text(info)
    page = "".join(f"<p>{html.escape(n)}</p>" for n in notes) + render.workspace_html(info)
    return Rich(text, page, info)


def _save(aml: Aml, name: str) -> list[str]:
    """Write the target to settings.json; this kernel follows it from now on (unless its environment overrides it)."""
    root = aml.workspace.config.workspace_dir
    write_settings_file(root, {"target": name})
    notes = [_("Target set to {name} and saved in {file}: the sidebar, the amlx CLI and other kernels use it.").format(
        name=name, file=root / SETTINGS_FILE)]
    overriding = os.environ.get(ENV_TARGET)
    if overriding and overriding != name:
        aml.target = name  # this kernel's environment would win over settings.json here
        notes.append(_("${variable}={value} still wins in processes started with it.").format(variable=ENV_TARGET, value=overriding))
    else:
        aml.target = None  # a choice made for this kernel alone gives way to the saved one
    return notes
