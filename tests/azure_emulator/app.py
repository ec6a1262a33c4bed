"""Puts the emulator together: certificate, stores, Azurite containers, job slots, routes, HTTPS server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from .blobs import BlobStore
from .config import DATASTORE_CONTAINERS, EmulatorConfig
from .jobs.execution import Workspace
from .jobs.scheduler import Scheduler
from .operations import Operations
from .recorder import Recorder
from .routes import control, datastores, endpoints, jobs, mlflow_api, resources, runhistory, workspace
from .routes.base import BaseHandler, Context, Faults
from .routes.computes import seed_computes
from .routes.datastores import seed_datastores
from .scoring.deployments import Scoring
from .store import ArmStore
from .tls import server_context, write_self_signed
from .tracking import Tracking

SITE_DIR = Path(__file__).with_name("site")


class NotFoundHandler(BaseHandler):
    """Anything no route claims: ARM's 404 shape, and recorded, so a test sees what the SDK tried."""

    requires_auth = False

    def prepare(self) -> None:
        super().prepare()
        raise tornado.web.HTTPError(404)


@dataclass
class Emulator:
    context: Context
    server: tornado.httpserver.HTTPServer
    ca_bundle: Path

    @property
    def base_url(self) -> str:
        return self.context.base_url

    def stop(self) -> None:
        self.server.stop()
        self.context.scheduler.shutdown()
        self.context.scoring.stop_all()


def build_application(ctx: Context) -> tornado.web.Application:
    # Order matters: specific routes first, the generic ARM store last.
    groups = [control, workspace, datastores, jobs, runhistory, mlflow_api, endpoints, resources]
    rules: list[Any] = [rule for group in groups for rule in group.routes(ctx)]
    return tornado.web.Application(
        rules, default_handler_class=NotFoundHandler, default_handler_args={"ctx": ctx},
        log_function=lambda handler: None, compress_response=False,
    )


def start_emulator(
    config: EmulatorConfig, state_dir: Path, azurite_url: str, guard: bool, tracking: Tracking | None = None
) -> Emulator:
    """Start serving on 127.0.0.1 (a port the OS picks) in the current IOLoop; jobs run on worker threads."""
    state_dir.mkdir(parents=True, exist_ok=True)
    cert, key = write_self_signed(state_dir / "tls")
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    base_url = f"https://127.0.0.1:{sockets[0].getsockname()[1]}"

    blobs = BlobStore(azurite_url)
    for container in DATASTORE_CONTAINERS.values():
        blobs.ensure_container(container)
    store = ArmStore()
    seed_datastores(store, config.workspace_path)
    seed_computes(store, config)
    tracking = tracking or Tracking(state_dir)
    scheduler = Scheduler(config.job_slots)
    ctx = Context(
        config=config, base_url=base_url, store=store, blobs=blobs, tracking=tracking, recorder=Recorder(),
        operations=Operations(), scheduler=scheduler, faults=Faults(), endpoint_keys=endpoints.EndpointKeys(),
        scoring=Scoring(state_dir, store, blobs, SITE_DIR if guard else None),
    )
    scheduler.start(Workspace(
        config=config, base_url=base_url, ca_bundle=cert, state_dir=state_dir, store=store, blobs=blobs,
        tracking=tracking, token_secret=secrets.token_hex(32), guard_dir=SITE_DIR if guard else None,
    ))
    server = tornado.httpserver.HTTPServer(build_application(ctx), ssl_options=server_context(cert, key))
    server.add_sockets(sockets)
    return Emulator(ctx, server, cert)
