"""Why the slice keeps a cell, in sentences a person reads in the preview.

The slicer hands over structured :class:`KeepReason` records (what the cell
defines or changes, for which later cells, through which other name); this
module only words them: "Cell 1 changes `train` through the loop variable
`ds` (item assignment, line 1), and cell 2 uses it."

The sentences number cells from 1, as the person sees them in JupyterLab and
as the preview that shows these sentences heads each cell; the records keep
0-based notebook indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["KeepReason", "explain"]

_SHOWN = 12  # cells listed before "and N more"


@dataclass(frozen=True)
class KeepReason:
    """One reason to keep a cell.

    kind: "target", "parameters", "global" (interpreter-wide state), "star" (may define any name),
        "all" (every cell above was asked for), "defines" or "changes".
    users: notebook indices of the later cells that need what this cell defines or changes.
    """

    kind: str
    names: tuple[str, ...] = ()
    users: tuple[int, ...] = ()
    text: str = ""
    maybe: bool = False
    through: str | None = None
    how: str = ""
    detail: str = ""
    line: int = 0


def _names(names: Sequence[str]) -> str:
    quoted = [f"the file `{n[5:]}`" if n.startswith("file:") else f"`{n}`" for n in names]  # a file changed in place
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _cells(indices: Sequence[int]) -> str:
    shown = [str(_number(i)) for i in indices[:_SHOWN]]
    if len(indices) > _SHOWN:
        shown.append(f"{len(indices) - _SHOWN} more")
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return ("cell " if len(indices) == 1 else "cells ") + listed


def _verb(indices: Sequence[int], singular: str, plural: str) -> str:
    return singular if len(indices) == 1 else plural


def _number(index: int) -> int:
    """A notebook index as the person counts cells (from 1)."""
    return index + 1


def _sentence(index: int, reason: KeepReason) -> str:
    cell = f"Cell {_number(index)}"
    if reason.kind == "target":
        return f"{cell} is the target cell."
    if reason.kind == "parameters":
        return f"{cell} is tagged `parameters`: its values become the job's options."
    if reason.kind == "global":
        return f"{cell} changes state that every later cell shares: {reason.text}."
    if reason.kind == "star":
        return f"{cell} may define any name ({reason.text}), so it cannot be left out."
    if reason.kind == "all":
        return f"{cell} is above the target, and every cell above was asked for."
    users = f"{_cells(reason.users)} {_verb(reason.users, 'uses', 'use')}"
    if reason.kind == "defines":
        files = [n for n in reason.names if n.startswith("file:")]
        names = [n for n in reason.names if not n.startswith("file:")]
        verb = "may set" if reason.maybe else "defines"
        parts = [f"{verb} {_names(names)}"] if names else []
        if files:
            listed = _names([f[5:] for f in files])
            parts.append(f"writes the file {listed}" if len(files) == 1 else f"writes the files {listed}")
        return f"{cell} {' and '.join(parts)}, which {users}."
    pronoun = "it" if len(reason.names) == 1 else "them"
    way = " in place" if reason.through is None else " through " + reason.through.replace("{it}", pronoun)
    notes = [n for n in (reason.detail, reason.how, f"line {reason.line}" if reason.line else "") if n]
    note = f" ({', '.join(notes)})" if notes else ""
    return f"{cell} changes {_names(reason.names)}{way}{note}, and {users} {pronoun}."


def explain(index: int, reasons: Sequence[KeepReason]) -> str:
    """Why cell ``index`` (its notebook index) is in the job, one sentence per reason."""
    if not reasons:
        return f"Cell {_number(index)} is needed by the cells the slice keeps."
    return " ".join(_sentence(index, r) for r in reasons)
