"""``python -m tests.azure_emulator``: start Azurite and the loopback Azure ML workspace, print how to
point ``MLClient`` at it, and serve until interrupted. The test fixtures start it the same way."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from .azurite import launch_azurite, wait_for_azurite
from .config import CLOUD_NAME, EmulatorConfig
from .processes import stop_group
from .settings import client_settings
from .tracking import Tracking

log = logging.getLogger("amlx.azure_emulator")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.azure_emulator", description=__doc__)
    parser.add_argument("--state-dir", type=Path, help="where certificates, job folders and the MLflow store go")
    parser.add_argument("--ready-file", type=Path, help="write the connection settings here (JSON) once serving")
    parser.add_argument("--azurite-url", help="use this running Azurite instead of starting one")
    parser.add_argument("--job-slots", type=int, default=EmulatorConfig.job_slots, help="jobs that run at once")
    parser.add_argument("--page-size", type=int, default=EmulatorConfig.page_size, help="ARM list page size")
    parser.add_argument("--provisioning-seconds", type=float, default=0.0,
                        help="endpoints and deployments take this long to provision (a long-running operation)")
    parser.add_argument("--config", help="an EmulatorConfig as JSON (overrides the options above)")
    parser.add_argument("--no-guard", action="store_true", help="do not pass the socket guard on to jobs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)  # the storage SDK logs every request at INFO

    config = (
        EmulatorConfig.from_json(args.config) if args.config else
        EmulatorConfig(job_slots=args.job_slots, page_size=args.page_size,
                       provisioning_seconds=args.provisioning_seconds)
    )
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="amlx-azure-emulator-"))
    started = time.monotonic()
    # Azurite starts while this process loads MLflow and migrates its store (the two slow parts).
    pending = None if args.azurite_url else launch_azurite(state_dir / "azurite", env=_node_guard_env())
    try:
        tracking = Tracking(state_dir)
        log.info("MLflow store ready after %.2f s", time.monotonic() - started)
        azurite = wait_for_azurite(*pending) if pending else None
        log.info("Azurite listening after %.2f s", time.monotonic() - started)
        azurite_url = args.azurite_url or (azurite.url if azurite else "")
        return asyncio.run(_serve(config, state_dir, azurite_url, tracking, args))
    finally:
        if pending is not None:
            stop_group(pending[0])


async def _serve(
    config: EmulatorConfig, state_dir: Path, azurite_url: str, tracking: Tracking, args: argparse.Namespace
) -> int:
    from .app import start_emulator

    started = time.monotonic()
    emulator = start_emulator(config, state_dir, azurite_url, guard=not args.no_guard, tracking=tracking)
    log.info("emulator serving at %s after %.2f s", emulator.base_url, time.monotonic() - started)
    settings = client_settings(config, emulator.base_url, azurite_url, emulator.ca_bundle, state_dir)
    if args.ready_file:
        partial = args.ready_file.with_suffix(".partial")
        partial.write_text(json.dumps(settings))
        os.replace(partial, args.ready_file)
    else:
        _print_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    emulator.stop()
    return 0


def _node_guard_env() -> dict[str, str]:
    """With the socket guard on, Azurite (node) loads its own guard too."""
    if not os.environ.get("AMLX_SOCKET_GUARD_LOG"):
        return {}
    guard = Path(__file__).with_name("node_guard.js")
    return {"NODE_OPTIONS": f"--require {guard} {os.environ.get('NODE_OPTIONS', '')}".strip()}


def _print_settings(settings: dict[str, object]) -> None:
    base = settings["base_url"]
    print(f"""Loopback Azure ML workspace at {base} (Azurite at {settings['azurite_url']}); Ctrl-C stops it.

In the shell that runs your notebook or client:
    export REQUESTS_CA_BUNDLE={settings['ca_bundle']}
    export AMLX_EMULATOR_SETTINGS={settings['settings_file']}
    export PYTHONPATH={settings['seams_dir']}${{PYTHONPATH:+:$PYTHONPATH}}   # blob and MLflow seams

Then, in Python:
    from azure.ai.ml import MLClient
    from tests.azure_emulator.credentials import LoopbackCredential
    ml = MLClient(LoopbackCredential(), {settings['subscription_id']!r}, {settings['resource_group']!r},
                  {settings['workspace_name']!r}, cloud={CLOUD_NAME!r},
                  cloud_metadata={json.dumps(settings['cloud_metadata'])})
""", file=sys.stdout, flush=True)


if __name__ == "__main__":
    sys.exit(main())
