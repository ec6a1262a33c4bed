"""Turning what a notebook holds into what the facade takes: model references and scoring bodies.

Pure functions (no IPython, no workspace) so the conversions are tested
directly; pandas and numpy values are recognised by their methods, which
keeps those libraries out of the import of the magics.
"""

from __future__ import annotations

import json
from typing import Any

from ..i18n import _
from ..errors import ValidationError


def parse_model(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name:version`` (Azure ML's model reference form)."""
    name, sep, version = spec.partition(":")
    if not name.strip() or (sep and (not version.strip() or ":" in version)):
        raise ValidationError(_("model {spec!r} must be NAME or NAME:VERSION.").format(spec=spec), field="model")
    return name.strip(), (version.strip() if sep else None)


def payload_from_value(value: Any, name: str) -> dict[str, Any]:
    """A notebook variable as a scoring request body, in Azure ML's ``{"data": [...]}`` shape.

    DataFrames become a list of records (column -> value), as Azure ML's
    samples send them; a dict is taken as the whole body.
    """
    if isinstance(value, dict):
        return value
    if hasattr(value, "to_json") and hasattr(value, "columns"):  # a pandas DataFrame
        return {"data": json.loads(value.to_json(orient="records", date_format="iso"))}
    if hasattr(value, "to_json"):  # a pandas Series: one record
        return {"data": [json.loads(value.to_json(date_format="iso"))]}
    if hasattr(value, "tolist"):  # a numpy array
        return {"data": value.tolist()}
    if isinstance(value, (list, tuple)):
        return {"data": list(value)}
    raise ValidationError(
        _("{name} is a {kind}; --data-var takes a DataFrame, a dict, a list or an array.").format(name=name, kind=type(value).__name__),
        field="--data-var",
    )


def payload_from_text(text: str, where: str) -> dict[str, Any]:
    """A JSON object typed by the user (``--data`` or the cell body); ``where`` names it in errors."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        said = _("{where} is not valid JSON ({reason}, column {column}).")
        raise ValidationError(said.format(where=where, reason=exc.msg, column=exc.colno),
                              field="--data") from None
    if not isinstance(body, dict):
        raise ValidationError(f'{where} must be a JSON object such as {{"data": [...]}}.', field="--data")
    return body
