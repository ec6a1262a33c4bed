"""Figures are results: every matplotlib figure the cells draw becomes a PNG under outputs/figures/.

A job has no display, so matplotlib runs on its non-interactive Agg backend. As
in a notebook, where the inline backend shows each cell's figures and closes
them, ``plt.show()`` saves every open figure and closes it; ``display(fig)`` saves
that figure; figures still open when the job ends are saved then (a script that
never calls show), whether the job succeeded or not. Names say the order and, when known, the cell that drew them:
``figure-01-cell-9.png``.

pyplot is not imported to do this (it costs a second): an import hook patches
``matplotlib.pyplot.show`` the moment the notebook's code imports pyplot.
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

FOLDER = os.path.join("outputs", "figures")

_state: dict[str, Any] = {"count": 0, "locate": None, "folder": None, "saved": []}


def install(locate_cell: Callable[[], int | None]) -> None:
    """Agg for any matplotlib the job imports; save on show() once pyplot is imported."""
    os.environ["MPLBACKEND"] = "Agg"  # also for the job's own child processes: none has a display
    _state["locate"] = locate_cell
    _state["folder"] = os.path.abspath(FOLDER)
    if "matplotlib.pyplot" in sys.modules:
        _patch(sys.modules["matplotlib.pyplot"])
    elif not any(isinstance(f, _PyplotHook) for f in sys.meta_path):
        sys.meta_path.insert(0, _PyplotHook())


class _PyplotHook(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of matplotlib.pyplot so that show() is patched after it loads."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "matplotlib.pyplot":
            return None
        sys.meta_path.remove(self)  # one shot, and find_spec below must not find us again
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _patch(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _patch(pyplot: ModuleType) -> None:
    if getattr(pyplot.show, "_amlx_saves", False):
        return

    def show(*args: Any, **kwargs: Any) -> None:
        """Save every open figure under outputs/figures/ and close it (a notebook shows and closes them)."""
        save_open(close=True)

    show._amlx_saves = True  # type: ignore[attr-defined]
    show.__wrapped__ = getattr(pyplot, "show", None)  # type: ignore[attr-defined]
    pyplot.show = show  # type: ignore[attr-defined]
    # pyplot closes every figure at exit (an atexit hook of its own, registered while it loaded):
    # registered later, this one runs first
    atexit.register(save_open, close=False)


def save(figure: Any) -> str | None:
    """Write one figure as the next PNG; its path, relative to the working folder (None if it fails)."""
    folder = _state["folder"] or os.path.abspath(FOLDER)
    _state["count"] += 1
    locate = _state["locate"]
    cell = locate() if locate is not None else None
    name = f"figure-{_state['count']:02d}" + (f"-cell-{cell}" if cell is not None else "") + ".png"
    target = os.path.join(folder, name)
    try:
        os.makedirs(folder, exist_ok=True)
        figure.savefig(target, format="png", bbox_inches="tight")
    except Exception as exc:  # a figure that cannot be drawn must not fail the job
        print(f"amlx: figure not saved ({type(exc).__name__}: {exc})", file=sys.stderr, flush=True)
        return None
    shown = os.path.relpath(target)
    _state["saved"].append(shown)
    print(f"amlx: figure saved to {shown}", flush=True)
    return shown


def save_open(*, close: bool) -> None:
    """Save the figures pyplot holds open (nothing to do if pyplot was never imported)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in list(pyplot.get_fignums()):
        figure = pyplot.figure(number)
        save(figure)
        if close:
            pyplot.close(figure)


def is_figure(value: Any) -> bool:
    module = sys.modules.get("matplotlib.figure")
    return module is not None and isinstance(value, module.Figure)


def saved() -> list[str]:
    return list(_state["saved"])
