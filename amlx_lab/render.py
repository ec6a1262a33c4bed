"""Text and HTML renderings of records, shared by the CLI (text) and the magics (both)."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .records import (
    AutoMLDetails,
    DataAsset,
    Endpoint,
    HealthState,
    InvokeResult,
    Job,
    ModelSummary,
    ModelVersion,
    WorkspaceInfo,
)

if TYPE_CHECKING:
    from .notebook import JobPackage

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
    if job.studio_url:
        lines.append(f"studio:      {job.studio_url}")
    return "\n".join(lines)


def data_text(assets: Sequence[DataAsset]) -> str:
    if not assets:
        return "No data assets."
    rows = [[a.name, a.version, a.type, f"{a.size:,}", _when(a.created_at), a.description or ""] for a in assets]
    return table(["NAME", "VERSION", "TYPE", "BYTES", "CREATED", "DESCRIPTION"], rows)


# -- HTML for the %aml magics (JupyterLab shows these; a terminal IPython shows the text forms) --

_STATUS_COLOUR = {
    "Completed": "#2e7d32",
    "Failed": "#c62828",
    "Canceled": "#757575",
    "CancelRequested": "#757575",
    "Running": "#1565c0",
    "Finalizing": "#1565c0",
}


def status_badge_html(status: str) -> str:
    """A coloured pill for a job status, readable on light and dark themes (white on a saturated colour)."""
    colour = _STATUS_COLOUR.get(status, "#ef6c00")  # queued, preparing, starting: amber
    return (
        f"<span class='amlx-status' style='background:{colour};color:#fff;border-radius:8px;"
        f"padding:1px 8px;font-size:90%'>{html.escape(status)}</span>"
    )


def _rows_html(rows: Sequence[tuple[str, str]], css_class: str) -> str:
    """A two-column key/value table; values are already HTML."""
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{v}</td></tr>"
        for k, v in rows
    )
    return f"<table class='{css_class}'>{body}</table>"


def job_html(job: Job, note: str | None = None) -> str:
    """One job as a key/value table with its status pill, metrics and (optionally) a hint below it."""
    esc = html.escape
    rows: list[tuple[str, str]] = [
        ("Name", f"<code>{esc(job.name)}</code>"),
        ("Display name", esc(job.display_name)),
        ("Experiment", esc(job.experiment)),
        ("Status", status_badge_html(job.status.value)
         + (f" <span style='opacity:.7'>exit code {job.exit_code}</span>" if job.exit_code is not None else "")),
        ("Created", esc(_when(job.created_at))),
        ("Duration", esc(duration(job))),
        ("Compute", esc(job.compute)),
    ]
    if job.error:
        rows.append(("Error", f"<span style='color:#c62828'>{esc(job.error)}</span>"))
    if job.parameters:
        rows.append(("Parameters", esc(", ".join(f"{k}={v}" for k, v in job.parameters.items()))))
    if job.inputs:
        rows.append(("Inputs", esc(", ".join(f"{i.name}={i.asset or i.path}" for i in job.inputs))))
    if job.metrics:
        rows.append(("Metrics", "<br>".join(f"{esc(k)} = {esc(_number(v))}" for k, v in sorted(job.metrics.items()))))
    if job.studio_url:
        rows.append(("Studio", f"<a href='{esc(job.studio_url)}' target='_blank' rel='noopener'>open in Azure ML studio</a>"))
    hint = f"<div style='opacity:.7;margin-top:4px'>{esc(note)}</div>" if note else ""
    return _rows_html(rows, "amlx-job") + hint


def data_html(assets: Sequence[DataAsset]) -> str:
    """Data assets as an HTML table (same columns as :func:`data_text`)."""
    if not assets:
        return "<p>No data assets.</p>"
    esc = html.escape
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in ("Name", "Version", "Type", "Bytes", "Created", "Description"))
    rows = "".join(
        "<tr>" + "".join(
            f"<td style='text-align:left'>{esc(cell)}</td>"
            for cell in (a.name, a.version, a.type, f"{a.size:,}", _when(a.created_at), a.description or "")
        ) + "</tr>"
        for a in assets
    )
    return f"<table class='amlx-data'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def data_asset_text(asset: DataAsset) -> str:
    """One registered asset in a line, with the reference a job input uses."""
    return f"Registered {asset.name} version {asset.version} ({asset.type}, {asset.size:,} bytes); use it as {asset.ref}"


def package_text(package: JobPackage) -> str:
    """A job package preview: the generated main.py, then its parameters, inputs and warnings as comments."""
    lines = [package.script.rstrip("\n"), ""]
    if package.experiment:
        lines.append(f"# experiment: {package.experiment} (the code's mlflow.set_experiment; --experiment overrides it)")
    if package.parameters:
        lines.append("# parameters: " + ", ".join(f"{p.flag} {p.default!r}" for p in package.parameters.values()))
    for item in package.inputs:
        lines.append(f"# input: {item.path} ({item.mode}, {item.size_bytes:,} bytes)")
    lines += [f"# warning: {w}" for w in package.warnings]
    return "\n".join(lines)


def package_html(package: JobPackage) -> str:
    """The preview as HTML: warnings first (they are what needs attention), then main.py."""
    esc = html.escape
    warnings = "".join(f"<li>{esc(w)}</li>" for w in package.warnings)
    params = ", ".join(f"<code>{esc(p.flag)} {esc(repr(p.default))}</code>" for p in package.parameters.values())
    parts = [f"<div><b>Warnings</b><ul>{warnings}</ul></div>" if warnings else ""]
    parts.append(f"<div><b>Parameters</b>: {params}</div>" if params else "")
    if package.experiment:
        parts.append(f"<div><b>Experiment</b>: <code>{esc(package.experiment)}</code> (the code's mlflow.set_experiment)</div>")
    parts.append(f"<details open><summary>main.py</summary><pre>{esc(package.script)}</pre></details>")
    return "<div class='amlx-preview'>" + "".join(parts) + "</div>"


def download_text(folder: str, files: Sequence[tuple[str, int]]) -> str:
    """What a download wrote: one line per file, then the total."""
    if not files:
        return f"Nothing written to {folder}: the job has no output files."
    total = sum(size for _, size in files)
    lines = [f"  {path}  ({size:,} bytes)" for path, size in files]
    return "\n".join([f"Wrote {len(files)} file(s), {total:,} bytes, to {folder}:", *lines])


def download_html(folder: str, files: Sequence[tuple[str, int]]) -> str:
    esc = html.escape
    if not files:
        return f"<p>Nothing written to <code>{esc(folder)}</code>: the job has no output files.</p>"
    total = sum(size for _, size in files)
    items = "".join(f"<li><code>{esc(path)}</code> ({size:,} bytes)</li>" for path, size in files)
    return f"<div>Wrote {len(files)} file(s), {total:,} bytes, to <code>{esc(folder)}</code>:<ul>{items}</ul></div>"


# -- models and endpoints (text, for the CLI) -----------------------------------------


def models_text(models: Sequence[ModelSummary]) -> str:
    if not models:
        return "No models."
    rows = [[m.name, m.latest_version, str(m.version_count), _when(m.updated_at), m.description or ""] for m in models]
    return table(["NAME", "LATEST", "VERSIONS", "UPDATED", "DESCRIPTION"], rows)


def model_versions_text(versions: Sequence[ModelVersion]) -> str:
    rows = [[v.version, v.format, v.source, v.job or "-", f"{v.size:,}", _when(v.created_at)] for v in versions]
    return table(["VERSION", "FORMAT", "SOURCE", "JOB", "BYTES", "CREATED"], rows)


def model_version_text(version: ModelVersion) -> str:
    lines = [
        f"model:       {version.name}:{version.version}",
        f"format:      {version.format}",
        f"source:      {version.source}" + (f" of job {version.job}" if version.job else ""),
        f"size:        {version.size:,} bytes",
        f"created:     {_when(version.created_at)}",
    ]
    if version.description:
        lines.append(f"description: {version.description}")
    if version.tags:
        lines.append("tags:        " + ", ".join(f"{k}={v}" for k, v in version.tags.items()))
    if version.input_columns:
        lines.append("inputs:      " + ", ".join(f"{c.name} ({c.type})" for c in version.input_columns))
    return "\n".join(lines)


def endpoints_text(endpoints: Sequence[Endpoint]) -> str:
    if not endpoints:
        return "No endpoints."
    rows = [
        [
            e.name,
            e.status,
            e.scoring_uri,
            ", ".join(f"{d.name}={e.traffic.get(d.name, 0)}% {d.model} {d.status}" for d in e.deployments) or "-",
        ]
        for e in endpoints
    ]
    return table(["NAME", "STATUS", "SCORING URI", "DEPLOYMENTS"], rows)


def endpoint_text(endpoint: Endpoint) -> str:
    lines = [
        f"endpoint:    {endpoint.name} ({endpoint.status})",
        f"scoring uri: {endpoint.scoring_uri}",
        f"auth mode:   {endpoint.auth_mode}",
        f"created:     {_when(endpoint.created_at)}",
    ]
    if endpoint.description:
        lines.append(f"description: {endpoint.description}")
    if not endpoint.deployments:
        lines.append("deployments: none yet")
        return "\n".join(lines)
    rows = []
    for d in endpoint.deployments:
        stats = d.stats
        latency = "-" if stats is None or stats.p50_ms is None else f"{stats.p50_ms:g}/{stats.p99_ms:g} ms"
        rows.append([
            d.name, f"{endpoint.traffic.get(d.name, 0)}%", d.model, d.status, str(d.restarts),
            "0" if stats is None else str(stats.requests), latency,
        ])
    lines += ["", table(["DEPLOYMENT", "TRAFFIC", "MODEL", "STATUS", "RESTARTS", "REQUESTS", "P50/P99"], rows)]
    lines += [f"{d.name}: last error: {d.last_error}" for d in endpoint.deployments if d.last_error]
    return "\n".join(lines)


def invoke_text(result: InvokeResult) -> str:
    """The scoring server's answer as JSON (or text), then its status line."""
    import json

    body = result.body if isinstance(result.body, str) else json.dumps(result.body, indent=2)
    served = f" from {result.deployment}" if result.deployment else ""
    return f"{body}\n# HTTP {result.status_code}{served} in {result.latency_ms:.1f} ms"


