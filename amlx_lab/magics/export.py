"""``%aml export``: a job or an endpoint as Azure ML CLI v2 YAML and a GitHub Actions workflow, next to the notebook.

The folder is relative to the kernel's working folder (the notebook's), where
the person commits it; an absolute ``-o`` is used as given, as ``%aml download --to``.
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import TYPE_CHECKING

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..errors import ValidationError
from ..paths import resolve_within
from ..i18n import _
from .arguments import parser_options
from .display import Rich

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml export")
@parser_options(_(
    "Write a job (job.yml, its code and conda file) or an endpoint (endpoint.yml, a deployment-<name>.yml each) "
    "as Azure ML CLI v2 YAML, with a GitHub Actions workflow that runs it, into DIR/<name>/ (amlx-export/ by default)."
))
@argument("name", metavar="JOB", nargs="?", help=_("the job to export"))
@argument("--endpoint", metavar="NAME", help=_("export this online endpoint and its deployments instead"))
@argument("-o", "--output", metavar="DIR", default="amlx-export", help=_("parent folder (default amlx-export)"))
@argument("--force", action="store_true", help=_("replace an earlier export of the same name"))
def cmd_export(aml: Aml, args: argparse.Namespace, cell: str | None) -> Rich:
    if bool(args.name) == bool(args.endpoint):
        raise ValidationError(_("name a job (%aml export JOB) or an endpoint (%aml export --endpoint NAME)."))
    output = Path(args.output).expanduser()
    parent = output if output.is_absolute() else resolve_within(Path.cwd(), args.output, field="-o", must_exist=False)
    shown = str(output / (args.endpoint or args.name))
    ws = aml.workspace
    if args.endpoint:
        result = ws.export_endpoint(args.endpoint, out_dir=parent, shown_as=shown, overwrite=args.force)
    else:
        result = ws.export_job(args.name, out_dir=parent, shown_as=shown, overwrite=args.force)
    text = render.export_text(result)
    return Rich(text, f"<pre>{html.escape(text)}</pre>", result)
