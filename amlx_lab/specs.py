"""What the facade hands a backend: job specs (one model per job kind) and job queries.

A spec says what to run independently of how it was produced (a notebook
cell, a script, a re-run); the rules that hold on every target (Azure ML's
names, sizes of tags, placeholders) are checked here, once, when the spec is
built. A backend checks only what is its own (the local target: that the
interpreter exists and ``compute`` is ``local``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

import orjson
from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .errors import ValidationError
from .names import asset_name_problem, check_job_name
from .records import JobStatus, ParameterValue
from .validation import Checked, QueryModel
from .i18n import _

_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_INPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")  # also a command-line option: '-' is common

#: The most jobs one page holds.
MAX_PAGE = 1000
#: Columns every target can order a job listing by (a target lists the ones it sorts on the server).
JOB_SORT_COLUMNS = ("created_at", "started_at", "ended_at", "name", "display_name", "experiment", "status")


class CommandJobSpec(Checked):
    """A command job: run ``command`` in a copy of ``code_dir``.

    ``command`` items may use Azure ML placeholders ``${{inputs.<name>}}`` for any
    input (replaced by its resolved path) or parameter (replaced by its value). An
    input the command does not mention is appended as ``--<name> <path>``.
    Parameters are never appended: the caller renders them (or uses placeholders);
    they are recorded so runs can be compared.

    ``environment`` is an environment reference (``azureml:name:version`` or a
    curated one); ``None`` runs with the requirements captured in the code folder.
    ``interpreter`` is the Python that runs the job on the local target (the
    notebook kernel's); other targets ignore it.
    """

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True, arbitrary_types_allowed=True)
    what: ClassVar[str] = "The job"

    type: Literal["command"] = "command"
    code_dir: str | os.PathLike[str]
    experiment: str = "Default"
    command: tuple[str, ...] = ("python", "main.py")
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    inputs: Mapping[str, str | os.PathLike[str]] = Field(default_factory=dict)  # name -> local path or data-asset ref
    display_name: str | None = Field(default=None, max_length=255)
    compute: str | None = None  # None: the target's default compute
    environment: str | None = None
    interpreter: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    manifest: dict[str, Any] | None = None  # the slicer's package description, kept with the job
    parent: str | None = None  # the sweep or AutoML job this one is a trial of

    @field_validator("code_dir")
    @classmethod
    def _code_dir(cls, value: str | os.PathLike[str]) -> str | os.PathLike[str]:
        if not os.fspath(value):
            raise ValueError("code_dir must be the folder holding main.py.")
        return value

    @field_validator("experiment")
    @classmethod
    def _experiment(cls, value: str) -> str:
        if not value:
            raise ValueError("Name the experiment the job belongs to.")
        problem = asset_name_problem(value, "experiment")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("command")
    @classmethod
    def _command(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError('command must be a non-empty list of arguments, like ["python", "main.py"].')
        if any("\x00" in arg for arg in value):
            raise ValueError("Command arguments cannot contain NUL characters.")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, value: dict[str, ParameterValue]) -> dict[str, ParameterValue]:
        for name in value:
            if not _PARAMETER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid parameter name.")
        return value

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, value: Mapping[str, str | os.PathLike[str]]) -> Mapping[str, str | os.PathLike[str]]:
        for name in value:
            if not _INPUT_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid input name.")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not name or len(name) > 255 or len(text) > 5000:
                raise ValueError("Tag names must be 1-255 characters and values at most 5000.")
        return value

    @field_validator("manifest")
    @classmethod
    def _manifest(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                orjson.dumps(value)
            except TypeError:
                raise ValueError("manifest must be JSON-serialisable.") from None
        return value

    @field_validator("parent")
    @classmethod
    def _parent(cls, value: str | None) -> str | None:
        return None if value is None else check_job_name(value, field="parent")

    @model_validator(mode="after")
    def _names_differ(self) -> CommandJobSpec:
        overlap = set(self.inputs) & set(self.parameters)
        if overlap:
            raise ValidationError(_("{value!r} is both an input and a parameter.").format(value=sorted(overlap)[0]), field="inputs")
        return self


#: Every kind of job a backend can be asked to run (sweep and AutoML specs join as they are built).
JobSpec = CommandJobSpec


def _one_or_many(value: object) -> object:
    """One status may be given alone (``status="Completed"``), several as a list, none as ``None``."""
    if value is None:
        return ()
    return (value,) if isinstance(value, (str, JobStatus)) else value


class JobQuery(QueryModel):
    """A page of a job listing: filters, order and where to resume."""

    experiment: str | None = None
    status: Annotated[tuple[JobStatus, ...], BeforeValidator(_one_or_many)] = ()
    text: str | None = None  # searched in names, display names and experiments
    parent: str | None = None  # the trials of a sweep or AutoML job
    top_level: bool = False  # only jobs without a parent
    order_by: str = "created_at"
    descending: bool = True
    limit: int = 50
    cursor: str | None = None

    @field_validator("order_by")
    @classmethod
    def _order_by(cls, value: str) -> str:
        if value.startswith("metrics."):
            if value == "metrics.":
                raise ValueError("Name the metric to sort by, as metrics.<key>.")
            return value
        if value not in JOB_SORT_COLUMNS:
            choices = ", ".join([*JOB_SORT_COLUMNS, "metrics.<key>"])
            raise ValueError(f"Cannot sort by {value!r}: use one of {choices}.")
        return value

    @field_validator("parent")
    @classmethod
    def _parent(cls, value: str | None) -> str | None:
        return None if value is None else check_job_name(value, field="parent")

    @field_validator("limit")
    @classmethod
    def _limit(cls, value: int) -> int:
        if not 1 <= value <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}.")
        return value

    @model_validator(mode="after")
    def _one_scope(self) -> JobQuery:
        if self.parent is not None and self.top_level:
            raise ValidationError(_("Ask for the trials of one job (parent) or for top-level jobs, not both."), field="parent")
        return self

    @property
    def metric(self) -> str | None:
        """The metric key when the listing is ordered by ``metrics.<key>``."""
        return self.order_by[len("metrics."):] if self.order_by.startswith("metrics.") else None