def _hyperparameters(values: dict[str, object], limit: int = 60) -> str:
    text = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def leaderboard_text(details: AutoMLDetails, top: int | None = None) -> str:
    """The AutoML job's settings line, its leaderboard (best first, best marked ``*``) and what to do next."""
    arrow = "higher is better" if details.goal == "maximize" else "lower is better"
    lines = [
        f"{details.name}: AutoML {details.task} of {details.target_column_name!r}, {details.status.value}",
        f"primary metric: {details.primary_metric} ({arrow}); validation: {details.validation or '-'}",
    ]
    if details.stop_reason:
        lines.append(f"search ended: {details.stop_reason}")
    lines += [f"note: {note}" for note in details.notes]
    entries = details.leaderboard[:top] if top else details.leaderboard
    if not entries:
        lines.append("No trial has finished yet.")
        return "\n".join(lines)
    rows = [
        [
            ("*" if e.is_best else "") + (str(e.rank) if e.rank is not None else "-"),
            e.trial,
            e.algorithm + (" (default)" if e.source == "default" else ""),
            _number(e.score),
            "-" if e.score_std is None else f"± {e.score_std:.3f}",
            f"{e.duration_s:.1f}s",
            e.error or _hyperparameters(e.hyperparameters),
        ]
        for e in entries
    ]
    lines += ["", table(["RANK", "TRIAL", "ALGORITHM", details.primary_metric.upper(), "SPREAD", "TIME", "HYPERPARAMETERS"], rows)]
    if len(entries) < len(details.leaderboard):
        lines.append(f"... {len(details.leaderboard) - len(entries)} more trial(s)")
    if details.model:
        lines += ["", f"Best model: {details.best_algorithm} ({details.best_trial}) in {details.model}; register it with:",
                  f"  amlx model register NAME --job {details.name}"]
    return "\n".join(lines)
