"""main.py's line numbers as the notebook's cells and lines, for tracebacks and warnings.

The package builder records where each cell's code sits in main.py (``cells`` in
job.json: first and last line, and the lines amlx inserted, such as a parameter's
override). A traceback frame in main.py then reads::

      cell 5, line 3, in <module> (main.py, line 42)
        print(1 / x)

instead of ``File ".../main.py", line 42``. The supervisor of a local job reads that
frame format back to name the cell in the job's error, so it is written in one place
(``frame_line``). If main.py no longer matches the map (edited by hand), nothing is
rewritten: a wrong cell number would be worse than main.py's own.
"""

from __future__ import annotations

import hashlib
import os
import re
import traceback
from typing import Any

_FRAME = re.compile(r'^  File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<name>.*)$')
#: A frame as ``frame_line`` writes it; group 1 is the place, e.g. "cell 5, line 3".
CELL_FRAME = re.compile(r"^  (cell \d+, (?:line \d+|after line \d+ \(a line amlx added\))), in .* \([^()]+, line \d+\)$")


class LineMap:
    """Which cell and line a line of main.py is."""

    def __init__(self, script_path: str, cells: list[dict[str, Any]], expected_sha256: str | None) -> None:
        self.script_path = os.path.realpath(script_path)
        self.cells = sorted(cells, key=lambda c: c["start"])
        self.valid = expected_sha256 is not None and _sha256(script_path) == expected_sha256

    def is_script(self, filename: str) -> bool:
        if os.path.isabs(filename):
            return os.path.realpath(filename) == self.script_path
        # Python < 3.9 keeps the relative name it was started with; the cwd may have moved since
        return os.path.basename(filename) == os.path.basename(self.script_path)

    def find(self, filename: str, line: int) -> tuple[int, int, bool] | None:
        """(cell index, line in the cell, amlx added it) for a line of main.py (an added line: the one it follows)."""
        if not self.valid or not self.is_script(filename):
            return None
        for cell in self.cells:
            if cell["start"] <= line <= cell["end"]:
                inserted = cell.get("inserted", ())
                own = line - cell["start"] + 1 - sum(1 for n in inserted if n <= line)
                return int(cell["index"]), own, line in inserted  # an added line: the line it follows
        return None

    def locate(self, filename: str, line: int) -> str | None:
        """``cell 5, line 3`` for a line of main.py inside a cell; None elsewhere."""
        found = self.find(filename, line)
        if found is None:
            return None
        index, own, added = found
        return f"cell {index}, after line {own} (a line amlx added)" if added else f"cell {index}, line {own}"

def frame_line(where: str, function: str, script_line: int, script_name: str = "main.py") -> str:
    """A traceback frame in the notebook's terms (``CELL_FRAME`` reads it back, e.g. for a job's error)."""
    return f"  {where}, in {function} ({script_name}, line {script_line})"


def format_exception(kind: type[BaseException], value: BaseException, tb: Any, lines: LineMap | None) -> str:
    """Python's traceback text, each main.py frame naming its cell and line (chained exceptions too)."""
    text = "".join(traceback.format_exception(kind, value, tb))
    if lines is None or not lines.valid:
        return text
    out = []
    for line in text.split("\n"):
        match = _FRAME.match(line)
        if match:
            where = lines.locate(match.group("file"), int(match.group("line")))
            if where is not None:
                line = frame_line(where, match.group("name"), int(match.group("line")), os.path.basename(lines.script_path))
        out.append(line)
    return "\n".join(out)


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None
