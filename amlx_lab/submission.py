"""What a user asks for when submitting a cell, validated once for REST, the CLI and the magics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .errors import ValidationError
from .names import ASSET_NAME_RE
from .records import ParameterValue
from .sweep.settings import SweepSettings
from .validation import Checked, WholeNumber, documented_pattern
from .i18n import N_, _

CellSelector = WholeNumber | str

_NAME_LIMIT = 255


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]


def _one_origin_schema(schema: dict[str, Any]) -> None:
    """The document says what ``_one_origin`` checks: a notebook path or the cells' texts, not both."""
    schema["oneOf"] = [
        {"required": ["notebook"], "properties": {"notebook": {"type": "string", "minLength": 1}}},
        {"required": ["sources"], "properties": {"sources": {"type": "array"}}},
    ]
    schema["dependentSchemas"] = {
        "cell_source": {
            "anyOf": [
                {"properties": {"cell_source": {"type": "null"}}},
                {"required": ["notebook"], "properties": {"notebook": {"type": "string", "minLength": 1}}},
            ]
        }
    }


def _named_map(schema: dict[str, Any]) -> None:
    schema["propertyNames"] = {"minLength": 1}


def _tags_schema(schema: dict[str, Any]) -> None:
    schema["propertyNames"] = {"minLength": 1, "maxLength": 255}
    schema["additionalProperties"] = {"type": "string", "maxLength": 5000}


def _cell_schema(schema: dict[str, Any]) -> None:
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "integer":
            branch.update(minimum=-WHOLE, maximum=WHOLE)
        elif branch.get("type") == "string":
            branch["minLength"] = 1


#: A path as the server can take it: not empty, no NUL character.
PATH_PATTERN = r"^[^\x00]+$"
#: Integers beyond 64 bits arrive as floats (orjson): a cell index is bounded well inside that.
WHOLE = 2**63 - 1


class SubmitRequest(Checked):
    """A cell of a notebook (or of a kernel's history) to run as a job.

    ``notebook`` is a path (relative paths resolve against the caller's folder)
    or ``None`` when ``sources`` holds the cells. ``inputs`` maps a path the
    code reads, or an input name, to a file path or a data-asset reference
    (``azureml:name@latest``, ``name:2``). ``python`` is the interpreter whose
    packages are pinned (and that runs the job locally; default: the notebook
    kernel's); ``environment`` names an Azure ML environment to run in instead
    of one built from those requirements.

    The job's experiment is ``experiment`` when given, else the one the code
    itself names (``mlflow.set_experiment("...")`` above or in the cell), else
    ``default_experiment`` (a client that knows the notebook behind a kernel's
    history sends its name), else the notebook's name.
    """

    what: ClassVar[str] = N_("The submission")
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, json_schema_extra=_one_origin_schema)

    cell: CellSelector = Field(json_schema_extra=_cell_schema)
    notebook: OptionalText = Field(default=None, json_schema_extra=documented_pattern(PATH_PATTERN))
    sources: list[str] | None = None
    experiment: OptionalText = Field(default=None, json_schema_extra=documented_pattern(ASSET_NAME_RE.pattern))
    default_experiment: OptionalText = None
    display_name: OptionalText = Field(default=None, max_length=_NAME_LIMIT)
    compute: OptionalText = None
    parameters: Mapping[str, ParameterValue] = Field(default_factory=dict, json_schema_extra=_named_map)
    inputs: dict[str, str] = Field(default_factory=dict, json_schema_extra=_named_map)
    tags: dict[str, str] = Field(default_factory=dict, json_schema_extra=_tags_schema)
    include_all_above: bool = False
    autolog: bool = True
    python: OptionalText = None
    environment: OptionalText = None
    # with ``notebook``: run this text as the target cell (see PackageOptions)
    cell_source: str | None = Field(default=None, json_schema_extra=documented_pattern(r"\S"))

    @field_validator("cell")
    @classmethod
    def _cell(cls, value: CellSelector) -> CellSelector:
        if value == "":
            raise ValueError("cell must be a cell index (number), a cell id or a tag (text).")
        return value

    @field_validator("experiment", "default_experiment", "compute")
    @classmethod
    def _single_line(cls, value: str | None, info: object) -> str | None:
        if value is None:
            return None
        name = getattr(info, "field_name", "name")
        if len(value) > _NAME_LIMIT or not value.strip() or any(c in value for c in "\n\r\t\x00"):
            raise ValueError(f"{name} must be a single line of at most {_NAME_LIMIT} characters.")
        return value.strip()

    @field_validator("parameters", "inputs", "tags")
    @classmethod
    def _named(cls, value: dict[str, object], info: object) -> dict[str, object]:
        if any(not key for key in value):
            raise ValueError(f"{getattr(info, 'field_name', 'names')} must not have an empty name.")
        return value

    @field_validator("cell_source")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("cell_source must be the code to run as the target cell.")
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> SubmitRequest:
        if (self.notebook is None) == (self.sources is None):
            raise ValidationError(_("Give exactly one of notebook (a path) or sources (cell texts)."), field="notebook")
        if self.cell_source is not None and self.notebook is None:
            raise ValidationError(
                _("cell_source replaces a cell of a notebook: give notebook too, or put the code in sources."),
                field="cell_source",
            )
        return self

    @classmethod
    def from_json(cls, body: object) -> SubmitRequest:
        """A JSON body; every problem is a 400 that names its field."""
        return cls.parse(body)


class SweepRequest(SubmitRequest):
    """A cell to run as a sweep: the submission (which cell, where from), plus what to search and how.

    The cell's parameters are the dimensions a ``sweep.search_space`` may
    open; ``parameters`` fix the others. ``sweep`` may be left out only when
    previewing (the preview then lists the dimensions and the metrics the
    cell's earlier runs logged, to choose from).
    """

    what: ClassVar[str] = "The sweep"

    sweep: SweepSettings | None = None


def parse_assignments(pairs: list[str] | None, *, field_name: str) -> dict[str, str]:
    """``["k=v", ...]`` from the CLI or magics into a dict (values stay text)."""
    result: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(_("{field_name} {pair!r} must look like name=value.").format(
                field_name=field_name, pair=pair), field=field_name)
        result[key.strip()] = value
    return result
