"""What a nested scope (function, lambda, class body, comprehension) does to globals when it runs.

A function's body runs when it is called, not where it is defined, so its
effects are summarised once (:class:`~.records.FunctionSummary`) and applied
at each use by the slicer: the globals it reads, assigns and changes, which
parameters it changes, what its result may be, and the calls it makes to
names it does not define (resolved where it is called).

Inside a body, order is ignored: its steps run over :class:`~.heap.Heap`
until nothing changes, as if any statement could follow any other. So
``for d in [train, test]: d['x'] = 1`` changes ``train`` and ``test``, and
``x = frame; x.fillna(0, inplace=True)`` changes the parameter ``frame``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .calls import call_steps, roots_of
from .effects import (
    DISPLAY_BUILTINS,
    attribute_chain,
    file_key,
    global_effect,
    store_effect,
    written_paths,
)
from .heap import Heap
from .records import FunctionSummary, NestedCall
from .values import EMPTY, Bind, Call, Mutate, Op, Val, ValueReader

__all__ = [
    "COMPREHENSIONS",
    "RETURN",
    "ScopeCollector",
    "changed_value",
    "default_name",
    "function_reach",
    "nested_steps",
    "param_defaults",
    "scope_key",
    "scope_summary",
]

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
RETURN = "<return>"  # the pseudo-name a scope's result is bound to


def scope_key(node: ast.AST) -> str:
    """The pseudo-name a nested scope's value is bound to once its summary is known."""
    return f"<scope {id(node)}>"


