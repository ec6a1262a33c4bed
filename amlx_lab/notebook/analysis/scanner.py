"""A cell's top-level statements walked in order: what it reads, binds, deletes and changes in place."""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import lru_cache

from .calls import call_steps
from .effects import (
    STAR_CALLS,
    attribute_chain,
    dotted_name,
    file_key,
    global_effect,
    store_effect,
    written_paths,
)
from .parsing import parse
from .records import (
    DEF,
    KILL,
    MAYBE,
    CellAnalysis,
    FunctionSummary,
    LiteralAssign,
    Use,
)
from .scopes import (
    COMPREHENSIONS,
    ScopeCollector,
    default_name,
    function_reach,
    nested_steps,
    param_defaults,
    scope_summary,
)
from .values import EMPTY, Bind, Kill, Loop, Mutate, Op, Val, ValueReader

__all__ = ["analyze_cell"]


def _root(node: ast.expr) -> frozenset[str]:
    root, _ = attribute_chain(node)
    return frozenset({root}) if root is not None else frozenset()

_LITERAL_TYPES = (int, float, str, bool, list, tuple, dict)
_NESTED = (ast.Lambda, *COMPREHENSIONS)


def _literal(node: ast.expr | None) -> tuple[bool, object]:
    """``(True, value)`` for a literal a parameter can hold (``0.5``, ``["Age", "Sex"]``)."""
    if node is None:
        return False, None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    return isinstance(value, _LITERAL_TYPES), value


