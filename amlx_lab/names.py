"""The rules user-chosen names follow on every target (Azure ML's alphabet).

Experiments, data assets, models, endpoints and deployments share Azure ML's
naming rule; job names are generated (``adjective_noun_xxxxxxxxxx``) and only
checked when a caller hands one back, since a name is also a folder locally.
"""

from __future__ import annotations

import re

from .errors import ValidationError
from .i18n import _

# Each pattern is matched whole (``fullmatch``: Python's ``$`` would let a trailing newline through)
# and is also the ``pattern`` the OpenAPI document gives the field (``apischema``, ``schema/openapi.yaml``).
JOB_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,254}$")
# Azure ML asset and experiment names: start with a letter or digit; letters, digits, '-', '_', '.'.
ASSET_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")
# Azure ML online endpoint and deployment names: 3-32 characters, a letter first, letters, digits and '-'.
ENDPOINT_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$")


def check_job_name(name: object, *, field: str = "name") -> str:
    """A job name as given by a caller; anything else could escape the jobs folder."""
    if not isinstance(name, str) or not JOB_NAME_RE.fullmatch(name):
        raise ValidationError(_("{name!r} is not a job name (like calm_lamp_x1y2z3a4b5).").format(name=name), field=field)
    return name


def asset_name_problem(name: object, kind: str) -> str | None:
    """The sentence saying why ``name`` is not a valid ``kind`` name, or ``None`` when it is."""
    if isinstance(name, str) and ASSET_NAME_RE.fullmatch(name) and name not in {".", ".."}:
        return None
    return (
        f"{name!r} is not a valid {kind} name: use 1 to 255 letters, digits, '-', '_' or '.', "
        "starting with a letter or digit."
    )


def check_asset_name(name: object, *, field: str = "name", kind: str = "data asset") -> str:
    """A data asset, model or experiment name in Azure ML's alphabet (also safe as a folder name)."""
    problem = asset_name_problem(name, kind)
    if problem:
        raise ValidationError(problem, field=field)
    return name  # type: ignore[return-value]


def check_endpoint_name(name: object, *, kind: str = "endpoint", field: str = "name") -> str:
    """An endpoint or deployment name (also a folder name locally and a DNS label on Azure)."""
    if not isinstance(name, str) or not ENDPOINT_NAME_RE.fullmatch(name):
        raise ValidationError(
            f"{name!r} is not a valid {kind} name: use 3 to 32 letters, digits or '-', starting with a letter "
            "and not ending with '-'.",
            field=field,
        )
    return name


_ALIAS = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")


def check_alias(alias: object) -> str:
    """An alias is a lowercase word (``production``, ``staging``, ``champion-2``); ``latest`` is taken."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or alias == "latest":
        raise ValidationError(
            f"{alias!r} cannot be an alias: use a lowercase word of letters, digits, '-' and '_' starting with a "
            "letter (not 'latest', which always means the newest version).", field="alias")
    return alias