class ScopeCollector(ast.NodeVisitor):
    """Names loaded and stored directly in one scope, and its steps; nested scopes are recorded, not entered."""

    def __init__(self) -> None:
        self.loads: dict[str, int] = {}
        self.stores: set[str] = set()
        self.walrus: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.nested: list[ast.AST] = []
        self.effects: list[str] = []
        self.steps: list[Op] = []
        self.passed: list[tuple[Val, int]] = []  # plain names handed to a call made for its effect
        self.files_written: set[str] = set()
        self.files_used: set[str] = set()
        self._written_nodes: set[int] = set()
        self.values = ValueReader(self._nested_value)

    def _nested_value(self, node: ast.AST) -> Val:
        """A comprehension is a new container of its elements; a lambda a new function that reaches what it reads."""
        return self.values.new(Val(parts=frozenset({scope_key(node)})))

    # -- steps ---------------------------------------------------------------------------

    def bind_target(self, target: ast.expr, value: Val, origin: str, line: int) -> None:
        """Steps for an assignment target: names bind, items and attributes change their container."""
        if isinstance(target, ast.Name):
            self.steps.append(Bind(target.id, value, True, line, origin=origin))
        elif isinstance(target, (ast.Tuple, ast.List)):
            inner = value.elements()
            for elt in target.elts:
                self.bind_target(elt, inner, "unpack" if origin == "assign" else origin, line)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, self.values.new(value), origin, line)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            how = "item assignment" if isinstance(target, ast.Subscript) else f"setting .{target.attr}"
            self.steps.append(Mutate(self.values.read(target.value), line, roots_of(target), how, value))
            root, chain = attribute_chain(target)
            effect = store_effect(root, chain) if root is not None else None
            if effect:
                self.effects.append(effect)

    def returns(self, node: ast.AST | None, line: int) -> None:
        if node is not None:
            self.steps.append(Bind(RETURN, self.values.read(node), True, line))

    # -- names -------------------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> None:
        key = file_key(node)
        if key is not None and id(node) not in self._written_nodes:
            self.files_used.add(key)

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
        self.steps.append(Bind(node.name, self._nested_value(node), True, node.lineno, "function"))
        self._function_header(node)
        self.nested.append(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function_header(node)
        self.nested.append(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stores.add(node.name)
        self.steps.append(Bind(node.name, self._nested_value(node), True, node.lineno, "class"))
        for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(part)
        self.nested.append(node)

    def _comprehension(self, node: ast.AST) -> None:
        self.visit(node.generators[0].iter)  # type: ignore[attr-defined]
        self.nested.append(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.stores.add(node.target.id)
        self.walrus.add(node.target.id)
        self.steps.append(Bind(node.target.id, self.values.read(node.value), True, node.lineno))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.stores.add(name)
            self.steps.append(Bind(name, EMPTY, True, node.lineno, "import"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.stores.add(alias.asname or alias.name)
                self.steps.append(Bind(alias.asname or alias.name, EMPTY, True, node.lineno, "import"))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.stores.add(node.name)
            self.steps.append(Bind(node.name, self.values.new(), True, node.lineno))
        self.generic_visit(node)

    def visit_Match(self, node: ast.AST) -> None:
        subject = self.values.read(node.subject).deep()  # type: ignore[attr-defined]
        for case in node.cases:  # type: ignore[attr-defined]
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                if isinstance(name, str):
                    self.steps.append(Bind(name, subject, True, case.pattern.lineno))
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

    # -- statements ----------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.values.read(node.value)
        for target in node.targets:
            self.bind_target(target, value, "assign", node.lineno)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        value = self.values.read(node.value)
        if isinstance(node.target, ast.Name):
            name = node.target.id
            self.loads.setdefault(name, node.lineno)
            self.steps.append(Mutate(Val(names=frozenset({name})), node.lineno, frozenset({name}), "augmented assignment", value))
        else:
            self.bind_target(node.target, value, "assign", node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.bind_target(node.target, self.values.read(node.value), "assign", node.lineno)
        elif not isinstance(node.target, ast.Name):
            self.bind_target(node.target, EMPTY, "assign", node.lineno)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            for t in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                if isinstance(t, (ast.Attribute, ast.Subscript)):
                    self.steps.append(Mutate(self.values.read(t.value), node.lineno, roots_of(t), "del"))
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.bind_target(node.target, self.values.read(node.iter).elements(), "loop", node.lineno)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, self.values.read(item.context_expr), "with", node.lineno)
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def visit_Return(self, node: ast.Return) -> None:
        self.returns(node.value, node.lineno)
        self.generic_visit(node)

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        """What a generator yields is what iterating over its result gives."""
        self.returns(node.value, node.lineno)
        self.generic_visit(node)

    visit_YieldFrom = visit_Yield

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            self._call(node.value, discarded=True)
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
        for arg in written_paths(node):
            key = file_key(arg)
            if key is not None:
                self.files_written.add(key)
                self._written_nodes.add(id(arg))
        for step in call_steps(self.values, node, discarded):
            self.steps.append(step)
        func = node.func
        if discarded and not (isinstance(func, ast.Name) and func.id in DISPLAY_BUILTINS):
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    self.passed.append((Val(names=frozenset({arg.id})), node.lineno))
        effect = global_effect(node)
        if effect:
            self.effects.append(effect)


def param_defaults(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> dict[str, ast.expr]:
    """Each parameter with a default, and the default's expression (evaluated once, where the function is made)."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    found = {a.arg: d for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults)}
    found.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    return found


def default_name(func: str, param: str) -> str:
    """The pseudo-name a default value is bound to where the function is made (``f.frame=``)."""
    return f"{func}.{param}="


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = node.args
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def changed_value(summary: FunctionSummary, name: str, given: Val | None = None) -> Val:
    """What a function changes when it changes ``name`` (a global, or a parameter given ``given``)."""
    value = given if given is not None else Val(names=frozenset({name}))
    if name in summary.shallow_mutations:
        return value
    if given is None:
        return Val(parts=frozenset({name}), calls=frozenset({name}))
    return value.deep()


def nested_steps(sub: FunctionSummary, nested: ast.AST, line: int) -> list[Op]:
    """What running a nested scope does, as steps of the scope around it."""
    steps: list[Op] = []
    for name in sorted(sub.global_mutations):
        target = changed_value(sub, name)
        steps.append(Mutate(target, line, frozenset({name}), "", through=sub.mutated_through.get(name)))
    for call in sub.calls:
        steps.append(
            Call(
                call.func,
                Val(parts=call.receiver),
                tuple(Val(parts=a) for a in call.args),
                tuple((k, Val(parts=v)) for k, v in call.keywords),
                call.discarded,
                call.line,
                method=call.method,
                dynamic=call.dynamic,
            )
        )
    if isinstance(nested, COMPREHENSIONS):
        steps.append(Bind(scope_key(nested), Val(parts=sub.returns) if sub.returns else EMPTY, True, line))
    else:
        steps.append(Bind(scope_key(nested), function_reach(sub), True, line))
    return steps


def function_reach(summary: FunctionSummary) -> Val:
    """What a function object may lead to when called later: what it reads from outside, and what it returns."""
    reach = (frozenset(summary.free_reads) | summary.returns) - frozenset(summary.params)
    return Val(parts=reach) if reach else EMPTY


@dataclass
class _Body:
    """What running a scope's steps found, in terms of its parameters and the names it reads from outside."""

    changed: frozenset[str] = frozenset()
    shallow: frozenset[str] = frozenset()
    returned: frozenset[str] = frozenset()
    holds: dict[str, frozenset[str]] = field(default_factory=dict)
    through: dict[str, str] = field(default_factory=dict)
    calls: list[NestedCall] = field(default_factory=list)


def _plain_returns(steps: list[Op], params: list[str], locals_: set[str]) -> frozenset[str]:
    """Without changes or calls, the result may be any parameter, or anything a binding takes from outside."""
    found = set(params)
    for step in steps:
        if isinstance(step, Bind):
            found |= {n for n in step.value.roots() if n not in locals_ and not n.startswith("<")}
    return frozenset(found)


def _run_body(steps: list[Op], params: list[str], locals_: set[str], sites: int, passed: list[tuple[Val, int]]) -> _Body:
    """Run a scope's steps, in any order, until nothing changes; then read off its effects on outside objects."""
    heap = Heap(returns=lambda func: (func,))  # a callee's result may be anything the callee reaches
    heap.count = sites
    outside = {p: heap.fresh() for p in params}
    for p, obj in outside.items():
        heap.bind(p, {obj}, False, origin="param")
    seen_calls: dict[int, Call] = {}

    def remember(_heap: Heap, call: Call, _depth: int) -> None:
        seen_calls.setdefault(id(call), call)

    heap.on_call = remember
    heap.run(steps, loop=True)
    outside.update({n: o for n, o in heap.outside.items() if n not in locals_ and not n.startswith("<")})

    def owners(objs: set[int]) -> frozenset[str]:
        return frozenset(n for n, o in outside.items() if o in objs)

    def reached(value: Val) -> frozenset[str]:
        return owners(heap.above(heap.objects(value)))

    changed = owners(heap.above(heap.mutated))
    holding = heap.above({outer for obj in heap.mutated for outer in heap.held_by.get(obj, ())})
    body = _Body(shallow=owners(heap.mutated - heap.mutated_inside - holding))
    for value, _ in passed:
        changed |= owners(heap.objects(value)) & frozenset(params)
    body.changed = changed
    body.through = {n: c.through for n, c in heap.changed.items() if n in changed and c.through}
    body.returned = owners(heap.reach(heap.env.get(RETURN, set())))
    for call in seen_calls.values():
        body.calls.append(
            NestedCall(
                call.func,
                reached(call.receiver),
                tuple(reached(a) for a in call.args),
                tuple((k, reached(v)) for k, v in call.keywords),
                call.discarded,
                call.line,
                call.method,
                call.dynamic,
            )
        )
    for name, obj in outside.items():
        inner = owners(heap.reach(heap.holds.get(obj, set()))) - {name}
        if inner:
            body.holds[name] = inner
    return body


def scope_summary(node: ast.AST, enclosing: frozenset[str] = frozenset()) -> tuple[FunctionSummary, set[str]]:
    """Summary of a nested scope, and the names its walrus operators bind in the enclosing scope.

    ``enclosing`` holds the locals of enclosing function scopes (closures), which
    are not globals. Changes to them are still reported as ``global_mutations``:
    the enclosing scope's own summary decides what they reach.
    """
    collector = ScopeCollector()
    params: list[str] = []
    positional, varargs = 0, False
    defaults: frozenset[str] = frozenset()
    methods: dict[str, FunctionSummary] = {}
    line = getattr(node, "lineno", 0)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        defaults = frozenset(param_defaults(node))
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        params = _params(node)
        positional = len(node.args.posonlyargs) + len(node.args.args)
        varargs = node.args.vararg is not None or node.args.kwarg is not None
        for stmt in node.body:
            collector.visit(stmt)
    elif isinstance(node, ast.Lambda):
        params = _params(node)
        positional = len(node.args.posonlyargs) + len(node.args.args)
        varargs = node.args.vararg is not None or node.args.kwarg is not None
        collector.visit(node.body)
        collector.returns(node.body, line)
    elif isinstance(node, ast.ClassDef):
        for stmt in node.body:
            collector.visit(stmt)
    else:  # comprehension: targets are local, the first iterable was evaluated outside
        gens = node.generators  # type: ignore[attr-defined]
        for i, gen in enumerate(gens):
            collector.bind_target(gen.target, collector.values.read(gen.iter).elements(), "comprehension", line)
            collector.visit(gen.target)
            if i:
                collector.visit(gen.iter)
            for cond in gen.ifs:
                collector.visit(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                collector.visit(getattr(node, part))
                collector.returns(getattr(node, part), line)
    is_comprehension = isinstance(node, COMPREHENSIONS)
    is_class = isinstance(node, ast.ClassDef)
    locals_ = (set(params) | collector.stores) - collector.globals - collector.nonlocals
    if is_comprehension:
        locals_ -= collector.walrus  # a walrus in a comprehension binds in the enclosing scope
    free = {n: line for n, line in collector.loads.items() if (n not in locals_ or n in collector.globals) and n not in enclosing}
    global_writes = set(collector.stores & collector.globals)
    files_written, files_used = set(collector.files_written), set(collector.files_used)
    effects = list(collector.effects)
    steps = list(collector.steps)
    passed_through: set[str] = set()  # a class passes its methods' changes on untouched
    through: dict[str, str] = {}
    calls: list[NestedCall] = []
    init: FunctionSummary | None = None
    # class bodies do not enclose the functions defined in them
    inner_enclosing = enclosing if is_class else enclosing | frozenset(locals_)
    for nested in collector.nested:
        sub, walrus = scope_summary(nested, inner_enclosing)
        for n, at in sub.free_reads.items():
            # methods cannot see class-level names, so a class filters nothing
            if is_class or n not in locals_ or n in collector.globals:
                free.setdefault(n, at)
        global_writes |= sub.global_writes
        files_written |= sub.files_written
        files_used |= sub.files_used
        effects.extend(sub.effects)
        if is_class:
            passed_through |= sub.global_mutations
            through.update(sub.mutated_through)
            calls.extend(sub.calls)
            if isinstance(nested, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods[nested.name] = sub
                if nested.name == "__init__":
                    init = sub
        else:
            steps.extend(nested_steps(sub, nested, getattr(nested, "lineno", line)))
        if walrus and not is_comprehension:
            locals_ |= walrus
    walrus_out = collector.walrus if is_comprehension else set()

    if any(isinstance(step, (Mutate, Call)) for step in steps) or collector.passed:
        body = _run_body(steps, params, locals_, collector.values.sites, collector.passed)
    else:  # nothing changes in place and nothing is called: only what the result may be matters
        body = _Body(returned=_plain_returns(steps, params, locals_))
    changed, shallow, returned, holds = body.changed, body.shallow, body.returned, body.holds
    through.update(body.through)
    calls.extend(body.calls)
    mutated_params = changed & frozenset(params)
    global_mutations = (changed - frozenset(params)) | passed_through
    if init is not None:  # calling a class runs __init__ on the arguments (after self)
        params = list(init.params[1:])
        mutated_params = init.mutated_params - set(init.params[:1])
        positional, varargs = max(init.positional - 1, 0), init.varargs
    summary = FunctionSummary(
        free_reads=free,
        global_writes=frozenset(global_writes),
        global_mutations=frozenset(global_mutations),
        params=tuple(params),
        mutated_params=mutated_params,
        effects=tuple(dict.fromkeys(effects)),
        returns=returned,
        calls=tuple(calls),
        mutated_through=through,
        shallow_mutations=frozenset(shallow & (changed | passed_through)) - passed_through,
        files_written=frozenset(files_written),
        files_used=frozenset(files_used),
        positional=positional,
        varargs=varargs,
        defaults=defaults,
        holds=holds if not is_class else {},
        methods=methods,
    )
    return summary, walrus_out
