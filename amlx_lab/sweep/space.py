"""Azure ML's search-space expressions, with Azure's exact semantics.

One model per expression, named and shaped like the CLI v2 YAML (``type``,
``min_value``, ``max_value``, ``q``, ``mu``, ``sigma``, ``upper``, ``values``)
and the SDK classes (``Uniform(min_value=, max_value=)``...), so a sweep maps
one to one onto ``command(...)(alpha=Uniform(...)).sweep(...)``. What each
draws (the reference is Azure's how-to-tune-hyperparameters page):

=================  =====================================================
``choice``         one of ``values``
``randint``        an integer in [0, ``upper``): the upper bound is exclusive
``uniform``        U(min_value, max_value)
``loguniform``     exp(U(min_value, max_value)): the bounds are natural logs
``quniform``       round(U(min_value, max_value) / q) * q
``qloguniform``    round(exp(U(min_value, max_value)) / q) * q
``normal``         N(mu, sigma), unbounded
``lognormal``      exp(N(mu, sigma))
``qnormal``        round(N(mu, sigma) / q) * q
``qlognormal``     round(exp(N(mu, sigma)) / q) * q
=================  =====================================================

Every expression can also be drawn from one number ``u`` in [0, 1)
(``from_unit``): random sampling draws ``u`` uniformly, Sobol sampling takes
it from a quasi-random sequence, and the normal family goes through the
inverse of the normal CDF, so one transform serves every algorithm.

The text form (``uniform(0.1, 1.0)``, ``choice(16, 32, 64)``,
``loguniform(min_value=-6, max_value=-1)``) is what the CLI, the magics and
the sidebar accept; ``parse_expression`` turns it into a model and
``describe`` turns a model back into it.
"""

from __future__ import annotations

import ast
import math
from statistics import NormalDist
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..errors import ValidationError
from ..i18n import N_, _, _n

#: The largest natural log whose exponential is still a finite float.
MAX_LOG = 709.0
#: Latent numbers for the normal family stay this far from 0 and 1 (Phi^-1 of 0 and 1 is infinite).
_EDGE = 1e-12

ChoiceValue = str | int | float


def _finite(value: float, name: str) -> float:
    if not math.isfinite(value):
        raise ValueError(_("{name} must be a finite number.").format(name=name))
    return value


def q_round(value: float, q: float) -> float:
    """Azure's quantisation: the multiple of ``q`` nearest to ``value`` (``round`` halves to even)."""
    rounded = round(value / q) * q
    return float(round(rounded, 12))  # 0.30000000000000004 -> 0.3: the value a person would write


