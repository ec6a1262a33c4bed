"""``%aml download``: copy a job's outputs into a local folder.

The destination rules live here: a relative ``--to`` is confined to the
current folder (as REST paths are), an explicit absolute one is trusted,
and no output may land outside the chosen folder.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..errors import NotFoundError, ValidationError
from ..i18n import _
from ..paths import resolve_within
from .arguments import parser_options
from .display import Rich

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml download")
@parser_options(_("Copy a job's outputs (all, or the file or folder --path names) into a local folder, "
    "./outputs/<job name>/ by default. A relative --to must stay inside the current folder; "
    "an absolute one is used as given."))
@argument("name", metavar="NAME", help=_("the job's name"))
@argument("--path", metavar="P", help=_("one output file or folder, relative to the job's outputs (e.g. model.pkl)"))
@argument("--to", metavar="DIR", help=_("where to write (default: outputs/<job name>)"))
def cmd_download(aml: Aml, args: argparse.Namespace, cell: str | None) -> Rich:
    ws = aml.workspace
    files = select_outputs(ws.jobs().list_outputs(args.name), args.path, args.name)
    dest = download_folder(args.to, args.name)
    written: list[tuple[str, int]] = []
    for entry in files:
        target = (dest / entry.path).resolve()
        if dest.resolve() not in target.parents:
            raise ValidationError(_("output {path!r} would land outside {folder}.").format(path=entry.path, folder=dest), field="--path")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ws.jobs().output_file(args.name, entry.path), target)
        written.append((entry.path, target.stat().st_size))
    shown = str(dest)
    return Rich(render.download_text(shown, written), render.download_html(shown, written), dest)


def select_outputs(entries: Iterable[Any], path: str | None, job: str) -> list[Any]:
    """All output files, or those at or under ``path`` (an ``outputs/`` prefix is accepted too)."""
    entries = list(entries)
    if path is None:
        return entries
    wanted = path.strip().strip("/")
    for candidate in dict.fromkeys((wanted, wanted.removeprefix("outputs/"))):
        chosen = [e for e in entries if e.path == candidate or e.path.startswith(candidate + "/")]
        if chosen:
            return chosen
    known = ", ".join(e.path for e in entries[:10]) or "none"
    raise NotFoundError(_("job {job} has no output {path!r}; its outputs are: {known}.").format(job=job, path=path, known=known))


def download_folder(to: str | None, job: str) -> Path:
    """Where downloads go: inside the current folder unless an absolute path is given explicitly."""
    if to is not None and Path(to).expanduser().is_absolute():
        return Path(to).expanduser()
    relative = to if to is not None else str(Path("outputs") / job)
    return resolve_within(Path.cwd(), relative, field="--to", must_exist=False)
