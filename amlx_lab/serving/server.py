"""One scoring server process: load the model, bind, write the state file, serve until told to stop.

``ServerConfig`` is everything the command line sets; ``run(config)`` is the
process body (``python -m amlx_lab.serving`` calls it). SIGTERM/SIGINT stop it
cleanly: listeners close, in-flight requests finish (up to a few seconds),
stats are flushed and the state file says ``stopped``.

Every open connection holds a file descriptor, and a process out of
descriptors cannot even accept a health check. So the soft limit on open
files is raised (up to the hard limit) to fit ``max_connections`` plus a
reserve, and ``max_connections`` is lowered if the hard limit is too low.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import psutil

from ..errors import AmlxError
from .app import ScoringApp
from .httpserver import HttpServer, Limits
from .keys import KeyFileError, KeyRing
from .routing import RoutingFile
from .state import FAILED, READY, STOPPED, write_state
from .stats import DeploymentStats
from .workers import PredictPool

log = logging.getLogger("amlx.serving")
HOST = "127.0.0.1"  # never anything else: the endpoint is local, its key is the only guard
TICK_SECONDS = 0.25
RELEASE_GRACE_SECONDS = 1.5
STOP_GRACE_SECONDS = 5.0
FD_RESERVE = 64  # descriptors kept for listeners, the model's files, state/stats writes and the log


@dataclass
class ServerConfig:
    key_file: str
    model: str | None = None
    score_script: str | None = None
    deployment: str = "default"
    port: int = 0
    endpoint_port: int | None = None
    state_file: str | None = None
    stats_file: str | None = None
    routing_file: str | None = None
    max_body: int = 10 * 1024 * 1024
    request_timeout: float = 30.0
    idle_timeout: float = 75.0
    forward_timeout: float = 60.0
    stats_interval: float = 1.0
    max_connections: int = 4096
    threads: int = 1
    hung_after: float = 30.0
    trusted_types: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def process_started_at() -> float:
    """When this process was created (seconds since the epoch), so start-up time includes the imports."""
    try:
        return float(psutil.Process().create_time())
    except (psutil.Error, OSError):
        return time.time()


def fit_fd_limit(wanted_connections: int) -> int:
    """Raise the soft open-files limit to fit the connections (never past the hard limit); returns how many fit."""
    try:
        import resource
    except ImportError:  # not POSIX: leave the limit alone
        return wanted_connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted_connections + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-files limit from %d to %d: %s", soft, target, exc)
    if soft == resource.RLIM_INFINITY:
        return wanted_connections
    fits = max(16, int(soft) - FD_RESERVE)
    if fits < wanted_connections:
        log.warning("the open-files limit (%d) allows %d connections, not %d", soft, fits, wanted_connections)
    return min(wanted_connections, fits)


def build_scorer(config: ServerConfig) -> Any:
    """The model or score-script scorer the config asks for (raises AmlxError on failure)."""
    if config.score_script:
        from .script import ScriptScorer, model_dir_for

        return ScriptScorer(config.score_script, model_dir_for(config.model))
    if not config.model:
        raise AmlxError("give a model (--model) or a score script (--score-script)")
    from .loader import load_model
    from .scorer import ModelScorer

    return ModelScorer(load_model(config.model, trusted_types=config.trusted_types), skip_sklearn_finite_check=True)


class ScoringServer:
    """The running server: listeners, periodic housekeeping, endpoint-port handover."""

    def __init__(self, config: ServerConfig, scorer: Any, keys: KeyRing) -> None:
        self.config = config
        self.started_at = process_started_at()
        self.scorer = scorer
        self.stats = DeploymentStats(config.deployment, config.stats_file)
        self.routing = RoutingFile(config.routing_file) if config.routing_file else None
        self.pool = PredictPool(config.threads, prepare_thread=getattr(scorer, "prepare_thread", None))
        max_connections = fit_fd_limit(config.max_connections)
        self.app = ScoringApp(
            scorer,
            keys,
            self.stats,
            deployment=config.deployment,
            max_body=config.max_body,
            routing=self.routing,
            forward_timeout=config.forward_timeout,
            allowed_hosts=frozenset(config.allowed_hosts),
            pool=self.pool,
            hung_after=config.hung_after,
            connection_stats=self.connection_stats,
        )
        self.http = HttpServer(
            self.app,
            Limits(
                max_body=config.max_body,
                request_timeout=config.request_timeout,
                idle_timeout=config.idle_timeout,
                max_connections=max_connections,
            ),
        )
        self.port = 0
        self.endpoint_listening = False
        self.endpoint_error: str | None = None
        self._release_at: float | None = None
        self._stop = asyncio.Event()
        self.ready_at = 0.0
        self.startup_seconds = 0.0

    def connection_stats(self) -> dict[str, int]:
        """Open connections and what the flood defence did (served live at ``GET /stats``)."""
        http = self.http
        return {
            "open": len(http.connections),
            "limit": http.limits.max_connections,
            "idle_closed_for_room": http.evicted,
            "refused_all_busy": http.refused,
        }

    # --- endpoint port ---------------------------------------------------------------------

    def _should_front(self) -> bool:
        routing = self.routing.refresh() if self.routing else None
        if routing is None:
            return True
        front = routing.front()
        return front is None or front == self.config.deployment

    async def sync_endpoint_listener(self) -> bool:
        """Bind or release the endpoint port per the routing file; True if that changed."""
        port = self.config.endpoint_port
        if port is None:
            return False
        if self._should_front():
            self._release_at = None
            if self.endpoint_listening:
                return False
            try:
                await self.http.listen(HOST, port, reuse_port=True, endpoint=True)
            except OSError as exc:
                message = f"cannot bind the endpoint port {port}: {exc.strerror}"
                if message != self.endpoint_error:
                    log.warning("%s", message)
                    self.endpoint_error = message
                    return True
                return False
            self.endpoint_listening, self.endpoint_error = True, None
            log.info("holding the endpoint port %d", port)
            return True
        if not self.endpoint_listening:
            return False
        now = time.monotonic()
        if self._release_at is None:
            self._release_at = now + RELEASE_GRACE_SECONDS  # let the new front bind first
            return False
        if now < self._release_at:
            return False
        await self.http.stop_listening(HOST, port)
        self.endpoint_listening, self._release_at = False, None
        log.info("released the endpoint port %d to the new front deployment", port)
        return True

    # --- state file --------------------------------------------------------------------------

    def state(self, status: str) -> dict[str, Any]:
        ep = self.config.endpoint_port
        scoring_port = ep if ep is not None else self.port
        return {
            "status": status,
            "deployment": self.config.deployment,
            "pid": os.getpid(),
            "host": HOST,
            "port": self.port,
            "endpoint_port": ep,
            "endpoint_listening": self.endpoint_listening,
            "endpoint_error": self.endpoint_error,
            "scoring_uri": f"http://{HOST}:{scoring_port}/score",
            "deployment_uri": f"http://{HOST}:{self.port}/score",
            "health_uri": f"http://{HOST}:{self.port}/health",
            "started_at": self.started_at,
            "ready_at": self.ready_at,
            "startup_seconds": round(self.startup_seconds, 3),
            "scorer": self.scorer.describe() if status != FAILED else None,
            "stats_file": self.config.stats_file,
            "error": None,
        }

    def write_state(self, status: str) -> None:
        if self.config.state_file:
            write_state(self.config.state_file, **self.state(status))

    # --- lifetime ------------------------------------------------------------------------------

    async def serve(self) -> None:
        private_is_endpoint = self.config.endpoint_port is None
        self.port = await self.http.listen(HOST, self.config.port, endpoint=private_is_endpoint)
        await self.sync_endpoint_listener()
        self.ready_at = time.time()
        self.startup_seconds = self.ready_at - self.started_at
        self.write_state(READY)
        log.info(
            "deployment %r ready on %s:%d%s in %.2f s (%s)",
            self.config.deployment,
            HOST,
            self.port,
            f", endpoint port {self.config.endpoint_port}" if self.config.endpoint_port is not None else "",
            self.startup_seconds,
            self.scorer.describe().get("format", self.scorer.describe().get("kind")),
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        last_flush = time.monotonic()
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), TICK_SECONDS)
            except asyncio.TimeoutError:
                pass
            if await self.sync_endpoint_listener():
                self.write_state(READY)
            now = time.monotonic()
            if now - last_flush >= self.config.stats_interval:
                last_flush = now
                try:
                    self.stats.flush()
                except OSError as exc:
                    log.warning("cannot write the stats file: %s", exc)
        await self.shutdown()

    async def shutdown(self) -> None:
        for key in list(self.http.listeners):
            await self.http.stop_listening(*key)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while self.http.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await self.http.close()
        if self.app.siblings is not None:
            await self.app.siblings.aclose()
        self.pool.shutdown()
        self.endpoint_listening = False
        try:
            self.stats.flush(force=True)
        except OSError:
            pass
        self.write_state(STOPPED)
        log.info("deployment %r stopped", self.config.deployment)


def _fail(config: ServerConfig, message: str) -> int:
    log.error("cannot start: %s", message)
    if config.state_file:
        try:
            write_state(
                config.state_file, status=FAILED, deployment=config.deployment, pid=os.getpid(), error=message
            )
        except OSError:
            pass
    return 2


def run(config: ServerConfig) -> int:
    """Run a server until SIGTERM/SIGINT; 0 on a clean stop, 2 when it could not start."""
    # The fast path hands sklearn an ndarray in feature_names_in_ order on purpose.
    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    try:
        keys = KeyRing(config.key_file)
    except KeyFileError as exc:
        return _fail(config, str(exc))
    try:
        scorer = build_scorer(config)
    except AmlxError as exc:
        return _fail(config, exc.message)
    server = ScoringServer(config, scorer, keys)

    async def main() -> None:
        await server.serve()

    try:
        asyncio.run(main())
    except OSError as exc:
        return _fail(config, f"cannot listen on {HOST}:{config.port}: {exc.strerror or exc}")
    if server.pool.busy:
        # A prediction that never returns would keep the interpreter waiting for its thread at exit.
        log.warning("exiting with %d prediction(s) still running", server.pool.busy)
        logging.shutdown()
        os._exit(0)
    return 0
