"""The MLflow experiment a notebook's code chooses: ``mlflow.set_experiment("name")``.

In the kernel, a cell logs to the experiment the last ``set_experiment`` call
before it chose, whether or not that call's cell is in the job's slice (it
binds no name the slice follows). A job keeps that experiment unless the user
names another, so the cells above the target and the target itself are read,
in order. Only a literal name can be known without running the code; a name
computed at run time, or an ``experiment_id``, is reported as unknown. Calls
inside functions and classes are not counted: they run only when called.

Pure: parses code, never imports MLflow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ExperimentChoice", "chosen_experiment"]

_FUNCTION = "set_experiment"


@dataclass(frozen=True)
class ExperimentChoice:
    """The last ``set_experiment`` call: the name it gives (``None``: not a literal), and where it is."""

    name: str | None
    cell: int
    line: int


class _Calls(ast.NodeVisitor):
    """``set_experiment`` calls at the top level of a cell, with the aliases the code gives MLflow."""

    def __init__(self, modules: set[str], functions: set[str]) -> None:
        self.modules, self.functions = modules, functions
        self.found: list[tuple[int, int, str | None]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "mlflow":
                self.modules.add(alias.asname or "mlflow")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "mlflow" and not node.level:
            for alias in node.names:
                if alias.name == _FUNCTION:
                    self.functions.add(alias.asname or _FUNCTION)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        return None  # runs only when called

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]
    visit_Lambda = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        named = (
            isinstance(func, ast.Attribute) and func.attr == _FUNCTION
            and isinstance(func.value, ast.Name) and func.value.id in self.modules
        ) or (isinstance(func, ast.Name) and func.id in self.functions)
        if named:
            self.found.append((node.lineno, node.col_offset, _literal_name(node)))
        self.generic_visit(node)


def _literal_name(call: ast.Call) -> str | None:
    """The experiment name the call gives, when it is a string literal."""
    given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "experiment_name"), None)
    if isinstance(given, ast.Constant) and isinstance(given.value, str) and given.value.strip():
        return given.value.strip()
    return None


def chosen_experiment(cells: Iterable[tuple[int, str]]) -> ExperimentChoice | None:
    """The last top-level ``set_experiment`` call in ``cells`` (``(cell index, code)`` in run order), if any.

    ``mlflow`` counts as the module's name even in a cell that does not import
    it (an earlier cell did); aliases from ``import mlflow as mf`` and
    ``from mlflow import set_experiment`` count from where they appear on.
    """
    modules: set[str] = {"mlflow"}
    functions: set[str] = set()
    last: ExperimentChoice | None = None
    for index, code in cells:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # a cell that cannot have run
        calls = _Calls(modules, functions)
        calls.visit(tree)
        if calls.found:
            line, _, name = max(calls.found, key=lambda found: (found[0], found[1]))
            last = ExperimentChoice(name, index, line)
    return last
