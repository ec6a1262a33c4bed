"""Where a submitted cell's code comes from: the kernel's execution history or the saved notebook.

Separate from the ``submit`` subcommand because the rules (which cells, which
one is the target, when a file on disk may be trusted) are the subtle part
of a submission and are worth reading without the option handling around them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import _
from ..errors import ValidationError


@dataclass(frozen=True)
class CellOrigin:
    """The cells to slice, which one is the target, and where relative paths in the code resolve.

    From the history, ``sources`` are the cells; from a saved notebook they are empty and the
    file itself is sliced (its cell tags, e.g. ``parameters``, count), with ``body`` as the
    target cell's code in place of the ``%%aml`` cell the file holds.
    """

    sources: tuple[str, ...]
    index: int
    base_dir: Path
    notebook: Path | None  # the notebook the kernel runs, when known (names the experiment)
    from_file: bool  # True: the cells came from the saved notebook; False: from the execution history
    body: str = ""


def _is_submit_cell(source: str, body: str) -> bool:
    """``source`` is a ``%%aml`` cell whose body is ``body`` (whitespace at the ends aside)."""
    first, _newline, rest = source.lstrip().partition("\n")
    words = first.split()
    return bool(words) and words[0] == "%%aml" and rest.strip() == body.strip()


def history_origin(raw_history: list[str], body: str, base_dir: Path, notebook: Path | None) -> CellOrigin:
    """The kernel's execution history as the earlier cells, and ``body`` as the target.

    IPython stores a cell in its history before running it, so while the magic
    runs the last entry is the ``%%aml`` cell itself: it is replaced by the
    bare body (the slicer would drop the whole cell as IPython syntax).
    """
    earlier = list(raw_history)
    if earlier and _is_submit_cell(earlier[-1], body):
        earlier.pop()
    sources = (*earlier, body)
    return CellOrigin(tuple(sources), len(sources) - 1, base_dir, notebook, from_file=False)


def notebook_origin(path: Path, body: str) -> CellOrigin:
    """The saved notebook's cells above this one, and ``body`` as the target.

    The file is used only if it holds this very cell (same ``%%aml`` cell,
    same body): otherwise the file is not saved or not this notebook, and its
    cells would not be the code that ran.
    """
    from ..notebook.source import read_notebook

    nb = read_notebook(path)
    matches = [c for c in nb.cells if c.is_code and _is_submit_cell(c.source, body)]
    if not matches:
        raise ValidationError(
            _("{file} on disk has no copy of this cell: save the notebook and run the cell again, "
              "or leave out --notebook to use the kernel's history.").format(file=path.name),
            field="--notebook",
        )
    if len(matches) > 1:
        where = ", ".join(str(c.index) for c in matches)
        raise ValidationError(
            _("{file} has {count} identical copies of this cell (cells {cells}); "
              "leave out --notebook to use the kernel's history.").format(file=path.name, count=len(matches), cells=where),
            field="--notebook",
        )
    target = matches[0]
    return CellOrigin((), target.index, nb.base_dir, nb.path, from_file=True, body=body)


def kernel_notebook(user_ns: dict[str, Any], environ: Any = os.environ) -> Path | None:
    """The notebook this kernel runs, if the front end said: VS Code's variable, else ``JPY_SESSION_NAME``.

    JupyterLab sets ``JPY_SESSION_NAME`` to the notebook's path when it starts
    the kernel; a console or a renamed notebook gives a path that is not an
    existing ``.ipynb``, which counts as unknown.
    """
    for candidate in (user_ns.get("__vsc_ipynb_file__"), environ.get("JPY_SESSION_NAME")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None
