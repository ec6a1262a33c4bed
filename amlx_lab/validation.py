"""Input models validated by pydantic, with errors a person can act on.

Every request that crosses a boundary (a REST body or query, a CLI or magic
call, a job spec handed to a backend) is a subclass of ``Checked``. pydantic
does the checking; this module turns its error list into our
``ValidationError``: one sentence about the first problem, naming the field
(``parameters.alpha``), with every problem listed in ``details.errors``.
Constructing a model directly (``SubmitRequest(cell=3, ...)``) validates too,
so the CLI and the magics get the same sentences as REST.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .errors import ValidationError

M = TypeVar("M", bound="Checked")

_KINDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object of name: value pairs",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dataclass_type": "an object",
    "none_required": "absent",
}


def documented_pattern(pattern: str) -> Callable[[dict[str, Any]], None]:
    """A ``json_schema_extra`` putting ``pattern`` on a field's text form in the OpenAPI document.

    Only documents it: the value is checked by the domain rule that owns it
    (``names.py`` and the backends), whose sentence says what a valid name
    looks like, rather than pydantic's generic "has characters that are not allowed".
    """

    def extra(schema: dict[str, Any]) -> None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch["pattern"] = pattern

    return extra


def integral_float(value: object) -> object:
    """``3.0`` -> ``3``: JSON Schema (and JavaScript) count 3.0 as an integer; other values pass unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: A whole number in a JSON body: an integer, or a float with no fraction (``3.0``); never a bool or text.
WholeNumber = Annotated[int, BeforeValidator(integral_float)]


def whole_number(*, ge: int, le: int) -> Any:
    """``WholeNumber`` within bounds (the bounds go on the integer itself, so the document shows them)."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(integral_float)]


class Checked(BaseModel):
    """Base of every input model: strict types, no unknown fields, immutable once built."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    #: What the model is, for the sentence about a body that is not an object at all.
    what: ClassVar[str] = "The request"

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise as_validation_error(exc, type(self)) from None

    @classmethod
    def parse(cls: type[M], data: object) -> M:
        """Validate decoded JSON (or any mapping) into the model; a non-object is a 400 too."""
        if not isinstance(data, Mapping):
            raise ValidationError(f"{cls.what} must be a JSON object.", field="body")
        return cls(**{str(k): v for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class QueryModel(Checked):
    """Query-string parameters: values arrive as text, so numbers and flags are parsed (lax mode)."""

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)
    what: ClassVar[str] = "The query"


def as_validation_error(exc: pydantic.ValidationError, model: type[BaseModel]) -> ValidationError:
    """One sentence for the first problem (a failed union counts as one), all problems in details."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = tuple(first["loc"])
    union = [e for e in errors if len(e["loc"]) == len(loc) and tuple(e["loc"][:-1]) == loc[:-1]]
    if len(union) > 1 and all(isinstance(e["loc"][-1], str) and e["type"] in _KINDS for e in union):
        loc = loc[:-1]  # the last part names the union member that was tried, not a field
        kinds = list(dict.fromkeys(_KINDS[e["type"]] for e in union))
        sentence = f"{field_name(loc)} must be {', '.join(kinds[:-1])} or {kinds[-1]}."
    else:
        sentence = _sentence(first, loc, model)
    details = [{"field": field_name(tuple(e["loc"])), "problem": e["msg"]} for e in errors]
    while loc and isinstance(loc[-1], int):  # the field is the list, the sentence says which item
        loc = loc[:-1]
    return ValidationError(sentence, field=field_name(loc) or None, details={"errors": details})


def field_name(loc: Sequence[Any]) -> str:
    """``("parameters", "alpha")`` -> ``parameters.alpha``; ``("sources", 0)`` -> ``sources[0]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _sentence(error: Mapping[str, Any], loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    kind = error["type"]
    name = field_name(loc)
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"{name} is required."
    if kind == "extra_forbidden":
        known = ", ".join(sorted(model.model_fields)) if len(loc) == 1 else "the documented fields"
        return f"Unknown field {name!r}; expected some of: {known}."
    if kind in ("value_error", "assertion_error"):
        reason = ctx.get("error")
        return str(reason) if reason is not None else str(error["msg"])
    if kind in _KINDS:
        return f"{name} must be {_KINDS[kind]}."
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "type")).strip("'")
        return f"{name}: unknown {key} {ctx.get('tag')!r}; use one of {ctx.get('expected_tags')}."
    if kind in ("literal_error", "enum"):
        return f"{name} must be one of {ctx.get('expected', 'the allowed values')}."
    if kind == "string_too_short":
        return f"{name} must not be empty."
    if kind == "string_too_long":
        return f"{name} must be at most {ctx.get('max_length')} characters."
    if kind in ("too_short", "too_long"):
        bound = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return f"{name} must have {bound} {limit} items."
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"{name} must be {words} {ctx.get(key)}."
    if kind == "string_pattern_mismatch":
        return f"{name} has characters that are not allowed."
    return f"{name} is invalid: {error['msg']}."
