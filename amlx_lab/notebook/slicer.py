"""The minimal slice: the target cell plus the earlier cells it needs, transitively.

Cells are read top to bottom, as "Run All" would run them. For every name a
needed cell reads before binding it, the slicer walks back to the latest
earlier cell that binds it on every path (``DEF``), taking along the cells in
between that may bind it (``MAYBE``: a conditional assignment, a call to a
function with ``global``) or change it in place, directly or through any
other name that may refer to the same object (:mod:`.aliases`: ``df = train``,
``for ds in [train, test]``, ``frames['train']``). Each cell taken is needed in
turn. Reads inside a function body count where the function is used, since
that is when they run. Cells that change interpreter-wide state (random seeds,
``sys.path``, environment variables, ...) and cells that may define any name
(``import *``, ``exec``) are always taken: skipping them could silently
change results.

All of this is pure bookkeeping over :class:`~.analysis.CellAnalysis`
records; nothing is executed.
"""

from __future__ import annotations

import builtins
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from .aliases import AliasTracker, Change
from .analysis import DEF, KILL, MAYBE, CellAnalysis, FunctionSummary
from .explain import KeepReason

__all__ = ["HISTORY_NAMES", "KNOWN_NAMES", "MUTATE", "SliceResult", "Undefined", "Unit", "is_history_name", "slice_units"]

MUTATE = "mutate"

#: Names that exist without any cell defining them: builtins, module dunders,
#: IPython's ``display`` (main.py provides it) and main.py's own ``_amlx_*`` helpers.
KNOWN_NAMES = frozenset(dir(builtins)) | {
    "__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__", "__annotations__",
    "display",
}
#: IPython's output and input history, which a job does not have.
HISTORY_NAMES = frozenset({"In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh", "get_ipython"})


def is_history_name(name: str) -> bool:
    if name in HISTORY_NAMES:
        return True
    return (name.startswith("_i") and name[2:].isdigit()) or (name.startswith("_") and name[1:].isdigit())


def _known(name: str) -> bool:
    return name in KNOWN_NAMES or name.startswith(("_amlx_", "file:"))


@dataclass(frozen=True)
class Unit:
    """One code cell at or above the target, in notebook order."""

    index: int
    id: str | None
    analysis: CellAnalysis | None  # None when the cell has a syntax error (it never ran)
    syntax_error: tuple[int, str] | None = None


@dataclass(frozen=True)
class Undefined:
    """A read no earlier cell satisfies; ``soft`` ones (function bodies, maybe-bound) are warnings."""

    position: int
    line: int
    name: str
    soft: bool
    in_function: str | None = None


@dataclass
class SliceResult:
    positions: list[int]
    reasons: dict[int, list[str]]  # terse, for main.py's comments
    names: dict[int, list[str]]  # names each cell provides to the slice
    undefined: list[Undefined] = field(default_factory=list)
    why: dict[int, list[KeepReason]] = field(default_factory=dict)  # the same, structured for explain()