class Part(BaseModel):
    """A part of a sweep's description: checked like every input model, but nested in one.

    It does not derive from ``validation.Checked``, whose ``__init__`` turns
    pydantic's errors into ours: inside a model, pydantic needs its own errors
    back to name the field (``search_space.alpha``) and to try union members.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Expression(Part):
    type: str  # each expression's Literal name, the discriminator
    #: Whether grid sampling and bayesian sampling accept this expression (Azure's rules).
    grid_ok: ClassVar[bool] = False
    bayesian_ok: ClassVar[bool] = False

    def from_unit(self, u: float) -> ChoiceValue:
        """The value this expression gives for a number ``u`` in [0, 1)."""
        raise NotImplementedError

    def integral(self) -> bool:
        """Whether every value it draws is a whole number (fits an ``int`` parameter)."""
        return False


class Choice(_Expression):
    """One of ``values`` (numbers or text; Azure's nested dict choices are not supported here)."""

    grid_ok: ClassVar[bool] = True
    bayesian_ok: ClassVar[bool] = True

    type: Literal["choice"] = "choice"
    values: list[ChoiceValue] = Field(min_length=1)

    @field_validator("values", mode="before")
    @classmethod
    def _values(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, bool):
                    raise ValueError(
                        _('choice values are numbers or text in Azure ML, not true/false: use choice("true", "false") for a flag.')
                    )
                if isinstance(item, dict):
                    raise ValueError(_("Nested search spaces (a dict inside choice) are not supported; give numbers or text."))
                if isinstance(item, float) and not math.isfinite(item):
                    raise ValueError(_("choice values must be finite numbers or text."))
            return list(value)
        return value

    def from_unit(self, u: float) -> ChoiceValue:
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def integral(self) -> bool:
        return all(isinstance(v, int) or (isinstance(v, float) and v.is_integer()) for v in self.values)


class Randint(_Expression):
    """An integer in [0, upper): Azure's upper bound is exclusive."""

    type: Literal["randint"] = "randint"
    upper: int

    @field_validator("upper")
    @classmethod
    def _upper(cls, value: int) -> int:
        if value < 1:
            raise ValueError(_("randint(upper) draws 0 to upper - 1, so upper must be at least 1 (got {value}).").format(value=value))
        return value

    def from_unit(self, u: float) -> int:
        return min(int(u * self.upper), self.upper - 1)

    def integral(self) -> bool:
        return True


class _Bounded(_Expression):
    min_value: float
    max_value: float
    #: The bounds are natural logs (loguniform, qloguniform).
    log_bounds: ClassVar[bool] = False

    @model_validator(mode="after")
    def _bounds(self) -> _Bounded:
        _finite(self.min_value, "min_value")
        _finite(self.max_value, "max_value")
        if self.min_value >= self.max_value:
            raise ValueError(_("{kind}: min_value ({low:g}) must be less than max_value ({high:g}).").format(
                kind=self.type, low=self.min_value, high=self.max_value))
        if self.log_bounds and self.max_value > MAX_LOG:
            raise ValueError(
                _("{kind}: the bounds are natural logs, and e^{high:g} is too large; "
                  "for values up to 1000 use max_value={suggested:.4f} (log(1000)).").format(
                    kind=self.type, high=self.max_value, suggested=math.log(1000))
            )
        return self

    def _latent(self, u: float) -> float:
        value = self.min_value + (self.max_value - self.min_value) * u
        return math.exp(value) if self.log_bounds else value


class Uniform(_Bounded):
    """U(min_value, max_value)."""

    bayesian_ok: ClassVar[bool] = True
    type: Literal["uniform"] = "uniform"

    def from_unit(self, u: float) -> float:
        return self._latent(u)


class LogUniform(_Bounded):
    """exp(U(min_value, max_value)): the bounds are logs, so the values lie in [e^min_value, e^max_value]."""

    type: Literal["loguniform"] = "loguniform"
    log_bounds: ClassVar[bool] = True

    def from_unit(self, u: float) -> float:
        return self._latent(u)


def _positive_step(value: float) -> float:
    """A q form's step: rounding to it needs a finite positive number."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(_("q (the step values are rounded to) must be a positive number (got {value:g}).").format(value=value))
    return value


class _Quantised(_Bounded):
    q: float

    @field_validator("q")
    @classmethod
    def _q(cls, value: float) -> float:
        return _positive_step(value)

    def from_unit(self, u: float) -> float:
        return q_round(self._latent(u), self.q)

    def integral(self) -> bool:
        return float(self.q).is_integer()


class QUniform(_Quantised):
    """round(U(min_value, max_value) / q) * q."""

    bayesian_ok: ClassVar[bool] = True
    type: Literal["quniform"] = "quniform"


class QLogUniform(_Quantised):
    """round(exp(U(min_value, max_value)) / q) * q (the bounds are logs)."""

    type: Literal["qloguniform"] = "qloguniform"
    log_bounds: ClassVar[bool] = True


class _Gaussian(_Expression):
    mu: float
    sigma: float
    log: ClassVar[bool] = False

    @model_validator(mode="after")
    def _parameters(self) -> _Gaussian:
        _finite(self.mu, "mu")
        _finite(self.sigma, "sigma")
        if self.sigma <= 0:
            raise ValueError(_("{kind}: sigma (the standard deviation) must be positive (got {sigma:g}).").format(
                kind=self.type, sigma=self.sigma))
        return self

    def _latent(self, u: float) -> float:
        value = self.mu + self.sigma * NormalDist().inv_cdf(min(max(u, _EDGE), 1 - _EDGE))
        return math.exp(min(value, MAX_LOG)) if self.log else value


class Normal(_Gaussian):
    """N(mu, sigma), unbounded."""

    type: Literal["normal"] = "normal"

    def from_unit(self, u: float) -> float:
        return self._latent(u)


class LogNormal(_Gaussian):
    """exp(N(mu, sigma))."""

    type: Literal["lognormal"] = "lognormal"
    log: ClassVar[bool] = True

    def from_unit(self, u: float) -> float:
        return self._latent(u)


class _QGaussian(_Gaussian):
    q: float

    @field_validator("q")
    @classmethod
    def _q(cls, value: float) -> float:
        return _positive_step(value)

    def from_unit(self, u: float) -> float:
        return q_round(self._latent(u), self.q)

    def integral(self) -> bool:
        return float(self.q).is_integer()


class QNormal(_QGaussian):
    """round(N(mu, sigma) / q) * q."""

    type: Literal["qnormal"] = "qnormal"


class QLogNormal(_QGaussian):
    """round(exp(N(mu, sigma)) / q) * q."""

    type: Literal["qlognormal"] = "qlognormal"
    log: ClassVar[bool] = True


EXPRESSIONS: dict[str, type[_Expression]] = {
    "choice": Choice,
    "randint": Randint,
    "uniform": Uniform,
    "loguniform": LogUniform,
    "quniform": QUniform,
    "qloguniform": QLogUniform,
    "normal": Normal,
    "lognormal": LogNormal,
    "qnormal": QNormal,
    "qlognormal": QLogNormal,
}
#: Positional arguments of each expression in its text form, in the SDK's order.
_POSITIONAL = {
    "randint": ("upper",),
    "uniform": ("min_value", "max_value"),
    "loguniform": ("min_value", "max_value"),
    "quniform": ("min_value", "max_value", "q"),
    "qloguniform": ("min_value", "max_value", "q"),
    "normal": ("mu", "sigma"),
    "lognormal": ("mu", "sigma"),
    "qnormal": ("mu", "sigma", "q"),
    "qlognormal": ("mu", "sigma", "q"),
}
_EXAMPLE = N_("uniform(0.1, 1.0), choice(16, 32, 64), randint(10) or loguniform(-6, -1)")


def parse_expression(text: str) -> dict[str, Any]:
    """``"uniform(0.1, 1.0)"`` -> ``{"type": "uniform", "min_value": 0.1, "max_value": 1.0}``.

    Names are case-insensitive (``Uniform`` as in the SDK works too); arguments
    are Python literals, by position or by name. The result is validated when
    it becomes a model.
    """
    source = text.strip()
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        raise ValidationError(_("{text!r} is not a search expression; write one like {example}.").format(
            text=text, example=_(_EXAMPLE))) from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValidationError(_("{text!r} is not a search expression; write one like {example}.").format(text=text, example=_(_EXAMPLE)))
    kind = node.func.id.lower()
    if kind not in EXPRESSIONS:
        raise ValidationError(_("Unknown search expression {name!r}; use one of {known}.").format(
            name=node.func.id, known=", ".join(EXPRESSIONS)))
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
    except ValueError:
        raise ValidationError(_("The arguments of {text!r} must be numbers or quoted text.").format(text=text)) from None
    if kind == "choice":
        if "values" in kwargs:
            if args:
                raise ValidationError(_("{text!r}: give the choices by position or as values=[...], not both.").format(text=text))
            return {"type": "choice", "values": kwargs["values"]}
        if kwargs:
            raise ValidationError(_("{text!r}: choice takes its values, e.g. choice(16, 32, 64).").format(text=text))
        values = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        return {"type": "choice", "values": list(values)}
    names = _POSITIONAL[kind]
    if len(args) > len(names):
        raise ValidationError(_n("{text!r}: {kind} takes {count} argument: {kind}({names}).",
                                 "{text!r}: {kind} takes {count} arguments: {kind}({names}).", len(names)).format(
            text=text, kind=kind, count=len(names), names=", ".join(names)))
    data: dict[str, Any] = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names:
            raise ValidationError(_("{text!r}: {kind} has no argument {key!r}; it takes {names}.").format(
                text=text, kind=kind, key=key, names=", ".join(names)))
        if key in data:
            raise ValidationError(_("{text!r}: {key} is given twice.").format(text=text, key=key))
        data[key] = value
    missing = [n for n in names if n not in data]
    if missing:
        raise ValidationError(_("{text!r}: {kind} needs {missing}: {kind}({names}).").format(
            text=text, kind=kind, missing=", ".join(missing), names=", ".join(names)))
    return {"type": kind, **data}


def looks_like_expression(text: str) -> bool:
    """Whether ``text`` is written as a call of a search expression (else it is a plain value)."""
    head = text.strip().split("(", 1)[0].strip().lower()
    return text.strip().endswith(")") and head in EXPRESSIONS


def _text_or_dict(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_expression(value)
    except ValidationError as exc:  # as a ValueError, pydantic names the field it came from
        raise ValueError(exc.message) from None


#: One dimension of a search space, as an object or in its text form.
Expression = Annotated[
    Choice | Randint | Uniform | LogUniform | QUniform | QLogUniform | Normal | LogNormal | QNormal | QLogNormal,
    Field(discriminator="type"),
]
#: One dimension as it may be given: an object, or its text form (parsed first).
SearchExpression = Annotated[Expression, BeforeValidator(_text_or_dict, json_schema_input_type=str | Expression)]


def describe(expression: _Expression) -> str:
    """The text form, e.g. ``uniform(0.1, 1)``."""
    if isinstance(expression, Choice):
        return f"choice({', '.join(repr(v) for v in expression.values)})"
    values = [getattr(expression, name) for name in _POSITIONAL[expression.type]]
    return f"{expression.type}({', '.join(f'{v:g}' if isinstance(v, float) else repr(v) for v in values)})"


def fits_parameter(expression: _Expression, kind: str) -> str | None:
    """Why ``expression`` cannot feed a parameter of type ``kind`` (the notebook value's type), or ``None``."""
    text = describe(expression)
    if kind == "literal":
        return f"a list or dict parameter cannot be searched; {text} gives single values."
    if isinstance(expression, Choice):
        wanted = {"str": (str,), "bool": (str,), "int": (int, float), "float": (int, float)}[kind]
        wrong = [v for v in expression.values if not isinstance(v, wanted)]
        if kind == "bool":
            wrong = [v for v in expression.values if str(v).lower() not in ("true", "false")]
        if kind == "int" and not wrong:
            wrong = [v for v in expression.values if isinstance(v, float) and not v.is_integer()]
        if wrong:
            noun = {"str": "text", "bool": '"true" or "false"', "int": "whole numbers", "float": "numbers"}[kind]
            return f"the notebook value is {kind}, so its choices must be {noun}; {wrong[0]!r} is not."
        return None
    if kind in ("str", "bool"):
        return f"the notebook value is {kind}; only choice(...) can search it."
    if kind == "int" and not expression.integral():
        return f"the notebook value is a whole number, and {text} draws fractions; use randint, choice, or a q form with a whole q."
    return None
