"""A job's recorded command as the CLI v2 ``command:`` text, its values behind ``${{inputs.<name>}}``.

The local target records the command it ran (``python main.py --alpha 0.5
--input-big-csv /data/big.csv``); the Azure target records it with
placeholders already. Either way the exported command names every parameter
and data input through a placeholder, so the YAML's ``inputs:`` section is
where a person (or ``az ml job create --set inputs.alpha=0.7``) changes them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

from ..errors import ConflictError
from ..i18n import _

PLACEHOLDER = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
_AZURE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def azure_input_name(name: str) -> str:
    """Azure ML input names are identifiers: ``input-big-csv`` becomes ``input_big_csv`` (as the Azure target submits it)."""
    return name.replace("-", "_")


def placeholder(name: str) -> str:
    return "${{inputs." + name + "}}"


def with_placeholders(argv: Iterable[str], names: Iterable[str]) -> list[str]:
    """``--name VALUE`` becomes ``--name ${{inputs.name}}`` for each of ``names``; placeholders present are renamed.

    A name the command never passes is added as ``--name ${{inputs.name}}`` (the Azure target
    does the same for an input, and main.py takes every parameter as an option).
    """
    wanted = {f"--{name}": azure_input_name(name) for name in names}
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = PLACEHOLDER.sub(lambda m: placeholder(azure_input_name(m.group(1))), args[i])
        key = wanted.get(arg)
        if key is not None and i + 1 < len(args):
            out += [arg, placeholder(key)]
            i += 2
            continue
        out.append(arg)
        i += 1
    used = used_names(out)
    for flag, key in wanted.items():
        if key not in used:
            out += [flag, placeholder(key)]
    return out


def used_names(argv: Iterable[str]) -> set[str]:
    return {m.group(1) for arg in argv for m in PLACEHOLDER.finditer(arg)}


def shell_text(argv: Iterable[str], quoted: Mapping[str, bool]) -> str:
    """The command as one shell line; a placeholder whose value needs quoting is single-quoted.

    Azure ML pastes a literal input's text into the command before the shell
    reads it, so ``'${{inputs.label}}'`` keeps ``first try`` one argument.
    """
    words = []
    for arg in argv:
        match = PLACEHOLDER.fullmatch(arg)
        if match:
            words.append(f"'{arg}'" if quoted.get(match.group(1)) else arg)
        elif PLACEHOLDER.search(arg):
            words.append(arg if re.fullmatch(r"[A-Za-z0-9_.,:=/@%+${}\-]+", arg) else f'"{arg}"')
        else:
            words.append(shlex.quote(arg))
    return " ".join(words)


def check_complete(argv: Iterable[str], inputs: Mapping[str, object], job: str) -> None:
    """Every placeholder has a value and every name is one Azure accepts, else the YAML would not load or run."""
    for name in sorted(used_names(argv)):
        if name not in inputs:
            raise ConflictError(
                _("Job {job} cannot be exported: its command uses {placeholder}, and no value for it was recorded.").format(
                    job=job, placeholder=f"${{{{inputs.{name}}}}}"),
                details={"input": name},
            )
    for name in inputs:
        if not _AZURE_NAME.match(name):
            raise ConflictError(_("Job {job} cannot be exported: {name!r} is not a name Azure ML accepts for an input.").format(
                job=job, name=name))
