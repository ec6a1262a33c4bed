"""Abstract objects: which names may refer to the same object, and which objects may hold which.

Each new object of the notebook (one per place that makes one) is a number.
A name may refer to a set of them; an object may hold others (a list's
items, a dict's values, an estimator's steps, a view's base). Running a
scope's steps (:mod:`.values`) over these sets answers the one question the
slicer asks: *when an object changes in place, which names see the change?*
A name sees it when it refers to the object or to something that holds it.

The sets only grow along a path (a later plain assignment replaces a name's
set; a branch, a loop or a function body adds to it), so the answer errs on
the side of "yes": a cell kept for nothing, never a change missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .values import EMPTY, Bind, Call, Kill, Loop, Mutate, Op, Val

__all__ = ["Change", "Heap"]

_ORIGINS = {"loop": "the loop variable", "comprehension": "the comprehension variable", "param": "the parameter"}
_MAX_ROUNDS = 20  # a loop's steps reach a fixed point in 2 or 3 rounds; this only guards against bugs


@dataclass
class Change:
    """A name seen changing: where, how, and through which other name (None when changed directly)."""

    line: int
    how: str = ""
    through: str | None = None  # a phrase; "{it}" stands for the changed name(s)
    detail: str = ""  # e.g. "add_title() changes its argument"
    direct: bool = True  # written through this very name (perhaps inside a function), not seen through another


@dataclass
class Heap:
    """Names to sets of abstract objects, and what each object may hold.

    ``returns`` gives the extra objects a notebook function's result may be
    (its summary says which names it returns); ``on_call`` decides what a
    :class:`~.values.Call` step does, since that depends on what the callee
    is when it runs.
    """

    env: dict[str, set[int]] = field(default_factory=dict)
    holds: dict[int, set[int]] = field(default_factory=dict)
    held_by: dict[int, set[int]] = field(default_factory=dict)
    holders: dict[int, set[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    changed: dict[str, Change] = field(default_factory=dict)
    mutated: set[int] = field(default_factory=set)
    mutated_inside: set[int] = field(default_factory=set)  # changed through a part (df['a'].fillna(...)), not itself
    outside: dict[str, int] = field(default_factory=dict)  # names read before any binding -> their object
    count: int = 0
    version: int = 0
    on_call: Callable[[Heap, Call, int], None] | None = None
    returns: Callable[[str], Iterable[str]] | None = None
    base: int = 0  # number of the current scope's first new object

    # -- objects -------------------------------------------------------------------------

    def fresh(self) -> int:
        self.count += 1
        return self.count - 1

    def points(self, name: str) -> set[int]:
        """The objects ``name`` may refer to; a name never bound gets one object of its own."""
        found = self.env.get(name)
        if found is None:
            obj = self.fresh()
            found = self.env[name] = {obj}
            self.holders.setdefault(obj, set()).add(name)
            self.outside[name] = obj
        return found

    def reach(self, objs: Iterable[int]) -> set[int]:
        """The objects and everything they may hold, transitively."""
        seen = set(objs)
        stack = list(seen)
        while stack:
            for inner in self.holds.get(stack.pop(), ()):
                if inner not in seen:
                    seen.add(inner)
                    stack.append(inner)
        return seen

    def above(self, objs: Iterable[int]) -> set[int]:
        """The objects and everything that may hold them, transitively."""
        seen = set(objs)
        stack = list(seen)
        while stack:
            for outer in self.held_by.get(stack.pop(), ()):
                if outer not in seen:
                    seen.add(outer)
                    stack.append(outer)
        return seen

    def objects(self, value: Val) -> set[int]:
        """The objects ``value`` may be (new objects are made to hold what they hold)."""
        if value is EMPTY:
            return set()
        found: set[int] = set()
        for name in value.names:
            found |= self.points(name)
        if value.parts or value.calls:
            start: set[int] = set()
            for name in value.parts:
                start |= self.points(name)
            if self.returns is not None:
                for func in value.calls:
                    for name in self.returns(func):
                        start |= self.points(name)
            found |= self.reach(start)
        if value.new:
            made = {self.base + site for site in value.new}
            found |= made
            if value.items is not None:
                inner = self.objects(value.items)
                for obj in made:
                    self._hold(obj, inner)
        return found

    def contents(self, value: Val) -> set[int]:
        """The objects a container holds after ``value`` is put in it.

        A new object that nothing names (``df['f'] = df['a'] * 2``) can only
        be reached through the container, so the container holds what it
        holds instead: the same answers, without a chain of anonymous objects
        growing with every cell that stores into a frame.
        """
        if value is EMPTY:
            return set()
        found: set[int] = set()
        for name in value.names:
            found |= self.points(name)
        if value.parts or value.calls:
            found |= self.objects(Val(parts=value.parts, calls=value.calls))
        if value.items is not None:
            found |= self.contents(value.items)
        return found

    def _hold(self, outer: int, inner: set[int]) -> None:
        have = self.holds.setdefault(outer, set())
        extra = inner - have
        if extra:
            have |= extra
            for obj in extra:
                self.held_by.setdefault(obj, set()).add(outer)
            self.version += 1

    # -- steps ---------------------------------------------------------------------------

    def bind(self, name: str, objs: set[int], weak: bool, kind: str = "value", origin: str = "assign") -> None:
        old = self.env.get(name)
        if weak and old is not None:
            extra = objs - old
            if not extra:
                return
            old |= extra
            for obj in extra:
                self.holders.setdefault(obj, set()).add(name)
            self.version += 1
        else:
            if old is not None:
                for obj in old - objs:
                    self.holders.get(obj, set()).discard(name)
            self.env[name] = set(objs)
            for obj in objs:
                self.holders.setdefault(obj, set()).add(name)
            if old != objs:
                self.version += 1
        if not weak or kind == "value" or name not in self.kinds:
            self.kinds[name] = kind
        self.origins[name] = origin

    def kill(self, name: str) -> None:
        for obj in self.env.pop(name, ()):
            self.holders.get(obj, set()).discard(name)
        self.kinds.pop(name, None)

    def mutate(self, op: Mutate) -> None:
        """Change ``op.target``'s objects: every name that may see them is changed."""
        objs = self.objects(op.target)
        if op.held is not EMPTY:
            inner = self.contents(op.held)
            for obj in objs:
                self._hold(obj, inner)
        self.mutated |= objs
        if op.target.parts or op.target.calls:
            self.mutated_inside |= self.objects(Val(parts=op.target.parts, calls=op.target.calls))
        for name in op.roots:
            if self.kinds.get(name) != "import":  # plt.title(...) changes no notebook data
                self._record(name, Change(op.line, op.how, op.through, op.detail))
        if not objs:
            return
        reached: dict[str, set[int]] = {}
        for obj in self.above(objs):
            for name in self.holders.get(obj, ()):
                if name not in op.roots and self.kinds.get(name) != "import" and self._wants(name):
                    self._record(name, Change(op.line, op.how, self._through(name, op.roots, reached), op.detail, False))

    def _wants(self, name: str) -> bool:
        """Whether a record of ``name`` could still improve (a direct change beats one through another name)."""
        known = self.changed.get(name)
        return known is None or not known.direct

    def _record(self, name: str, change: Change) -> None:
        known = self.changed.get(name)
        if known is None or (not known.direct and change.direct):
            self.changed[name] = change
            self.version += 1

    def _through(self, name: str, roots: frozenset[str], reached: dict[str, set[int]]) -> str:
        """How a change made through other names (or a temporary) reaches ``name``, as a phrase."""
        mine = self.env.get(name, set())
        for via in sorted(roots):
            theirs = self.env.get(via, set())
            if not theirs:
                continue
            if mine & theirs:
                origin = self.origins.get(via)
                if origin in _ORIGINS:
                    return f"{_ORIGINS[origin]} `{via}`"
                return f"`{via}`, another name for the same object"
            if via not in reached:
                reached[via] = self.reach(theirs)
            if mine & reached[via]:
                return f"the container `{via}`"
            return f"`{via}`, an object inside {{it}}"  # worded per number by the reader
        if roots:
            return f"`{min(roots)}`"
        return "an object it shares with a temporary value"

    def run(self, ops: Iterable[Op], *, loop: bool = False) -> None:
        """Run steps in order; a loop's steps run again until no set grows."""
        ops = tuple(ops)
        for _ in range(_MAX_ROUNDS if loop else 1):
            before = self.version
            for op in ops:
                if isinstance(op, Bind):
                    self.bind(op.name, self.objects(op.value), op.weak, op.kind, op.origin)
                elif isinstance(op, Mutate):
                    self.mutate(op)
                elif isinstance(op, Call):
                    if self.on_call is not None:
                        self.on_call(self, op, 0)
                elif isinstance(op, Loop):
                    self.run(op.body, loop=True)
                elif isinstance(op, Kill):
                    self.kill(op.name)
            if self.version == before:
                break
