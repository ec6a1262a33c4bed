"""Differential test of the slicer: for generated notebooks, the slice prints what every cell above prints.

Hypothesis writes small notebooks from a grammar of what feature-engineering
cells do to shared data: frames made, copied, aliased and unpacked; changed
in place (item and ``.loc`` assignment, ``inplace=True``, ``+=``) directly,
through loop and comprehension variables over literal containers, through
dicts and lists of frames, and through notebook functions (that change their
argument, return it, alias it, or change globals in a loop); lists changed
through aliases; names rebound and deleted; prints. Each generated notebook
runs without error top to bottom. Then, for every cell that prints, the
slice the slicer keeps for it runs on its own, and the target must print
exactly what it printed in the full run.

All programs run in one worker process (``cell_runner``), each in a fresh
namespace, so an example costs milliseconds, not a pandas import. The
examples are bounded and derandomized: the same notebooks every run. A
failing example found by this test is kept below as a named regression case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amlx_lab.notebook.analysis import analyze_cell
from amlx_lab.notebook.slicer import Unit, slice_units

FRAMES = ("train", "test", "df", "tmp")
LISTS = ("nums", "more")
SETUP = "import pandas as pd\ntrain = pd.DataFrame({'a': [1.0, None, 3.0], 'b': [4, 5, 6]})"

FUNCTIONS = {
    "set_c": "def set_c(frame):\n    frame['c'] = frame['b'] * 3",
    "same": "def same(frame):\n    return frame",
    "fill_alias": "def fill_alias(frame):\n    other = frame\n    other.fillna(5.0, inplace=True)",
    "mark_both": "def mark_both():\n    for d in [train, test]:\n        d['m'] = 1",
    "fresh": "def fresh(frame):\n    return frame.copy()",
    "bump": "def bump(frame, k=1):\n    frame['b'] += k\n    return frame",
    "via_set": "def via_set(frame):\n    set_c(frame)",
    "pick": "def pick():\n    global tmp\n    tmp = train",
    "fill": "fill = lambda d: d.fillna(8.0, inplace=True)",
    "mark_default": "def mark_default(frame=train):\n    frame['dflt'] = 1",
    "register": "def register(frame):\n    registry.append(frame)",
    "Cleaner": "class Cleaner:\n    def clean(self, frame):\n        frame.fillna(-2.0, inplace=True)\n        return frame",
}
KINDS = (
    "new_frame", "change", "alias", "copy", "derive", "new_list", "loop", "comprehension", "unpack", "dict",
    "frame_list", "list_change", "list_alias", "dict_change", "dict_loop", "frame_list_change", "define", "call",
    "call_in_loop", "call_result", "pipe", "map", "holder", "holder_change", "count", "delete", "registry",
    "registry_change", "instance", "method", "dynamic",
    "print", "print frame", "print list", "print frames", "print fl", "print box", "print n", "print registry",
)
PRINTS = {
    "frames": "print(sorted(frames), [sorted(v.columns) for v in frames.values()])",
    "fl": "print([v.fillna(-1).values.tolist() for v in fl])",
    "box": "print(sorted(box.frame.columns), box.frame.fillna(-1).values.tolist())",
    "n": "print(n)",
    "registry": "print([sorted(v.columns) for v in registry])",
    "nums": "print(nums)",
    "more": "print(more)",
}
#: Functions that only run once what they use exists.
NEEDS = {"mark_both": {"train", "test"}, "via_set": {"set_c"}, "pick": {"train"}, "register": {"registry"}}
#: Functions whose definition runs something (a default value) that must exist.
DEFINE_NEEDS = {"mark_default": {"train"}}
#: Functions called with no arguments.
NO_ARGUMENTS = {"mark_both", "pick", "mark_default"}


@dataclass
class Model:
    """What the notebook has defined so far, so that every generated line runs; and which kinds of line it wrote."""

    defined: set[str] = field(default_factory=lambda: {"pd", "train"})
    used: set[str] = field(default_factory=set)

    def frames(self) -> list[str]:
        return [n for n in FRAMES if n in self.defined]

    def lists(self) -> list[str]:
        return [n for n in LISTS if n in self.defined]


Draw = Callable[[st.SearchStrategy], object]


def _pick(draw: Draw, names: Sequence[str]) -> str:
    return str(draw(st.sampled_from(sorted(names))))


def _statement(draw: Draw, model: Model) -> str:
    """One statement (perhaps a loop or a def) that runs given ``model``; updates the model."""
    frames = model.frames()
    lists = model.lists()
    options: list[str] = ["print", "new_frame", "change", "alias", "copy", "derive", "new_list", "count", "print"]
    if len(frames) >= 2:
        options += ["loop", "comprehension", "unpack", "dict", "frame_list"]
    # a kind that needs an earlier line is offered more often once it can run, so that it does
    if lists:
        options += ["list_change", "list_alias"] * 2
    if "frames" in model.defined:
        options += ["dict_change", "dict_loop"] * 3
    if "fl" in model.defined:
        options += ["frame_list_change"] * 3
    options += ["define"]
    defined_functions = [f for f in FUNCTIONS if f in model.defined and NEEDS.get(f, set()) <= model.defined and f != "Cleaner"]
    if defined_functions:
        options += ["call", "call_in_loop", "call_result", "pipe", "map"]
    if len(frames) >= 1:
        options += ["holder"]
    if "box" in model.defined:
        options += ["holder_change"] * 3
    if "tmp" in model.defined:
        options += ["delete"]
    options += ["registry"]
    if "registry" in model.defined:
        options += ["registry_change"] * 2
    options += ["instance"]
    if "cleaner" in model.defined:
        options += ["method"] * 3
    if "set_c" in model.defined:
        options += ["dynamic"] * 3
    kind = str(draw(st.sampled_from(options)))
    model.used.add(kind)
    x = _pick(draw, frames)
    if kind == "new_frame":
        target = _pick(draw, FRAMES)
        model.defined.add(target)
        return f"{target} = pd.DataFrame({{'a': [1.0, None, 3.0], 'b': [4, 5, 6]}})"
    if kind == "print":
        containers = [n for n in ("frames", "fl", "box") if n in model.defined] * 3  # rarer to define: print them often
        shown = _pick(draw, [n for n in [*frames, *lists, "n", "registry"] if n in model.defined] + containers)
        model.used.add(f"print {shown if shown in PRINTS and shown not in LISTS else 'frame' if shown in FRAMES else 'list'}")
        return PRINTS.get(shown, "print({0!r}, sorted({0}.columns), {0}.fillna(-1).values.tolist())").format(shown)
    if kind == "change":
        return draw(
            st.sampled_from(
                [
                    f"{x}['c'] = {x}['b'] * 2",
                    f"{x}.fillna(0.0, inplace=True)",
                    f"{x}.loc[{x}.index[-1], 'b'] = 7",
                    f"{x}['a'] += 1",
                    f"{x}.drop(columns=['c'], inplace=True, errors='ignore')",
                    f"{x}.sort_values('b', ascending=False, inplace=True)",
                    f"{x}.reset_index(drop=True, inplace=True)",
                    f"if len({x}) > 1:\n    {x}['k'] = 0",
                    f"i = 0\nwhile i < 2:\n    {x}['w'] = i\n    i += 1",
                ]
            )
        )
    if kind in ("alias", "copy", "derive"):
        target = _pick(draw, FRAMES)
        model.defined.add(target)
        source = {"alias": x, "copy": f"{x}.copy()"}.get(kind) or draw(
            st.sampled_from([f"{x}.dropna()", f"{x}[['a', 'b']]", f"{x}.assign(z=1)", f"{x}.head(2)"])
        )
        return f"{target} = {source}"
    if kind == "new_list":
        target = _pick(draw, LISTS)
        model.defined.add(target)
        return f"{target} = [1, 2]"
    y = _pick(draw, [f for f in frames if f != x] or frames)
    if kind == "loop":
        body = draw(st.sampled_from(["d['c'] = d['b'] + 1", "d.fillna(1.0, inplace=True)", "d.loc[d.index[0], 'a'] = 9.0"]))
        container = draw(st.sampled_from([f"[{x}, {y}]", f"({x}, {y})"]))
        return f"for d in {container}:\n    {body}"
    if kind == "comprehension":
        return draw(
            st.sampled_from(
                [
                    f"[d.drop(columns=['c'], inplace=True, errors='ignore') for d in [{x}, {y}]]",
                    f"[d.fillna(4.0, inplace=True) for d in ({x}, {y}) if len(d)]",
                ]
            )
        )
    if kind == "unpack":
        first, second = _pick(draw, FRAMES), _pick(draw, FRAMES)
        model.defined |= {first, second}
        return f"{first}, {second} = {x}, {y}"
    if kind == "dict":
        model.defined.add("frames")
        return f"frames = {{'p': {x}, 'q': {y}}}"
    if kind == "frame_list":
        model.defined.add("fl")
        return draw(st.sampled_from([f"fl = [{x}, {y}]", f"fl = [d for d in ({x}, {y})]", f"fl = list(({x}, {y}))"]))
    if kind == "dict_change":
        return draw(
            st.sampled_from(
                ["frames['p']['c'] = 5", f"frames['q'] = {x}", "frames['p'].fillna(2.0, inplace=True)", "frames.get('q')['g'] = 6"]
            )
        )
    if kind == "dict_loop":
        return "for key, v in frames.items():\n    v['s'] = key"
    if kind == "frame_list_change":
        return draw(st.sampled_from([f"fl.append({x})", "fl[0]['c'] = 2", "fl[-1].fillna(3.0, inplace=True)", "for v in fl:\n    v['t'] = 1"]))
    if kind == "list_change":
        other = _pick(draw, lists)
        return draw(st.sampled_from([f"{lists[0]}.append(3)", f"{lists[-1]} += [4]", f"{lists[0]}.extend({other})", f"{lists[-1]}.sort(reverse=True)"]))
    if kind == "list_alias":
        target = _pick(draw, LISTS)
        source = _pick(draw, lists)
        model.defined.add(target)
        return f"{target} = {source}"
    if kind == "define":
        name = str(draw(st.sampled_from(sorted(f for f in FUNCTIONS if DEFINE_NEEDS.get(f, set()) <= model.defined))))
        model.defined.add(name)
        return FUNCTIONS[name]
    if kind == "registry":
        model.defined.add("registry")
        return "registry = []"
    if kind == "registry_change":
        return "for v in registry:\n    v['r'] = 1"
    if kind == "instance":
        made = "cleaner = Cleaner()" if "Cleaner" in model.defined else FUNCTIONS["Cleaner"] + "\ncleaner = Cleaner()"
        model.defined |= {"Cleaner", "cleaner"}
        return made
    if kind == "method":
        if draw(st.booleans()):
            return f"cleaner.clean({x})"
        target = _pick(draw, FRAMES)
        model.defined.add(target)
        return f"{target} = cleaner.clean({x})"
    if kind == "dynamic":
        return f"steps = [set_c]\nsteps[0]({x})"
    if kind == "holder":
        model.defined |= {"box", "types"}
        return f"import types\nbox = types.SimpleNamespace(frame={x})"
    if kind == "holder_change":
        return draw(st.sampled_from(["box.frame['c'] = 4", f"box.frame = {x}", "box.frame.fillna(6.0, inplace=True)"]))
    if kind in ("call", "call_in_loop", "call_result", "pipe", "map"):
        func = _pick(draw, defined_functions)
        if func in NO_ARGUMENTS:
            if func == "pick":
                model.defined.add("tmp")
            return f"{func}()"
        if kind == "map":
            return f"done = list(map({func}, [{x}, {y}]))"
        if kind == "call":
            return f"{func}({x})"
        if kind == "call_in_loop":
            return f"for d in [{x}, {y}]:\n    {func}(d)"
        if kind == "pipe":
            return f"{x}.pipe({func})"
        target = _pick(draw, FRAMES)
        if func in ("same", "fresh", "bump"):
            model.defined.add(target)
            return f"{target} = {func}({x})"
        model.defined.add("n")
        return f"n = {func}({x}) is None"
    if kind == "count":
        model.defined.add("n")
        return draw(st.sampled_from([f"n = len({x})", f"n = {x}.shape[1]"]))
    if kind == "delete":
        model.defined.discard("tmp")
        return "del tmp"
    raise AssertionError(kind)


@dataclass(frozen=True)
class Generated:
    cells: list[str]
    kinds: frozenset[str]  # the kinds of statement written, for the coverage check


@st.composite
def notebooks(draw: Draw) -> Generated:
    model = Model()
    cells = [SETUP]
    for _ in range(int(draw(st.integers(2, 7)))):
        statements = [_statement(draw, model) for _ in range(int(draw(st.integers(1, 3))))]
        cells.append("\n".join(statements))
    return Generated(cells, frozenset(model.used))


def _listing(cells: Sequence[str], kept: Sequence[int] = ()) -> str:
    lines = []
    for i, cell in enumerate(cells):
        mark = "*" if i in kept else " "
        lines.append(f"{mark}[{i}] " + cell.replace("\n", "\n      "))
    return "\n".join(lines)


def check_slices(cells: Sequence[str], runner) -> int:
    """Run every cell, then each printing cell's slice; the slice must print the same. Returns the slices run."""
    full = runner.run(cells)
    assert full.error is None, f"the generated notebook fails on its own:\n{_listing(cells)}\n{full.error}"
    units = [Unit(i, None, analyze_cell(code)) for i, code in enumerate(cells)]
    checked = 0
    for target in range(1, len(cells)):
        if "print(" not in cells[target]:
            continue
        result = slice_units(units[: target + 1])
        kept = [units[p].index for p in result.positions]
        job = runner.run([cells[i] for i in kept])
        assert job.error is None and job.last == full.outputs[target], (
            f"the slice of cell {target} (cells marked *) differs from running every cell above:\n"
            f"{_listing(cells[: target + 1], kept)}\nnotebook printed: {full.outputs[target]!r}\n"
            f"slice printed:    {job.last!r}  error: {job.error}"
        )
        checked += 1
    return checked


