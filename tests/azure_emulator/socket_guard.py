"""Refuses, and records, every socket connection or DNS lookup that is not for the loopback interface.

Self-contained (standard library only) because it is also loaded by ``site/sitecustomize.py`` into every
Python process the emulator starts. A refused attempt raises ``OSError(ENETUNREACH)`` where it happens and
is appended as one JSON line to ``$AMLX_SOCKET_GUARD_LOG``, so a test fails even when a library swallows
the error and carries on.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import socket
import sys
import traceback
from typing import Any

LOG_VAR = "AMLX_SOCKET_GUARD_LOG"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback(host: Any) -> bool:
    if host is None or host == "":
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    name = str(host).strip("[]").split("%", 1)[0].lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


class SocketGuard:
    def __init__(self, log_path: str | None) -> None:
        self.log_path = log_path
        self.violations: list[str] = []
        # Substrings of violations a test provokes on purpose (it then asserts they were refused).
        self.expected: list[str] = []
        self._saved: dict[str, Any] = {}

    def install(self) -> None:
        if self._saved:
            return
        guard = self
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        real_gethostbyname, real_gethostbyname_ex = socket.gethostbyname, socket.gethostbyname_ex
        self._saved = {
            "connect": real_connect, "connect_ex": real_connect_ex, "getaddrinfo": real_getaddrinfo,
            "gethostbyname": real_gethostbyname, "gethostbyname_ex": real_gethostbyname_ex,
        }

        def connect(sock: socket.socket, address: Any) -> None:
            guard._check_address(sock, address)
            return real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard._check_address(sock, address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            guard._check_name(host)
            return real_getaddrinfo(host, *args, **kwargs)

        def gethostbyname(host: str) -> str:
            guard._check_name(host)
            return real_gethostbyname(host)

        def gethostbyname_ex(host: str) -> Any:
            guard._check_name(host)
            return real_gethostbyname_ex(host)

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = getaddrinfo
        socket.gethostbyname = gethostbyname
        socket.gethostbyname_ex = gethostbyname_ex

    def uninstall(self) -> None:
        if not self._saved:
            return
        socket.socket.connect = self._saved["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = self._saved["connect_ex"]  # type: ignore[method-assign]
        socket.getaddrinfo = self._saved["getaddrinfo"]
        socket.gethostbyname = self._saved["gethostbyname"]
        socket.gethostbyname_ex = self._saved["gethostbyname_ex"]
        self._saved = {}

    def _check_address(self, sock: socket.socket, address: Any) -> None:
        inet = sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
        if inet and not is_loopback(address[0]):
            self._refuse(f"connect to {address[0]}:{address[1]}")

    def _check_name(self, host: Any) -> None:
        if not is_loopback(host):
            self._refuse(f"DNS lookup of {host!r}")

    def _refuse(self, what: str) -> None:
        caller = "".join(traceback.format_stack(limit=8)[:-2]).strip().splitlines()[-2:]
        record = {"pid": os.getpid(), "process": " ".join(sys.argv[:2]), "what": what, "where": caller}
        self.violations.append(what)
        if self.log_path:
            try:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(record) + "\n")
            except OSError:
                pass
        raise OSError(errno.ENETUNREACH, f"amlx socket guard: {what} refused (only 127.0.0.1 is allowed in tests)")


def read_violations(log_path: str, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Violations appended to ``log_path`` after byte ``offset``, and the new offset."""
    try:
        with open(log_path, "rb") as log:
            log.seek(offset)
            data = log.read()
    except FileNotFoundError:
        return [], offset
    lines = [json.loads(line) for line in data.decode(errors="replace").splitlines() if line.strip()]
    return lines, offset + len(data)
