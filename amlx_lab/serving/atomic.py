"""Atomic JSON files: the lifecycle reads state/stats files while the server rewrites them."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json_atomic(path: str | os.PathLike[str], data: Any, *, mode: int = 0o644, durable: bool = False) -> None:
    """Write ``data`` to a temporary file in the same folder, then rename it over ``path``.

    A reader sees the old or the new content, never a half-written file. The
    mode is set before any byte is written, so a secret is never readable by
    others even for a moment. ``durable`` also flushes the data to disk
    before the rename (keys: losing them to a power cut locks clients out).
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_json(path: str | os.PathLike[str]) -> Any | None:
    """The parsed file, or None when it does not exist or is not valid JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (FileNotFoundError, ValueError):
        return None
