"""The records one cell's analysis produces: what the slicer, parameter and data-file steps read."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

__all__ = [
    "DEF",
    "KILL",
    "MAYBE",
    "CallSite",
    "CellAnalysis",
    "FunctionSummary",
    "ImportRef",
    "LiteralAssign",
    "StringLiteral",
    "Use",
]

DEF = "def"  # the cell binds the name on every path
MAYBE = "maybe"  # the cell binds (or deletes) it on some paths only
KILL = "kill"  # the cell deletes it (``del x``)


@dataclass(frozen=True)
class Use:
    """First read of a name before the cell binds it; ``maybe_local`` if the cell may have bound it on another path."""

    line: int
    maybe_local: bool = False


@dataclass(frozen=True)
class FunctionSummary:
    """What calling a function (or using a class) defined in the notebook does to globals."""

    free_reads: dict[str, int] = field(default_factory=dict)  # globals read when it runs -> line
    global_writes: frozenset[str] = frozenset()
    global_mutations: frozenset[str] = frozenset()
    params: tuple[str, ...] = ()
    mutated_params: frozenset[str] = frozenset()
    effects: tuple[str, ...] = ()  # e.g. "np.random.seed(...) sets a random seed"


@dataclass(frozen=True)
class CallSite:
    """``f(a, b=c)`` at module level, with the plain names passed, for effects of user functions."""

    func: str
    args: tuple[str | None, ...]
    keywords: tuple[tuple[str, str | None], ...]
    discarded: bool
    line: int


@dataclass(frozen=True)
class ImportRef:
    module: str  # top-level module name (``sklearn`` for ``from sklearn.svm import SVC``)
    line: int
    relative: bool = False


@dataclass(frozen=True)
class LiteralAssign:
    """``alpha = 0.5`` at the top level of a cell: a parameter candidate."""

    name: str
    value: object
    line: int
    end_line: int


@dataclass(frozen=True)
class StringLiteral:
    value: str
    line: int


@dataclass(frozen=True)
class CellAnalysis:
    """Everything the slicer, parameter and data-file steps need to know about one cell."""

    exposed: dict[str, Use]
    reads: frozenset[str]
    effects: dict[str, str]  # name -> DEF | MAYBE | KILL
    mutations: dict[str, int]  # name -> line of an in-place change
    lines: dict[str, int]  # name -> line where the cell binds it
    binding_kinds: dict[str, str]  # name -> "import" | "function" | "class" | "value"
    binding_counts: dict[str, int]
    functions: dict[str, FunctionSummary]
    calls: tuple[CallSite, ...]
    global_effects: tuple[tuple[str, int], ...]  # (description, line)
    star: tuple[str, int] | None  # why the cell may define any name, and where
    literal_assigns: tuple[LiteralAssign, ...]

    @cached_property
    def bound(self) -> frozenset[str]:
        """Every module-level name the cell binds or deletes."""
        return frozenset(self.effects)

