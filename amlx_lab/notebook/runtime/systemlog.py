"""The job's system log: MLflow's own messages and warnings, kept out of the user's log.

The job's stdout and stderr are the user's log (std_log.txt): what the notebook's
cells print, and their errors. MLflow's logging (the ``mlflow`` and ``alembic``
loggers) and any warning raised while MLflow code is on the stack (its own, or
scikit-learn's while autologging computes training metrics) go to a separate file:
``$AMLX_SYSTEM_LOG`` when the runner sets it (locally: logs/system_log.txt next to
std_log.txt), else ``logs/system_log.txt`` in the working folder (on Azure ML,
files under ./logs are the job's logs). The file is created on the first message.

Warnings the notebook's own code raises stay in the user's log, their main.py
location named as the cell and line.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TextIO

DEFAULT_PATH = os.path.join("logs", "system_log.txt")
SYSTEM_LOGGERS = ("mlflow", "alembic")

# MLflow, its migrations, and this package (e.g. inferring the final model's signature)
_SYSTEM_MODULES = ("mlflow.", "alembic.", (__package__ or "_amlx_runtime") + ".")

_handler: logging.Handler | None = None


class _FileHandler(logging.FileHandler):
    """A FileHandler that creates its folder when the first record arrives."""

    def _open(self) -> Any:
        os.makedirs(os.path.dirname(self.baseFilename) or ".", exist_ok=True)
        return super()._open()


def path() -> str:
    return os.path.abspath(os.environ.get("AMLX_SYSTEM_LOG") or DEFAULT_PATH)


def install(locate: Callable[[str, int], str | None]) -> None:
    """Route system warnings to the file and name main.py's warnings by cell; loggers join in ``capture``."""
    global _handler
    if _handler is None:
        _handler = _FileHandler(path(), encoding="utf-8", delay=True)
        _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    shown = warnings.showwarning

    def showwarning(
        message: Warning | str, category: type[Warning], filename: str, lineno: int, file: TextIO | None = None, line: str | None = None
    ) -> None:
        if file is None and _from_system_code():
            write(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\n"), source="py.warnings")
            return
        where = locate(filename, lineno)
        if where is not None and file is None:
            source = (line if line is not None else _source(filename, lineno)).strip()
            text = f"{where}: {category.__name__}: {message}\n" + (f"  {source}\n" if source else "")
            sys.stderr.write(text)
            return
        shown(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def capture(*names: str) -> None:
    """Send these loggers to the system log only (MLflow configures a stderr handler at import)."""
    if _handler is None:
        return
    for name in names or SYSTEM_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if isinstance(old, logging.StreamHandler) and not isinstance(old, logging.FileHandler):
                logger.removeHandler(old)
        if _handler not in logger.handlers:
            logger.addHandler(_handler)
        logger.propagate = False
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)


def write(message: str, source: str = "amlx") -> None:
    """One entry of the system log (a warning, or amlx's own note about the job's machinery)."""
    if _handler is not None:
        level = logging.WARNING if source == "py.warnings" else logging.INFO
        _handler.handle(logging.LogRecord(source, level, __file__, 0, message, None, None))


def _from_system_code() -> bool:
    """Is MLflow (or amlx) code on the stack, so that the warning is about tracking, not the notebook's code?"""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        if module == "mlflow" or module.startswith(_SYSTEM_MODULES):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _source(filename: str, lineno: int) -> str:
    import linecache

    return linecache.getline(filename, lineno)
