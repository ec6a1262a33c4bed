"""What every ``/amlx/api`` handler shares: auth, JSON in and out, and the one error mapping.

Handlers stay thin: parse the request, call the workspace facade (off the event
loop when it may block: ``call`` for reads, ``work`` for long work, each on its
own threads, see ``pools.py``), render the record. Any ``AmlxError`` becomes
``{"error": {"code", "message", "details"}}`` with its own HTTP status; anything
else becomes a 500 whose body says nothing internal (the traceback goes to the
server log only).
"""

from __future__ import annotations

import contextvars
import functools
import json
import mimetypes
import typing
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
from .pools import Pools

T = TypeVar("T")
C = TypeVar("C", bound=Checked)

AUTH_RESOURCE = "amlx"
# Query keys the server reads before an operation does: the target picker and Jupyter's auth.
_SERVER_KEYS = frozenset({"target", "token", "_xsrf"})

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
        bare numeric keys are the cache-busting stamps JupyterLab adds to GETs;
        ``token`` and ``_xsrf`` are Jupyter's own (a script's ``?token=``
        authenticates it), not the operation's.
        An empty text parameter (``?q=``) is the same as leaving it out; an
        empty number or flag (``?limit=``) is refused like any other bad value.
        """
        values: dict[str, Any] = {}
        for key in self.request.query_arguments:
            if key in _SERVER_KEYS or key.isdigit():
                continue
            items = self.raw_query_arguments(key)
            name = (renamed or {}).get(key, key)
            if key in repeated:
                values[name] = items
            elif items[-1] != "" or not _takes_text(model, name):
                values[name] = items[-1]
        return model.parse(values)

    def query_target(self) -> str | None:
        """The optional ``?target=local|azure`` the sidebar sends from its settings (absent or empty: the default)."""
        values = self.raw_query_arguments("target")
        return values[-1] if values and values[-1] else None

    def raw_query_arguments(self, key: str) -> list[str]:
        """The values of a query parameter as sent (tornado's own getters strip them and blank out control
        characters, which would turn ``?target=%07`` into the default target instead of a 400)."""
        return [self.decode_argument(value, key) for value in self.request.query_arguments.get(key, [])]

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

    @property
    def pools(self) -> Pools:
        pools = self.settings.get("amlx_pools")
        if pools is None:  # a server that did not go through AmlxApp (it sets them up once)
            pools = self.settings["amlx_pools"] = Pools()
        return pools

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a short blocking facade call (a read, a small change) on the read threads, off the event loop."""
        # the copied context carries the request's language into the thread
        context = contextvars.copy_context()
        return await IOLoop.current().run_in_executor(self.pools.reads, functools.partial(context.run, fn, *args, **kwargs))

    async def work(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a call that may take long (submit, register, deploy, invoke) on the work threads, so reads never queue behind it."""
        context = contextvars.copy_context()
        return await IOLoop.current().run_in_executor(self.pools.work, functools.partial(context.run, fn, *args, **kwargs))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A client's mistake (a typed 4xx) is one line in the server log; only real failures get a traceback."""
        if isinstance(value, AmlxError) and value.status < 500:
            self.log.info("amlx_lab: %s %s -> %d %s", self.request.method, self.request.path, value.status, value.code)
            return
        super().log_exception(typ, value, tb)

    def without_server_paths(self, value: Any) -> Any:
        """``value`` with the server's own folders taken out of every text in it.

        A path inside the notebook folder becomes relative to it (as the user
        named it over REST); one inside the amlx workspace starts with
        ``<workspace>``. Errors raised deep down (a notebook that cannot be read,
        a folder that cannot be copied) may name a resolved path; this is the
        one place every error body passes, so none leaves with one.
        """
        folders: list[tuple[str, str]] = []
        workspace = self.settings.get("amlx_workspace")
        if workspace is not None:
            for form in {str(workspace.config.workspace_dir), str(Path(workspace.config.workspace_dir).resolve())}:
                folders.append((form, "<workspace>"))
        root = self.settings.get("amlx_root_dir")
        if root is not None:
            for form in {str(root), str(Path(root).resolve())}:
                folders.append((form, "."))
        folders = [pair for pair in folders if len(pair[0]) > 1]  # a server rooted at / has nothing to hide
        folders.sort(key=lambda pair: len(pair[0]), reverse=True)  # the longest (innermost) folder first

        def clean(item: Any) -> Any:
            if isinstance(item, str):
                for folder, shown in folders:
                    item = item.replace(folder + "/", "" if shown == "." else shown + "/").replace(folder, shown)
                return item
            if isinstance(item, dict):
                return {k: clean(v) for k, v in item.items()}
            if isinstance(item, (list, tuple)):
                return [clean(v) for v in item]
            return item

        return clean(value) if folders else value

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this route answers (its verbs, plus OPTIONS for CORS preflight), for ``Allow``."""
        verbs = ("GET", "POST", "PUT", "PATCH", "DELETE")
        own = [m for m in verbs if getattr(cls, m.lower()) is not getattr(web.RequestHandler, m.lower())]
        return [*own, "OPTIONS"]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, AmlxError):
            self.set_status(exc.status)
            body = self.without_server_paths(exc.to_dict())
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

    @web.authenticated
    @authorized
    def patch(self, path: str) -> None:
        self._not_found(path)


def _takes_text(model: type[Checked], name: str) -> bool:
    """Whether the field ``name`` of ``model`` is text (unknown fields count as text: the model names them)."""
    field = model.model_fields.get(name)
    if field is None:
        return True
    annotation = field.annotation
    return annotation is str or str in typing.get_args(annotation)


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
