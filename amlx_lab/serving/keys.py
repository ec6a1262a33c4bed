"""Endpoint keys: a 0600 JSON file, re-read when it changes, compared in constant time.

Key file format (written by the lifecycle, never passed on argv)::

    {"primary": "<key>", "secondary": "<key>"}

Either key is accepted as ``Authorization: Bearer <key>``. Regenerating a key
means rewriting the file (atomically: write a temporary file, then rename);
the server notices the new mtime/inode on the next request and switches
without a restart. A file readable by group or others is refused, as ssh does
with private keys.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import stat
from pathlib import Path

from .atomic import write_json_atomic
from .errors import UnauthorizedError

KEY_NAMES = ("primary", "secondary")
MIN_KEY_LENGTH = 16


class KeyFileError(Exception):
    """The key file is missing, unreadable, too open or malformed (message names which)."""


def generate_key() -> str:
    """A new random key (256 bits, URL-safe), the same strength as Azure's endpoint keys."""
    return secrets.token_urlsafe(32)


def write_key_file(path: str | os.PathLike[str], primary: str | None = None, secondary: str | None = None) -> dict[str, str]:
    """Create or replace the key file atomically with mode 0600; returns the keys written.

    Missing keys are generated. The lifecycle calls this to create an endpoint and to
    regenerate one key (pass the other one unchanged).
    """
    keys = {"primary": primary or generate_key(), "secondary": secondary or generate_key()}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(target, keys, mode=0o600, durable=True)
    return keys


def read_key_file(path: str | os.PathLike[str]) -> tuple[bytes, ...]:
    """The usable keys of the file, as bytes; raises KeyFileError saying what is wrong."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise KeyFileError(f"cannot open the key file {os.fspath(path)!r}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise KeyFileError(f"the key file {os.fspath(path)!r} is not a regular file")
        if st.st_mode & 0o077:
            raise KeyFileError(
                f"the key file {os.fspath(path)!r} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); chmod 600 it"
            )
        raw = os.read(fd, 1 << 16)
    finally:
        os.close(fd)
    try:
        data = json.loads(raw)
    except ValueError:
        raise KeyFileError(f"the key file {os.fspath(path)!r} is not JSON") from None
    if not isinstance(data, dict):
        raise KeyFileError(f"the key file {os.fspath(path)!r} must hold an object with 'primary' and 'secondary'")
    keys = []
    for name in KEY_NAMES:
        value = data.get(name)
        if isinstance(value, str) and len(value) >= MIN_KEY_LENGTH:
            keys.append(value.encode("utf-8"))
    if not keys:
        raise KeyFileError(
            f"the key file {os.fspath(path)!r} has no usable key ('primary'/'secondary', at least {MIN_KEY_LENGTH} characters)"
        )
    return tuple(keys)


class KeyRing:
    """The keys currently accepted, reloaded when the file's identity changes.

    A reload that fails (file being replaced, wrong mode) keeps the previous keys and
    remembers the problem in ``last_error`` so the server can log it once.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._keys = read_key_file(self.path)
        self._ident = self._identity()
        self.last_error: str | None = None
        self.reloads = 0

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def refresh(self) -> None:
        ident = self._identity()
        if ident == self._ident or ident is None:
            return
        try:
            self._keys = read_key_file(self.path)
        except KeyFileError as exc:
            self.last_error = str(exc)
            return
        self._ident = ident
        self.last_error = None
        self.reloads += 1

    def check(self, authorization: str | None) -> None:
        """Raise UnauthorizedError unless the header carries one of the keys.

        Every key is compared (no early exit) with ``hmac.compare_digest``.
        """
        self.refresh()
        if not authorization:
            raise UnauthorizedError("missing 'Authorization: Bearer <key>' header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError("the Authorization header must be 'Bearer <key>'")
        presented = token.strip().encode("utf-8", errors="replace")
        ok = False
        for key in self._keys:
            ok |= hmac.compare_digest(presented, key)
        if not ok:
            raise UnauthorizedError("invalid key")