class _Timeline:
    """Per-name events (position, kind) in notebook order, plus interpreter-wide effects.

    In-place changes come from :class:`~.aliases.AliasTracker`, so a change
    made through another name (``ds`` in ``for ds in [train, test]``) is an
    event of every name that sees it; ``changes`` keeps how, for the reasons.
    """

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = units
        self.events: dict[str, list[tuple[int, str, int]]] = {}  # name -> [(position, kind, line)]
        self.maybe_here: list[set[str]] = []  # names a cell may bind through functions it calls
        self.effects: dict[int, list[tuple[str, int]]] = {}
        self.stars: list[tuple[int, str, int]] = []
        self.changes: dict[tuple[str, int], Change] = {}
        self.current: dict[str, tuple[str, FunctionSummary | None]] = {}
        aliases = AliasTracker()
        for pos, unit in enumerate(units):
            a = unit.analysis
            self.maybe_here.append(set())
            if a is None:
                continue
            extra_maybe: dict[str, int] = {}
            cell_effects = list(a.global_effects)
            lookup = partial(self._summary, a)
            for key, line in a.files_written.items():  # a file written may be read by a later cell
                extra_maybe.setdefault(key, line)
            for name in a.reads:
                s = lookup(name)
                if s is None:
                    continue
                for g in [*s.global_writes, *s.files_written]:
                    extra_maybe.setdefault(g, 0)
                cell_effects.extend((f"calls {name}(), which runs {e}", 0) for e in s.effects)
            for name, kind in a.effects.items():
                self.events.setdefault(name, []).append((pos, kind, a.lines.get(name, 0)))
            for name, line in extra_maybe.items():
                if name not in a.effects:
                    self.events.setdefault(name, []).append((pos, MAYBE, line))
                    self.maybe_here[pos].add(name)
            for name, change in aliases.cell(a, lookup).items():
                if a.effects.get(name) not in (DEF, KILL):
                    self.events.setdefault(name, []).append((pos, MUTATE, change.line))
                    self.changes[(name, pos)] = change
            if cell_effects:
                self.effects[pos] = list(dict.fromkeys(cell_effects))
            if a.star is not None:
                self.stars.append((pos, a.star[0], a.star[1]))
            for name, kind in a.effects.items():
                if kind == KILL:
                    self.current.pop(name, None)
                else:
                    self.current[name] = (a.binding_kinds.get(name, "value"), a.functions.get(name))
        self.positions = {name: [e[0] for e in evs] for name, evs in self.events.items()}
        # Per name, for walking back in O(1) per event: the nearest DEF/KILL at or before each
        # event, prefix counts of DEF/MAYBE events, and the events that define a function.
        self.stops: dict[str, list[int]] = {}
        self.defs_before: dict[str, list[int]] = {}
        self.function_events: dict[str, list[int]] = {}
        for name, evs in self.events.items():
            stops, counts, functions = [], [0], []
            last = -1
            for i, (pos, kind, _) in enumerate(evs):
                if kind in (DEF, KILL):
                    last = i
                stops.append(last)
                counts.append(counts[-1] + (kind in (DEF, MAYBE)))
                a = units[pos].analysis
                if kind in (DEF, MAYBE) and a is not None and name in a.functions:
                    functions.append(i)
            self.stops[name], self.defs_before[name], self.function_events[name] = stops, counts, functions

    def _summary(self, analysis: CellAnalysis, name: str) -> FunctionSummary | None:
        """The notebook function ``name`` refers to in a cell: defined there, or in an earlier cell."""
        if name in analysis.functions:
            return analysis.functions[name]
        found = self.current.get(name)
        return found[1] if found else None


