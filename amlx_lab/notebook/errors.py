"""Typed errors of the cell -> job package step.

They subclass the project's shared errors (``amlx_lab.errors``) so handlers map
them to the same HTTP status (422 for a notebook problem, 404 for an unknown
cell or file, 400 for a bad option); the subclasses only let callers and tests
tell the cases apart. ``details`` always names the cell (``cell_index``,
``cell_id``) and the ``line`` when they are known.
"""

from __future__ import annotations

from typing import Any

from ..errors import NotebookError, NotFoundError, ValidationError
from ..i18n import _

__all__ = [
    "AmbiguousCellError",
    "CellNotFoundError",
    "CellSyntaxError",
    "CorruptNotebookError",
    "NotebookError",
    "NotebookNotFoundError",
    "NotFoundError",
    "UndefinedNameError",
    "ValidationError",
    "cell_details",
    "cell_label",
]


def cell_label(index: int | None, cell_id: str | None = None, line: int | None = None) -> str:
    """``cell 4 (id 'a1b2'), line 3``: how every message names a place in the notebook."""
    text = _("cell {index}").format(index=index) if index is not None else _("the cell")
    if cell_id:
        text += _(" (id {cell_id!r})").format(cell_id=cell_id)
    if line is not None:
        text += _(", line {line}").format(line=line)
    return text


def cell_details(index: int | None, cell_id: str | None = None, line: int | None = None, **extra: Any) -> dict[str, Any]:
    """The ``details`` dict of a cell error: always the same three keys, then extras."""
    return {"cell_index": index, "cell_id": cell_id, "line": line, **extra}


class NotebookNotFoundError(NotFoundError):
    """The ``.ipynb`` path does not exist."""


class CorruptNotebookError(NotebookError):
    """The file is not an nbformat 4 notebook (bad JSON, wrong structure, other version)."""


class CellNotFoundError(NotFoundError):
    """No cell has that index, id or tag."""


class AmbiguousCellError(NotebookError):
    """Several cells carry the tag that should name one training cell."""


class CellSyntaxError(NotebookError):
    """The target cell (or a cell the slice needs) is not valid Python, even after IPython's transforms."""


class UndefinedNameError(NotebookError):
    """A cell of the slice reads a name that no earlier cell defines (it would fail in a job)."""
