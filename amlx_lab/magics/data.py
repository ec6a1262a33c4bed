"""``%aml data register`` and ``%aml data list``: data assets that jobs read as ``azureml:NAME:VERSION``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from ..i18n import _

from .. import render
from ..records import DataAsset
from .arguments import parser_options, variable_name
from .display import Rich

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml data register")
@parser_options(_("Register a file or folder as the next version of a data asset (jobs read it as azureml:NAME:VERSION)."))
@argument("name", metavar="NAME", help=_("asset name"))
@argument("path", metavar="PATH", help=_("file or folder, relative to the current folder"))
@argument("--description", metavar="TEXT", help=_("a note kept with the version"))
@argument("--version", metavar="V", help=_("version to create (default: the next number)"))
def cmd_data_register(aml: Aml, args: argparse.Namespace, cell: str | None) -> DataAsset:
    return aml.workspace.register_data(
        args.name, args.path, base_dir=Path.cwd(), description=args.description, version=args.version
    )


@magic_arguments("aml data list")
@parser_options(_("List data assets (the latest version of each, or every version of NAME)."))
@argument("name", nargs="?", metavar="NAME", help=_("list every version of this asset"))
@argument("-o", "--out", metavar="VAR", help=_("store the assets in this variable instead of showing them"))
def cmd_data_list(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    assets = aml.workspace.data().list_data(args.name)
    return aml.result(out, assets, Rich(render.data_text(assets), render.data_html(assets), assets))
