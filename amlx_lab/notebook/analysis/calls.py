"""The steps of one call: the in-place changes it surely makes, and the part that depends on its callee.

Shared by the cell scanner and the nested-scope summaries. ``df.fillna(0,
inplace=True)`` surely changes ``df`` (and ``lst.append(x)`` makes ``lst``
hold ``x``); what ``add_title(df)`` or ``df.pipe(f)`` does depends on what
``add_title`` and ``f`` are when the call runs, so it becomes a
:class:`~.values.Call` step for :mod:`..aliases` (or an enclosing summary)
to resolve.
"""

from __future__ import annotations

import ast

from .effects import ARG_MUTATORS, attribute_chain, call_mutation, dotted_name
from .values import EMPTY, Call, Mutate, Op, ValueReader

__all__ = ["call_steps", "roots_of"]


def roots_of(node: ast.expr) -> frozenset[str]:
    """The name an expression is written with (``frames`` for ``frames['train'].loc``), if any."""
    root, _ = attribute_chain(node)
    return frozenset({root}) if root is not None else frozenset()


def _constant(node: ast.expr) -> bool:
    """A literal made of constants (``'a'``, ``('f', 'g')``): it cannot be a function or hold an object."""
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(_constant(e) for e in node.elts)


def call_steps(values: ValueReader, node: ast.Call, discarded: bool) -> list[Op]:
    """The steps of one call: in-place changes it surely makes, and the part that depends on the callee."""
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    how = call_mutation(node, discarded)
    constant = all(_constant(a) for a in node.args) and all(_constant(kw.value) for kw in node.keywords)
    if constant and how is None and not isinstance(func, ast.Name) and last not in ARG_MUTATORS:
        return []  # df.head(), plt.title("x"): nothing to change, nothing handed over
    steps: list[Op] = []
    args = tuple(values.read(a) for a in node.args)
    keywords = tuple((kw.arg, values.read(kw.value)) for kw in node.keywords)
    if how is not None and isinstance(func, ast.Attribute):
        held = EMPTY
        for value in [*args, *(v for _, v in keywords)]:
            held = held | value
        steps.append(Mutate(values.read(func.value), node.lineno, roots_of(func.value), how, held))
    if last in ARG_MUTATORS and args:
        held = args[2] if last == "setattr" and len(args) > 2 else EMPTY
        steps.append(Mutate(args[0], node.lineno, roots_of(node.args[0]), f"{dotted_name(func) or last}()", held))
    starred = any(isinstance(a, ast.Starred) for a in node.args) or any(kw.arg is None for kw in node.keywords)
    if isinstance(func, ast.Name):
        steps.append(Call(func.id, EMPTY, args, keywords, discarded, node.lineno, starred))
    elif not constant:
        if isinstance(func, ast.Attribute):
            receiver = values.read(func.value)
            steps.append(Call(None, receiver, args, keywords, discarded, node.lineno, starred, method=func.attr))
        else:
            steps.append(Call(None, values.read(func), args, keywords, discarded, node.lineno, starred, dynamic=True))
    return steps
