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
from .i18n import N_, _

M = TypeVar("M", bound="Checked")

_KINDS = {
    "string_type": N_("text"),
    "int_type": N_("a whole number"),
    "int_parsing": N_("a whole number"),
    "int_from_float": N_("a whole number"),
    "float_type": N_("a number"),
    "float_parsing": N_("a number"),
    "finite_number": N_("a finite number"),
    "bool_type": N_("true or false"),
    "bool_parsing": N_("true or false"),
    "dict_type": N_("an object of name: value pairs"),
    "list_type": N_("a list"),
    "tuple_type": N_("a list"),
    "model_type": N_("an object"),
    "model_attributes_type": N_("an object"),
    "dataclass_type": N_("an object"),
    "none_required": N_("absent"),
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
    what: ClassVar[str] = N_("The request")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise as_validation_error(exc, type(self)) from None

    @classmethod
    def parse(cls: type[M], data: object) -> M:
        """Validate decoded JSON (or any mapping) into the model; a non-object is a 400 too."""
        if not isinstance(data, Mapping):
            raise ValidationError(_("{what} must be a JSON object.").format(what=_(cls.what)), field="body")
        return cls(**{str(k): v for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class QueryModel(Checked):
    """Query-string parameters: values arrive as text, so numbers and flags are parsed (lax mode)."""

    model_config = ConfigDict(strict=False, extra="forbid", frozen=True)
    what: ClassVar[str] = N_("The query")


def as_validation_error(exc: pydantic.ValidationError, model: type[BaseModel]) -> ValidationError:
    """One sentence for the first problem (a failed union counts as one), all problems in details."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = tuple(first["loc"])
    union = [e for e in errors if len(e["loc"]) == len(loc) and tuple(e["loc"][:-1]) == loc[:-1]]
    if len(union) > 1 and all(isinstance(e["loc"][-1], str) and e["type"] in _KINDS for e in union):
        loc = loc[:-1]  # the last part names the union member that was tried, not a field
        kinds = list(dict.fromkeys(_(_KINDS[e["type"]]) for e in union))
        sentence = _("{field} must be {kinds} or {last}.").format(field=field_name(loc), kinds=_(", ").join(kinds[:-1]), last=kinds[-1])
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
        return _("{field} is required.").format(field=name)
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return _("Unknown field {field!r}; expected some of: {known}.").format(field=name, known=", ".join(sorted(model.model_fields)))
        return _("Unknown field {field!r}; expected some of the documented fields.").format(field=name)
    if kind in ("value_error", "assertion_error"):
        reason = ctx.get("error")
        return str(reason) if reason is not None else str(error["msg"])
    if kind in _KINDS:
        return _("{field} must be {kind}.").format(field=name, kind=_(_KINDS[kind]))
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "type")).strip("'")
        return _("{field}: unknown {key} {tag!r}; use one of {tags}.").format(
            field=name, key=key, tag=ctx.get("tag"), tags=ctx.get("expected_tags"))
    if kind in ("literal_error", "enum"):
        if "expected" in ctx:
            return _("{field} must be one of {expected}.").format(field=name, expected=ctx["expected"])
        return _("{field} must be one of the allowed values.").format(field=name)
    if kind == "string_too_short":
        return _("{field} must not be empty.").format(field=name)
    if kind == "string_too_long":
        return _("{field} must be at most {limit} characters.").format(field=name, limit=ctx.get("max_length"))
    if kind == "too_short":
        return _("{field} must have at least {limit} items.").format(field=name, limit=ctx.get("min_length"))
    if kind == "too_long":
        return _("{field} must have at most {limit} items.").format(field=name, limit=ctx.get("max_length"))
    bounds = {
        "greater_than_equal": (N_("{field} must be at least {limit}."), "ge"),
        "greater_than": (N_("{field} must be more than {limit}."), "gt"),
        "less_than_equal": (N_("{field} must be at most {limit}."), "le"),
        "less_than": (N_("{field} must be less than {limit}."), "lt"),
    }
    if kind in bounds:
        sentence, key = bounds[kind]
        return _(sentence).format(field=name, limit=ctx.get(key))
    if kind == "string_pattern_mismatch":
        return _("{field} has characters that are not allowed.").format(field=name)
    return _("{field} is invalid: {problem}.").format(field=name, problem=error["msg"])
