"""The workspace's MLflow REST API: azureml-mlflow calls ``/mlflow/v2.0/<workspace>/api/2.0/mlflow/...``;
the request goes to MLflow's own server app with the workspace prefix taken off. Azure's two preview
extensions (asynchronous batch logging) are answered here on top of MLflow's ``log-batch``."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tornado.wsgi import WSGIContainer

from .base import WS, BaseHandler, Context

PREFIX = r"/mlflow/v[12]\.0" + WS
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlflow-app")


class MlflowHandler(BaseHandler):
    async def get(self, sub: str, rg: str, ws: str, rest: str) -> None:
        await self._serve(sub, rg, ws, rest)

    async def post(self, sub: str, rg: str, ws: str, rest: str) -> None:
        await self._serve(sub, rg, ws, rest)

    async def patch(self, sub: str, rg: str, ws: str, rest: str) -> None:
        await self._serve(sub, rg, ws, rest)

    async def delete(self, sub: str, rg: str, ws: str, rest: str) -> None:
        await self._serve(sub, rg, ws, rest)

    async def _serve(self, sub: str, rg: str, ws: str, rest: str) -> None:
        self.check_workspace(sub, rg, ws)
        path = "/" + rest
        if path == "/api/2.0/preview/mlflow/runs/get-run-data-status":
            self.send_json({"is_complete": True})
            return
        body = self.request.body
        async_batch = path == "/api/2.0/preview/mlflow/runs/log-batch-async"
        if async_batch:
            path, self.request.method = "/api/2.0/mlflow/runs/log-batch", "POST"
        status, headers, payload = await self._call_app(path, body)
        if async_batch and status == 200:
            self.send_json({"batch_tracking_id": uuid.uuid4().hex})
            return
        self.set_status(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.set_header(name, value)
        self.finish(payload)

    async def _call_app(self, path: str, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        container = WSGIContainer(self.ctx.tracking.app)
        environ = container.environ(self.request)
        environ["PATH_INFO"] = path
        environ["HTTP_HOST"] = "localhost"  # MLflow's server only trusts local host names
        environ["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = int(status.split()[0]), headers
            return lambda data: None

        def run() -> bytes:
            result = self.ctx.tracking.app(environ, start_response)
            try:
                return b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()

        payload = await asyncio.get_running_loop().run_in_executor(_EXECUTOR, run)
        return captured["status"], captured["headers"], payload


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    return [(PREFIX + r"/(?P<rest>api/2\.0/.*)", MlflowHandler, {"ctx": ctx})]
