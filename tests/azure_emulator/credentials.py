"""A token credential for the loopback workspace: no Microsoft Entra ID traffic, a JWT-shaped token whose
claims (tenant, object id, user name) the SDK and the emulator read like a real one's. Self-contained
(PyJWT only) because ``site/sitecustomize.py`` may load it into a client process by path."""

from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple

import jwt
from typing_extensions import Self

LOOPBACK_TENANT = "00000000-0000-4000-8000-0000000000aa"
LOOPBACK_USER = "amlx-tester@loopback.test"
_SIGNING_KEY = "amlx-loopback-credential-signing-key-not-secret"


class _Token(NamedTuple):
    token: str
    expires_on: int


class _TokenInfo(NamedTuple):
    token: str
    expires_on: int
    token_type: str = "Bearer"
    refresh_on: int | None = None


class LoopbackCredential:
    """Implements ``get_token`` and ``get_token_info`` (azure-core's two credential protocols) and records the
    scopes it was asked for, so a test can check which audience a client wanted."""

    def __init__(self, user: str = LOOPBACK_USER, tenant_id: str = LOOPBACK_TENANT) -> None:
        self.user, self.tenant_id = user, tenant_id
        self.scopes: list[tuple[str, ...]] = []
        self._lock = threading.Lock()

    def _mint(self, scopes: tuple[str, ...]) -> tuple[str, int]:
        with self._lock:
            self.scopes.append(scopes)
        now = int(time.time())
        expires = now + 3600
        audience = scopes[0].removesuffix("/.default") if scopes else "loopback"
        claims = {"aud": audience, "iss": f"https://loopback.test/{self.tenant_id}/", "iat": now, "nbf": now,
                  "exp": expires, "tid": self.tenant_id, "oid": "00000000-0000-4000-8000-0000000000bb",
                  "upn": self.user, "name": self.user}
        return jwt.encode(claims, _SIGNING_KEY, algorithm="HS256"), expires

    def get_token(self, *scopes: str, **kwargs: Any) -> _Token:
        return _Token(*self._mint(scopes))

    def get_token_info(self, *scopes: str, options: Any = None) -> _TokenInfo:
        return _TokenInfo(*self._mint(scopes))

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass
