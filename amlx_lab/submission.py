"""What a user asks for when submitting a cell, validated once for REST, the CLI and the magics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .errors import ValidationError
from .records import ParameterValue
from .validation import Checked
from .i18n import N_, _

CellSelector = int | str

_NAME_LIMIT = 255


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]


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

    cell: CellSelector
    notebook: OptionalText = None
    sources: list[str] | None = None
    experiment: OptionalText = None
    default_experiment: OptionalText = None
    display_name: OptionalText = Field(default=None, max_length=_NAME_LIMIT)
    compute: OptionalText = None
    parameters: Mapping[str, ParameterValue] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    include_all_above: bool = False
    autolog: bool = True
    python: OptionalText = None
    environment: OptionalText = None
    cell_source: str | None = None  # with ``notebook``: run this text as the target cell (see PackageOptions)

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
