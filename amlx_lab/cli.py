"""The ``amlx`` command line: parse, call the workspace facade, print.

User errors print one line on stderr and exit with status 2 (1 for unexpected
failures); ``--json`` prints the same records the REST API returns.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__, render
from .errors import AmlxError
from .records import to_jsonable
from .workspace import Workspace


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amlx", description="Run notebook cells as tracked ML jobs, locally or on Azure ML.")
    parser.add_argument("--version", action="version", version=f"amlx_lab {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help="local workspace folder (default: $AMLX_WORKSPACE or ~/.amlx/workspace)")
    parser.add_argument("--target", choices=["local", "azure"], help="target to use (default: the configured one)")
    parser.add_argument("--json", action="store_true", help="print JSON records instead of text")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    verbs.required = True
    verbs.add_parser("workspace", help="show the active target, its health and capabilities")
    return parser


def _print(args: argparse.Namespace, record: Any, text: str) -> None:
    print(json.dumps(to_jsonable(record), indent=2) if args.json else text)


def run(args: argparse.Namespace) -> int:
    workspace = Workspace.from_environment(workspace_dir=args.workspace, target=args.target)
    try:
        if args.verb == "workspace":
            info = workspace.info()
            _print(args, info, render.workspace_text(info))
        return 0
    finally:
        workspace.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except AmlxError as exc:
        print(f"amlx: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
