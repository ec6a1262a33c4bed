"""Online endpoint routes: endpoints, keys, deployments, traffic, invoke and the copyable curl.

Keys and the curl command are answers to authenticated requests only; they
are sent with ``Cache-Control: no-store`` and never logged.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import ValidationError
from .base import AmlxHandler
from .bodies import CreateDeployment, CreateEndpoint, CurlBody, Invoke, RegenerateKey
from ..i18n import _

ENDPOINT = r"(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"
DEPLOYMENT = r"(?P<deployment>[A-Za-z0-9][A-Za-z0-9_.\-]{0,254})"


class EndpointsHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        target = self.query_target()
        endpoints = await self.call(lambda: self.workspace.endpoints(target).list_endpoints())
        self.write_json({"endpoints": endpoints})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body(CreateEndpoint)
        target = self.query_target()
        endpoint = await self.call(
            lambda: self.workspace.endpoints(target).create_endpoint(
                body.name, auth_mode=body.auth_mode, description=body.description
            )
        )
        self.set_header("Location", self.api_url("endpoints", endpoint.name))
        self.write_json(endpoint, status=201)


class EndpointHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.endpoints(target).get_endpoint(name)))

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        target = self.query_target()
        await self.work(lambda: self.workspace.endpoints(target).delete_endpoint(name))
        self.write_json({"deleted": name})


class KeysHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        keys = await self.call(lambda: self.workspace.endpoints(target).endpoint_keys(name))
        self.set_header("Cache-Control", "no-store")
        self.write_json(keys)

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.body(RegenerateKey)
        target = self.query_target()
        keys = await self.call(lambda: self.workspace.endpoints(target).regenerate_key(name, body.regenerate))
        self.set_header("Cache-Control", "no-store")
        self.write_json(keys)


class DeploymentsHandler(AmlxHandler):
    """Provisioning is a long-running operation: 202 at once, then follow the deployment until it settles."""

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.body(CreateDeployment)
        deployment = await self.work(
            self.workspace.create_deployment,
            name,
            body.name,
            model=body.model,
            traffic=body.traffic,
            score_script=body.score_script,
            instance_type=body.instance_type,
            instance_count=body.instance_count,
            base_dir=self.root_dir,
            confine=True,
            target=self.query_target(),
        )
        self.set_header("Location", self.api_url("endpoints", name, "deployments", deployment.name))
        self.write_json(deployment, status=202)


class DeploymentHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, deployment: str) -> None:
        self.write_json(await self.call(self.workspace.get_deployment, name, deployment, target=self.query_target()))

    @web.authenticated
    @authorized
    async def delete(self, name: str, deployment: str) -> None:
        target = self.query_target()
        await self.work(lambda: self.workspace.endpoints(target).delete_deployment(name, deployment))
        self.write_json({"deleted": deployment})


class TrafficHandler(AmlxHandler):
    @web.authenticated
    @authorized
    async def put(self, name: str) -> None:
        body = self.json_object()
        if not body:
            raise ValidationError(_('Send the split as {"blue": 90, "green": 10}.'), field="traffic")
        target = self.query_target()
        self.write_json(await self.call(lambda: self.workspace.endpoints(target).set_traffic(name, body)))


class InvokeHandler(AmlxHandler):
    """Scores through the endpoint's URI with its key; the scoring server's 4xx comes back inside the result."""

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.body(Invoke)
        target = self.query_target()
        result = await self.work(
            lambda: self.workspace.endpoints(target).invoke(name, body.payload, deployment=body.deployment)
        )
        self.write_json(result)


class CurlHandler(AmlxHandler):
    """The command to copy: GET sends the model's example body, POST the body the person wrote."""

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        target = self.query_target()
        command = await self.call(lambda: self.workspace.endpoints(target).endpoint_curl(name))
        self.set_header("Cache-Control", "no-store")
        self.write_json({"command": command})

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        body = self.body(CurlBody)
        target = self.query_target()
        command = await self.call(lambda: self.workspace.endpoints(target).endpoint_curl(name, body.payload))
        self.set_header("Cache-Control", "no-store")
        self.write_json({"command": command})
