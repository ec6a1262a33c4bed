"""Which objects an expression may evaluate to, and the steps by which a scope binds and changes objects.

Names alone do not tell which cells change a DataFrame: after ``df = train``
or ``for ds in [train, test]: ...``, a change through ``df`` or ``ds`` is a
change of ``train``. So the scanner also records, in execution order, a list
of steps (:data:`Op`) in terms of *values* (:class:`Val`): which names'
objects an expression may be, or be part of, or hold. :mod:`.heap` runs
those steps over abstract objects; nothing is executed.

A value is described conservatively: ``df['a']``, ``df.loc[...]``,
``df.head()`` and an unknown call's result may share memory with ``df`` (a
view, the receiver itself, an item), so they are *parts* of ``df``; a
container display ``[train, test]`` is a new object that *holds* the two
frames; methods known to build a new object (``copy``, ``dropna``, ``sum``,
...) give a new object that may still hold parts of the inputs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "EMPTY",
    "NEW_OBJECT_CALLS",
    "NEW_OBJECT_METHODS",
    "VALUE_CALLS",
    "VALUE_METHODS",
    "Bind",
    "Call",
    "Kill",
    "Loop",
    "Mutate",
    "Op",
    "Val",
    "ValueReader",
]

#: Methods whose result is a new object: changing it in place (``X = df.dropna(); X['a'] = 0``)
#: does not change the receiver, though what it holds may still be shared (a shallow copy).
NEW_OBJECT_METHODS = frozenset(
    {
        "copy", "deepcopy", "dropna", "fillna", "drop", "drop_duplicates", "rename", "replace", "astype",
        "reset_index", "set_index", "sort_values", "sort_index", "assign", "merge", "join", "min", "max",
        "round", "abs", "cumsum", "cumprod", "tolist", "to_list", "to_dict", "concat",
    }
)
#: Methods whose result holds nothing of its inputs: numbers, strings, masks, summaries.
VALUE_METHODS = frozenset(
    {
        "sum", "mean", "median", "std", "var", "count", "nunique", "unique", "corr", "cov", "quantile",
        "describe", "value_counts", "isna", "isnull", "notna", "notnull", "duplicated", "isin", "any", "all",
        "to_string", "to_json", "to_csv", "to_markdown", "to_html", "format", "split", "strip", "lower", "upper",
        "startswith", "endswith", "predict", "predict_proba", "score", "dumps", "memory_usage", "agg",
        "aggregate", "pivot_table", "melt", "get_dummies",
    }
)
#: Builtins (and ``copy.deepcopy``) that build a new object from their arguments.
NEW_OBJECT_CALLS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "abs", "round", "deepcopy"})
#: Builtins whose result holds nothing of their arguments.
VALUE_CALLS = frozenset(
    {
        "len", "str", "int", "float", "bool", "repr", "hash", "id", "isinstance", "issubclass", "print", "format",
        "ord", "chr", "callable", "hasattr", "range", "input", "open",
    }
)


@dataclass(frozen=True, slots=True)
class Val:
    """What an expression may evaluate to, in names that are resolved to objects when the steps run.

    names: the very object one of these names refers to.
    parts: any object reachable from one of these names (an item, an attribute, a view, a result).
    new: a new object made at one of these sites (numbered per scope).
    items: what those new objects may hold.
    calls: notebook functions whose result may flow in (their summaries say what they return).
    """

    names: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    new: frozenset[int] = frozenset()
    items: Val | None = None
    calls: frozenset[str] = frozenset()

    def __or__(self, other: Val) -> Val:
        if other is EMPTY:
            return self
        if self is EMPTY:
            return other
        items = other.items if self.items is None else (self.items if other.items is None else self.items | other.items)
        return Val(self.names | other.names, self.parts | other.parts, self.new | other.new, items, self.calls | other.calls)

    def roots(self) -> frozenset[str]:
        """Every name the value may reach."""
        found = self.names | self.parts
        return found if self.items is None else found | self.items.roots()

    def deep(self) -> Val:
        """Anything reachable from this value (what a callee or a nested change may touch)."""
        if self.items is None and not self.names:
            return self
        calls = self.calls if self.items is None else self.calls | self.items.deep().calls
        new = self.new if self.items is None else self.new | self.items.deep().new
        return Val(parts=self.roots(), new=new, calls=calls)

    def elements(self) -> Val:
        """What iterating over (or unpacking) the value may give."""
        if not self.names and not self.parts and not self.calls and self.new:
            return self.items or EMPTY
        return self.deep()


EMPTY = Val()


@dataclass(frozen=True, slots=True)
class Bind:
    """``name = value``; ``weak`` when the binding may not happen (a branch, a loop, a function body)."""

    name: str
    value: Val
    weak: bool
    line: int
    kind: str = "value"  # "value" | "import" | "function" | "class"
    origin: str = "assign"  # "assign" | "loop" | "unpack" | "with" | "param": how the name got its value


@dataclass(frozen=True, slots=True)
class Kill:
    """``del name``."""

    name: str


@dataclass(frozen=True, slots=True)
class Mutate:
    """The objects of ``target`` change in place; afterwards they may hold ``held``.

    ``roots`` are the names the code changes them through (``df`` in
    ``df['a'] = 1``; none for a temporary); ``through`` says how, when the
    change was made inside a nested scope (``the loop variable `d```).
    """

    target: Val
    line: int
    roots: frozenset[str] = frozenset()
    how: str = ""  # e.g. ".fillna(inplace=True)", "item assignment": for explanations
    held: Val = EMPTY
    through: str | None = None
    detail: str = ""  # e.g. "add_title() changes its argument"


@dataclass(frozen=True, slots=True)
class Call:
    """A call whose effect depends on what its callee is when it runs (a notebook function, a value).

    ``func`` is the callee's name for ``f(...)``; for ``obj.method(...)`` it is
    None and ``method`` names the method (a notebook class may define it, and
    an argument may be a function, as in ``df.pipe(add_title)``); a callee that
    is neither (``ops[0](df)``) is ``dynamic``.
    """

    func: str | None
    receiver: Val
    args: tuple[Val, ...]
    keywords: tuple[tuple[str | None, Val], ...]
    discarded: bool
    line: int
    starred: bool = False  # ``f(*xs)``: arguments cannot be matched to parameters
    method: str | None = None
    dynamic: bool = False


@dataclass(frozen=True, slots=True)
class Loop:
    """Steps that may run any number of times (loop bodies); run until nothing changes."""

    body: tuple[Op, ...]


Op = Bind | Kill | Mutate | Call | Loop


class ValueReader:
    """Turns expressions into :class:`Val`; new objects are numbered in the order they are met.

    ``scope_value`` gives the value of a nested scope (a comprehension's
    elements, a lambda's function object), supplied by the scanner that owns
    the scope summaries.
    """

    def __init__(self, scope_value: Callable[[ast.AST], Val]) -> None:
        self.sites = 0
        self._scope_value = scope_value
        self._read: dict[int, Val] = {}  # an expression read twice (a call's argument, then the call) is one value

    def site(self) -> frozenset[int]:
        self.sites += 1
        return frozenset({self.sites - 1})

    def new(self, items: Val | None = None) -> Val:
        return Val(new=self.site(), items=items if items is not None and items is not EMPTY else None)

    def read(self, node: ast.AST | None) -> Val:
        if node is None:
            return EMPTY
        if isinstance(node, ast.Name):
            return Val(names=frozenset({node.id}))
        found = self._read.get(id(node))
        if found is None:
            found = self._read[id(node)] = self._evaluate(node)
        return found

    def _evaluate(self, node: ast.AST) -> Val:
        if isinstance(node, ast.Name):
            return Val(names=frozenset({node.id}))
        if isinstance(node, (ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.Slice)):
            return EMPTY
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = EMPTY
            for elt in node.elts:
                items = items | self.read(elt)
            return self.new(items)
        if isinstance(node, ast.Dict):
            items = EMPTY
            for key, item in zip(node.keys, node.values):
                items = items | self.read(key) | (self.read(item) if key is not None else self.read(item).elements())
            return self.new(items)
        if isinstance(node, ast.Starred):
            return self.read(node.value).elements()
        if isinstance(node, (ast.Subscript, ast.Attribute)):
            return self.read(node.value).deep()
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
            items = EMPTY
            for operand in operands:
                items = items | self.read(operand).deep()
            return self.new(items)
        if isinstance(node, ast.Compare):
            return self.new()
        if isinstance(node, ast.BoolOp):
            value = EMPTY
            for operand in node.values:
                value = value | self.read(operand)
            return value
        if isinstance(node, ast.IfExp):
            return self.read(node.body) | self.read(node.orelse)
        if isinstance(node, ast.NamedExpr):
            return self.read(node.value)
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._scope_value(node)
        # await, yield, anything newer: it may be anything its parts reach
        value = EMPTY
        for child in ast.iter_child_nodes(node):
            value = value | self.read(child)
        return value.deep() if value is not EMPTY else self.new()

    def call(self, node: ast.Call) -> Val:
        args = EMPTY
        for arg in node.args:
            args = args | self.read(arg)
        for kw in node.keywords:
            args = args | self.read(kw.value)
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.read(func.value)
            if func.attr in VALUE_METHODS:
                return self.new()
            if func.attr in NEW_OBJECT_METHODS and not _shallow_copy(node):
                return self.new((receiver | args).deep())
            return self.new() | (receiver | args).deep()
        if isinstance(func, ast.Name):
            if func.id in VALUE_CALLS:
                return self.new()
            if func.id in NEW_OBJECT_CALLS:
                return self.new(args.deep())
            callee = Val(parts=frozenset({func.id}), calls=frozenset({func.id}))
            return self.new() | callee | args.deep()
        return self.new() | (self.read(func) | args).deep()


def _shallow_copy(node: ast.Call) -> bool:
    """``df.copy(deep=False)`` shares its data with ``df``."""
    return any(kw.arg == "deep" and not (isinstance(kw.value, ast.Constant) and kw.value.value) for kw in node.keywords)
