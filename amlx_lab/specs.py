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
from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .automl.settings import (
    ALGORITHMS,
    DEFAULT_METRIC,
    AutoMLLimits,
    ForecastingSettings,
    Task,
    canonical_algorithm,
    canonical_metric,
    goal_of,
)
from .errors import ValidationError
from .names import asset_name_problem, check_job_name
from .records import JobStatus, ParameterValue
from .runfilter import RunFilter, parse as parse_filter
from .sweep.settings import SweepSettings
from .validation import Checked, QueryModel
from .i18n import _

_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_PLACEHOLDER = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
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
            raise ValueError(_('code_dir must be the folder holding main.py.'))
        return value

    @field_validator("experiment")
    @classmethod
    def _experiment(cls, value: str) -> str:
        if not value:
            raise ValueError(_('Name the experiment the job belongs to.'))
        problem = asset_name_problem(value, "experiment")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("command")
    @classmethod
    def _command(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(_('command must be a non-empty list of arguments, like ["python", "main.py"].'))
        if any("\x00" in arg for arg in value):
            raise ValueError(_('Command arguments cannot contain NUL characters.'))
        return value

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, value: dict[str, ParameterValue]) -> dict[str, ParameterValue]:
        for name in value:
            if not _PARAMETER_NAME.fullmatch(name):
                raise ValueError(_('{name!r} is not a valid parameter name.').format(name=name))
        return value

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, value: Mapping[str, str | os.PathLike[str]]) -> Mapping[str, str | os.PathLike[str]]:
        for name in value:
            if not _INPUT_NAME.fullmatch(name):
                raise ValueError(_('{name!r} is not a valid input name.').format(name=name))
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not name or len(name) > 255 or len(text) > 5000:
                raise ValueError(_('Tag names must be 1-255 characters and values at most 5000.'))
        return value

    @field_validator("manifest")
    @classmethod
    def _manifest(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                orjson.dumps(value)
            except TypeError:
                raise ValueError(_('manifest must be JSON-serialisable.')) from None
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


class SweepJobSpec(Checked, SweepSettings):
    """A sweep job: many trials of one command, each with parameters drawn from ``search_space``.

    The shape is Azure ML's ``SweepJob``: ``trial`` is the command every trial
    runs (its experiment, display name, compute, environment and tags are the
    sweep's, as ``command(...).sweep(...)`` copies them), and each searched
    parameter reaches the command through a ``${{inputs.<name>}}``
    placeholder, the way ``command(...)(alpha=Uniform(...))`` binds it. The
    trial's ``parameters`` hold every parameter's default; a trial runs with
    them, its sampled values replacing the searched ones.
    """

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True, arbitrary_types_allowed=True)
    what: ClassVar[str] = "The sweep"

    type: Literal["sweep"] = "sweep"
    trial: CommandJobSpec

    @model_validator(mode="after")
    def _trial_takes_the_space(self) -> SweepJobSpec:
        used = {m.group(1) for arg in self.trial.command for m in _PLACEHOLDER.finditer(arg)}
        for name in self.search_space:
            if name not in used:
                raise ValidationError(
                    _("The trial command never uses {name}; add --{name} {placeholder} to it "
                      "so that each trial receives its value.").format(name=name, placeholder=f"${{{{inputs.{name}}}}}"),
                    field=f"search_space.{name}",
                )
            if name in self.trial.inputs:
                raise ValidationError(_("{name!r} is a data input of the trial, not a parameter to search.").format(name=name),
                                      field="search_space")
        if self.trial.parent is not None:
            raise ValidationError(_("A sweep's trial template cannot name a parent job."), field="trial.parent")
        return self



