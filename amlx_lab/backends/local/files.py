"""A job's files: log tails by byte offset, and safe listings/paths in outputs and code.

Paths come from users (REST query strings, CLI arguments), so every path is
checked twice: lexically (no absolute path, no ``..``, no NUL) and after
resolving symlinks (the real file must still be inside the folder).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ...errors import NotFoundError, ValidationError
from ...records import FileEntry, LogChunk
from ...i18n import _

MAX_LOG_CHUNK = 1024 * 1024
MAX_ENTRIES = 10_000


def parse_log_offset(offset: str | None) -> int:
    """The byte position an opaque log offset stands for (``None``: the start; ``-N``: N bytes before the end)."""
    if offset is None or offset == "":
        return 0
    text = offset[1:] if isinstance(offset, str) and offset.startswith("-") else offset
    if not isinstance(text, str) or not text.isdigit() or len(text) > 15:
        raise ValidationError(_("offset is not a log position this server handed out (use next_offset)."), field="offset")
    return int(offset)


def read_log(path: Path, offset: str | None, limit_bytes: int, *, finished: bool) -> LogChunk:
    """Bytes ``[offset, offset + limit_bytes)`` of the log as text, cut at a UTF-8 boundary.

    Offsets are byte positions written as text (opaque to clients); ``-4096`` is the last 4 KiB.
    """
    position = parse_log_offset(offset)
    if isinstance(limit_bytes, bool) or not isinstance(limit_bytes, int) or not 1 <= limit_bytes <= MAX_LOG_CHUNK:
        raise ValidationError(_("limit must be from 1 to {MAX_LOG_CHUNK} bytes.").format(MAX_LOG_CHUNK=MAX_LOG_CHUNK), field="limit")
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return LogChunk(text="", offset="0", next_offset="0", size=0, complete=finished)
    with handle:
        size = os.fstat(handle.fileno()).st_size
        start = max(0, size + position) if position < 0 else min(position, size)
        if position < 0:
            start = _next_boundary(handle, start, size)
        handle.seek(start)
        data = handle.read(limit_bytes)
    cut = _complete_prefix(data) if start + len(data) < size or not finished else len(data)
    data = data[: cut or len(data)]  # a limit smaller than one character still moves forward
    end = start + len(data)
    return LogChunk(
        text=data.decode("utf-8", errors="replace"),
        offset=str(start),
        next_offset=str(end),
        size=size,
        complete=finished and end >= size,
    )


def _complete_prefix(data: bytes) -> int:
    """Length of ``data`` without a trailing, incomplete UTF-8 sequence (the rest comes next time)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0b1100_0000 == 0b1000_0000:  # continuation byte: keep looking for the lead
            continue
        if byte & 0b1000_0000 == 0:  # ASCII: complete
            return len(data)
        need = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4 if byte >> 3 == 0b11110 else 1
        return len(data) if back >= need else len(data) - back
    return len(data)


def _next_boundary(handle: BinaryIO, start: int, size: int) -> int:
    """Move ``start`` forward past UTF-8 continuation bytes (a tail must not begin mid-character)."""
    handle.seek(start)
    head = handle.read(4)
    skip = 0
    while skip < len(head) and head[skip] & 0b1100_0000 == 0b1000_0000:
        skip += 1
    return min(start + skip, size)


def check_relpath(relpath: object, *, field: str = "path") -> PurePosixPath:
    """A relative path that cannot leave its folder by its spelling alone."""
    if not isinstance(relpath, str) or not relpath or "\x00" in relpath:
        raise ValidationError(_("Give a relative file path."), field=field)
    pure = PurePosixPath(relpath.replace("\\", "/"))
    if pure.is_absolute() or any(part == ".." for part in pure.parts) or relpath.startswith("~"):
        raise ValidationError(_("{relpath!r} must be a path inside the folder (no '..', not absolute).").format(
            relpath=relpath), field=field)
    return pure


def safe_file(base: Path, relpath: object, *, what: str, field: str = "path") -> Path:
    """The real path of file ``relpath`` under ``base``; refuses anything resolving outside it."""
    pure = check_relpath(relpath, field=field)
    root = base.resolve()
    target = (root / pure).resolve()
    if target != root and root not in target.parents:
        raise ValidationError(_("{relpath!r} points outside the {what}.").format(relpath=relpath, what=what), field=field)
    if not target.is_file():
        raise NotFoundError(_("There is no file {value!r} in the {what}.").format(value=str(pure), what=what), details={field: str(pure)})
    return target


def list_files(base: Path, *, skip_top: frozenset[str] = frozenset()) -> tuple[FileEntry, ...]:
    """Files under ``base`` (not following directory symlinks; links that leave ``base`` are left out)."""
    if not base.is_dir():
        return ()
    root = base.resolve()
    entries: list[FileEntry] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == root:
            dirs[:] = [d for d in dirs if d not in skip_top]
            files = [f for f in files if f not in skip_top]
        dirs.sort()
        for name in sorted(files):
            path = here / name
            real = path.resolve()
            if real != root and root not in real.parents:
                continue
            try:
                stat = real.stat()
            except OSError:
                continue
            if not os.path.isfile(real):
                continue
            entries.append(FileEntry(path=path.relative_to(root).as_posix(), size=stat.st_size, modified=stat.st_mtime))
            if len(entries) >= MAX_ENTRIES:
                return tuple(entries)
    return tuple(entries)


def refuse_links(folder: Path, *, what: str, skip_top: frozenset[str] = frozenset()) -> None:
    """Refuse a folder about to be copied that holds a symbolic link leaving it (or dangling, or to a folder).

    A copy follows links, so such a link would put a file from elsewhere on the
    server into a data asset, a registered model or a job's code. A link to a
    file inside the folder is harmless and is copied as that file. The sentence
    names the link relative to the folder, never by its server path.
    """
    root = folder.resolve()
    for here, dirs, files in os.walk(root):
        base = Path(here)
        if base == root:
            dirs[:] = [d for d in dirs if d not in skip_top]
            files = [f for f in files if f not in skip_top]
        for name in sorted([*dirs, *files]):
            path = base / name
            if not path.is_symlink():
                continue
            real = path.resolve()
            inside = real != root and root in real.parents
            if not inside or not real.exists() or real.is_dir():
                shown = path.relative_to(root).as_posix()
                raise ValidationError(
                    f"The {what} holds a symbolic link, {shown!r}, that points outside it or to a folder; "
                    "amlx copies only the folder's own files, so nothing was copied: replace the link with "
                    "the file itself, or remove it.",
                    field="path",
                    details={"link": shown},
                )
