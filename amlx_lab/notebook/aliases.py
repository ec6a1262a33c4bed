"""Which names each cell changes in place, through whatever other name it writes.

``df = train`` in one cell and ``df['Age'] = ...`` in the next change
``train``; so does ``for ds in [train, test]: ds['Title'] = ...``,
``frames['train']['Sex'] = ...``, ``[d.drop(..., inplace=True) for d in
[train, test]]`` and ``for d in (train, test): add_title(d)``. The slicer
asks this module, cell by cell in notebook order, which names a cell
changes; it then treats a change through any of them as a change of every
name that may see it.

It runs each cell's steps (:mod:`.analysis.values`) over one
:class:`~.analysis.heap.Heap` that lives across cells, so a later plain
assignment (``df = pd.read_csv(...)``) ends an alias. A call's effect
depends on what the callee is at that point: a notebook function's summary
says which arguments and globals it changes and which calls it makes in
turn (followed a few levels deep, then assumed to change everything it is
given); a plain value called for its effect (``step(df)``) is assumed to
change its arguments; a notebook function handed to another call
(``df.pipe(add_title)``, ``map(add_title, frames)``) is assumed to be
applied to that call's other values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .analysis import CellAnalysis, FunctionSummary
from .analysis.heap import Change, Heap
from .analysis.scopes import changed_value, default_name
from .analysis.values import EMPTY, Call, Mutate, Val

__all__ = ["AliasTracker", "Change"]

_MAX_DEPTH = 6  # nested calls followed before assuming the worst

Lookup = Callable[[str], FunctionSummary | None]


def _roots(value: Val) -> frozenset[str]:
    """The names an argument is written with (``frames`` for ``frames['train']``), not the callees in it."""
    return value.roots() - value.calls


def _changes_arguments(summary: FunctionSummary) -> bool:
    params = set(summary.params)
    return bool(summary.mutated_params) or any(params & roots for call in summary.calls for roots in call.args)


class AliasTracker:
    """Feed it the cells in order (:meth:`cell`); each call says which names that cell changes, and how."""

    def __init__(self) -> None:
        self.heap = Heap(on_call=self._call, returns=self._returns)
        self._lookup: Lookup = lambda name: None
        self._methods: dict[str, list[FunctionSummary]] = {}  # methods of the notebook's classes, by name
        self._made: dict[tuple[str, str], int] = {}  # the object a function assigns to a global (one per pair)

    def cell(self, analysis: CellAnalysis, lookup: Lookup) -> dict[str, Change]:
        """The names ``analysis``'s cell changes in place; ``lookup`` finds the notebook functions known there."""
        heap = self.heap
        self._lookup = lookup
        for defined in analysis.functions.values():
            for name, method in defined.methods.items():
                if _changes_arguments(method) or method.global_mutations or method.holds:
                    self._methods.setdefault(name, []).append(method)
        heap.changed = {}
        heap.base = heap.count
        heap.count += analysis.sites
        heap.run(analysis.steps)
        # a function named but not called here (stored, passed on) may run: count what it changes
        for name in sorted(analysis.reads):
            summary = lookup(name)
            if summary is not None:
                self._globals(name, summary, 0, EMPTY)
        return heap.changed

    def _returns(self, func: str) -> Iterable[str]:
        summary = self._lookup(func)
        if summary is None:
            return ()
        return [n for n in summary.returns if n not in summary.params]

    def _call(self, heap: Heap, op: Call, depth: int) -> None:
        summary = self._lookup(op.func) if op.func is not None else None
        everything = [op.receiver, *op.args, *(v for _, v in op.keywords)]
        if summary is not None:
            self._apply(op.func or "", summary, op, depth)
        elif op.dynamic or (op.func is not None and op.discarded and heap.kinds.get(op.func) == "value"):
            callee = f"{op.func}()" if op.func else "a callable the analysis cannot name"
            for value in [*op.args, *(v for _, v in op.keywords)]:  # an unknown callable: assume it changes them
                heap.mutate(Mutate(value.deep(), op.line, _roots(value), "", detail=f"passed to {callee}"))
        if op.method is not None and depth <= _MAX_DEPTH:
            for method in self._methods.get(op.method, ()):  # obj.method(...) may run a notebook class's method
                bound = Call(op.method, EMPTY, (op.receiver, *op.args), op.keywords, op.discarded, op.line, op.starred)
                self._apply(f".{op.method}", method, bound, depth + 1)
        for value in everything:
            for name in sorted(value.names):
                passed = self._lookup(name)
                if passed is None or not _changes_arguments(passed) or name == op.func:
                    continue
                others = EMPTY
                for other in everything:
                    if other is not value:
                        others = others | other
                callee = f"{op.func}()" if op.func else "a call"
                detail = f"{name}() is handed to {callee}, which may apply it"
                heap.mutate(Mutate(others.deep(), op.line, _roots(others), "", detail=detail))

    def _apply(self, func: str, summary: FunctionSummary, op: Call, depth: int) -> None:
        """What calling a notebook function does, from its summary."""
        heap = self.heap
        given: dict[str, Val] = {}
        for i, value in enumerate(op.args[: summary.positional]):
            given[summary.params[i]] = value
        for key, value in op.keywords:
            if key is not None and key in summary.params:
                given[key] = value
        everything = EMPTY
        for value in [*op.args, *(v for _, v in op.keywords)]:
            everything = everything | value
        unsure = op.starred or summary.varargs or len(op.args) > summary.positional

        def value_for(name: str) -> Val:
            """A parameter's argument (or its default value), or a global."""
            if name not in summary.params:
                return Val(names=frozenset({name}))
            if name in given:
                return given[name]
            return Val(names=frozenset({default_name(func, name)})) if name in summary.defaults else EMPTY

        def reaching(roots: frozenset[str]) -> Val:
            found = EMPTY
            for root in sorted(roots):
                found = found | value_for(root).deep()
            return found

        for param in sorted(summary.mutated_params):
            if param in given:
                detail = f"{func}() changes its argument `{param}`"
            elif param in summary.defaults and not unsure:
                detail = f"{func}() changes the default value of `{param}`"
            else:
                continue
            argument = value_for(param)
            heap.mutate(Mutate(changed_value(summary, param, argument), op.line, _roots(argument), "", detail=detail))
        for holder, held in sorted(summary.holds.items()):  # registry.append(d): what it holds now
            container = value_for(holder)
            if container is not EMPTY:
                detail = f"{func}() stores into it"
                heap.mutate(Mutate(container, op.line, _roots(container), "", held=reaching(held), detail=detail))
        if unsure and _changes_arguments(summary):
            heap.mutate(Mutate(everything.deep(), op.line, _roots(everything), "", detail=f"{func}() may change its arguments"))
        self._globals(func, summary, op.line, everything)
        for nested in summary.calls:
            inner = Call(
                nested.func,
                reaching(nested.receiver),
                tuple(reaching(a) for a in nested.args),
                tuple((k, reaching(v)) for k, v in nested.keywords),
                nested.discarded,
                op.line,
                method=nested.method,
                dynamic=nested.dynamic,
            )
            if depth < _MAX_DEPTH:
                self._call(heap, inner, depth + 1)
            else:  # deep or recursive: assume the worst for what it is given
                values = EMPTY
                for value in [inner.receiver, *inner.args, *(v for _, v in inner.keywords)]:
                    values = values | value
                heap.mutate(Mutate(values.deep(), op.line, _roots(values), "", detail=f"{func}() calls {nested.func or 'a method'}()"))

    def _globals(self, func: str, summary: FunctionSummary, line: int, given: Val) -> None:
        """The globals a notebook function changes or assigns when it runs."""
        heap = self.heap
        for name in sorted(summary.global_mutations):
            target = changed_value(summary, name)
            through = summary.mutated_through.get(name)
            heap.mutate(Mutate(target, line, frozenset({name}), "", through=through, detail=f"{func}() changes it"))
        for name in sorted(summary.global_writes):
            sources = Val(parts=frozenset(summary.free_reads)) | given.deep()
            made = self._made.get((func, name))
            if made is None:
                made = self._made[(func, name)] = heap.fresh()
            heap.bind(name, heap.objects(sources) | {made}, weak=True)
