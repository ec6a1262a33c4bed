"""The JSON bodies of the REST routes, as input models (the submit body is ``SubmitRequest``).

They check shapes (types, required and unknown fields); the values are checked
by the facade and the backends, which the CLI and the magics reach directly.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ..validation import Checked
from ..i18n import N_

class RegisterData(Checked):
    """Register a file or folder under the notebook folder as a data asset."""

    what: ClassVar[str] = N_("The data asset")

    name: str = Field(min_length=1)
    path: str = Field(min_length=1)
    description: str | None = None
    version: str | int | None = None


class RegisterModel(Checked):
    """Register a finished job's model (a file or folder of its outputs, or ``mlflow:model``)."""

    what: ClassVar[str] = N_("The model")

    name: str = Field(min_length=1)
    job: str = Field(min_length=1)
    path: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None


class CreateEndpoint(Checked):
    what: ClassVar[str] = N_("The endpoint")

    name: str = Field(min_length=1)
    auth_mode: Literal["key"] = "key"
    description: str | None = None


class CreateDeployment(Checked):
    """Deploy a registered model (``name`` or ``name:version``) behind an endpoint."""

    what: ClassVar[str] = N_("The deployment")

    name: str = Field(min_length=1)
    model: str = Field(min_length=1)
    traffic: int | None = Field(default=None, ge=0, le=100)
    score_script: str | None = None


class RegenerateKey(Checked):
    what: ClassVar[str] = N_("The key request")

    regenerate: Literal["primary", "secondary"]


class Invoke(Checked):
    """A payload to score through the endpoint's URI (any JSON), optionally pinned to a deployment."""

    what: ClassVar[str] = N_("The invocation")

    payload: Any
    deployment: str | None = None
