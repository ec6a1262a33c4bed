"""Keep user-supplied paths inside the folder they are allowed to name.

The REST API takes paths relative to the Jupyter server's root folder; none
may reach outside it (``..``, absolute paths elsewhere, symlinks pointing out).
The CLI and magics run as the user on their own files and are not confined.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import NotFoundError, ValidationError
from .i18n import _


def resolve_within(root: Path, path: str | os.PathLike[str], *, field: str, must_exist: bool = True) -> Path:
    """``path`` (relative to ``root``, or absolute inside it) as a real path inside ``root``."""
    text = os.fspath(path)
    if not text or "\x00" in text:
        raise ValidationError(_("{field} must be a non-empty path.").format(field=field), field=field)
    base = root.resolve()
    candidate = Path(text).expanduser()
    full = (candidate if candidate.is_absolute() else base / candidate).resolve()
    if full != base and base not in full.parents:
        raise ValidationError(_("{field} {text!r} points outside the notebook folder.").format(field=field, text=text), field=field)
    if must_exist and not _exists(full, text, field):
        raise NotFoundError(_("{field} {text!r} does not exist.").format(field=field, text=text), details={"field": field, "path": text})
    return full


def _exists(full: Path, text: str, field: str) -> bool:
    """Whether ``full`` exists; a name the file system refuses (too long) is the caller's mistake, said in a sentence."""
    try:
        return full.exists()
    except OSError as exc:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ValidationError(_("{field} {shown!r} is not a usable path: {reason}.").format(
            field=field, shown=shown, reason=exc.strerror), field=field) from None


def resolve_user_path(path: str | os.PathLike[str], *, base: Path, field: str, confine: bool) -> Path:
    """Confined to ``base`` for the REST API; relative to ``base`` but free otherwise."""
    if confine:
        return resolve_within(base, path, field=field)
    full = (base / Path(os.fspath(path)).expanduser()).resolve()
    if not _exists(full, os.fspath(path), field):
        raise NotFoundError(_("{field} {fspath!r} does not exist.").format(
            field=field, fspath=os.fspath(path)), details={"field": field, "path": os.fspath(path)})
    return full