class _Slicer:
    def __init__(self, units: Sequence[Unit], include_all: bool) -> None:
        self.units = units
        self.include_all = include_all
        self.timeline = _Timeline(units)
        self.included: set[int] = set()
        self.queue: list[int] = []
        self.other: dict[int, list[str]] = {}
        self.other_why: dict[int, list[KeepReason]] = {}
        self.done: dict[tuple[str, int], bool] = {}
        self.high: dict[tuple[str, int], int] = {}  # (name, segment) -> highest event index taken
        self.walks: dict[str, list[tuple[int, int, int, int]]] = {}  # name -> (segment, low, high, use position)
        self.undefined: dict[tuple[str, int], Undefined] = {}

    def include(self, pos: int, reason: str | None = None, why: KeepReason | None = None) -> None:
        if reason:
            self.other.setdefault(pos, []).append(reason)
        if why is not None:
            self.other_why.setdefault(pos, []).append(why)
        if pos not in self.included:
            self.included.add(pos)
            self.queue.append(pos)

    def resolve(self, name: str, pos: int, line: int, soft: bool, in_function: str | None = None) -> None:
        """Take the cells before ``pos`` that give ``name`` its value at ``pos``."""
        key = (name, pos)
        if key not in self.done:
            self.done[key] = self._walk_back(name, pos)
        if self.done[key] or _known(name):
            return
        previous = self.undefined.get(key)
        if previous is None or (previous.soft and not soft):
            self.undefined[key] = Undefined(pos, line, name, soft, in_function)

    def _walk_back(self, name: str, pos: int) -> bool:
        """Take the events of ``name`` before ``pos`` back to the nearest definition (or ``del``).

        Events between two definitions form a segment; each walk takes a range
        ending at the segment's definition, so only events above the highest
        one already taken in that segment are visited: linear in the number of
        events even when hundreds of cells change ``df`` in place.
        """
        found = False
        tl = self.timeline
        i = bisect_left(tl.positions.get(name, []), pos) - 1
        if i >= 0:
            events = tl.events[name]
            stop = tl.stops[name][i]
            low = stop if stop >= 0 and events[stop][1] == DEF else stop + 1  # a ``del`` is not taken
            if low <= i:
                taken = self.high.get((name, stop), low - 1)
                for j in range(max(taken + 1, low), i + 1):
                    self.include(events[j][0])
                self.high[(name, stop)] = max(taken, i)
                self.walks.setdefault(name, []).append((stop, low, i, pos))
                counts = tl.defs_before[name]
                found = counts[i + 1] - counts[low] > 0
                functions = tl.function_events[name]
                for j in functions[bisect_left(functions, low) : bisect_left(functions, i + 1)]:
                    self._deferred(name, events[j][0], pos)
        for where, why, at in tl.stars:
            if where < pos:
                self.include(where, f"may define any name: {why} (line {at})", KeepReason("star", text=f"{why}, line {at}"))
                found = True
        return found

    def _deferred(self, name: str, def_pos: int, use_pos: int) -> None:
        """A function or class body reads its globals when used, so resolve them at the use site."""
        analysis = self.units[def_pos].analysis
        summary = analysis.functions.get(name) if analysis else None
        if summary is None:
            return
        user = self.units[use_pos].analysis
        bound_at_use = user.bound if user else frozenset()
        for free, line in summary.free_reads.items():
            if free != name and free not in bound_at_use:
                self.resolve(free, use_pos, line, soft=True, in_function=name)
        for key in summary.files_used:
            self._file(key, use_pos, 0)

    def process(self, pos: int) -> None:
        a = self.units[pos].analysis
        if a is None:
            return
        soft_cell = self.include_all and pos != len(self.units) - 1
        for name, use in a.exposed.items():
            soft = soft_cell or use.maybe_local or name in self.timeline.maybe_here[pos]
            self.resolve(name, pos, use.line, soft)
        for key, line in a.files_used.items():
            self._file(key, pos, line)
        for name in a.reads:
            summary = a.functions.get(name)
            if summary is None:
                continue
            for free, line in summary.free_reads.items():
                if free not in a.bound:
                    self.resolve(free, pos, line, soft=True, in_function=name)
            for key in summary.files_used:
                self._file(key, pos, 0)

    def _file(self, key: str, pos: int, line: int) -> None:
        """A literal that may name a file an earlier cell writes: take the writers (files are data too)."""
        written = self.timeline.positions.get(key)
        if written and written[0] < pos:
            self.resolve(key, pos, line, soft=True)

    def run(self) -> SliceResult:
        target = len(self.units) - 1
        self.include(target, "target cell", KeepReason("target"))
        for pos, effects in self.timeline.effects.items():
            if pos == target:
                continue  # runs anyway
            text = "; ".join(f"{e} (line {line})" if line else e for e, line in effects)
            self.include(pos, f"changes global state: {text}", KeepReason("global", text=text))
        if self.include_all:
            for pos, unit in enumerate(self.units[:-1]):
                if unit.analysis is not None:
                    self.include(pos, "include_all_above option", KeepReason("all"))
        while self.queue:
            self.process(self.queue.pop())
        return self._result()

    def _users(self) -> tuple[dict[int, dict[str, set[int]]], dict[int, dict[str, set[int]]]]:
        """Which cells each taken event serves: cell -> name -> use positions, for definitions and changes."""
        defines: dict[int, dict[str, set[int]]] = {}
        mutates: dict[int, dict[str, set[int]]] = {}
        for name, walks in self.walks.items():
            events = self.timeline.events[name]
            by_segment: dict[int, list[tuple[int, int, int]]] = {}
            for segment, low, high, pos in walks:
                by_segment.setdefault(segment, []).append((high, low, pos))
            for ranges in by_segment.values():
                ranges.sort(reverse=True)
                users: set[int] = set()
                k = 0
                low = ranges[0][1]
                for j in range(ranges[0][0], low - 1, -1):  # sweep down: a walk serves every event below its top
                    while k < len(ranges) and ranges[k][0] >= j:
                        users.add(ranges[k][2])
                        k += 1
                    where, kind, _ = events[j]
                    table = mutates if kind == MUTATE else defines
                    table.setdefault(where, {}).setdefault(name, set()).update(users)
        return defines, mutates

    def _result(self) -> SliceResult:
        reasons: dict[int, list[str]] = {}
        why: dict[int, list[KeepReason]] = {}
        names: dict[int, list[str]] = {}
        defines, mutates = self._users()
        changes = self.timeline.changes

        def indices(users: set[int]) -> tuple[int, ...]:
            return tuple(sorted(self.units[u].index for u in users))

        def cells(shown: tuple[int, ...]) -> str:
            listed = ", ".join(map(str, shown[:12])) + (f" and {len(shown) - 12} more" if len(shown) > 12 else "")
            return ("cell " if len(shown) == 1 else "cells ") + listed

        for pos in sorted(self.included):
            parts = list(self.other.get(pos, []))
            kept = list(self.other_why.get(pos, []))
            defined = self._needed(defines, pos)
            if defined:
                shown = indices(set().union(*defined.values()))
                parts.append(f"defines {', '.join(sorted(defined))} (used by {cells(shown)})")
                maybe = all(self._only_maybe(name, pos) for name in defined)
                kept.append(KeepReason("defines", tuple(sorted(defined)), shown, maybe=maybe))
            changed = self._needed(mutates, pos)
            groups: dict[tuple[str | None, str, str, int], dict[str, set[int]]] = {}
            for name, users in changed.items():
                change = changes.get((name, pos))
                key = (change.through, change.detail, change.how, change.line) if change else (None, "", "", 0)
                groups.setdefault(key, {})[name] = users
            for (through, detail, how, line), group in sorted(groups.items(), key=lambda g: (g[0][0] is not None, sorted(g[1]))):
                shown = indices(set().union(*group.values()))
                label = "changes in place " + ", ".join(sorted(group)) + (f" through {through.replace('{it}', 'it')}" if through else "")
                parts.append(f"{label} (used by {cells(shown)})")
                kept.append(KeepReason("changes", tuple(sorted(group)), shown, through=through, how=how, detail=detail, line=line))
            reasons[pos] = parts
            why[pos] = kept
            names[pos] = sorted(set(defines.get(pos, {})) | set(mutates.get(pos, {})))
        undefined = sorted(self.undefined.values(), key=lambda u: (u.soft, -u.position, u.line, u.name))
        return SliceResult(sorted(self.included), reasons, names, undefined, why)

    @staticmethod
    def _needed(table: dict[int, dict[str, set[int]]], pos: int) -> dict[str, set[int]]:
        """Names a cell provides to other kept cells, with those cells (its own use does not count)."""
        entries = {name: users - {pos} for name, users in table.get(pos, {}).items()}
        return {name: users for name, users in entries.items() if users}

    def _only_maybe(self, name: str, pos: int) -> bool:
        return all(kind == MAYBE for where, kind, _ in self.timeline.events.get(name, []) if where == pos)


def slice_units(units: Sequence[Unit], *, include_all: bool = False) -> SliceResult:
    """Slice ``units`` (code cells in order, the last one is the target)."""
    if not units:
        raise ValueError("no cells to slice")
    return _Slicer(units, include_all).run()
