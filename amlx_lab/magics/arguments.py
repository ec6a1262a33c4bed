"""Reading a ``%aml`` line: shell-like words, IPython's ``magic_arguments`` parsers and ``-o VAR``.

Shared by every subcommand module so that quoting errors, ``--help`` and
variable names behave the same way whatever the subcommand.
"""

from __future__ import annotations

import argparse
import keyword
import shlex

from IPython.core.magic_arguments import MagicHelpFormatter, kwds

from ..errors import ValidationError
from ..i18n import _


class HelpShown(Exception):
    """``--help`` printed its text; nothing else to do."""


class _HelpFormatter(MagicHelpFormatter):
    """IPython's magic help layout, with a plain ``usage: %aml ...`` line instead of an RST block."""

    def add_usage(self, usage, actions, groups, prefix=None):
        argparse.RawDescriptionHelpFormatter.add_usage(self, usage, actions, groups, _("usage: ") + "%")


def parser_options(description: str) -> kwds:
    """The ``kwds`` decorator every subcommand uses: its description, our help layout, ``--help``."""
    return kwds(formatter_class=_HelpFormatter, add_help=True, description=description)


def split_line(line: str) -> list[str]:
    """The magic's line as shell words; unbalanced quotes are a user error, not a traceback."""
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ValidationError(_("cannot read the line ({reason}); check the quotes.").format(reason=exc)) from None


def variable_name(name: str | None) -> str | None:
    """``-o NAME`` checked before any work is done, so a typo does not waste a submission."""
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise ValidationError(_("-o {name!r} is not a Python variable name.").format(name=name), field="-o")
    return name
