"""What a user asks for when submitting a notebook cell, validated once for REST, CLI and magics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError
from .records import Record

CellSelector = int | str
ParameterValue = str | int | float | bool

_NAME_LIMIT = 255


@dataclass(frozen=True)
class SubmitRequest(Record):
    """A cell of a notebook (or of a kernel's history) to run as a job.

    ``notebook`` is a path (relative paths resolve against the caller's folder)
    or ``None`` when ``sources`` holds the cells. ``inputs`` maps a path the
    code reads, or an input name, to a file path or a data-asset reference
    (``azureml:name@latest``, ``name:2``).
    """

    cell: CellSelector
    notebook: str | None = None
    sources: tuple[str, ...] | None = None
    experiment: str | None = None
    display_name: str | None = None
    compute: str | None = None
    parameters: dict[str, ParameterValue] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    include_all_above: bool = False
    autolog: bool = True
    environment: str | None = None
    cell_source: str | None = None  # with ``notebook``: run this text as the target cell (see PackageOptions)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> SubmitRequest:
        """Validate a JSON body; every problem is a 400 that names its field."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(body) - known)
        if unknown:
            raise ValidationError(f"Unknown field {unknown[0]!r}; expected some of: {', '.join(sorted(known))}.", field=unknown[0])
        notebook = _optional_str(body, "notebook")
        sources = body.get("sources")
        if sources is not None:
            if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
                raise ValidationError("sources must be a list of cell source strings.", field="sources")
            sources = tuple(sources)
        if (notebook is None) == (sources is None):
            raise ValidationError("Give exactly one of notebook (a path) or sources (cell texts).", field="notebook")
        if "cell" not in body:
            raise ValidationError("cell is required: a cell index, a cell id or the tag 'aml-train'.", field="cell")
        cell = body["cell"]
        if isinstance(cell, bool) or not isinstance(cell, (int, str)) or cell == "":
            raise ValidationError("cell must be a cell index (number), a cell id or a tag (text).", field="cell")
        return cls(
            cell=cell,
            notebook=notebook,
            sources=sources,
            experiment=_name(body, "experiment"),
            display_name=_optional_str(body, "display_name"),
            compute=_name(body, "compute"),
            parameters=_mapping(body, "parameters", (str, int, float, bool)),
            inputs=_mapping(body, "inputs", (str,)),
            tags=_mapping(body, "tags", (str,)),
            include_all_above=_flag(body, "include_all_above", False),
            autolog=_flag(body, "autolog", True),
            environment=_optional_str(body, "environment"),
            cell_source=_cell_source(body, notebook),
        )


def _cell_source(body: Mapping[str, Any], notebook: str | None) -> str | None:
    value = body.get("cell_source")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("cell_source must be the code to run as the target cell.", field="cell_source")
    if notebook is None:
        raise ValidationError("cell_source replaces a cell of a notebook: give notebook too, or put the code in sources.",
                              field="cell_source")
    return value


def _optional_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text.", field=name)
    return value


def _name(body: Mapping[str, Any], name: str) -> str | None:
    value = _optional_str(body, name)
    if value is not None and (len(value) > _NAME_LIMIT or not value.strip() or any(c in value for c in "\n\r\t\x00")):
        raise ValidationError(f"{name} must be a single line of at most {_NAME_LIMIT} characters.", field=name)
    return value.strip() if value else None


def _flag(body: Mapping[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false.", field=name)
    return value


def _mapping(body: Mapping[str, Any], name: str, types: tuple[type, ...]) -> dict[str, Any]:
    value = body.get(name) or {}
    if not isinstance(value, dict):
        raise ValidationError(f"{name} must be an object of name: value pairs.", field=name)
    for key, item in value.items():
        if not key or not isinstance(item, types) or (bool not in types and isinstance(item, bool)):
            expected = " or ".join(sorted({t.__name__.replace("str", "text").replace("float", "number") for t in types}))
            raise ValidationError(f"{name}.{key} must be {expected}.", field=f"{name}.{key}")
    return dict(value)


def parse_assignments(pairs: list[str] | None, *, field_name: str) -> dict[str, str]:
    """``["k=v", ...]`` from the CLI or magics into a dict (values stay text)."""
    result: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"{field_name} {pair!r} must look like name=value.", field=field_name)
        result[key.strip()] = value
    return result
