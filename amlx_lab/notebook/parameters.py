"""Job parameters: literal assignments the command line (and a sweep) can override.

The rule: if a cell tagged ``parameters`` (papermill's convention) is in the
slice, its top-level literal assignments are the parameters; otherwise every
top-level literal assignment in the slice is (``alpha = 0.5``,
``TEST_SIZE = 0.2``, ``features = ["Age", "Sex"]``). A name bound more than
once in the slice is not a parameter: which value would ``--name`` replace?

main.py keeps the user's line verbatim and assigns the parsed argument on the
next line, so the default is the notebook's own value and an override applies
before any later statement reads the name.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..records import Record
from .analysis import LiteralAssign
from .errors import ValidationError
from ..i18n import _

__all__ = ["Parameter", "ParameterSite", "find_parameters", "apply_overrides", "coerce", "format_value", "parameter_type"]

RESERVED = frozenset({"help", "h"})


@dataclass(frozen=True)
class Parameter(Record):
    """One ``--name value`` option of main.py."""

    name: str
    type: ParameterType  # literal: lists, tuples, dicts in Python syntax
    default: Any  # what main.py uses without the option (the notebook value unless overridden)
    notebook_value: Any
    cell_index: int
    line: int
    flag: str


@dataclass(frozen=True)
class ParameterSite:
    """Where main.py assigns the parsed value: after ``end_line`` of the cell at ``position``."""

    name: str
    position: int
    end_line: int


ParameterType = Literal["int", "float", "str", "bool", "literal"]


def parameter_type(value: object) -> ParameterType:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "literal"


def find_parameters(
    cells: Sequence[tuple[int, int, Sequence[LiteralAssign], Mapping[str, int], bool]],
) -> tuple[list[Parameter], list[ParameterSite], list[str]]:
    """Parameters of the slice.

    ``cells`` holds, per included cell in order: (position, notebook index,
    literal assignments, binding counts, tagged ``parameters``).
    """
    counts: dict[str, int] = {}
    for *_before, binding_counts, _tagged in cells:
        for name, n in binding_counts.items():
            counts[name] = counts.get(name, 0) + n
    tagged = any(is_tagged for *_, is_tagged in cells)
    params: list[Parameter] = []
    sites: list[ParameterSite] = []
    notes: list[str] = []
    for position, index, assigns, _counts, is_tagged in cells:
        if tagged and not is_tagged:
            continue
        for item in assigns:
            if counts.get(item.name, 0) != 1 or item.name.startswith("_amlx_"):
                continue
            if item.name in RESERVED or keyword.iskeyword(item.name):
                notes.append(_("cell {index}, line {line}: '{name}' is not offered as a parameter (--{name} is reserved)").format(
                    index=index, line=item.line, name=item.name))
                continue
            params.append(
                Parameter(
                    name=item.name,
                    type=parameter_type(item.value),
                    default=_jsonable(item.value),
                    notebook_value=_jsonable(item.value),
                    cell_index=index,
                    line=item.line,
                    flag=f"--{item.name}",
                )
            )
            sites.append(ParameterSite(item.name, position, item.end_line))
    return params, sites, notes


def _jsonable(value: Any) -> Any:
    """Tuples become lists in JSON; keep the record JSON-ready (main.py keeps the real literal)."""
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (str, int, float, bool)) else k: _jsonable(v) for k, v in value.items()}
    return value


def coerce(param: Parameter, value: Any) -> Any:
    """``value`` as the parameter's type, accepting the command-line string form too."""
    kind = param.type
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
                return value.strip().lower() in ("true", "1", "yes", "on")
            raise ValueError
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                return int(value)
            raise ValueError
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                return float(value)
            raise ValueError
        if kind == "str":
            if isinstance(value, str):
                return value
            raise ValueError
        if isinstance(value, str):
            value = ast.literal_eval(value)
        if isinstance(value, (list, tuple, dict)):
            return _jsonable(value)
        raise ValueError
    except (ValueError, SyntaxError, TypeError):
        raise ValidationError(
            _("Parameter {name!r} takes a {kind} value (the notebook has {notebook_value!r}); got {value!r}.").format(
                name=param.name, kind=kind, notebook_value=param.notebook_value, value=value),
            field="parameters_override",
            details={"parameter": param.name, "type": kind},
        ) from None


def apply_overrides(params: Sequence[Parameter], overrides: Mapping[str, Any]) -> list[Parameter]:
    """New defaults from ``overrides`` (e.g. a sweep trial); unknown names are an error."""
    known = {p.name: p for p in params}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        offered = ", ".join(sorted(known)) or "none"
        raise ValidationError(
            _("Unknown parameter(s) {items}; this package's parameters are: {offered}.").format(items=', '.join(unknown), offered=offered),
            field="parameters_override",
            details={"unknown": unknown, "parameters": sorted(known)},
        )
    result = []
    for p in params:
        if p.name in overrides:
            p = Parameter(p.name, p.type, coerce(p, overrides[p.name]), p.notebook_value, p.cell_index, p.line, p.flag)
        result.append(p)
    return result


def format_value(param: Parameter, value: Any) -> str:
    """The command-line text for ``value`` (what ``--name`` expects)."""
    value = coerce(param, value)
    if param.type == "bool":
        return "true" if value else "false"
    if param.type == "literal":
        return repr(value)
    return str(value)
