"""Text and HTML renderings of records, shared by the CLI (text) and the magics (both)."""

from __future__ import annotations

import html

from .records import HealthState, WorkspaceInfo

_HEALTH_MARK = {HealthState.OK: "ok", HealthState.NOT_CONFIGURED: "not configured", HealthState.ERROR: "error"}


def workspace_text(info: WorkspaceInfo) -> str:
    caps = info.capabilities
    enabled = [name for name in ("jobs", "sweeps", "automl", "models", "endpoints", "data_assets") if getattr(caps, name)]
    lines = [
        f"target:    {info.target} ({info.label})",
        f"location:  {info.location}",
        f"health:    {_HEALTH_MARK[info.health.state]} - {info.health.message}",
        f"version:   amlx_lab {info.version}",
        f"features:  {', '.join(enabled) if enabled else 'none yet'}",
        "targets:   " + ", ".join(f"{t.name} ({_HEALTH_MARK[t.health.state]})" for t in info.targets),
    ]
    lines += [f"warning:   {w}" for w in info.warnings]
    return "\n".join(lines)


def workspace_html(info: WorkspaceInfo) -> str:
    esc = html.escape
    rows = [
        ("Target", f"{esc(info.target)} <span style='opacity:.7'>({esc(info.label)})</span>"),
        ("Location", f"<code>{esc(info.location)}</code>"),
        ("Health", f"<b>{esc(_HEALTH_MARK[info.health.state])}</b> &mdash; {esc(info.health.message)}"),
        ("Version", f"amlx_lab {esc(info.version)}"),
    ]
    body = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{k}</th><td style='text-align:left'>{v}</td></tr>" for k, v in rows)
    return f"<table class='amlx-workspace'>{body}</table>"
