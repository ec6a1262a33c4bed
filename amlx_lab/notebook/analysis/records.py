"""The records one cell's analysis produces: what the slicer, parameter and data-file steps read."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .values import Op

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
class NestedCall:
    """A call inside a function body to a name the body does not define (``add_title(d)``).

    Its effect is known only where the function is called, from what that
    name is then; ``receiver`` and ``args`` name, per argument, the
    parameters and globals the argument may reach.
    """

    func: str | None  # None for obj.method(...) and for a callee that is not a name
    receiver: frozenset[str]
    args: tuple[frozenset[str], ...]
    keywords: tuple[tuple[str | None, frozenset[str]], ...]
    discarded: bool
    line: int
    method: str | None = None  # obj.method(...): a notebook class may define it
    dynamic: bool = False  # a callee the analysis cannot name (ops[0](df))


@dataclass(frozen=True)
class FunctionSummary:
    """What calling a function (or using a class) defined in the notebook does to globals."""

    free_reads: dict[str, int] = field(default_factory=dict)  # globals read when it runs -> line
    global_writes: frozenset[str] = frozenset()
    global_mutations: frozenset[str] = frozenset()
    params: tuple[str, ...] = ()
    mutated_params: frozenset[str] = frozenset()
    effects: tuple[str, ...] = ()  # e.g. "np.random.seed(...) sets a random seed"
    returns: frozenset[str] = frozenset()  # parameters and globals the result may be, hold or be part of
    calls: tuple[NestedCall, ...] = ()
    mutated_through: dict[str, str] = field(default_factory=dict)  # changed name -> the phrase naming the local it changes through
    shallow_mutations: frozenset[str] = frozenset()  # changed names whose own object changes, nothing inside it
    files_written: frozenset[str] = frozenset()  # file:<path> of the files it writes (df.to_csv("x.csv"))
    files_used: frozenset[str] = frozenset()  # file:<path> of every other literal that may name a file
    defaults: frozenset[str] = frozenset()  # params with a default value (bound where the function is made)
    holds: dict[str, frozenset[str]] = field(default_factory=dict)  # param/global -> those it may come to hold
    methods: dict[str, FunctionSummary] = field(default_factory=dict)  # a class's methods, by name
    positional: int = 0  # how many leading params take positional arguments (after self for a class)
    varargs: bool = False  # *args or **kwargs: any argument may land in any parameter


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
    written: bool = False  # the argument naming the file of a call that writes it (df.to_csv("x.csv"))


@dataclass(frozen=True)
class CellAnalysis:
    """Everything the slicer, parameter and data-file steps need to know about one cell."""

    exposed: dict[str, Use]
    reads: frozenset[str]
    effects: dict[str, str]  # name -> DEF | MAYBE | KILL
    lines: dict[str, int]  # name -> line where the cell binds it
    binding_kinds: dict[str, str]  # name -> "import" | "function" | "class" | "value"
    binding_counts: dict[str, int]
    functions: dict[str, FunctionSummary]
    files_written: dict[str, int]  # file:<path> -> line, for files the cell writes (df.to_csv("x.csv"), open(p, "w"))
    files_used: dict[str, int]  # file:<path> -> line, for other literals that may name a file it reads
    steps: tuple[Op, ...]  # binds, changes and calls in execution order, for the alias analysis
    sites: int  # how many places in the cell make a new object (numbered 0..sites-1 in steps)
    global_effects: tuple[tuple[str, int], ...]  # (description, line)
    star: tuple[str, int] | None  # why the cell may define any name, and where
    literal_assigns: tuple[LiteralAssign, ...]

    @cached_property
    def bound(self) -> frozenset[str]:
        """Every module-level name the cell binds or deletes."""
        return frozenset(self.effects)

