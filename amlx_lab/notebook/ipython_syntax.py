"""Turn a cell's IPython syntax (``%magic``, ``%%cell``, ``!shell``, ``?help``) into plain Python.

IPython's own ``TransformerManager`` does the parsing, so a cell means here
exactly what it meant in the kernel; the ``get_ipython().<method>(...)`` calls
it produces are then rewritten statement by statement:

* ``%pip install x`` / ``!pip install x`` become requirements (and a comment);
* ``%time stmt`` and ``%%time`` / ``%%capture`` keep the code they wrap;
* ``%env NAME=value`` sets the variable, ``%%writefile`` writes the file;
* help (``df?``) and display-only magics are dropped quietly;
* every other magic or shell escape is dropped with a warning, because a job
  has no IPython and must not run arbitrary shell lines from a notebook.

A cell that is valid Python and never mentions ``get_ipython`` is returned
unchanged without importing IPython at all (the common, fast case).
"""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass, field
from functools import lru_cache

from .analysis import parse
from ..i18n import _

__all__ = ["Converted", "SyntaxNote", "PipRequirement", "convert_cell", "parse_pip_install"]

#: Magics that only show information; dropping them changes nothing a job computes.
_QUIET_LINE_MAGICS = frozenset(
    {
        "pinfo", "pinfo2", "pdoc", "pdef", "psource", "pfile", "psearch", "who", "whos", "who_ls",
        "lsmagic", "magic", "quickref", "history", "hist", "pwd", "ls", "page", "pprint", "precision",
        "aml",  # amlx's own magic: it submitted or inspected jobs, it computed nothing
    }
)
_QUIET_CELL_MAGICS = frozenset({"html", "HTML", "markdown", "latex", "javascript", "js", "svg", "aml"})
_BODY_KEEPING_CELL_MAGICS = frozenset({"time", "capture", "prun"})
_PIP_FLAGS_WITH_VALUE = frozenset(
    {
        "-i", "--index-url", "--extra-index-url", "-c", "--constraint", "-f", "--find-links", "-t", "--target",
        "--prefix", "--root", "--trusted-host", "--progress-bar", "--platform", "--python-version",
        "--implementation", "--abi", "--src", "--upgrade-strategy", "--cache-dir", "--log", "--proxy",
        "--retries", "--timeout", "--exists-action", "--global-option", "--config-settings", "-C",
    }
)


@dataclass(frozen=True)
class SyntaxNote:
    """Something the conversion did to one line; ``warning`` ones reach the package's warnings."""

    line: int
    message: str
    warning: bool = True


@dataclass(frozen=True)
class PipRequirement:
    """A requirement the notebook installed itself (``%pip install scikit-learn==1.5``)."""

    spec: str
    line: int


@dataclass(frozen=True)
class Converted:
    """The cell as plain Python, plus what was moved or dropped on the way."""

    code: str
    changed: bool = False
    requirements: tuple[PipRequirement, ...] = ()
    notes: tuple[SyntaxNote, ...] = ()
    #: names that only dropped IPython syntax assigned (``files = !ls``), with the line
    dropped_names: dict[str, int] = field(default_factory=dict)


def parse_pip_install(args: str) -> tuple[list[str], list[str]]:
    """Requirement specs and problems from the words after ``pip install``.

    Options are skipped (with their values); ``-r file`` and ``-e path`` are
    reported as problems because the job cannot see those files.
    """
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    specs: list[str] = []
    problems: list[str] = []
    skip_next = False
    for i, word in enumerate(words):
        if skip_next:
            skip_next = False
            continue
        if word in ("-r", "--requirement", "-e", "--editable"):
            value = words[i + 1] if i + 1 < len(words) else ""
            problems.append(f"'{word} {value}'".strip() + " is not carried into requirements.txt")
            skip_next = True
            continue
        if word.startswith("-"):
            if word in _PIP_FLAGS_WITH_VALUE:
                skip_next = True
            continue
        specs.append(word)
    return specs, problems


