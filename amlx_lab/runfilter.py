"""The runs filter language: MLflow's search syntax, parsed once, evaluated by any target.

``metrics.rmse < 58 and params.alpha >= 0.3 and tags.stage = "baseline" and status = "Completed"``

Why a language of our own and not MLflow's parser: the filter has to reach
targets that are not MLflow (the local index is SQLite, Azure lists ARM jobs),
so it is parsed here into a small AST that the local target compiles to SQL and
the Azure target evaluates with ``matches``; and a person typing in the Runs
box needs an error that points at the wrong token, which MLflow's does not.

What it accepts, as MLflow does: conditions joined by ``and`` (there is no
``or``); keys ``metrics.<key>``, ``params.<key>``, ``tags.<key>`` (a key with
spaces or symbols in backticks: ``metrics.`val loss```) and the attributes
below (also as ``attributes.<name>``); comparisons ``= != < <= > >=``, ``like``
and ``ilike`` (``%`` any text, ``_`` one character), ``in (...)`` and ``not in
(...)``. Values are numbers, quoted text, or a bare word. Beyond MLflow, a
condition that is only plain words or quoted text is a text search in names,
display names and experiments, so the box keeps working as a plain search.

Semantics: a metric compares with numbers; a parameter compares as a number
when the value is a number (``params.alpha >= 0.3``; a logged ``"0.30"`` is
0.3) and as text otherwise; a run lacking the metric, parameter or tag does not
match, whatever the operator.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from .errors import ValidationError
from .i18n import _
from .records import Job, JobStatus

Kind = Literal["metric", "param", "tag", "attribute"]
Scalar = float | str

#: Attributes a condition may name, and whether they hold text (all do today).
ATTRIBUTES = ("status", "experiment", "name", "display_name", "type", "compute", "description")
_PREFIXES: dict[str, Kind] = {
    "metrics": "metric", "metric": "metric",
    "params": "param", "param": "param", "parameters": "param",
    "tags": "tag", "tag": "tag",
    "attributes": "attribute", "attribute": "attribute", "attr": "attribute", "run": "attribute",
}
_ORDERING = ("<", "<=", ">", ">=")
_OPERATORS = ("=", "!=", *_ORDERING, "like", "ilike", "in", "not in")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_WORD_CHARS = re.compile(r"[^\s()<>=!,'\"`]+")


def _UNKNOWN_KEY() -> str:  # noqa: N802 - one sentence used twice, looked up in the current language
    return _("Unknown key '{key}': use metrics.<key>, params.<key>, tags.<key> or one of {attributes}")


class FilterError(ValidationError):
    """A filter that does not parse; ``details`` carry the 1-based ``column`` of the bad token."""

    def __init__(self, message: str, *, column: int, token: str | None = None) -> None:
        details: dict[str, Any] = {"column": column}
        if token is not None:
            details["token"] = token
        super().__init__(_("{message} (column {column}).").format(message=message, column=column), field="filter",
                         details=details)
        self.column = column


@dataclass(frozen=True)
class Comparison:
    """``<kind>.<key> <op> <value>``; ``value`` is a tuple for ``in`` and ``not in``."""

    kind: Kind
    key: str
    op: str
    value: Scalar | tuple[Scalar, ...]
    column: int

    @property
    def numeric(self) -> bool:
        """Whether the comparison is between numbers (a metric, or a parameter against a number)."""
        values = self.value if isinstance(self.value, tuple) else (self.value,)
        return self.kind == "metric" or (self.kind == "param" and all(isinstance(v, float) for v in values))


@dataclass(frozen=True)
class TextSearch:
    """A bare word or quoted text: found in the name, display name or experiment (any case)."""

    text: str
    column: int


Condition = Comparison | TextSearch


@dataclass(frozen=True)
class RunFilter:
    """Conditions that must all hold, and the text they came from."""

    source: str
    conditions: tuple[Condition, ...]

    @property
    def needs_run_data(self) -> bool:
        """Whether a condition reads metrics or logged parameters (on Azure, a request per job)."""
        return any(isinstance(c, Comparison) and c.kind in ("metric", "param") for c in self.conditions)


# -- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: Literal["word", "number", "string", "key", "op", "(", ")", ",", "end"]
    text: str  # as typed (a string's or key's content for those kinds)
    column: int  # 1-based
    number: float | None = None


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(source):
        ch = source[i]
        column = i + 1
        if ch.isspace():
            i += 1
        elif ch in "'\"`":
            text, i = _quoted(source, i)
            if ch == "`" and tokens and tokens[-1].kind == "word" and tokens[-1].text.endswith(".") \
                    and tokens[-1].column + len(tokens[-1].text) == column:
                prefix = tokens.pop()
                tokens.append(_Token("key", prefix.text + text, prefix.column))
            else:
                tokens.append(_Token("key" if ch == "`" else "string", text, column))
        elif ch in "(),":
            tokens.append(_Token(ch, ch, column))  # type: ignore[arg-type]
            i += 1
        elif ch in "<>=!":
            two = source[i : i + 2]
            if two in ("<=", ">=", "!=", "<>", "=="):
                tokens.append(_Token("op", {"<>": "!=", "==": "="}.get(two, two), column))
                i += 2
            elif ch == "!":
                raise FilterError(_("'!' must be followed by '=' (not equal)"), column=column, token="!")
            else:
                tokens.append(_Token("op", ch, column))
                i += 1
        else:
            match = _WORD_CHARS.match(source, i)
            assert match is not None
            word = match.group()
            if _NUMBER.fullmatch(word):
                tokens.append(_Token("number", word, column, float(word)))
            else:
                tokens.append(_Token("word", word, column))
            i = match.end()
    tokens.append(_Token("end", "", len(source) + 1))
    return tokens


def _quoted(source: str, start: int) -> tuple[str, int]:
    """The content of a quoted value starting at ``start`` (a backslash escapes the next character)."""
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            out.append(source[i + 1])
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    sentence = (_("The quoted key starting here is never closed: add a closing {quote}") if quote == "`" else
                _("The quoted text starting here is never closed: add a closing {quote}"))
    raise FilterError(sentence.format(quote=quote), column=start + 1, token=quote)


# -- parser -------------------------------------------------------------------------------------


def parse(source: str | None) -> RunFilter | None:
    """The filter in ``source`` (``None`` when empty); a ``FilterError`` points at the bad token."""
    if source is None or not source.strip():
        return None
    return _parse_cached(source)


@lru_cache(maxsize=256)
def _parse_cached(source: str) -> RunFilter:
    return _Parser(source).filter()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.at = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def _next(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _keyword(self, token: _Token, *words: str) -> bool:
        return token.kind == "word" and token.text.lower() in words

    def filter(self) -> RunFilter:
        conditions = [self.condition()]
        while self.token.kind != "end":
            token = self.token
            if self._keyword(token, "and"):
                self._next()
                if self.token.kind == "end":
                    raise FilterError(_("Expected a condition after 'and'"), column=self.token.column)
                conditions.append(self.condition())
            elif self._keyword(token, "or"):
                raise FilterError(_("Only 'and' joins conditions, as in MLflow's search; for several values of "
                                    "one key use 'in (...)'"), column=token.column, token=token.text)
            else:
                raise FilterError(_("Expected 'and' or the end of the filter, found {found}").format(found=_shown(token)),
                                  column=token.column, token=token.text)
        return RunFilter(self.source, tuple(conditions))

    def condition(self) -> Condition:
        token = self._next()
        if token.kind == "string":
            return TextSearch(token.text, token.column)
        if token.kind not in ("word", "key"):
            raise FilterError(_("Expected a key such as metrics.rmse, params.alpha, tags.stage or status, found "
                                "{found}").format(found=_shown(token)), column=token.column, token=token.text or None)
        if token.kind == "word" and self._keyword(token, "and", "or", "not", "in", "like", "ilike"):
            raise FilterError(_("Expected a condition before '{word}'").format(word=token.text), column=token.column,
                              token=token.text)
        operator = self._operator_ahead()
        if operator is None:
            if token.kind == "word" and (self.token.kind == "end" or self._keyword(self.token, "and")):
                return TextSearch(token.text, token.column)
            if token.kind == "word" and not _names_a_key(token.text):
                words = self._words(token)
                if words is not None:
                    return words
            raise FilterError(_("Expected a comparison (=, !=, <, <=, >, >=, like, ilike, in) after "
                                "{after}, found {found}").format(after=_shown(token), found=_shown(self.token)),
                              column=self.token.column, token=self.token.text or None)
        kind, key = _key(token)
        op, op_column = self._operator()
        if op in ("in", "not in"):
            values = self._list(op_column)
            for value, column in values:
                _check_value(kind, key, op, value, column)
            return Comparison(kind, key, op, tuple(_normalised(kind, key, v, c) for v, c in values), token.column)
        value, column = self._value(op, op_column)
        _check_value(kind, key, op, value, column)
        return Comparison(kind, key, op, _normalised(kind, key, value, column), token.column)

    def _words(self, first: _Token) -> TextSearch | None:
        """Several plain words (``alpha 0.5``) are one text search, as typed; ``None`` if a comparison follows."""
        last = first
        at = self.at
        while self.tokens[at].kind in ("word", "number") and not self._keyword(self.tokens[at], "and", "or", "not",
                                                                                 "in", "like", "ilike"):
            last = self.tokens[at]
            at += 1
        ending = self.tokens[at]
        if ending.kind != "end" and not self._keyword(ending, "and"):
            return None
        self.at = at
        return TextSearch(self.source[first.column - 1 : last.column - 1 + len(last.text)], first.column)

    def _operator_ahead(self) -> str | None:
        token = self.token
        if token.kind == "op":
            return token.text
        if self._keyword(token, "like", "ilike", "in"):
            return token.text.lower()
        if self._keyword(token, "not") and self._keyword(self.tokens[self.at + 1], "in"):
            return "not in"
        return None

    def _operator(self) -> tuple[str, int]:
        token = self._next()
        if token.kind == "op":
            return token.text, token.column
        if token.text.lower() == "not":
            self._next()
            return "not in", token.column
        return token.text.lower(), token.column

    def _value(self, op: str, op_column: int) -> tuple[Scalar, int]:
        token = self._next()
        if token.kind == "number":
            assert token.number is not None
            return token.number, token.column
        if token.kind == "string":
            return token.text, token.column
        if token.kind == "word" and not self._keyword(token, "and", "or"):
            return token.text, token.column
        raise FilterError(_("Expected a value (a number or quoted text) after '{op}', found {found}").format(
            op=op, found=_shown(token)),
                          column=token.column, token=token.text or None)

    def _list(self, op_column: int) -> list[tuple[Scalar, int]]:
        opening = self._next()
        if opening.kind != "(":
            raise FilterError(_("Expected '(' to start the list of values, found {found}").format(found=_shown(opening)),
                              column=opening.column, token=opening.text or None)
        values = [self._value("in", op_column)]
        while self.token.kind == ",":
            self._next()
            values.append(self._value("in", op_column))
        closing = self._next()
        if closing.kind != ")":
            raise FilterError(_("Expected ',' or ')' in the list of values, found {found}").format(found=_shown(closing)),
                              column=closing.column, token=closing.text or None)
        return values


def _names_a_key(word: str) -> bool:
    """Whether a word is meant as a key (``metrics.rmse``, ``status``), so a missing operator is an error."""
    prefix, dot, _rest = word.partition(".")
    return (bool(dot) and prefix.lower() in _PREFIXES) or word.lower() in ATTRIBUTES


def _shown(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the filter"
    if token.kind == "string":
        return f'"{token.text}"'
    return f"'{token.text}'"


def _key(token: _Token) -> tuple[Kind, str]:
    text = token.text
    prefix, dot, rest = text.partition(".")
    if dot and prefix.lower() in _PREFIXES:
        kind = _PREFIXES[prefix.lower()]
        if not rest:
            raise FilterError(_("Name the {kind} after '{prefix}.'").format(kind=kind, prefix=prefix), column=token.column,
                              token=text)
        if kind == "attribute":
            return kind, _attribute(rest, token)
        return kind, rest
    if token.kind == "word" and not dot:
        return "attribute", _attribute(text, token)
    raise FilterError(_UNKNOWN_KEY().format(key=text, attributes=", ".join(ATTRIBUTES)), column=token.column, token=text)


def _attribute(name: str, token: _Token) -> str:
    lowered = {"run_name": "display_name", "experiment_name": "experiment", "run_id": "name"}.get(name.lower(),
                                                                                                  name.lower())
    if lowered not in ATTRIBUTES:
        raise FilterError(_UNKNOWN_KEY().format(key=name, attributes=", ".join(ATTRIBUTES)), column=token.column,
                          token=token.text)
    return lowered


def _check_value(kind: Kind, key: str, op: str, value: Scalar, column: int) -> None:
    """Refuse comparisons that cannot mean anything, where the value is."""
    what = {"metric": f"metrics.{key}", "param": f"params.{key}", "tag": f"tags.{key}", "attribute": key}[kind]
    if kind == "metric":
        if op in ("like", "ilike"):
            raise FilterError(_("{what} is a number: compare it with =, !=, <, <=, >, >= or in").format(what=what),
                              column=column)
        if not isinstance(value, float):
            raise FilterError(_("{what} is a number: compare it with a number, not '{value}'").format(
                what=what, value=value), column=column,
                              token=str(value))
        return
    if op in ("like", "ilike") and isinstance(value, float):
        raise FilterError(_("'{op}' takes a quoted pattern such as \"%base%\"").format(op=op), column=column)
    if op in _ORDERING and not (kind == "param" and isinstance(value, float)):
        if kind == "param":
            raise FilterError(_("{what} can be ordered against a number only; for text use =, !=, like, ilike or "
                                "in").format(what=what),
                              column=column, token=str(value))
        raise FilterError(_("{what} is text: compare it with =, !=, like, ilike or in").format(what=what), column=column,
                          token=str(value))


def _normalised(kind: Kind, key: str, value: Scalar, column: int) -> Scalar:
    """Values as the target stores them: a status in Azure's spelling, a tag's number as its text."""
    if kind == "attribute" and key == "status" and isinstance(value, str) and "%" not in value and "_" not in value:
        for status in JobStatus:
            if status.value.lower() == value.lower():
                return status.value
        raise FilterError(_("There is no status '{value}': use one of {statuses}").format(
            value=value, statuses=", ".join(s.value for s in JobStatus)),
                          column=column, token=value)
    if kind in ("tag", "attribute") and isinstance(value, float):
        return _number_text(value)
    return value


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


# -- evaluation ---------------------------------------------------------------------------------


def matches(run_filter: RunFilter | None, job: Job) -> bool:
    """Whether ``job`` satisfies every condition (the reference the SQL compilation agrees with)."""
    if run_filter is None:
        return True
    return all(_holds(condition, job) for condition in run_filter.conditions)


def _holds(condition: Condition, job: Job) -> bool:
    if isinstance(condition, TextSearch):
        needle = condition.text.lower()
        return any(needle in (text or "").lower() for text in (job.name, job.display_name, job.experiment))
    actual = _actual(condition, job)
    if actual is None:
        return False
    if condition.numeric:
        number = actual if isinstance(actual, float) else as_number(actual)
        if number is None:
            return False
        return _compare(condition.op, number, condition.value)
    return _compare(condition.op, str(actual), condition.value)


def _actual(condition: Comparison, job: Job) -> float | str | None:
    if condition.kind == "metric":
        value = job.metrics.get(condition.key)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    if condition.kind == "param":
        return job.params.get(condition.key)
    if condition.kind == "tag":
        return job.tags.get(condition.key)
    value = getattr(job, condition.key, None)
    if value is None:
        return None
    return value.value if hasattr(value, "value") else str(value)


def _compare(op: str, actual: Any, expected: Scalar | tuple[Scalar, ...]) -> bool:
    if op in ("in", "not in"):
        assert isinstance(expected, tuple)
        found = any(_compare("=", actual, v) for v in expected)
        return found if op == "in" else not found
    if op in ("like", "ilike"):
        return like(str(expected), str(actual), case_sensitive=op == "like")
    if isinstance(actual, float) != isinstance(expected, float):
        return False
    return {
        "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    }[op](actual, expected)


def as_number(text: str | None) -> float | None:
    """A parameter's text as a number, or ``None`` when it is not one (SQLite calls this too)."""
    if text is None or not _NUMBER.fullmatch(text.strip()):
        return None
    return float(text)


@lru_cache(maxsize=256)
def _like_pattern(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL if case_sensitive else re.IGNORECASE | re.DOTALL)


def like(pattern: str, value: str | None, *, case_sensitive: bool) -> bool:
    """SQL's LIKE as MLflow means it: ``%`` any text, ``_`` one character; ``like`` minds case."""
    if value is None:
        return False
    return _like_pattern(pattern, case_sensitive).fullmatch(value) is not None
