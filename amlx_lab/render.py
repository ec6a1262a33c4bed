"""Text and HTML renderings of records, shared by the CLI (text) and the magics (both)."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

from .records import DataAsset, HealthState, Job, WorkspaceInfo

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


# -- jobs ----------------------------------------------------------------------------

def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def duration(job: Job, now: float | None = None) -> str:
    """Run time so far (or in total), e.g. ``1m05s``; ``-`` before it started."""
    if job.started_at is None:
        return "-"
    seconds = int(round((job.ended_at or now or time.time()) - job.started_at))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else (f"{minutes}m{secs:02d}s" if minutes else f"{secs}s")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def jobs_text(jobs: Sequence[Job], metrics: Sequence[str] = ()) -> str:
    if not jobs:
        return "No jobs."
    if not metrics:
        seen: dict[str, None] = {}
        for job in jobs:
            seen.update(dict.fromkeys(sorted(job.metrics)))
        metrics = list(seen)[:3]
    headers = ["NAME", "STATUS", "EXPERIMENT", "DISPLAY NAME", "DURATION", *metrics]
    rows = [
        [j.name, j.status.value, j.experiment, j.display_name, duration(j), *(_number(j.metrics.get(m)) for m in metrics)]
        for j in jobs
    ]
    return table(headers, rows)


def job_text(job: Job) -> str:
    lines = [
        f"name:        {job.name}",
        f"display:     {job.display_name}",
        f"experiment:  {job.experiment}",
        f"status:      {job.status.value}" + (f" (exit code {job.exit_code})" if job.exit_code is not None else ""),
        f"created:     {_when(job.created_at)}",
        f"started:     {_when(job.started_at)}",
        f"ended:       {_when(job.ended_at)}",
        f"duration:    {duration(job)}",
        f"compute:     {job.compute}",
        f"command:     {' '.join(job.command)}",
    ]
    if job.error:
        lines.append(f"error:       {job.error}")
    if job.parameters:
        lines.append("parameters:  " + ", ".join(f"{k}={v}" for k, v in job.parameters.items()))
    if job.inputs:
        lines.append("inputs:      " + ", ".join(f"{i.name}={i.asset or i.path}" for i in job.inputs))
    if job.metrics:
        lines.append("metrics:")
        lines += [f"  {k} = {_number(v)}" for k, v in sorted(job.metrics.items())]
    if job.outputs_path:
        lines.append(f"outputs:     {job.outputs_path}")
    return "\n".join(lines)


def data_text(assets: Sequence[DataAsset]) -> str:
    if not assets:
        return "No data assets."
    rows = [[a.name, a.version, a.type, f"{a.size:,}", _when(a.created_at), a.description or ""] for a in assets]
    return table(["NAME", "VERSION", "TYPE", "BYTES", "CREATED", "DESCRIPTION"], rows)
