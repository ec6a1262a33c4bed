"""The language amlx_lab speaks to a person: gettext catalogs shipped in the package.

One catalog (domain ``amlx_lab``) per language under ``amlx_lab/locale``,
compiled from the ``.po`` sources next to it. English is the source text and
needs no catalog.

Which language a sentence comes out in:

- the CLI and the magics follow the process's locale the way gettext does
  (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), read at each call so
  a changed environment applies without a restart;
- a REST request speaks the language its ``Accept-Language`` header asks for
  (the sidebar sends JupyterLab's display language), else English: the server
  runs for one browser whose language is not the server process's.
  ``AmlxHandler`` sets it with :func:`use_language` for the request's duration
  (worker threads included: ``call`` carries the context over).

Wrap every sentence written for a person in ``_()`` (``_n()`` when it depends
on a count) with ``{name}`` placeholders filled by ``.format`` after
translation, so a translator can move them: ``_("Job {name} not found.").format(name=name)``.
``make lint`` fails when a wrapped sentence has no Japanese translation.
"""

from __future__ import annotations

import argparse
import functools
import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "amlx_lab"
LOCALE_DIR = Path(__file__).with_name("locale")
#: The language of the source strings (no catalog).
SOURCE_LANGUAGE = "en"

_request_language: ContextVar[str | None] = ContextVar("amlx_lab_language", default=None)


@functools.cache
def available_languages() -> tuple[str, ...]:
    """The languages with a compiled catalog, plus English (``("en", "ja_JP")``)."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (SOURCE_LANGUAGE, *found)


@functools.cache
def _catalog(languages: tuple[str, ...]) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=list(languages), fallback=True)


def _environment_languages() -> tuple[str, ...]:
    """The languages the locale environment asks for, in gettext's order of precedence."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return tuple(value.split(":"))
    return ()


def translations() -> gettext.NullTranslations:
    """The catalog for the current request's language, else for the process's locale."""
    requested = _request_language.get()
    if requested is not None:
        return _catalog((requested,))
    languages = _environment_languages()
    return _catalog(languages) if languages else _catalog((SOURCE_LANGUAGE,))


def current_language() -> str:
    """The language sentences come out in now (``en`` or a catalog's name such as ``ja_JP``)."""
    info = translations().info()
    return info.get("language", SOURCE_LANGUAGE).replace("-", "_") or SOURCE_LANGUAGE


def _(message: str) -> str:
    """``message`` in the current language (itself when there is no translation)."""
    return translations().gettext(message)


def _n(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language's plural rules."""
    return translations().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a module-level string for extraction; translate it with ``_()`` where it is shown."""
    return message


@contextmanager
def use_language(language: str | None) -> Iterator[None]:
    """Speak ``language`` (a catalog name, or ``None`` for the locale) inside the block."""
    token = _request_language.set(language)
    try:
        yield
    finally:
        _request_language.reset(token)


def set_language(language: str | None) -> None:
    """Speak ``language`` for the rest of the current context (a request handler's task)."""
    _request_language.set(language)


def negotiate(accept_language: str | None) -> str:
    """The catalog that best answers an ``Accept-Language`` header; English when none matches.

    ``ja-JP``, ``ja`` and ``ja-JP;q=0.9, en;q=0.8`` all pick ``ja_JP`` when it is shipped;
    ``*``, an empty or a malformed header picks English.
    """
    available = available_languages()
    by_language: dict[str, str] = {}
    for name in available:
        by_language.setdefault(name.split("_")[0].lower(), name)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    for _quality, _position, tag in sorted(ranked):
        normalized = tag.replace("-", "_")
        exact = next((name for name in available if name.lower() == normalized.lower()), None)
        if exact:
            return exact
        match = by_language.get(normalized.split("_")[0].lower())
        if match:
            return match
    return SOURCE_LANGUAGE


# argparse's own words ("usage:", "options", "the following arguments are required: ...") come from
# the module-level ``argparse._``/``argparse.ngettext``, which read gettext's global domain. The CLI's
# and the magics' parsers swap in this catalog while they parse or format, and only then, so nobody
# else's argparse in the same process (a kernel) changes. The messages are Python 3.10 to 3.13's.
_ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


@contextmanager
def argparse_in_language() -> Iterator[None]:
    """argparse speaks the current language inside the block (help, usage and its error sentences)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = _n  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def localize_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Relabel a parser built outside :func:`argparse_in_language` (the magics' are built at import)."""
    parser._positionals.title = _("positional arguments")
    parser._optionals.title = _("options")
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = _("show this help message and exit")
    return parser
