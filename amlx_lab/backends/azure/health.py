"""Honest health: "configured" is not "reachable".

A check signs in (which says who we are) and GETs the workspace (which says
where it is), in a background thread with a short read timeout, and its result
is cached: a success for ``OK_TTL_S``, a failure for ``ERROR_TTL_S``. Asking
for the health starts a check when the cached one is stale and waits for it at
most ``wait`` seconds; meanwhile the answer says a check is under way (and,
for a device-code sign-in, the code to enter).
"""

from __future__ import annotations

import threading
import time

from ...errors import AmlxError
from ...records import Health, HealthState
from . import credentials
from .connection import Connection

OK_TTL_S = 300.0
ERROR_TTL_S = 20.0
CHECK_READ_TIMEOUT_S = 10.0


class HealthCheck:
    """The workspace's reachability, checked off the request path and remembered for a while."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self._result: Health | None = None
        self._expires = 0.0
        self._running: threading.Event | None = None

    def current(self, wait: float = 0.0) -> Health:
        """The last result if fresh; otherwise start a check and wait up to ``wait`` seconds for it."""
        with self._lock:
            if self._result is not None and time.monotonic() < self._expires:
                return self._result
            done = self._running
            if done is None:
                done = self._running = threading.Event()
                threading.Thread(target=self._run, args=(done,), name="amlx-azure-health", daemon=True).start()
        done.wait(wait)
        with self._lock:
            if self._result is not None:  # the new result, or the previous one while a re-check runs
                return self._result
        name = self._connection.workspace_name
        prompt = self._connection.prompt
        message = prompt or f"Azure ML workspace {name} is configured; checking that it can be reached."
        return Health(HealthState.CHECKING, message, workspace=name)

    def start(self) -> None:
        """Begin a check now if none is fresh (for a server that has just started)."""
        self.current(0.0)

    def _run(self, done: threading.Event) -> None:
        try:
            result, ttl = self._check(), OK_TTL_S
            if result.state is not HealthState.OK:
                ttl = ERROR_TTL_S
        except Exception as exc:  # noqa: BLE001 - a bug in the check must not leave "checking" forever
            result = Health(HealthState.ERROR, f"Checking the Azure ML workspace failed: {type(exc).__name__}.")
            ttl = ERROR_TTL_S
        with self._lock:
            self._result, self._expires, self._running = result, time.monotonic() + ttl, None
        self._connection.prompt = None
        done.set()

    def _check(self) -> Health:
        conn = self._connection
        name = conn.workspace_name
        checked = time.time()
        try:
            with conn.translated():
                token = conn.credential.get_token(conn.cloud.arm_scope).token
                facts = conn.facts(refresh=True, read_timeout=CHECK_READ_TIMEOUT_S)
        except AmlxError as exc:
            return Health(HealthState.ERROR, exc.message, workspace=name, checked_at=checked)
        identity = credentials.identity_of(token)
        tenant = credentials.tenant_of(token)
        where = f" in {facts.region}" if facts.region else ""
        who = f" as {identity}" if identity else ""
        return Health(
            HealthState.OK,
            f"Connected to Azure ML workspace {facts.name}{where}{who}.",
            workspace=facts.name,
            region=facts.region,
            studio_url=conn.studio_url(tenant),
            identity=identity,
            checked_at=checked,
        )