def _pip_install_args(command: str) -> str | None:
    """The words after ``install`` if ``command`` is a pip install (``pip``, ``pip3``, ``python -m pip``)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    for i, word in enumerate(words):
        base = word.rsplit("/", 1)[-1]
        is_pip = base in ("pip", "pip3") or (base.startswith("pip3.") and base[5:].isdigit())
        if word == "-m" and i + 1 < len(words) and words[i + 1] == "pip":
            is_pip, i = True, i + 1
        if is_pip:
            rest = words[i + 1 :]
            if rest and rest[0] == "install":
                return shlex.join(rest[1:])
            return None
    return None


def _ipython_call(node: ast.AST) -> tuple[str, list[ast.expr]] | None:
    """``get_ipython().method(args)`` -> (method, args); anything else -> None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "get_ipython"
    ):
        return node.func.attr, list(node.args)
    return None


_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _mentions_ipython(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` itself (not the blocks nested in it) calls ``get_ipython``."""
    parts: list[ast.AST] = []
    for name, value in ast.iter_fields(stmt):
        if name in _BLOCK_FIELDS:
            continue  # nested statements are visited on their own
        if isinstance(value, list):
            parts.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            parts.append(value)
    return any(isinstance(n, ast.Name) and n.id == "get_ipython" for part in parts for n in ast.walk(part))


def _constants(args: list[ast.expr]) -> list[str] | None:
    values = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in args]
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def _bound_names(stmt: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    names: list[str] = []
    for target in targets:
        names.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


class _Rewriter:
    """Rewrites the IPython calls of one transformed cell, collecting notes and requirements."""

    def __init__(self, shown_lines: list[str]) -> None:
        self.shown_lines = shown_lines  # the cell's lines as the user wrote them, for comments
        self.requirements: list[PipRequirement] = []
        self.notes: list[SyntaxNote] = []
        self.dropped: dict[str, int] = {}

    # -- per statement -------------------------------------------------------------

    def replacement(self, stmt: ast.stmt, indent: str, nested: bool) -> list[str] | None:
        """The lines replacing ``stmt``, or None to keep it as it is."""
        if not _mentions_ipython(stmt):
            return None
        line = stmt.lineno
        call = _ipython_call(stmt.value) if isinstance(stmt, ast.Expr) else None
        if call is None:
            names = _bound_names(stmt)
            for name in names:
                self.dropped.setdefault(name, line)
            what = f" (so {', '.join(names)} stay undefined)" if names else ""
            self.warn(line, _("IPython syntax inside a statement cannot run in a job; the statement is dropped{what}").format(what=what))
            shown = self.shown_lines[line - 1].strip() if line <= len(self.shown_lines) else "statement"
            return self.dropped_lines(indent, nested, shown)
        method, args = call
        values = _constants(args)
        if values is None:
            self.warn(line, _("get_ipython().{method}(...) with computed arguments is dropped").format(method=method))
            return self.dropped_lines(indent, nested, f"get_ipython().{method}(...)")
        if method == "magic" and values:  # the pre-IPython-1.0 spelling of a line magic
            name, _sep, rest = values[0].lstrip("%").partition(" ")
            method, values = "run_line_magic", [name, rest]
        if method == "run_line_magic" and len(values) >= 2:
            return self.line_magic(values[0], values[1], line, indent, nested)
        if method == "run_cell_magic" and len(values) >= 3:
            return self.cell_magic(values[0], values[1], values[2], line, indent, nested)
        if method in ("system", "getoutput") and values:
            return self.shell(values[0], line, indent, nested)
        self.warn(line, _("get_ipython().{method}(...) has no job equivalent and is dropped").format(method=method))
        return self.dropped_lines(indent, nested, f"get_ipython().{method}(...)")

    def line_magic(self, name: str, args: str, line: int, indent: str, nested: bool) -> list[str]:
        shown = f"%{name} {args}".rstrip()
        if name in ("pip", "conda"):
            words = args.split(None, 1)
            if words and words[0] == "install":
                return self.install(words[1] if len(words) > 1 else "", line, indent, nested, shown, conda=name == "conda")
            self.warn(line, _("'{shown}' dropped: only 'install' becomes requirements").format(shown=shown))
            return self.dropped_lines(indent, nested, shown)
        if name == "time" and args.strip():
            inner = convert_cell(args.strip())
            self.merge(inner, line - 1)
            code = inner.code.strip("\n").splitlines()
            if len(code) == 1:
                return [f"{indent}{code[0]}  # {shown} (amlx: timing removed)"]
            return [f"{indent}# {shown} (amlx: timing removed)", *(indent + c for c in code)]
        if name == "env":
            return self.env(args, line, indent, nested, shown)
        if name in _QUIET_LINE_MAGICS:
            self.notes.append(SyntaxNote(line, _("'{shown}' dropped (display only)").format(shown=shown), warning=False))
            return self.dropped_lines(indent, nested, shown)
        if name == "matplotlib":  # nothing lost: the job's runtime saves every figure as an output
            self.notes.append(SyntaxNote(line, f"'{shown}' dropped: the job saves its figures to outputs/figures/", warning=False))
            return self.dropped_lines(indent, nested, shown)
        reason = {
            "timeit": "it only measures time, and its statement runs in a scratch namespace",
            "cd": "the job runs in its package folder",
            "run": "the script it runs is not part of the package",
            "load_ext": "IPython extensions do not exist in a job",
            "autoreload": "IPython extensions do not exist in a job",
        }.get(name, "IPython magic with no job equivalent")
        self.warn(line, _("'{shown}' dropped: {reason}").format(shown=shown, reason=reason))
        return self.dropped_lines(indent, nested, shown)

    def cell_magic(self, name: str, args: str, body: str, line: int, indent: str, nested: bool) -> list[str]:
        shown = f"%%{name} {args}".rstrip()
        if name in _BODY_KEEPING_CELL_MAGICS:
            inner = convert_cell(body)
            self.merge(inner, line)
            if name == "capture" and args.split():
                var = [w for w in args.split() if not w.startswith("-")]
                for v in var[:1]:
                    self.dropped.setdefault(v, line)
                self.warn(line, _("'{shown}': output is not captured in a job; the body runs normally").format(shown=shown))
            return [f"{indent}# {shown} (amlx: cell magic removed, body kept)", *(indent + c for c in inner.code.rstrip("\n").splitlines())]
        if name == "writefile":
            words = args.split()
            append = any(w in ("-a", "--append") for w in words)
            paths = [w for w in words if not w.startswith("-")]
            if paths:
                mode = "a" if append else "w"
                return [
                    f"{indent}# {shown} (amlx: the job writes the file as the notebook did)",
                    f"{indent}with open({paths[0]!r}, {mode!r}, encoding='utf-8') as _amlx_file:",
                    f"{indent}    _amlx_file.write({body!r})",
                ]
        if name in _QUIET_CELL_MAGICS:
            self.notes.append(SyntaxNote(line, _("'{shown}' cell dropped (display only)").format(shown=shown), warning=False))
            return self.dropped_lines(indent, nested, shown)
        reason = {
            "bash": "shell cells do not run in a job",
            "sh": "shell cells do not run in a job",
            "script": "shell cells do not run in a job",
            "timeit": "it only measures time, and its body runs in a scratch namespace",
        }.get(name, "IPython cell magic with no job equivalent")
        self.warn(line, _("'{shown}' cell dropped: {reason}").format(shown=shown, reason=reason))
        return self.dropped_lines(indent, nested, shown)

    def shell(self, command: str, line: int, indent: str, nested: bool) -> list[str]:
        shown = f"!{command}"
        pip_args = _pip_install_args(command)
        if pip_args is not None:
            return self.install(pip_args, line, indent, nested, shown, conda=False)
        self.warn(line, _("shell command '{shown}' dropped: a job does not run a notebook's shell escapes").format(shown=shown))
        return self.dropped_lines(indent, nested, shown)

    def install(self, args: str, line: int, indent: str, nested: bool, shown: str, *, conda: bool) -> list[str]:
        specs, problems = parse_pip_install(args)
        for spec in specs:
            self.requirements.append(PipRequirement(spec, line))
        for problem in problems:
            self.warn(line, _("'{shown}': {problem}").format(shown=shown, problem=problem))
        if conda:
            self.warn(line, _("'{shown}': conda packages are added as pip requirements; check their pip names").format(shown=shown))
        return self.dropped_lines(indent, nested, f"{shown} (amlx: moved to requirements.txt)", note=True)

    def env(self, args: str, line: int, indent: str, nested: bool, shown: str) -> list[str]:
        text = args.strip()
        if "=" in text:
            key, _sep, value = text.partition("=")
        else:
            key, _sep, value = text.partition(" ")
        key, value = key.strip(), value.strip()
        if not key or not value:  # '%env' or '%env NAME' only show values
            self.notes.append(SyntaxNote(line, _("'{shown}' dropped (display only)").format(shown=shown), warning=False))
            return self.dropped_lines(indent, nested, shown)
        return [f"{indent}_amlx_os.environ[{key!r}] = {value!r}  # {shown}"]

    # -- helpers -------------------------------------------------------------------

    def warn(self, line: int, message: str) -> None:
        self.notes.append(SyntaxNote(line, message, warning=True))

    def merge(self, inner: Converted, offset: int) -> None:
        """Adopt the notes of a wrapped body (``%%time``): its line 1 is cell line ``offset + 1``."""
        self.requirements.extend(PipRequirement(r.spec, r.line + offset) for r in inner.requirements)
        self.notes.extend(SyntaxNote(n.line + offset, n.message, n.warning) for n in inner.notes)
        for name, at in inner.dropped_names.items():
            self.dropped.setdefault(name, at + offset)

    @staticmethod
    def dropped_lines(indent: str, nested: bool, shown: str, *, note: bool = False) -> list[str]:
        text = shown if note else f"{shown} (amlx: dropped)"
        text = text.replace("\n", " ")
        return [f"{indent}pass  # {text}"] if nested else [f"{indent}# {text}"]


def _statements(body: list[ast.stmt], nested: bool) -> list[tuple[ast.stmt, bool]]:
    """Every statement with whether it sits inside a block, outermost first."""
    found: list[tuple[ast.stmt, bool]] = []
    for stmt in body:
        found.append((stmt, nested))
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                found.extend(_statements(inner, True))
        for handler in getattr(stmt, "handlers", []) or []:
            found.extend(_statements(handler.body, True))
        for case in getattr(stmt, "cases", []) or []:
            found.extend(_statements(case.body, True))
    return found


@lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


@lru_cache(maxsize=4096)
def convert_cell(source: str) -> Converted:
    """The cell as plain Python; raises ``SyntaxError`` when even IPython cannot read it.

    Line numbers in notes (and in a ``SyntaxError``) are lines of the cell as
    IPython sees it, which match the notebook's lines except after a magic
    continued with a backslash.
    """
    if "get_ipython" not in source:
        try:
            parse(source)
            return Converted(code=source)
        except SyntaxError:
            pass
    transformed = _transformer().transform_cell(source)
    tree = ast.parse(transformed)  # a SyntaxError here is the user's, with its line
    lines = transformed.splitlines()
    original = source.splitlines()
    rewriter = _Rewriter(original if len(original) == len(lines) else lines)
    edits: list[tuple[int, int, list[str]]] = []
    handled_until = 0
    for stmt, nested in _statements(tree.body, False):
        if stmt.lineno <= handled_until:
            continue  # inside a statement already replaced as a whole
        first = lines[stmt.lineno - 1]
        indent = first[: len(first) - len(first.lstrip())]
        new = rewriter.replacement(stmt, indent, nested)
        if new is not None:
            end = stmt.end_lineno or stmt.lineno
            edits.append((stmt.lineno, end, new))
            handled_until = end
    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1 : end] = new
    code = "\n".join(lines) + ("\n" if transformed.endswith("\n") or lines else "")
    parse(code)  # what main.py will contain must parse; a failure here is a bug, not the user's
    return Converted(
        code=code,
        changed=code != source,
        requirements=tuple(rewriter.requirements),
        notes=tuple(rewriter.notes),
        dropped_names=dict(rewriter.dropped),
    )
