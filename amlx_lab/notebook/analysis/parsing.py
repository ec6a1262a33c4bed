"""A cell's text as a syntax tree (parsed once), and the string literals and imports it contains."""

from __future__ import annotations

import ast
from functools import lru_cache

from .effects import dotted_name, written_paths
from .records import ImportRef, StringLiteral

__all__ = ["import_refs", "parse", "strings_and_imports"]


@lru_cache(maxsize=512)
def parse(code: str) -> ast.Module:
    """``ast.parse`` shared by the IPython conversion and the analysis, so each cell is parsed once.

    Callers must not modify the tree.
    """
    return ast.parse(code)


def import_refs(node: ast.AST) -> list[ImportRef]:
    """Modules one node imports (``import``, ``from ... import``, ``__import__("x")``)."""
    if isinstance(node, ast.Import):
        return [ImportRef(a.name.split(".")[0], node.lineno) for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return [ImportRef((node.module or "").split(".")[0], node.lineno, relative=True)]
        return [ImportRef(node.module.split(".")[0], node.lineno)] if node.module else []
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and dotted_name(node.func) in ("__import__", "importlib.import_module")
        ):
            return [ImportRef(first.value.split(".")[0], node.lineno)]
    return []


@lru_cache(maxsize=8192)
def strings_and_imports(code: str) -> tuple[tuple[StringLiteral, ...], tuple[ImportRef, ...]]:
    """String literals (data file candidates) and imported modules, in one walk.

    Separate from :func:`~.scanner.analyze_cell` because only the cells of the slice need them.
    """
    tree = parse(code)
    strings: list[StringLiteral] = []
    imports: list[ImportRef] = []
    written: set[int] = set()
    for node in ast.walk(tree):  # breadth first: a call is met before the literals inside it
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str) and 0 < len(value) < 1024 and "\n" not in value:
                strings.append(StringLiteral(value, node.lineno, id(node) in written))
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            imports.extend(import_refs(node))
            if isinstance(node, ast.Call):
                written.update(id(arg) for arg in written_paths(node) if isinstance(arg, ast.Constant))
    return tuple(strings), tuple(imports)

