"""Local online endpoints: key-authenticated scoring URIs on 127.0.0.1 and the deployments behind them.

An endpoint is a row (name, auth mode, a port fixed for its whole life, the
traffic split) plus a folder holding its 0600 key file and routing file. A
deployment is a registered model version served by one scoring server
process, kept alive by a detached supervisor (``deployment_supervisor.py``).
Every deployment is started with the endpoint's port: the one with the most
traffic (the *front*) binds it and forwards other shares to its siblings'
own ports (``amlx_lab.serving.routing``), so the scoring URI never changes
while deployments come and go. Traffic changes and key regeneration rewrite
files the servers re-read: no restart.

Keys live only in the key file; they are never logged, put on a command line,
in a URL or in an error message.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from ...errors import ConflictError, NotFoundError, ValidationError
from ..endpoint_rules import KEY_NAMES, check_key_name, check_traffic, curl_command, encode_payload
from ...records import Deployment, Endpoint, EndpointKeys, InvokeResult, ModelVersion
from ...serving.keys import write_key_file
from ...serving.launch import is_serving_process, stop_server
from ...serving.state import read_state
from .endpoint_index import (
    DeploymentFiles,
    check_name,
    deployment_record,
    deployment_row,
    deployment_rows,
    endpoint_record,
    endpoint_row,
    free_port,
    owned_ports,
    scoring_uri,
    traffic_of,
    update_deployment,
    write_routing,
)
from .endpoint_reconcile import reconcile_deployments, spawn_supervisor, supervisor_alive
from .invoke import DEFAULT_TIMEOUT, post_score
from .layout import Layout
from .model_registry import ModelRegistry
from .procs import is_alive
from .store import Store
from ...i18n import _

AUTH_MODES = ("key",)
STOP_WAIT = 20.0


def _read_keys(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in KEY_NAMES):
        raise ConflictError(_("The endpoint's key file is missing or damaged; regenerate a key to write a new one."))
    return {k: data[k] for k in KEY_NAMES}


class Endpoints:
    """Endpoint and deployment operations on one local workspace."""

    def __init__(self, store: Store, layout: Layout, models: ModelRegistry) -> None:
        self.store = store
        self.layout = layout
        self.models = models

    # -- endpoints ------------------------------------------------------------------------

    def create(self, name: str, *, auth_mode: str = "key", description: str | None = None) -> Endpoint:
        """A new endpoint with fresh keys and its own port; no deployment yet."""
        check_name(name, kind="endpoint")
        if auth_mode not in AUTH_MODES:
            raise ValidationError(
                _("auth_mode {auth_mode!r} is not available locally; use 'key'.").format(auth_mode=auth_mode), field="auth_mode"
            )
        if description is not None and (not isinstance(description, str) or len(description) > 5000):
            raise ValidationError(_("description must be text of at most 5000 characters."), field="description")
        if self.store.query("SELECT 1 FROM endpoints WHERE name = ?", (name,)):
            raise ConflictError(_("An endpoint named {name!r} already exists.").format(name=name), details={"endpoint": name})
        folder = self.layout.endpoint_dir(name)
        port = free_port(owned_ports(self.store))
        with self.store.write() as tx:
            if tx.execute("SELECT 1 FROM endpoints WHERE name = ?", (name,)).fetchone():
                raise ConflictError(_("An endpoint named {name!r} already exists.").format(name=name), details={"endpoint": name})
            if folder.exists():  # left by an endpoint deleted half-way
                shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            os.chmod(folder, 0o700)
            write_key_file(self.layout.endpoint_keys(name))
            tx.execute(
                "INSERT INTO endpoints (name, auth_mode, description, port, traffic, created_at) VALUES (?, ?, ?, ?, '{}', ?)",
                (name, auth_mode, description or None, port, time.time()),
            )
        write_routing(self.store, self.layout, name)
        return self.get(name)

    def list(self) -> tuple[Endpoint, ...]:
        rows = self.store.query("SELECT * FROM endpoints ORDER BY created_at, name")
        return tuple(endpoint_record(self.store, self.layout, r) for r in rows)

    def get(self, name: str) -> Endpoint:
        check_name(name, kind="endpoint")
        return endpoint_record(self.store, self.layout, endpoint_row(self.store, name))

    def delete(self, name: str) -> None:
        """Stop every deployment's processes, then forget the endpoint and remove its keys."""
        check_name(name, kind="endpoint")
        endpoint_row(self.store, name)
        with self.store.write() as tx:
            tx.execute("UPDATE endpoints SET deleting = 1 WHERE name = ?", (name,))
        for row in deployment_rows(self.store, name):
            self._stop_deployment(name, row["name"])
        with self.store.write() as tx:
            tx.execute("DELETE FROM deployments WHERE endpoint = ?", (name,))
            tx.execute("DELETE FROM endpoints WHERE name = ?", (name,))
        shutil.rmtree(self.layout.endpoint_dir(name), ignore_errors=True)

    # -- keys -------------------------------------------------------------------------------

    def keys(self, name: str) -> EndpointKeys:
        check_name(name, kind="endpoint")
        endpoint_row(self.store, name)
        keys = _read_keys(self.layout.endpoint_keys(name))
        return EndpointKeys(primary_key=keys["primary"], secondary_key=keys["secondary"])

    def regenerate_key(self, name: str, which: str) -> EndpointKeys:
        """A new ``primary`` or ``secondary`` key; running servers switch to it on their next request."""
        check_name(name, kind="endpoint")
        check_key_name(which)
        endpoint_row(self.store, name)
        path = self.layout.endpoint_keys(name)
        try:
            keys = _read_keys(path)
        except ConflictError:
            keys = {}
        keys.pop(which, None)
        written = write_key_file(path, primary=keys.get("primary"), secondary=keys.get("secondary"))
        return EndpointKeys(primary_key=written["primary"], secondary_key=written["secondary"])

    # -- deployments ------------------------------------------------------------------------

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: ModelVersion,
        traffic: int | None = None,
        score_script: Path | None = None,
    ) -> Deployment:
        """Start provisioning ``model`` as deployment ``name``; returns at once with status Creating.

        The deployment's supervisor starts the scoring server and records
        Succeeded (or Failed with the reason); follow it with ``get``.
        ``traffic`` defaults to 100 for the endpoint's first deployment and 0
        otherwise (try it with the ``azureml-model-deployment`` header, then
        move traffic); the supervisor applies it once the server is ready.
        """
        check_name(endpoint, kind="endpoint", field="endpoint")
        check_name(name, kind="deployment")
        if traffic is not None and (isinstance(traffic, bool) or not isinstance(traffic, int) or not 0 <= traffic <= 100):
            raise ValidationError(_("traffic must be a whole number from 0 to 100."), field="traffic")
        ep = endpoint_row(self.store, endpoint)
        if ep["deleting"]:
            raise ConflictError(_("Endpoint {endpoint} is being deleted.").format(endpoint=endpoint), details={"endpoint": endpoint})
        files = DeploymentFiles.of(self.layout, endpoint, name)
        port = free_port(owned_ports(self.store))
        model_path = self.models.folder(model)
        with self.store.write() as tx:
            if tx.execute("SELECT 1 FROM deployments WHERE endpoint = ? AND name = ?", (endpoint, name)).fetchone():
                raise ConflictError(
                    _("Endpoint {endpoint} already has a deployment named {name!r}.").format(endpoint=endpoint, name=name),
                    details={"endpoint": endpoint, "deployment": name},
                )
            first = tx.execute("SELECT COUNT(*) FROM deployments WHERE endpoint = ?", (endpoint,)).fetchone()[0] == 0
            share = traffic if traffic is not None else (100 if first else 0)
            if files.folder.exists():
                shutil.rmtree(files.folder, ignore_errors=True)
            files.folder.mkdir(parents=True)
            script = None
            if score_script is not None:
                script = files.folder / "code" / score_script.name
                script.parent.mkdir()
                shutil.copy2(score_script, script)  # a snapshot, as Azure uploads the code
            tx.execute(
                "INSERT INTO deployments (endpoint, name, model_name, model_version, model_path, score_script, port, "
                "status, created_at, requested_traffic, requested_alone) VALUES (?, ?, ?, ?, ?, ?, ?, 'Creating', ?, ?, ?)",
                (
                    endpoint, name, model.name, model.version, str(model_path),
                    None if script is None else str(script), port, time.time(),
                    share if (first or share) else None, int(first),
                ),
            )
        write_routing(self.store, self.layout, endpoint)
        spawn_supervisor(self.store, self.layout, endpoint, name)
        return deployment_record(deployment_row(self.store, endpoint, name), self.layout)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        """Stop one deployment; one that still receives traffic beside others must give it up first."""
        check_name(endpoint, kind="endpoint", field="endpoint")
        check_name(name, kind="deployment")
        ep = endpoint_row(self.store, endpoint)
        deployment_row(self.store, endpoint, name)
        traffic = traffic_of(ep)
        others = [r["name"] for r in deployment_rows(self.store, endpoint) if r["name"] != name]
        if traffic.get(name, 0) > 0 and others:
            raise ConflictError(
                _("Deployment {name} still receives {value}% of endpoint {endpoint}'s traffic; "
                  "move it to the other deployments first.").format(
                    name=name, value=traffic[name], endpoint=endpoint),
                details={"endpoint": endpoint, "deployment": name, "traffic": traffic[name]},
            )
        self._stop_deployment(endpoint, name)
        with self.store.write() as tx:
            tx.execute("DELETE FROM deployments WHERE endpoint = ? AND name = ?", (endpoint, name))
            traffic.pop(name, None)
            tx.execute("UPDATE endpoints SET traffic = ? WHERE name = ?", (json.dumps(traffic), endpoint))
        write_routing(self.store, self.layout, endpoint)
        shutil.rmtree(DeploymentFiles.of(self.layout, endpoint, name).folder, ignore_errors=True)

    def _stop_deployment(self, endpoint: str, name: str) -> None:
        """Mark it unwanted, ask its supervisor to stop the server, and make sure both are gone."""
        update_deployment(self.store, endpoint, name, {"desired": "deleted"})
        write_routing(self.store, self.layout, endpoint)
        rows = self.store.query("SELECT * FROM deployments WHERE endpoint = ? AND name = ?", (endpoint, name))
        if not rows:
            return
        row = rows[0]
        files = DeploymentFiles.of(self.layout, endpoint, name)
        if row["supervisor_pid"] and is_alive(row["supervisor_pid"], row["supervisor_start"]):
            try:
                os.kill(row["supervisor_pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_WAIT
        while supervisor_alive(self.layout, row) and time.monotonic() < deadline:
            time.sleep(0.05)
        if row["supervisor_pid"] and is_alive(row["supervisor_pid"], row["supervisor_start"]):
            os.kill(row["supervisor_pid"], signal.SIGKILL)
        state = read_state(files.state)
        for pid in {state.get("pid") if state else None, row["server_pid"]}:
            if isinstance(pid, int) and is_serving_process(pid, files.state):  # never a reused pid
                stop_server(pid, grace=3.0)

    def set_traffic(self, endpoint: str, traffic: dict[str, int]) -> Endpoint:
        """Split the endpoint's traffic; every named deployment must exist, the others get 0."""
        check_name(endpoint, kind="endpoint", field="endpoint")
        shares = check_traffic(traffic)
        endpoint_row(self.store, endpoint)
        known = {r["name"] for r in deployment_rows(self.store, endpoint)}
        missing = sorted(set(shares) - known)
        if missing:
            raise ConflictError(
                _("Endpoint {endpoint} has no deployment named {value!r}; its deployments: {value2}.").format(
                    endpoint=endpoint, value=missing[0], value2=', '.join(sorted(known)) or 'none'),
                details={"endpoint": endpoint, "deployment": missing[0]},
            )
        with self.store.write() as tx:
            tx.execute("UPDATE endpoints SET traffic = ? WHERE name = ?", (json.dumps({k: v for k, v in shares.items() if v}), endpoint))
        write_routing(self.store, self.layout, endpoint)
        return self.get(endpoint)

    # -- scoring ------------------------------------------------------------------------------

    def invoke(
        self, endpoint: str, payload: Any, *, deployment: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> InvokeResult:
        """POST ``payload`` to the scoring URI with the primary key (pinned to ``deployment`` if given)."""
        check_name(endpoint, kind="endpoint", field="endpoint")
        body = encode_payload(payload)
        ep = endpoint_row(self.store, endpoint)
        rows = deployment_rows(self.store, endpoint)
        if deployment is not None:
            check_name(deployment, kind="deployment", field="deployment")
            deployment_row(self.store, endpoint, deployment)
        elif not rows:
            raise ConflictError(_("Endpoint {endpoint} has no deployment yet; deploy a model first.").format(
                endpoint=endpoint), details={"endpoint": endpoint})
        key = _read_keys(self.layout.endpoint_keys(endpoint))["primary"]
        return post_score(ep["port"], body, key, deployment=deployment, timeout=timeout)

    def curl(self, endpoint: str, payload: Any = None) -> str:
        """The exact curl command for the scoring URI with the primary key (the caller must not log it)."""
        check_name(endpoint, kind="endpoint", field="endpoint")
        ep = endpoint_row(self.store, endpoint)
        if payload is None:
            payload = self._example(endpoint, traffic_of(ep))
        else:
            encode_payload(payload)
        key = _read_keys(self.layout.endpoint_keys(endpoint))["primary"]
        return curl_command(scoring_uri(ep["port"]), key, payload)

    def _example(self, endpoint: str, traffic: dict[str, int]) -> Any:
        """The example request of the model the front deployment serves (else an empty one)."""
        rows = sorted(deployment_rows(self.store, endpoint), key=lambda r: (-traffic.get(r["name"], 0), r["name"]))
        for row in rows:
            try:
                example = self.models.get(row["model_name"], row["model_version"]).example
            except NotFoundError:
                continue
            if example is not None:
                return example
        return {"data": []}

    def reconcile(self) -> tuple[str, ...]:
        return tuple(reconcile_deployments(self.store, self.layout))
