"""The emulator's own routes (not Azure's): the recorded requests, canned faults, health. Unrecorded."""

from __future__ import annotations

import json
from typing import Any

from .base import BaseHandler, Context, Fault


class _Control(BaseHandler):
    requires_auth = False
    recorded = False


class RequestsHandler(_Control):
    def get(self) -> None:
        since = int(self.get_query_argument("since", "0"))
        self.send_json({"mark": self.ctx.recorder.mark(), "requests": self.ctx.recorder.since(since)})


class FaultsHandler(_Control):
    def post(self) -> None:
        self.ctx.faults.add(Fault(**json.loads(self.request.body)))
        self.send_json({"ok": True})

    def delete(self) -> None:
        self.ctx.faults.clear()
        self.send_json({"ok": True})


class ConfigHandler(_Control):
    """Change the knobs that may change while serving (``provisioning_seconds``, ``page_size``, ``automl_timeout_seconds``)."""

    _MUTABLE = ("provisioning_seconds", "page_size", "automl_timeout_seconds")

    def patch(self) -> None:
        changes = json.loads(self.request.body or b"{}")
        unknown = sorted(set(changes) - set(self._MUTABLE))
        if unknown:
            self.set_status(400)
            message = f"Cannot change {', '.join(unknown)} while serving."
            self.finish({"error": {"code": "BadRequest", "message": message}})
            return
        for key, value in changes.items():
            setattr(self.ctx.config, key, type(getattr(self.ctx.config, key))(value))
        self.send_json({key: getattr(self.ctx.config, key) for key in self._MUTABLE})


class HealthHandler(_Control):
    def get(self) -> None:
        self.send_json({"ok": True, "workspace": self.ctx.config.workspace_path})


def routes(ctx: Context) -> list[tuple[str, type, dict[str, Any]]]:
    kw = {"ctx": ctx}
    return [
        (r"/_emulator/requests", RequestsHandler, kw),
        (r"/_emulator/faults", FaultsHandler, kw),
        (r"/_emulator/config", ConfigHandler, kw),
        (r"/_emulator/health", HealthHandler, kw),
    ]