class AutoMLJobSpec(Checked):
    """An AutoML job, in the words of ``azure.ai.ml.automl.classification/regression/forecasting``.

    ``training_data`` is a data asset (``azureml:heart@latest``, ``heart:2``) or
    the path of a CSV file; ``target_column_name`` is the column to predict.
    ``primary_metric`` is one of Azure's metrics for the task (any spelling that
    differs in case or underscores; stored as Azure spells it), defaulting as the
    SDK does. Validation is ``n_cross_validations`` folds (``None`` or ``"auto"``:
    as Azure chooses for the data's size) or a ``validation_data_size`` fraction.
    Algorithms are named as Azure names them; ``featurization`` is ``auto``
    (imputation, encoding, scaling) or ``off`` (the columns must be numeric).
    """

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)
    what: ClassVar[str] = "The AutoML job"

    type: Literal["automl"] = "automl"
    task: Task
    training_data: str = Field(min_length=1, max_length=4096)
    target_column_name: str = Field(min_length=1, max_length=255)
    primary_metric: str | None = Field(default=None, validate_default=True)
    experiment: str = "Default"
    display_name: str | None = Field(default=None, max_length=255)
    compute: str | None = None  # None: the target's default compute
    tags: dict[str, str] = Field(default_factory=dict)
    limits: AutoMLLimits = Field(default_factory=AutoMLLimits)
    n_cross_validations: int | Literal["auto"] | None = None
    validation_data_size: float | None = Field(default=None, gt=0, lt=1)
    allowed_training_algorithms: tuple[str, ...] | None = None
    blocked_training_algorithms: tuple[str, ...] | None = None
    featurization: Literal["auto", "off"] = "auto"
    forecasting: ForecastingSettings | None = None

    @field_validator("limits", "forecasting", mode="before")
    @classmethod
    def _nested(cls, value: object, info: ValidationInfo) -> object:
        """Build the nested settings here so that their sentences name the field as ``limits.max_trials``."""
        model = {"limits": AutoMLLimits, "forecasting": ForecastingSettings}[info.field_name or ""]
        if not isinstance(value, Mapping):
            return value  # an instance, None, or a shape pydantic will refuse with its own sentence
        try:
            return model(**{str(k): v for k, v in value.items()})
        except ValidationError as exc:
            field = exc.field or ""
            prefixed = field if field.startswith(f"{info.field_name}.") else f"{info.field_name}.{field}".rstrip(".")
            details = {k: v for k, v in exc.details.items() if k != "field"}
            raise ValidationError(exc.message, field=prefixed, details=details) from None

    @field_validator("primary_metric")
    @classmethod
    def _metric(cls, value: str | None, info: ValidationInfo) -> str | None:
        task = info.data.get("task")
        if task is None:
            return value  # the task itself was refused; that is the sentence to show
        return DEFAULT_METRIC[task] if value is None else canonical_metric(task, value)

    @field_validator("allowed_training_algorithms", "blocked_training_algorithms")
    @classmethod
    def _algorithms(cls, value: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        task = info.data.get("task")
        if value is None or task is None:
            return value
        names = tuple(dict.fromkeys(canonical_algorithm(task, v) for v in value))
        if not names and info.field_name == "allowed_training_algorithms":
            raise ValueError(_("allowed_training_algorithms is empty; leave it out to allow every algorithm."))
        return names

    @field_validator("experiment")
    @classmethod
    def _experiment(cls, value: str) -> str:
        problem = asset_name_problem(value, "experiment")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("n_cross_validations")
    @classmethod
    def _folds(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 2 <= value <= 50:
            raise ValueError(_("n_cross_validations must be from 2 to 50 folds, or auto to let Azure choose."))
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not name or len(name) > 255 or len(text) > 5000:
                raise ValueError(_('Tag names must be 1-255 characters and values at most 5000.'))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AutoMLJobSpec:
        if self.n_cross_validations not in (None, "auto") and self.validation_data_size is not None:
            raise ValidationError(
                _("Give n_cross_validations or validation_data_size, not both: a job validates with folds or with "
                  "a held-out fraction."),
                field="validation_data_size",
            )
        allowed, blocked = self.allowed_training_algorithms, self.blocked_training_algorithms
        if allowed is not None and blocked is not None and set(allowed) & set(blocked):
            both = sorted(set(allowed) & set(blocked))
            raise ValidationError(_("{name} is both allowed and blocked.").format(name=both[0]), field="blocked_training_algorithms")
        if blocked is not None and set(ALGORITHMS[self.task]) <= set(blocked):
            raise ValidationError(
                _("Every {task} algorithm is blocked; nothing would be trained.").format(task=self.task),
                field="blocked_training_algorithms",
            )
        if self.task == "forecasting" and self.forecasting is None:
            raise ValidationError(
                _("A forecasting job needs forecasting settings: at least the time column (time_column_name)."),
                field="forecasting",
            )
        if self.task != "forecasting" and self.forecasting is not None:
            raise ValidationError(
                _("Forecasting settings apply to forecasting jobs only; this one is {task}.").format(task=self.task),
                field="forecasting",
            )
        if self.forecasting is not None and self.forecasting.time_column_name == self.target_column_name:
            raise ValidationError(
                _("{column!r} cannot be both the time column and the target column.").format(column=self.target_column_name),
                field="forecasting.time_column_name",
            )
        return self

    @property
    def goal(self) -> str:
        """``maximize`` or ``minimize`` the primary metric."""
        return goal_of(self.primary_metric or DEFAULT_METRIC[self.task])


#: Every kind of job a backend can be asked to run.
JobSpec = Annotated[CommandJobSpec | SweepJobSpec | AutoMLJobSpec, Field(discriminator="type")]


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
    filter: str | None = None  # the runs filter language (``runfilter``), e.g. ``metrics.rmse < 58``
    parent: str | None = None  # the trials of a sweep or AutoML job
    top_level: bool = False  # only jobs without a parent
    include_archived: bool = False  # archived jobs are hidden unless asked for
    order_by: str = "created_at"
    descending: bool = True
    limit: int = 50
    cursor: str | None = None

    @field_validator("order_by")
    @classmethod
    def _order_by(cls, value: str) -> str:
        if value.startswith("metrics."):
            if value == "metrics.":
                raise ValueError(_('Name the metric to sort by, as metrics.<key>.'))
            return value
        if value not in JOB_SORT_COLUMNS:
            choices = ", ".join([*JOB_SORT_COLUMNS, "metrics.<key>"])
            raise ValueError(_('Cannot sort by {value!r}: use one of {choices}.').format(value=value, choices=choices))
        return value

    @field_validator("filter")
    @classmethod
    def _filter(cls, value: str | None) -> str | None:
        parse_filter(value)  # a FilterError names the column of the bad token
        return value

    @property
    def run_filter(self) -> RunFilter | None:
        """The parsed ``filter`` (parsing is cached, so each reader may ask again)."""
        return parse_filter(self.filter)

    @field_validator("parent")
    @classmethod
    def _parent(cls, value: str | None) -> str | None:
        return None if value is None else check_job_name(value, field="parent")

    @field_validator("limit")
    @classmethod
    def _limit(cls, value: int) -> int:
        if not 1 <= value <= MAX_PAGE:
            raise ValueError(_('limit must be between 1 and {max_page}.').format(max_page=MAX_PAGE))
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


#: Tag prefixes the product and the services write; a user's edit never touches them.
RESERVED_TAG_PREFIXES = ("amlx.", "mlflow.", "azureml.", "_aml_system")


class LabelUpdate(Checked):
    """A change to the labels of a run or a model version, as a JSON merge-patch.

    ``tags`` sets each tag given and removes each one given as ``null``; a
    ``description`` given replaces the old one (``null`` or ``""`` clears it);
    what is left out stays as it is. Tags the product or the service keep
    (``amlx.*``, ``mlflow.*``, ``azureml.*``) cannot be changed this way.
    """

    what: ClassVar[str] = "The update"

    tags: dict[str, str | None] = Field(
        default_factory=dict, max_length=50,
        # the validator's rule for a tag's name, said in the schema too (pydantic would not put a pattern there)
        json_schema_extra={"propertyNames": {"minLength": 1, "maxLength": 250, "pattern": r"\S"}},
    )
    description: str | None = Field(default=None, max_length=5000)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        for key, text in value.items():
            if not key.strip() or len(key) > 250:
                raise ValueError(_("A tag's name must be 1 to 250 characters."))
            if key.startswith(RESERVED_TAG_PREFIXES):
                raise ValueError(_(
                    'The tag {key!r} is kept by amlx-lab or the service and cannot be changed; choose a name that '
                    'does not start with {value}.'
                ).format(key=key, value=', '.join(RESERVED_TAG_PREFIXES)))
            if text is not None and len(text) > 5000:
                raise ValueError(_('The value of tag {key!r} is longer than 5,000 characters.').format(key=key))
        return value

    @property
    def empty(self) -> bool:
        """A merge-patch that changes nothing (valid: it answers with the record as it is)."""
        return not self.tags and "description" not in self.model_fields_set

    @property
    def sets_description(self) -> bool:
        """Whether the description is to change (given, possibly as null to clear it)."""
        return "description" in self.model_fields_set

    @property
    def set_tags(self) -> dict[str, str]:
        return {k: v for k, v in self.tags.items() if v is not None}

    @property
    def removed_tags(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.tags.items() if v is None)

    def applied_to(self, tags: Mapping[str, str], description: str | None) -> tuple[dict[str, str], str | None]:
        """The tags and description after this update (for a target that stores them itself)."""
        merged = {k: v for k, v in tags.items() if k not in self.removed_tags}
        merged.update(self.set_tags)
        if self.sets_description:
            description = self.description or None
        return merged, description
