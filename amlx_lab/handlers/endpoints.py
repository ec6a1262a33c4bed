"""Online endpoint routes: endpoints, keys, deployments, traffic, invoke and the copyable curl.

Keys and the curl command are answers to authenticated requests only; they
are sent with ``Cache-Control: no-store`` and never logged.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import ValidationError
from .base import AmlxHandler
from .bodies import check_fields, text, whole_number

ENDPOINT = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"
DEPLOYMENT = r"(?P<deployment>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"


class EndpointsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        endpoints = await self.call(self.workspace.list_endpoints, target=self.query_target())
        self.write_json({"endpoints": endpoints})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_object()
        check_fields(body, required=("name",), optional=("auth_mode", "description"))
        endpoint = await self.call(
            self.workspace.create_endpoint,
            text(body, "name", required=True),
            auth_mode=text(body, "auth_mode") or "key",
            description=body.get("description"),
            target=self.query_target(),
        )
        self.set_header("Location", self.api_url("endpoints", endpoint.name))
        self.write_json(endpoint, status=201)


class EndpointHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.workspace.get_endpoint, name, target=self.query_target()))

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        await self.call(self.workspace.delete_endpoint, name, target=self.query_target())
        self.write_json({"deleted": name})


class KeysHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        keys = await self.call(self.workspace.endpoint_keys, name, target=self.query_target())
        self.set_header("Cache-Control", "no-store")
        self.write_json(keys)

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.json_object()
        check_fields(body, required=("regenerate",))
        which = text(body, "regenerate", required=True)
        keys = await self.call(self.workspace.regenerate_key, name, which, target=self.query_target())
        self.set_header("Cache-Control", "no-store")
        self.write_json(keys)


class DeploymentsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.json_object()
        check_fields(body, required=("name", "model"), optional=("traffic", "score_script"))
        deployment = await self.call(
            self.workspace.create_deployment,
            name,
            text(body, "name", required=True),
            model=text(body, "model", required=True),
            traffic=whole_number(body, "traffic"),
            score_script=text(body, "score_script"),
            base_dir=self.root_dir,
            confine=True,
            target=self.query_target(),
        )
        self.set_header("Location", self.api_url("endpoints", name, "deployments", deployment.name))
        self.write_json(deployment, status=201)


class DeploymentHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, deployment: str) -> None:
        self.write_json(await self.call(self.workspace.get_deployment, name, deployment, target=self.query_target()))

    @web.authenticated
    @authorized
    async def delete(self, name: str, deployment: str) -> None:
        await self.call(self.workspace.delete_deployment, name, deployment, target=self.query_target())
        self.write_json({"deleted": deployment})


class TrafficHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def put(self, name: str) -> None:
        body = self.json_object()
        if not body:
            raise ValidationError('Send the split as {"blue": 90, "green": 10}.', field="traffic")
        self.write_json(await self.call(self.workspace.set_traffic, name, body, target=self.query_target()))


class InvokeHandler(AmlxHandler):
    """Scores through the endpoint's URI with its key; the scoring server's 4xx comes back inside the result."""

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.json_object()
        check_fields(body, required=("payload",), optional=("deployment",))
        result = await self.call(
            self.workspace.invoke, name, body["payload"], deployment=text(body, "deployment"), target=self.query_target()
        )
        self.write_json(result)


class CurlHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        command = await self.call(self.workspace.endpoint_curl, name, target=self.query_target())
        self.set_header("Cache-Control", "no-store")
        self.write_json({"command": command})
