"""What every ``/amlx/api`` handler shares: auth, JSON in and out, and the one error mapping.

Handlers stay thin: parse the request, call the workspace facade (off the event
loop when it may block), render the record. Any ``AmlxError`` becomes
``{"error": {"code", "message", "details"}}`` with its own HTTP status; anything
else becomes a 500 whose body says nothing internal (the traceback goes to the
server log only).
"""

from __future__ import annotations

import contextvars
import functools
import json
import mimetypes
from collections.abc import Callable
from http.client import responses
from pathlib import Path
from typing import Any, TypeVar

import orjson
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import IOLoop

from .. import jsonio
from ..errors import AmlxError, NotFoundError, ValidationError
from ..i18n import _, negotiate, set_language
from ..validation import Checked
from ..workspace import Workspace

T = TypeVar("T")
C = TypeVar("C", bound=Checked)

AUTH_RESOURCE = "amlx"

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


class AmlxHandler(APIHandler):
    """Base of every amlx route; subclasses decorate verbs with ``@web.authenticated`` and ``@authorized``."""

    auth_resource = AUTH_RESOURCE

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        """Speak the language the request asks for (the sidebar sends JupyterLab's) for the whole request.

        Set here, in the request's own task, it holds for the handler method and
        ``write_error``; ``call`` carries it into worker threads.
        """
        set_language(negotiate(self.request.headers.get("Accept-Language")))
        await super().prepare(*args, **kwargs)

    @property
    def workspace(self) -> Workspace:
        return self.settings["amlx_workspace"]

    @property
    def root_dir(self) -> Path:
        """The notebook folder: REST paths are relative to it and may not leave it."""
        return self.settings["amlx_root_dir"]

    def api_url(self, *parts: str) -> str:
        return url_path_join(self.base_url, "amlx", "api", *parts)

    def on_connection_close(self) -> None:
        self._client_gone = True

    def connection_closed(self) -> bool:
        """True once the client went away, so a long-poll stops working for nobody."""
        return getattr(self, "_client_gone", False)

    # -- input -------------------------------------------------------------------

    def json_body(self) -> Any:
        """The request body as decoded JSON (``None`` when empty), or a 400 saying what is wrong with it.

        orjson refuses nesting deeper than 1024 levels and integers beyond 64 bits,
        which would otherwise exhaust the stack or the int-to-text limit.
        """
        raw = self.request.body or b""
        if not raw.strip():
            return None
        try:
            return jsonio.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ValidationError(_("The request body is not valid JSON: {problem}.").format(problem=_json_problem(exc)),
                                  field="body") from None

    def json_object(self) -> dict[str, Any]:
        """The request body as a JSON object (an empty body is ``{}``)."""
        data = self.json_body()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ValidationError(_("The request body must be a JSON object."), field="body")
        return data

    def body(self, model: type[C]) -> C:
        """The JSON body validated by an input model (a 400 names the first bad field)."""
        return model.parse(self.json_object())

    def query(self, model: type[C], *, repeated: tuple[str, ...] = (), renamed: dict[str, str] | None = None) -> C:
        """The query string validated by an input model; ``target`` is read apart (``query_target``).

        ``repeated`` parameters may appear several times and arrive as lists;
        bare numeric keys are the cache-busting stamps JupyterLab adds to GETs.
        """
        values: dict[str, Any] = {}
        for key in self.request.query_arguments:
            if key == "target" or key.isdigit():
                continue
            items = self.get_query_arguments(key)
            name = (renamed or {}).get(key, key)
            values[name] = [i for i in items if i] if key in repeated else (items[-1] if items[-1] != "" else None)
        return model.parse({k: v for k, v in values.items() if v is not None})

    def query_target(self) -> str | None:
        """The optional ``?target=local|azure`` the sidebar sends from its settings."""
        return self.get_query_argument("target", None) or None

    # -- output ------------------------------------------------------------------

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(jsonio.dumps(data))

    async def send_file(self, local: Path, filename: str, chunk_size: int = 256 * 1024) -> None:
        """Stream a file as an attachment, in chunks, so a large model or output never sits in memory."""
        kind, _encoding = mimetypes.guess_type(filename)
        self.set_header("Content-Type", kind or "application/octet-stream")
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.set_header("Content-Length", str(local.stat().st_size))
        with local.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                self.write(chunk)
                await self.flush()
        self.finish()

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a facade call in a worker thread: SDK and disk calls must not block the event loop."""
        # the copied context carries the request's language into the thread
        context = contextvars.copy_context()
        return await IOLoop.current().run_in_executor(None, functools.partial(context.run, fn, *args, **kwargs))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A client's mistake (a typed 4xx) is one line in the server log; only real failures get a traceback."""
        if isinstance(value, AmlxError) and value.status < 500:
            self.log.info("amlx_lab: %s %s -> %d %s", self.request.method, self.request.path, value.status, value.code)
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, AmlxError):
            self.set_status(exc.status)
            body = exc.to_dict()
        elif isinstance(exc, web.HTTPError):
            message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
            body = error_body(
                _HTTP_CODES.get(status_code, "http_error"),
                message or exc.reason or responses.get(status_code, "HTTP error"),
            )
        else:
            if exc is not None:
                self.log.error("amlx_lab: unexpected error in %s %s", self.request.method, self.request.path,
                               exc_info=kwargs.get("exc_info"))
            body = error_body("internal_error", _("An unexpected error occurred in amlx_lab; the Jupyter server log has the details."))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class UnknownRouteHandler(AmlxHandler):
    """Answers any unmatched ``/amlx/api/...`` path with a JSON 404 instead of an HTML page."""

    def _not_found(self, path: str) -> None:
        raise NotFoundError(_("There is no amlx API route /amlx/api/{path}.").format(path=path), details={"path": path})

    @web.authenticated
    @authorized
    def get(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    @authorized
    def post(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    @authorized
    def put(self, path: str) -> None:
        self._not_found(path)

    @web.authenticated
    @authorized
    def delete(self, path: str) -> None:
        self._not_found(path)


def _json_problem(exc: orjson.JSONDecodeError) -> str:
    """orjson's reason in words, with where it happened when that helps."""
    reason = str(getattr(exc, "msg", exc))
    if "depth" in reason or "recursion" in reason:
        return _("it is nested more than 1024 levels deep")
    if "infinity" in reason:
        return _("a number is too large")
    if getattr(exc, "lineno", None):
        return _("{reason} (line {line}, column {column})").format(reason=reason, line=exc.lineno, column=exc.colno)
    return reason
