"""Checking JSON request bodies field by field, with 400s that name the field."""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError


def check_fields(body: dict[str, Any], *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> None:
    """Unknown fields and missing required ones are 400s naming them."""
    known = set(required) | set(optional)
    for key in body:
        if key not in known:
            raise ValidationError(f"Unknown field {key!r}; expected some of: {', '.join(sorted(known))}.", field=key)
    for key in required:
        if body.get(key) is None:
            raise ValidationError(f"{key} is required.", field=key)


def text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be non-empty text.", field=name)
    return value


def whole_number(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a whole number.", field=name)
    return value


def mapping(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(f"{name} must be an object.", field=name)
    return value
