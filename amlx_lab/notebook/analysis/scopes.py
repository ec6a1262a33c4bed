"""What a nested scope (function, lambda, class body, comprehension) does to globals when it runs.

A function's body runs when it is called, not where it is defined, so its
effects are summarised once (:class:`~.records.FunctionSummary`) and applied
at each use by the slicer.
"""

from __future__ import annotations

import ast

from .effects import (
    ARG_MUTATORS,
    DISPLAY_BUILTINS,
    attribute_chain,
    call_mutation,
    dotted_name,
    global_effect,
    store_effect,
)
from .records import FunctionSummary

__all__ = ["COMPREHENSIONS", "ScopeCollector", "scope_summary"]

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class ScopeCollector(ast.NodeVisitor):
    """Names loaded and stored directly in one scope; nested scopes are recorded, not entered."""

    def __init__(self) -> None:
        self.loads: dict[str, int] = {}
        self.stores: set[str] = set()
        self.walrus: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.nested: list[ast.AST] = []
        self.mutated: dict[str, int] = {}
        self.passed_to_discarded: set[str] = set()
        self.effects: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.setdefault(node.id, node.lineno)
        else:
            self.stores.add(node.id)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.nonlocals.update(node.names)

    def _function_header(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for deco in node.decorator_list:
                self.visit(deco)
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None and a.annotation is not None:
                    self.visit(a.annotation)
            if node.returns is not None:
                self.visit(node.returns)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stores.add(node.name)
        self._function_header(node)
        self.nested.append(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function_header(node)
        self.nested.append(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stores.add(node.name)
        for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(part)
        self.nested.append(node)

    def _comprehension(self, node: ast.AST) -> None:
        self.visit(node.generators[0].iter)  # type: ignore[attr-defined]
        self.nested.append(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension  # type: ignore[assignment]

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.stores.add(node.target.id)
        self.walrus.add(node.target.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.stores.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.stores.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.stores.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.stores.add(node.rest)
        self.generic_visit(node)

    def _mutated_target(self, target: ast.expr) -> None:
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root, chain = attribute_chain(target)
            if root is not None:
                self.mutated.setdefault(root, target.lineno)
                effect = store_effect(root, chain)
                if effect:
                    self.effects.append(effect)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._mutated_target(elt)
        elif isinstance(target, ast.Starred):
            self._mutated_target(target.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._mutated_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._mutated_target(node.target)
        if isinstance(node.target, ast.Name):
            self.loads.setdefault(node.target.id, node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._mutated_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._mutated_target(target)
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            self._call(node.value, discarded=True)
            func = node.value.func
            if not (isinstance(func, ast.Name) and func.id in DISPLAY_BUILTINS):
                for arg in node.value.args:
                    if isinstance(arg, ast.Name):
                        self.passed_to_discarded.add(arg.id)
            self._visit_call_parts(node.value)
        else:
            self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        self._call(node, discarded=False)
        self._visit_call_parts(node)

    def _visit_call_parts(self, node: ast.Call) -> None:
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)

    def _call(self, node: ast.Call, discarded: bool) -> None:
        root = call_mutation(node, discarded)
        if root is not None:
            self.mutated.setdefault(root, node.lineno)
        dotted = dotted_name(node.func) or ""
        if dotted.rsplit(".", 1)[-1] in ARG_MUTATORS:
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    self.mutated.setdefault(arg.id, node.lineno)
        effect = global_effect(node)
        if effect:
            self.effects.append(effect)


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = node.args
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def scope_summary(node: ast.AST, enclosing: frozenset[str] = frozenset()) -> tuple[FunctionSummary, set[str]]:
    """Summary of a nested scope, and the names its walrus operators bind in the enclosing scope.

    ``enclosing`` holds the locals of enclosing function scopes (closures), which
    are not globals.
    """
    collector = ScopeCollector()
    params: list[str] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        params = _params(node)
        for stmt in node.body:
            collector.visit(stmt)
    elif isinstance(node, ast.Lambda):
        params = _params(node)
        collector.visit(node.body)
    elif isinstance(node, ast.ClassDef):
        for stmt in node.body:
            collector.visit(stmt)
    else:  # comprehension: targets are local, the first iterable was evaluated outside
        gens = node.generators  # type: ignore[attr-defined]
        for i, gen in enumerate(gens):
            collector.visit(gen.target)
            if i:
                collector.visit(gen.iter)
            for cond in gen.ifs:
                collector.visit(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                collector.visit(getattr(node, part))
    is_comprehension = isinstance(node, COMPREHENSIONS)
    locals_ = (set(params) | collector.stores) - collector.globals - collector.nonlocals
    if is_comprehension:
        locals_ -= collector.walrus  # a walrus in a comprehension binds in the enclosing scope
    free = {n: line for n, line in collector.loads.items() if (n not in locals_ or n in collector.globals) and n not in enclosing}
    global_writes = set(collector.stores & collector.globals)
    mutated_globals = {n for n in collector.mutated if (n not in locals_ or n in collector.globals) and n not in enclosing}
    mutated_params = {n for n in collector.mutated if n in params} | (collector.passed_to_discarded & set(params))
    effects = list(collector.effects)
    # class bodies do not enclose the functions defined in them
    inner_enclosing = enclosing if isinstance(node, ast.ClassDef) else enclosing | frozenset(locals_)
    for nested in collector.nested:
        sub, walrus = scope_summary(nested, inner_enclosing)
        for n, line in sub.free_reads.items():
            # methods cannot see class-level names, so a class filters nothing
            if isinstance(node, ast.ClassDef) or n not in locals_ or n in collector.globals:
                free.setdefault(n, line)
        global_writes |= sub.global_writes
        mutated_globals |= {n for n in sub.global_mutations if n not in locals_}
        effects.extend(sub.effects)
        if walrus and not is_comprehension:
            locals_ |= walrus
    walrus_out = collector.walrus if is_comprehension else set()
    summary = FunctionSummary(
        free_reads=free,
        global_writes=frozenset(global_writes),
        global_mutations=frozenset(mutated_globals),
        params=tuple(params),
        mutated_params=frozenset(mutated_params),
        effects=tuple(dict.fromkeys(effects)),
    )
    return summary, walrus_out

