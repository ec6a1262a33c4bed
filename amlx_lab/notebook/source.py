"""Read the input (an ``.ipynb`` file or a kernel's execution history) and pick the target cell.

The notebook is read as plain JSON rather than through ``nbformat``: importing
nbformat costs more than a second (jsonschema), which would dominate packaging
time, and the few fields needed here (cell type, source, id, tags,
kernelspec) are stable across nbformat 4.x. Older formats are refused with a
message saying how to upgrade them.
"""

from __future__ import annotations

from typing import Any

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import (
    AmbiguousCellError,
    CellNotFoundError,
    CorruptNotebookError,
    NotebookError,
    NotebookNotFoundError,
    ValidationError,
    cell_details,
    cell_label,
)
from ..i18n import _

TRAIN_TAG = "aml-train"
PARAMETERS_TAG = "parameters"

CellSelector = int | str
Source = str | os.PathLike[str] | Sequence[str]


@dataclass(frozen=True)
class Cell:
    """One notebook cell as the packager sees it (``index`` counts every cell, markdown included)."""

    index: int
    cell_type: str
    source: str
    id: str | None = None
    tags: tuple[str, ...] = ()
    execution_count: int | None = None

    @property
    def is_code(self) -> bool:
        return self.cell_type == "code"

    @property
    def label(self) -> str:
        return cell_label(self.index, self.id)


@dataclass(frozen=True)
class Notebook:
    """The cells plus what is known about where they came from."""

    cells: tuple[Cell, ...]
    path: Path | None = None  # None for an execution history
    kernel_name: str | None = None
    language: str | None = None
    base_dir: Path = field(default_factory=Path.cwd)  # relative paths in the code resolve here


def _text(value: object, where: str) -> str:
    """nbformat stores sources as a string or a list of lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise CorruptNotebookError(f"The notebook is corrupt: {where} has a source that is not text.", details={"where": where})


def read_notebook(path: str | os.PathLike[str]) -> Notebook:
    """Parse an nbformat 4 ``.ipynb`` file; errors say what is wrong and where."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise NotebookNotFoundError(f"Notebook {str(path)!r} does not exist.", details={"path": str(path)})
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptNotebookError(f"Cannot read notebook {p.name!r}: {exc}.", details={"path": str(p)}) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CorruptNotebookError(
            f"Notebook {p.name!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            details={"path": str(p), "line": exc.lineno, "column": exc.colno},
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise CorruptNotebookError(f"{p.name!r} is not a Jupyter notebook (no 'cells' list).", details={"path": str(p)})
    major = data.get("nbformat")
    if major != 4:
        raise CorruptNotebookError(
            f"{p.name!r} uses nbformat {major}; only nbformat 4 is supported (open and save it in JupyterLab to upgrade).",
            details={"path": str(p), "nbformat": major},
        )
    cells: list[Cell] = []
    for index, item in enumerate(data["cells"]):
        if not isinstance(item, dict) or not isinstance(item.get("cell_type"), str):
            raise CorruptNotebookError(
                f"The notebook is corrupt: {cell_label(index)} has no cell_type.", details=cell_details(index, path=str(p))
            )
        metadata = _mapping(item.get("metadata"))
        raw_tags = metadata.get("tags")
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        cell_id = item.get("id") if isinstance(item.get("id"), str) else None
        count = item.get("execution_count")
        cells.append(
            Cell(
                index=index,
                cell_type=item["cell_type"],
                source=_text(item.get("source", ""), cell_label(index, cell_id)),
                id=cell_id,
                tags=tuple(t for t in tags if isinstance(t, str)),
                execution_count=count if isinstance(count, int) else None,
            )
        )
    meta = _mapping(data.get("metadata"))
    kernelspec = _mapping(meta.get("kernelspec"))
    language_info = _mapping(meta.get("language_info"))
    kernel_name = kernelspec.get("name") if isinstance(kernelspec.get("name"), str) else None
    language = kernelspec.get("language") or language_info.get("name")
    resolved = p.resolve()
    return Notebook(
        cells=tuple(cells),
        path=resolved,
        kernel_name=kernel_name,
        language=language if isinstance(language, str) else None,
        base_dir=resolved.parent,
    )


def history_notebook(sources: Sequence[str], base_dir: str | os.PathLike[str] | None = None) -> Notebook:
    """A kernel's execution history (e.g. IPython's ``In``) as a notebook of code cells.

    Empty entries (IPython's ``In[0]``) are kept so that indices match the
    history the caller holds.
    """
    cells = []
    for index, text in enumerate(sources):
        if not isinstance(text, str):
            raise ValidationError(_("Entry {index} of the cell sources is not a string.").format(index=index), field="source")
        cells.append(Cell(index=index, cell_type="code", source=text))
    return Notebook(
        cells=tuple(cells),
        path=None,
        kernel_name=None,
        language="python",
        base_dir=Path(base_dir).resolve() if base_dir is not None else Path.cwd().resolve(),
    )


def load_source(source: Source, base_dir: str | os.PathLike[str] | None = None) -> Notebook:
    """An ``.ipynb`` path or a list of cell sources, as a :class:`Notebook`."""
    if isinstance(source, (str, os.PathLike)):
        nb = read_notebook(source)
        if base_dir is not None:
            nb = Notebook(nb.cells, nb.path, nb.kernel_name, nb.language, Path(base_dir).resolve())
        return nb
    if isinstance(source, Sequence):
        return history_notebook(source, base_dir)
    raise ValidationError(_("source must be a path to an .ipynb file or a list of cell sources."), field="source")


def select_cell(nb: Notebook, selector: CellSelector) -> Cell:
    """The target cell.

    The rule: an ``int`` is an index into all cells (negative counts from the
    end, as in Python); a ``str`` is a cell id first, then a tag (e.g.
    ``"aml-train"``) that exactly one cell must carry. The result must be a
    code cell.
    """
    if isinstance(selector, bool) or not isinstance(selector, (int, str)):
        raise ValidationError(_("cell must be an index (int), a cell id or a tag (str)."), field="cell")
    if isinstance(selector, int):
        count = len(nb.cells)
        if not -count <= selector < count:
            raise CellNotFoundError(
                f"There is no cell {selector}: the notebook has {count} cells.",
                details=cell_details(selector, None, None, cells=count),
            )
        cell = nb.cells[selector]
    else:
        by_id = [c for c in nb.cells if c.id == selector]
        if by_id:
            cell = by_id[0]
        else:
            tagged = [c for c in nb.cells if selector in c.tags]
            if not tagged:
                raise CellNotFoundError(
                    f"No cell has the id or tag {selector!r}.", details=cell_details(None, selector, None, selector=selector)
                )
            if len(tagged) > 1:
                where = ", ".join(str(c.index) for c in tagged)
                raise AmbiguousCellError(
                    f"{len(tagged)} cells carry the tag {selector!r} (cells {where}); tag only one, or pass its index or id.",
                    details=cell_details(tagged[0].index, tagged[0].id, None, cells=[c.index for c in tagged], tag=selector),
                )
            cell = tagged[0]
    if not cell.is_code:
        raise NotebookError(
            _("{label} is a {cell_type} cell; choose a code cell to run as a job.").format(label=cell.label, cell_type=cell.cell_type),
            details=cell_details(cell.index, cell.id, None, cell_type=cell.cell_type),
        )
    return cell


def _mapping(value: Any) -> dict[str, Any]:
    """A JSON object from the notebook file, or an empty one when the file has something else there."""
    return value if isinstance(value, dict) else {}
