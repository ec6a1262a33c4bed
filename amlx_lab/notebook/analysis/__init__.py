"""What one cell does to the notebook's global names, by static analysis only (nothing runs).

For a cell's Python (after :mod:`..ipython_syntax`) :func:`analyze_cell` finds, in statement order:

* the names it reads before binding them itself (``exposed``): what it needs
  from earlier cells;
* the names it binds (assignments of every form, imports, ``def``, ``class``,
  ``for``/``with`` targets, walrus), deletes (``del``), or changes in place
  (``df["x"] = ...``, ``df.fillna(0, inplace=True)``, ``lst.append(...)``,
  ``model.fit(...)``, attribute assignment);
* per function it defines: the globals its body reads when called, the globals
  it assigns (``global``), mutates, or whose parameters it mutates, so a call
  site carries those effects;
* calls with effects on the interpreter rather than on a name (random seeds,
  ``os.environ``, ``sys.path``, ``os.makedirs``, ``sklearn.set_config``);
* what makes the analysis unsure (``from x import *``, ``exec``, ``globals()``);
* its steps for the alias analysis (binds, in-place changes, calls, loops),
  so that a change through ``df`` after ``df = train`` counts for ``train``.

The modules, one concern each: ``records`` (what an analysis returns),
``effects`` (which calls and stores change what), ``values`` (what an
expression may be, and the steps), ``calls`` (the steps of one call),
``heap`` (abstract objects: who may refer to and hold what), ``scopes``
(summaries of functions, lambdas, classes and comprehensions),
``scanner`` (the walk over a cell's statements) and ``parsing`` (the
shared parse cache, string literals and imports).
"""

from __future__ import annotations

from .parsing import parse, strings_and_imports
from .records import (
    DEF,
    KILL,
    MAYBE,
    CellAnalysis,
    FunctionSummary,
    ImportRef,
    LiteralAssign,
    NestedCall,
    StringLiteral,
    Use,
)
from .scanner import analyze_cell

__all__ = [
    "DEF",
    "KILL",
    "MAYBE",
    "CellAnalysis",
    "FunctionSummary",
    "ImportRef",
    "LiteralAssign",
    "NestedCall",
    "StringLiteral",
    "Use",
    "analyze_cell",
    "parse",
    "strings_and_imports",
]
