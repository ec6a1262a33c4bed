"""main.py's command line: one ``--name value`` per parameter and ``--input-... PATH`` per job input.

The parameters are the notebook's literal settings; each option defaults to the
notebook's value (or the value the package was built with), so ``python main.py``
alone reproduces the notebook. A job input is a file or folder too big to copy into
the package: the option's path is linked to where the code reads it.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections.abc import Callable
from typing import Any


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise argparse.ArgumentTypeError(f"expected a Python literal such as [1, 2], got {text!r}") from None


_TYPES: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "str": str, "bool": _bool, "literal": _literal}


def parse(job: dict[str, Any], argv: list[str] | None = None) -> argparse.Namespace:
    """The parsed options (argparse exits with status 2 and a usage line on a bad one)."""
    parser = argparse.ArgumentParser(description=job.get("description"))
    for p in job.get("parameters", ()):
        parser.add_argument(p["flag"], dest=p["name"], type=_TYPES[p["type"]], default=p["default"], help=p.get("help"))
    for n, item in enumerate(job.get("inputs", ())):
        parser.add_argument(
            item["option"], dest=f"_amlx_input_{n}", metavar="PATH", help=f"path of {item['path']} (a job input: not in the package)"
        )
    return parser.parse_args(argv)


def link_inputs(job: dict[str, Any], args: argparse.Namespace) -> None:
    """Put each job input where the notebook code reads it: a link to the path given."""
    for n, item in enumerate(job.get("inputs", ())):
        rel, flag = item["path"], item["option"]
        given = getattr(args, f"_amlx_input_{n}")
        if given:
            target = os.path.abspath(given)
            if not os.path.exists(target):
                sys.exit(f"main.py: {flag} {given}: no such file or folder")
            if os.path.islink(rel):
                os.unlink(rel)
            elif os.path.exists(rel):
                sys.exit(f"main.py: {flag} given but {rel!r} already exists in the package folder")
            os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
            os.symlink(target, rel)
        elif not os.path.exists(rel):
            sys.exit(f"main.py: the code reads {rel!r}, a job input the package does not contain; pass {flag} PATH")