class _CellScanner:
    """Walks a cell's top-level statements in order, tracking what is bound on the current path.

    Alongside the names, it records the cell's steps (:mod:`.values`) for the
    alias analysis: binds, in-place changes and calls, in execution order,
    with loop bodies as :class:`~.values.Loop` and steps under a branch
    marked weak.
    """

    def __init__(self) -> None:
        self.blocks: list[set[str]] = [set()]
        self.cond = 0
        self.maybe: set[str] = set()
        self.exposed: dict[str, Use] = {}
        self.reads: set[str] = set()
        self.effects: dict[str, str] = {}
        self.lines: dict[str, int] = {}
        self.kinds: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.functions: dict[str, FunctionSummary] = {}
        self.global_effects: list[tuple[str, int]] = []
        self.star: tuple[str, int] | None = None
        self.literal_assigns: list[LiteralAssign] = []
        self.steps: list[list[Op]] = [[]]
        self.files_written: dict[str, int] = {}
        self.files_used: dict[str, int] = {}
        self._written_nodes: set[int] = set()
        self.scopes: dict[int, tuple[FunctionSummary, set[str]]] = {}
        self.values = ValueReader(self.scope_value)

    # -- events ------------------------------------------------------------------------

    def read(self, name: str, line: int) -> None:
        self.reads.add(name)
        if name not in self.exposed and not any(name in b for b in self.blocks):
            self.exposed[name] = Use(line, name in self.maybe)

    def bind(self, name: str, line: int, kind: str = "value") -> None:
        self.blocks[-1].add(name)
        self.lines[name] = line
        self.kinds[name] = kind
        self.counts[name] = self.counts.get(name, 0) + 1
        if kind not in ("function", "class"):
            self.functions.pop(name, None)
        if self.cond == 0:
            self.effects[name] = DEF
        else:
            self.maybe.add(name)
            if self.effects.get(name) != DEF:
                self.effects[name] = MAYBE

    def kill(self, name: str, line: int) -> None:
        self.read(name, line)
        for block in self.blocks:
            block.discard(name)
        self.functions.pop(name, None)
        self.lines[name] = line
        self.effects[name] = KILL if self.cond == 0 else MAYBE
        self.step(Kill(name))

    def step(self, step: Op) -> None:
        self.steps[-1].append(step)

    def bind_step(self, name: str, value: Val, line: int, kind: str = "value", origin: str = "assign") -> None:
        self.step(Bind(name, value, self.cond > 0, line, kind, origin))

    def block(self, stmts: list[ast.stmt], conditional: bool) -> set[str]:
        self.blocks.append(set())
        self.cond += conditional
        for stmt in stmts:
            self.stmt(stmt)
        self.cond -= conditional
        return self.blocks.pop()

    def loop(self, run: Callable[[], None]) -> None:
        """Steps recorded by ``run`` become one :class:`~.values.Loop` (they may repeat or not run)."""
        self.steps.append([])
        self.cond += 1
        run()
        self.cond -= 1
        body = self.steps.pop()
        if body:
            self.step(Loop(tuple(body)))

    # -- nested scopes -----------------------------------------------------------------

    def summary_of(self, node: ast.AST) -> tuple[FunctionSummary, set[str]]:
        found = self.scopes.get(id(node))
        if found is None:
            found = self.scopes[id(node)] = scope_summary(node)
        return found

    def scope_value(self, node: ast.AST) -> Val:
        """A lambda is a new function that reaches what it reads; a comprehension a new container of its elements."""
        summary, _ = self.summary_of(node)
        if isinstance(node, ast.Lambda):
            return self.values.new(function_reach(summary))
        return self.values.new(Val(parts=summary.returns) if summary.returns else None)

    # -- expressions -------------------------------------------------------------------

    def expr(self, node: ast.AST | None, discarded: bool = False) -> None:
        if node is None:
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.read(node.id, node.lineno)
            return
        if isinstance(node, ast.Constant):
            key = file_key(node)
            if key is not None and id(node) not in self._written_nodes:
                self.files_used.setdefault(key, node.lineno)
            return
        if isinstance(node, _NESTED):
            if isinstance(node, ast.Lambda):
                for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                    self.expr(default)
            else:
                self.expr(node.generators[0].iter)
            summary, walrus = self.summary_of(node)
            for name, line in summary.free_reads.items():
                self.read(name, line)
            for key in summary.files_written:
                self.files_written.setdefault(key, node.lineno)
            for key in summary.files_used:
                self.files_used.setdefault(key, node.lineno)
            self.global_effects.extend((e, node.lineno) for e in summary.effects)
            for step in nested_steps(summary, node, node.lineno):
                if not isinstance(step, Bind):  # the value comes from scope_value
                    self.step(step)
            for name in walrus:
                self.bind(name, node.lineno)
                self.bind_step(name, Val(parts=summary.returns) | self.values.new(), node.lineno)
            return
        if isinstance(node, ast.NamedExpr):
            self.expr(node.value)
            self.bind(node.target.id, node.lineno)
            self.bind_step(node.target.id, self.values.read(node.value), node.lineno)
            return
        if isinstance(node, ast.Call):
            for arg in written_paths(node):
                key = file_key(arg)
                if key is not None:
                    self.files_written.setdefault(key, node.lineno)
                    self._written_nodes.add(id(arg))
        for child in ast.iter_child_nodes(node):
            self.expr(child)
        if isinstance(node, ast.Call):
            self.call(node, discarded)

    def call(self, node: ast.Call, discarded: bool) -> None:
        for step in call_steps(self.values, node, discarded):
            self.step(step)
        self._function_arguments(node)
        dotted = dotted_name(node.func) or ""
        effect = global_effect(node)
        if effect:
            self.global_effects.append((effect, node.lineno))
        if dotted in STAR_CALLS and not (dotted in ("vars",) and node.args) and self.star is None:
            self.star = (f"{dotted}() can define any name", node.lineno)

    def _function_arguments(self, node: ast.Call) -> None:
        """A lambda that changes its argument, passed to a call, may be applied to the call's other values."""
        passed = [*node.args, *(kw.value for kw in node.keywords)]
        if not any(isinstance(arg, ast.Lambda) for arg in passed):
            return
        for arg in passed:
            if not isinstance(arg, ast.Lambda) or not self.summary_of(arg)[0].mutated_params:
                continue
            others = [a for a in passed if a is not arg]
            value = EMPTY
            roots: frozenset[str] = frozenset()
            for other in others:
                value = value | self.values.read(other)
                roots |= _root(other)
            if isinstance(node.func, ast.Attribute):
                value = value | self.values.read(node.func.value)
                roots |= _root(node.func.value)
            callee = dotted_name(node.func) or "a call"
            self.step(Mutate(value.deep(), node.lineno, roots, f"a lambda passed to {callee}() changes its argument"))

    def target(self, node: ast.expr, line: int, value: Val = EMPTY, origin: str = "assign", source: ast.expr | None = None) -> None:
        """Bind an assignment target (names bind, subscripts and attributes change their container).

        ``value`` is what is assigned; ``source`` the expression it came from,
        so that ``a, b = train, test`` pairs the names one to one.
        """
        if isinstance(node, ast.Name):
            self.bind(node.id, line)
            self.bind_step(node.id, value, line, origin=origin)
        elif isinstance(node, (ast.Tuple, ast.List)):
            pairs = (
                isinstance(source, (ast.Tuple, ast.List))
                and len(source.elts) == len(node.elts)
                and not any(isinstance(e, ast.Starred) for e in [*source.elts, *node.elts])
            )
            inner = value.elements()
            for i, elt in enumerate(node.elts):
                if pairs:
                    item = source.elts[i]  # type: ignore[union-attr]
                    self.target(elt, line, self.values.read(item), "unpack" if origin == "assign" else origin, item)
                else:
                    self.target(elt, line, inner, "unpack" if origin == "assign" else origin)
        elif isinstance(node, ast.Starred):
            self.target(node.value, line, self.values.new(value.elements()), origin)
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            root, chain = attribute_chain(node)
            self.expr(node.value)
            if isinstance(node, ast.Subscript):
                self.expr(node.slice)
            how = "item assignment" if isinstance(node, ast.Subscript) else f"setting .{node.attr}"
            if origin == "del":
                how = "del"
            self.step(Mutate(self.values.read(node.value), line, _root(node), how, value))
            if root is not None:
                effect = store_effect(root, chain)
                if effect:
                    self.global_effects.append((f"{dotted_name(node.value) or root}[...] = ... {effect}", line))

    # -- statements --------------------------------------------------------------------

    def stmt(self, node: ast.stmt) -> None:
        method = getattr(self, f"stmt_{type(node).__name__}", None)
        if method is not None:
            method(node)
        else:  # Pass, Break, Continue, Return (invalid at top level), Raise, Assert, ...
            for child in ast.iter_child_nodes(node):
                self.expr(child)

    def stmt_Expr(self, node: ast.Expr) -> None:
        self.expr(node.value, discarded=True)

    def stmt_Assign(self, node: ast.Assign) -> None:
        self.expr(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Lambda):
            name = node.targets[0].id  # f = lambda d: ...: a function, whose calls carry its effects
            self.bind(name, node.lineno, "function")
            self.functions[name] = self.summary_of(node.value)[0]
            self.bind_step(name, self.values.new(function_reach(self.functions[name])), node.lineno, "function")
            self._defaults(name, node.value)
            return
        value = self.values.read(node.value)
        for target in node.targets:
            self.target(target, node.lineno, value, source=node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._literal_candidate(node.targets[0].id, node.value, node)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.expr(node.value)
        self.expr(node.annotation)
        if node.value is not None:
            self.target(node.target, node.lineno, self.values.read(node.value), source=node.value)
            if isinstance(node.target, ast.Name):
                self._literal_candidate(node.target.id, node.value, node)
        elif not isinstance(node.target, ast.Name):
            self.target(node.target, node.lineno)

    def _literal_candidate(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        if self.cond or len(self.blocks) > 1:
            return
        ok, literal = _literal(value)
        if ok:
            self.literal_assigns.append(LiteralAssign(name, literal, node.lineno, node.end_lineno or node.lineno))

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        """``x += y`` rebinds ``x`` and, for lists and frames, changes the object ``x`` refers to in place."""
        self.expr(node.value)
        value = self.values.read(node.value)
        if isinstance(node.target, ast.Name):
            name = node.target.id
            self.read(name, node.lineno)
            self.bind(name, node.lineno)
            self.step(Mutate(Val(names=frozenset({name})), node.lineno, frozenset({name}), "augmented assignment", value))
        else:
            self.target(node.target, node.lineno, value)

    def stmt_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            for t in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                if isinstance(t, ast.Name):
                    self.kill(t.id, node.lineno)
                else:
                    self.target(t, node.lineno, origin="del")

    def stmt_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.bind(name, node.lineno, "import")
            self.bind_step(name, EMPTY, node.lineno, "import")

    def stmt_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                if self.star is None:
                    self.star = (f"'from {'.' * node.level}{node.module or ''} import *' can define any name", node.lineno)
            else:
                self.bind(alias.asname or alias.name, node.lineno, "import")
                self.bind_step(alias.asname or alias.name, EMPTY, node.lineno, "import")

    def stmt_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        for part in [*node.decorator_list, *args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.expr(part)
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.expr(a.annotation)
        self.expr(node.returns)
        summary, _ = scope_summary(node)
        self.bind(node.name, node.lineno, "function")
        self.bind_step(node.name, self.values.new(function_reach(summary)), node.lineno, "function")
        self._defaults(node.name, node)
        self.functions[node.name] = summary

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def _defaults(self, name: str, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        """Default values are made once, here; a call that changes one changes that object."""
        for param, default in param_defaults(node).items():
            self.bind_step(default_name(name, param), self.values.read(default), node.lineno)

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.expr(part)
        summary, _ = scope_summary(node)
        # the class body runs now: its reads are immediate; methods run later (deferred)
        collector = ScopeCollector()
        for stmt in node.body:
            collector.visit(stmt)
        for name, line in collector.loads.items():
            if name not in collector.stores:
                self.read(name, line)
        for step in nested_steps(summary, node, node.lineno):  # the body's own statements run now
            self.step(step)
        self.bind(node.name, node.lineno, "class")
        self.bind_step(node.name, self.values.new(function_reach(summary)), node.lineno, "class")
        self.functions[node.name] = summary

    def stmt_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.expr(node.iter)
        items = self.values.read(node.iter).elements()

        def body() -> None:
            self.blocks.append(set())
            self.target(node.target, node.lineno, items, "loop")
            for stmt in node.body:
                self.stmt(stmt)
            self.blocks.pop()

        self.loop(body)
        self.block(node.orelse, True)

    stmt_AsyncFor = stmt_For

    def stmt_While(self, node: ast.While) -> None:
        def body() -> None:
            self.expr(node.test)
            self.block(node.body, False)

        self.expr(node.test)
        self.loop(body)
        self.block(node.orelse, True)

    def stmt_If(self, node: ast.If) -> None:
        self.expr(node.test)
        body = self.block(node.body, True)
        orelse = self.block(node.orelse, True)
        both = body & orelse
        self.blocks[-1] |= both
        if self.cond == 0:
            for name in both:
                if self.effects.get(name) == MAYBE:
                    self.effects[name] = DEF

    def stmt_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.target(item.optional_vars, node.lineno, self.values.read(item.context_expr), "with")
        self.blocks[-1] |= self.block(node.body, False)

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, node: ast.Try) -> None:
        self.block(node.body, True)
        for handler in node.handlers:
            self.expr(handler.type)
            self.blocks.append(set())
            self.cond += 1
            if handler.name:
                self.bind(handler.name, handler.lineno)
                self.bind_step(handler.name, self.values.new(), handler.lineno)
            for stmt in handler.body:
                self.stmt(stmt)
            self.cond -= 1
            self.blocks.pop()
        self.block(node.orelse, True)
        self.blocks[-1] |= self.block(node.finalbody, False)

    stmt_TryStar = stmt_Try

    def stmt_Match(self, node: ast.AST) -> None:
        self.expr(node.subject)  # type: ignore[attr-defined]
        subject = self.values.read(node.subject).deep()  # type: ignore[attr-defined]
        for case in node.cases:  # type: ignore[attr-defined]
            self.blocks.append(set())
            self.cond += 1
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                if isinstance(name, str):
                    self.bind(name, case.pattern.lineno)
                    self.bind_step(name, subject, case.pattern.lineno)
                if isinstance(sub, ast.MatchValue):
                    self.expr(sub.value)
                if isinstance(sub, ast.MatchClass):
                    self.expr(sub.cls)
            self.expr(case.guard)
            for stmt in case.body:
                self.stmt(stmt)
            self.cond -= 1
            self.blocks.pop()

    def stmt_Global(self, node: ast.Global) -> None:
        """``global x`` at module level changes nothing."""

    stmt_Nonlocal = stmt_Global


@lru_cache(maxsize=8192)
def analyze_cell(code: str) -> CellAnalysis:
    """Analyse plain Python (raises ``SyntaxError``); cached by source text, so re-packaging is cheap."""
    tree = parse(code)
    scanner = _CellScanner()
    for stmt in tree.body:
        scanner.stmt(stmt)
    return CellAnalysis(
        exposed=scanner.exposed,
        reads=frozenset(scanner.reads),
        effects=scanner.effects,
        lines=scanner.lines,
        binding_kinds=scanner.kinds,
        binding_counts=scanner.counts,
        functions=scanner.functions,
        files_written=scanner.files_written,
        files_used=scanner.files_used,
        steps=tuple(scanner.steps[0]),
        sites=scanner.values.sites,
        global_effects=tuple(dict.fromkeys(scanner.global_effects)),
        star=scanner.star,
        literal_assigns=tuple(scanner.literal_assigns),
    )
