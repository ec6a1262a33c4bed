"""``%aml tag``, ``describe``, ``archive`` and ``restore``: labelling and hiding runs from the notebook.

The same operations as ``amlx tag|describe|archive|restore`` and the run
panel, through the target's ``JobOps``; each returns the changed job, shown
like ``%aml show`` shows one.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from IPython.core.magic_arguments import argument, magic_arguments

from ..i18n import _
from ..records import Job
from ..specs import LabelUpdate
from ..submission import parse_assignments
from .arguments import parser_options

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml tag")
@parser_options(_("Set or remove a job's tags (on Azure, the job's own); the Runs filter finds them as tags.KEY."))
@argument("name", metavar="NAME", help=_("the job's name"))
@argument("tags", nargs="*", metavar="KEY=VALUE", help=_("tags to set"))
@argument("--remove", action="append", metavar="KEY", help=_("a tag to remove (repeatable)"))
def cmd_tag(aml: Aml, args: argparse.Namespace, cell: str | None) -> Job:
    tags: dict[str, str | None] = dict(parse_assignments(args.tags, field_name="KEY=VALUE"))
    tags.update(dict.fromkeys(args.remove or (), None))
    return aml.workspace.jobs().update_job(args.name, LabelUpdate.parse({"tags": tags}))


@magic_arguments("aml describe")
@parser_options(_("Write why a job exists: its description (\"\" clears it)."))
@argument("name", metavar="NAME", help=_("the job's name"))
@argument("text", metavar="TEXT", help=_("the description"))
def cmd_describe(aml: Aml, args: argparse.Namespace, cell: str | None) -> Job:
    return aml.workspace.jobs().update_job(args.name, LabelUpdate.parse({"description": args.text}))


@magic_arguments("aml archive")
@parser_options(_("Hide a job and its trials from lists and charts; nothing is deleted (%aml restore shows it again)."))
@argument("name", metavar="NAME", help=_("the job's name"))
def cmd_archive(aml: Aml, args: argparse.Namespace, cell: str | None) -> Job:
    return aml.workspace.jobs().archive_job(args.name)


@magic_arguments("aml restore")
@parser_options(_("Show an archived job and its trials again."))
@argument("name", metavar="NAME", help=_("the job's name"))
def cmd_restore(aml: Aml, args: argparse.Namespace, cell: str | None) -> Job:
    return aml.workspace.jobs().restore_job(args.name)