def test_every_slice_prints_what_the_notebook_prints(cell_runner) -> None:
    """The property over 200 derandomized notebooks, which between them use every kind of statement.

    The second check guards the first: a grammar that silently stopped writing
    an idiom would leave the property passing without testing it.
    """
    seen: set[str] = set()
    compared: list[int] = []

    @settings(
        max_examples=200,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(notebook=notebooks())
    def slices_print_the_same(notebook: Generated) -> None:
        seen.update(notebook.kinds)
        compared.append(check_slices(notebook.cells, cell_runner))

    slices_print_the_same()
    assert sorted(set(KINDS) - seen) == []
    assert sum(compared) >= 200, f"only {sum(compared)} slices compared"


_PRINT_TRAIN = "print('train', sorted(train.columns), train.fillna(-1).values.tolist())"
_CLEANER = FUNCTIONS["Cleaner"] + "\ncleaner = Cleaner()"

# Failing examples the property found (shrunk by hand), kept as regression cases: (name, cells).
REGRESSIONS: list[tuple[str, list[str]]] = [
    (  # found against the slicer before the alias analysis
        "a loop changes train and df, then df is rebound",
        [
            SETUP,
            "df = pd.DataFrame({'a': [1.0, None, 3.0], 'b': [4, 5, 6]})",
            "for d in [df, train]:\n    d['c'] = d['b'] + 1",
            "df = pd.DataFrame({'a': [1.0, None, 3.0], 'b': [4, 5, 6]})",
            _PRINT_TRAIN,
        ],
    ),
    (  # found against the first alias analysis, which ignored default values
        "a call without arguments changes the frame that is a parameter's default",
        [SETUP, FUNCTIONS["mark_default"], _PRINT_TRAIN, "mark_default()", _PRINT_TRAIN],
    ),
    (  # found against the first alias analysis, which did not look into the notebook's classes
        "a notebook class's method changes its argument",
        [SETUP, _CLEANER, "cleaner.clean(train)", _PRINT_TRAIN],
    ),
    (
        "a notebook class's method changes its argument, and its result is bound to another name",
        [SETUP, "more = [1, 2]\n" + _CLEANER + "\ndf = cleaner.clean(train)", "print(more)", _PRINT_TRAIN],
    ),
]


@pytest.mark.parametrize("cells", [r[1] for r in REGRESSIONS], ids=[r[0] for r in REGRESSIONS])
def test_regression(cells: list[str], cell_runner) -> None:
    assert check_slices(cells, cell_runner) >= 1
