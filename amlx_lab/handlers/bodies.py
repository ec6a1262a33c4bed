"""The JSON bodies of the REST routes, as input models (the submit body is ``SubmitRequest``).

They check shapes (types, required and unknown fields); the values are checked
by the facade and the backends, which the CLI and the magics reach directly.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from ..i18n import N_
from ..names import ASSET_NAME_RE, ENDPOINT_NAME_RE, JOB_NAME_RE
from ..submission import PATH_PATTERN
from ..validation import Checked, WholeNumber, documented_pattern, integral_float

#: A version of a data asset: text in the asset alphabet (not ``latest``), or a whole number.
DATA_VERSION_PATTERN = r"^(?!latest$)[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$"
#: A registered model as a deployment names it: ``name``, ``name:3``, ``name@latest``, ``name@production`` (an alias), ``azureml:name:3``.
MODEL_REF_PATTERN = r"^(azureml:)?[A-Za-z0-9][A-Za-z0-9_.-]{0,254}?(:([1-9][0-9]{0,8}|latest)|@[a-z][a-z0-9_-]{0,49})?$"
#: Text that is not blank.
NOT_BLANK = r"\S"
#: Integers beyond 64 bits arrive as floats (orjson), so whole numbers are bounded where the API takes them.
WHOLE = 2**63 - 1
MAX_DESCRIPTION = 5000
MAX_TAGS = 50
#: A share of an endpoint's traffic, in whole percent.
Percent = Annotated[int, Field(ge=0, le=100), BeforeValidator(integral_float)]
InstanceCount = Annotated[int, Field(ge=1, le=100), BeforeValidator(integral_float)]


def _data_version(schema: dict[str, Any]) -> None:
    documented_pattern(DATA_VERSION_PATTERN)(schema)
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "integer":
            branch.update(minimum=0, maximum=WHOLE)


def _tags(schema: dict[str, Any]) -> None:
    """Tags as every target takes them: at most 50, names of 1-255 characters, values of at most 5000."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "object":
            branch.update(propertyNames={"minLength": 1, "maxLength": 255})
            branch["additionalProperties"] = {"type": "string", "maxLength": 5000}


class RegisterData(Checked):
    """Register a file or folder under the notebook folder as a data asset."""

    what: ClassVar[str] = N_("The data asset")

    name: str = Field(min_length=1, json_schema_extra=documented_pattern(ASSET_NAME_RE.pattern))
    path: str = Field(min_length=1, json_schema_extra=documented_pattern(PATH_PATTERN))
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    version: str | WholeNumber | None = Field(default=None, json_schema_extra=_data_version)


class RegisterModel(Checked):
    """Register a finished job's model (a file or folder of its outputs, or ``mlflow:model``)."""

    what: ClassVar[str] = N_("The model")

    name: str = Field(min_length=1, json_schema_extra=documented_pattern(ASSET_NAME_RE.pattern))
    job: str = Field(min_length=1, json_schema_extra=documented_pattern(JOB_NAME_RE.pattern))
    path: str | None = Field(default=None, json_schema_extra=documented_pattern(NOT_BLANK))
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    tags: dict[str, str] | None = Field(default=None, max_length=MAX_TAGS, json_schema_extra=_tags)


class CreateEndpoint(Checked):
    what: ClassVar[str] = N_("The endpoint")

    name: str = Field(min_length=1, json_schema_extra=documented_pattern(ENDPOINT_NAME_RE.pattern))
    auth_mode: Literal["key"] = "key"
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)


class CreateDeployment(Checked):
    """Deploy a registered model (``name`` or ``name:version``) behind an endpoint."""

    what: ClassVar[str] = N_("The deployment")

    name: str = Field(min_length=1, json_schema_extra=documented_pattern(ENDPOINT_NAME_RE.pattern))
    model: str = Field(min_length=1, json_schema_extra=documented_pattern(MODEL_REF_PATTERN))
    traffic: Percent | None = None
    score_script: str | None = Field(default=None, json_schema_extra=documented_pattern(r"^[^\x00]*\.py$"))
    instance_type: str | None = Field(
        default=None, description="VM size, on a target with instance types (Azure ML)",
        json_schema_extra=documented_pattern(r"^[A-Za-z][A-Za-z0-9_]{1,63}$"),
    )
    instance_count: InstanceCount | None = None


class RegenerateKey(Checked):
    what: ClassVar[str] = N_("The key request")

    regenerate: Literal["primary", "secondary"]


class Invoke(Checked):
    """A payload to score through the endpoint's URI (any JSON), optionally pinned to a deployment."""

    what: ClassVar[str] = N_("The invocation")

    payload: dict[str, Any] | list[Any]
    deployment: str | None = Field(default=None, json_schema_extra=documented_pattern(ENDPOINT_NAME_RE.pattern))


class ExportRequest(Checked):
    """Where an export is written: ``<folder>/<job or endpoint name>/`` under the notebook folder."""

    what: ClassVar[str] = "The export"

    folder: str = Field(default="amlx-export", min_length=1, json_schema_extra=documented_pattern(PATH_PATTERN))
    overwrite: bool = False


class CurlBody(Checked):
    """The request body a copied curl command should send (what the person edited in the test panel)."""

    what: ClassVar[str] = "The curl request"

    payload: dict[str, Any] | list[Any]


class SetAlias(Checked):
    """The version an alias moves to (the alias is in the path)."""

    version: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,8}$")]  # as the path's version: from 1, at most 9 digits
