"""The table of ``%aml`` subcommands, finding one from the words of a line, and the ``%aml?`` text.

One table, in the order the help lists them, so that dispatch, per-command
``--help`` and the overview can never disagree about which subcommands exist.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..i18n import _, argparse_in_language, localize_parser
from .arguments import HelpShown
from .automl import cmd_automl, cmd_leaderboard
from .data import cmd_data_list, cmd_data_register
from .downloads import cmd_download
from .export import cmd_export
from .jobs import cmd_best, cmd_cancel, cmd_jobs, cmd_logs, cmd_show
from .labels import cmd_archive, cmd_describe, cmd_restore, cmd_tag
from .deploy import cmd_deploy, cmd_endpoints, cmd_invoke, cmd_register
from .submit import cmd_submit
from .sweep import cmd_sweep
from .target import cmd_target, cmd_workspace

if TYPE_CHECKING:
    from .magic import Aml

Handler = Callable[["Aml", argparse.Namespace, "str | None"], Any]

#: subcommand -> function, in the order ``%aml?`` lists them
SUBCOMMANDS: dict[str, Handler] = {
    "submit": cmd_submit,
    "sweep": cmd_sweep,
    "jobs": cmd_jobs,
    "show": cmd_show,
    "logs": cmd_logs,
    "cancel": cmd_cancel,
    "tag": cmd_tag,
    "describe": cmd_describe,
    "archive": cmd_archive,
    "restore": cmd_restore,
    "best": cmd_best,
    "automl": cmd_automl,
    "leaderboard": cmd_leaderboard,
    "download": cmd_download,
    "register": cmd_register,
    "deploy": cmd_deploy,
    "invoke": cmd_invoke,
    "endpoints": cmd_endpoints,
    "export": cmd_export,
    "data register": cmd_data_register,
    "data list": cmd_data_list,
    "target": cmd_target,
    "workspace": cmd_workspace,
}
#: the subcommands that take a cell body (``%%aml submit``, ``%%aml invoke``)
CELL_VERBS = frozenset({"submit", "sweep", "invoke"})


def find_subcommand(words: list[str]) -> tuple[str, Handler, list[str]]:
    """The subcommand the words name (one word, or two for ``data register|list``) and the rest."""
    if words[0] == "data":
        if len(words) < 2:
            raise ValidationError(_("data needs an action: %aml data register NAME PATH, or %aml data list [NAME]."))
        if words[1] in ("-h", "--help"):
            with argparse_in_language():
                print("\n".join(localize_parser(SUBCOMMANDS[v].parser).format_help()  # type: ignore[attr-defined]
                                for v in ("data register", "data list")))
            raise HelpShown()
        verb, rest = f"data {words[1]}", words[2:]
    else:
        verb, rest = words[0], words[1:]
    handler = SUBCOMMANDS.get(verb)
    if handler is None:
        choices = ", ".join(dict.fromkeys(v.split()[0] for v in SUBCOMMANDS))
        raise ValidationError(_("unknown subcommand {verb!r}; choose one of: {choices} (%aml? explains them).").format(
            verb=verb, choices=choices))
    return verb, handler, rest


def parse(handler: Handler, words: list[str]) -> argparse.Namespace:
    """Parse with the subcommand's ``magic_arguments`` parser; ``--help`` prints and stops."""
    try:
        with argparse_in_language():
            return localize_parser(handler.parser).parse_args(words)  # type: ignore[attr-defined]
    except SystemExit:  # argparse's --help action prints the help, then exits
        raise HelpShown() from None


def _wrap_usage(usage: str, width: int) -> list[str]:
    """Wrap a usage line between options, never inside ``[--top N]``."""
    lines, current = [], "  "
    for token in re.findall(r"\[(?:[^\[\]]|\[[^\]]*\])*\]|\S+", usage):
        if len(current) + len(token) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = "        "
        current += token + " "
    return [*lines, current.rstrip()]


def help_text() -> str:
    """What ``%aml?`` and bare ``%aml`` show: every subcommand's usage and purpose."""
    lines = [
        _("%aml SUBCOMMAND [options]      (and %%aml submit at the top of a cell)"),
        "",
        *_("Run notebook cells as tracked ML jobs (local by default, Azure ML optionally) and work\n"
           "with what they produce. The same workspace as the JupyterLab sidebar and the amlx CLI.").split("\n"),
        "",
        _("Subcommands:"),
    ]
    with argparse_in_language():
        for verb, handler in SUBCOMMANDS.items():
            parser = handler.parser  # type: ignore[attr-defined]
            usage = " ".join(parser.format_usage().split()).removeprefix(_("usage: ").strip()).strip().replace(" [-h]", "")
            if verb in ("submit", "sweep"):
                usage = "%" + usage
            lines += _wrap_usage(usage, 100)
            lines += _wrap_summary(_first_sentence(parser.description or ""))
    lines += [
        "",
        *_("Settings: %config Aml.experiment = 'name'   (also Aml.compute, Aml.target, Aml.workspace_dir,\n"
           "          Aml.live_status, Aml.show_tracebacks)\n"
           "Experiment: submit and best use Aml.experiment, else the one the notebook's code names with\n"
           "            mlflow.set_experiment, else the notebook's name; best says which it searched.\n"
           "Target: %aml target NAME switches this kernel only; --save switches the workspace (sidebar, CLI).\n"
           "Results: -o VAR stores the result in VAR instead of showing it. %aml SUBCOMMAND --help\n"
           "         shows every option of one subcommand.").split("\n"),
    ]
    return "\n".join(lines)


def _first_sentence(text: str) -> str:
    """The first sentence of a description, ending in its full stop (English ``. `` or Japanese ``。``)."""
    match = re.match(r"(.*?(?:\.(?=\s)|。))", text.strip(), re.S)
    sentence = match.group(1) if match else text.strip()
    return sentence if sentence.endswith(("。", ".")) else sentence + "."


def _wrap_summary(summary: str) -> list[str]:
    """The summary under a usage line; text without spaces (Japanese) is cut by width, not at words."""
    if " " not in summary.strip():
        return ["      " + summary[i:i + 47] for i in range(0, len(summary), 47)]
    return textwrap.wrap(summary, 100, initial_indent="      ", subsequent_indent="      ")
