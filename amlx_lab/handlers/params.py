"""Query-string parsing shared by the handlers, with 400s that name the parameter."""

from __future__ import annotations

from tornado.web import RequestHandler

from ..errors import ValidationError


def int_arg(handler: RequestHandler, name: str, default: int, *, low: int, high: int) -> int:
    raw = handler.get_query_argument(name, None)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number, got {raw!r}.", field=name) from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}.", field=name)
    return value


def float_arg(handler: RequestHandler, name: str, default: float, *, low: float, high: float) -> float:
    raw = handler.get_query_argument(name, None)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a number, got {raw!r}.", field=name) from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}.", field=name)
    return value


def bool_arg(handler: RequestHandler, name: str, default: bool) -> bool:
    raw = handler.get_query_argument(name, None)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ValidationError(f"{name} must be true or false, got {raw!r}.", field=name)


def str_arg(handler: RequestHandler, name: str) -> str | None:
    raw = handler.get_query_argument(name, None)
    return raw if raw else None
