"""Text and HTML renderings of records, shared by the CLI (text) and the magics (both)."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .records import (
    AutoMLDetails,
    ComputeTarget,
    DataAsset,
    Endpoint,
    ExportResult,
    HealthState,
    InstanceType,
    InvokeResult,
    Job,
    ModelSummary,
    ModelVersion,
    SweepDetails,
    WorkspaceInfo,
)

if TYPE_CHECKING:
    from .notebook import JobPackage, PackageInput
    from .notebook.package import IncludedCell
    from .sweep.cell import SweepPreview

_HEALTH_MARK = {
    HealthState.OK: "ok",
    HealthState.NOT_CONFIGURED: "not configured",
    HealthState.ERROR: "error",
    HealthState.CHECKING: "checking",
}


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
    health = info.health
    if health.identity:
        lines.insert(3, f"signed in: {health.identity}")
    if health.studio_url:
        lines.insert(3, f"studio:    {health.studio_url}")
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
    if info.health.studio_url:
        link = f"<a href='{esc(info.health.studio_url)}' target='_blank' rel='noopener'>open in Azure ML studio</a>"
        rows.insert(3, ("Studio", link))
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
    tagged = any(j.tags for j in jobs)
    headers = ["NAME", "STATUS", "EXPERIMENT", "DISPLAY NAME", "DURATION", *metrics, *(["TAGS"] if tagged else [])]
    rows = [
        [j.name, j.status.value + (" (archived)" if j.archived else ""), j.experiment, j.display_name, duration(j),
         *(_number(j.metrics.get(m)) for m in metrics), *([_tags(j.tags)] if tagged else [])]
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
    if job.description:
        lines.append(f"description: {job.description}")
    if job.tags:
        lines.append(f"tags:        {_tags(job.tags)}")
    if job.archived:
        lines.append("archived:    yes (amlx restore brings it back)")
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


def computes_text(computes: Sequence[ComputeTarget]) -> str:
    if not computes:
        return "No computes."
    rows = [
        [c.name + (" *" if c.default else ""), c.kind, c.state, c.instance_type or "",
         "" if c.max_nodes is None else f"{c.min_nodes or 0}-{c.max_nodes}"]
        for c in computes
    ]
    return table(["NAME (* default)", "KIND", "STATE", "INSTANCE TYPE", "NODES"], rows)


def instance_types_text(types: Sequence[InstanceType]) -> str:
    if not types:
        return "This target offers no instance types."
    rows = [[t.name, "" if t.vcpus is None else str(t.vcpus), "" if t.memory_gb is None else f"{t.memory_gb:g}",
             "" if t.gpus is None else str(t.gpus)] for t in types]
    return table(["NAME", "VCPUS", "MEMORY GB", "GPUS"], rows)


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


def _package_title(package: JobPackage) -> str:
    notebook = package.notebook_path.replace("\\", "/").rsplit("/", 1)[-1] if package.notebook_path else "the kernel's history"
    others = len(package.cells) - 1
    needs = f", with {others} earlier cell{'s' if others != 1 else ''} it needs" if others else ""
    return f"Cell {package.target_cell.index} of {notebook} as a job{needs}"


def _cell_code(package: JobPackage, cell: IncludedCell) -> str:
    """The cell's code as main.py runs it (its override lines included)."""
    if cell.script_start is None or cell.script_end is None:
        return ""
    return "\n".join(package.script.splitlines()[cell.script_start - 1 : cell.script_end])


def _cell_label(cell: IncludedCell) -> str:
    label = f"cell {cell.index}" + (f" (id {cell.id!r})" if cell.id else "")
    return label + (f" In [{cell.execution_count}]" if cell.execution_count is not None else "")


def _input_text(item: PackageInput) -> str:
    if item.mode == "job_input":
        return f"{item.path} (job input {item.option} PATH, {item.size_bytes:,} bytes)"
    return f"{item.path} ({item.kind}, copied, {item.size_bytes:,} bytes)"


def package_text(package: JobPackage, *, script: bool = False) -> str:
    """A job package preview: the cells it runs, parameters, requirements, data files, warnings.

    main.py itself (the same cells plus two lines of set-up) only with ``script=True``.
    """
    if script:
        return package.script.rstrip("\n")
    lines = [f"{_package_title(package)} (main.py: {len(package.script.splitlines())} lines; --script shows it)", ""]
    for cell in package.cells:
        lines.append(f"# {_cell_label(cell)}: {cell.reason}")
        lines += [f"    {line}" if line else "" for line in _cell_code(package, cell).splitlines()]
        lines.append("")
    if package.experiment:
        lines.append(f"experiment:   {package.experiment} (the code's mlflow.set_experiment; --experiment overrides it)")
    if package.parameters:
        lines.append("parameters:   " + ", ".join(
            f"{p.flag} {p.default!r} (cell {p.cell_index}, line {p.line})" for p in package.parameters.values()
        ))
    lines.append("requirements: " + (", ".join(package.requirements) or "none"))
    if package.inputs:
        lines.append("data files:   " + "; ".join(_input_text(i) for i in package.inputs))
    if package.warnings:
        lines.append("warnings:")
        lines += [f"  - {w}" for w in package.warnings]
    return "\n".join(lines).rstrip("\n")


def package_html(package: JobPackage) -> str:
    """The preview as HTML: warnings first (they are what needs attention), the cells, then main.py folded."""
    esc = html.escape
    parts = [f"<div><b>{esc(_package_title(package))}</b></div>"]
    if package.warnings:
        parts.append("<div><b>Warnings</b><ul>" + "".join(f"<li>{esc(w)}</li>" for w in package.warnings) + "</ul></div>")
    for cell in package.cells:
        parts.append(
            f"<div><code>{esc(_cell_label(cell))}</code>: {esc(cell.reason)}"
            f"<pre style='margin:2px 0 6px 0'>{esc(_cell_code(package, cell))}</pre></div>"
        )
    if package.experiment:
        parts.append(f"<div><b>Experiment</b>: <code>{esc(package.experiment)}</code> (the code's mlflow.set_experiment)</div>")
    if package.parameters:
        params = ", ".join(f"<code>{esc(p.flag)} {esc(repr(p.default))}</code>" for p in package.parameters.values())
        parts.append(f"<div><b>Parameters</b>: {params}</div>")
    parts.append(f"<div><b>Requirements</b>: {esc(', '.join(package.requirements) or 'none')}</div>")
    if package.inputs:
        parts.append("<div><b>Data files</b>: " + esc("; ".join(_input_text(i) for i in package.inputs)) + "</div>")
    lines = len(package.script.splitlines())
    parts.append(f"<details><summary>main.py ({lines} lines)</summary><pre>{esc(package.script)}</pre></details>")
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
    rows = [
        [m.name, m.latest_version, str(m.version_count), _aliases(m.aliases), _when(m.updated_at), m.description or ""]
        for m in models
    ]
    return table(["NAME", "LATEST", "VERSIONS", "ALIASES", "UPDATED", "DESCRIPTION"], rows)


def _aliases(aliases: dict[str, str]) -> str:
    return ", ".join(f"{a}={v}" for a, v in sorted(aliases.items())) or "-"


def _tags(tags: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags.items())


def model_versions_text(versions: Sequence[ModelVersion]) -> str:
    rows = [
        [v.version + (" (archived)" if v.archived else ""), ", ".join(v.aliases) or "-", v.format, v.source,
         v.job or "-", f"{v.size:,}", _when(v.created_at), _tags(v.tags)]
        for v in versions
    ]
    return table(["VERSION", "ALIASES", "FORMAT", "SOURCE", "JOB", "BYTES", "CREATED", "TAGS"], rows)


def model_version_text(version: ModelVersion) -> str:
    lines = [
        f"model:       {version.name}:{version.version}",
        f"format:      {version.format}",
        f"source:      {version.source}" + (f" of job {version.job}" if version.job else ""),
        f"size:        {version.size:,} bytes",
        f"created:     {_when(version.created_at)}",
    ]
    if version.aliases:
        lines.append(f"aliases:     {', '.join(version.aliases)}")
    if version.archived:
        lines.append("archived:    yes (never latest)")
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


# -- sweeps --------------------------------------------------------------------------


def _trial_rows(details: SweepDetails, trials: Sequence[Job]) -> tuple[list[str], list[tuple[Job, list[str]]]]:
    """The trials table shared by the text and HTML renderings: one row per trial, best marked."""
    metric = details.settings.objective.primary_metric
    names = list(details.settings.search_space)
    headers = ["TRIAL", "STATUS", *names, metric, "NOTE"]
    rows = []
    for job in sorted(trials, key=lambda j: (int(j.tags.get("amlx.trial", "0") or 0), j.created_at)):
        pruned = job.tags.get("amlx.pruned_at")
        note = "best" if job.name == details.best_trial else f"stopped early at interval {pruned}" if pruned else ""
        if not note and job.status.value == "Failed" and job.error:
            note = job.error[:80]
        values = [_number(v) if isinstance(v, float) else str(v) for v in (job.parameters.get(n, "") for n in names)]
        rows.append((job, [job.tags.get("amlx.trial", job.name), job.status.value, *values, _number(job.metrics.get(metric)), note]))
    return headers, rows


def _sweep_summary(parent: Job, details: SweepDetails) -> str:
    objective = details.settings.objective
    counts = ", ".join(f"{n} {s.lower()}" for s, n in sorted(details.trial_counts.items())) or "no trials yet"
    best = (
        f"; best {details.best_trial} with {objective.primary_metric} {_number(details.best_value)}"
        if details.best_trial else ""
    )
    return (
        f"Sweep {parent.name} ({parent.status.value}): {details.trials} of {details.settings.total_trials()} trial(s) "
        f"({counts}), {objective.goal} {objective.primary_metric}{best}"
    )


def sweep_text(parent: Job, details: SweepDetails, trials: Sequence[Job]) -> str:
    """A sweep as a summary line and its trials table (the CLI and a terminal IPython)."""
    headers, rows = _trial_rows(details, trials)
    lines = [_sweep_summary(parent, details)]
    if rows:
        lines += ["", table(headers, [cells for _, cells in rows])]
    if parent.error:
        lines.append(f"error: {parent.error}")
    return "\n".join(lines)


def sweep_html(parent: Job, details: SweepDetails, trials: Sequence[Job], note: str | None = None) -> str:
    """A sweep as HTML: the summary, then the trials table with status pills, the best trial in bold."""
    esc = html.escape
    headers, rows = _trial_rows(details, trials)
    head = "".join(f"<th style='text-align:left;padding-right:1em'>{esc(h)}</th>" for h in headers)
    body = ""
    for job, cells in rows:
        style = " style='font-weight:bold'" if job.name == details.best_trial else ""
        tds = [f"<td style='text-align:left;padding-right:1em'>{esc(c)}</td>" for c in cells]
        tds[1] = f"<td style='text-align:left;padding-right:1em'>{status_badge_html(job.status.value)}</td>"
        body += f"<tr{style} title='{esc(job.name)}'>" + "".join(tds) + "</tr>"
    summary = f"<div>{status_badge_html(parent.status.value)} {esc(_sweep_summary(parent, details))}</div>"
    error = f"<div style='color:#c62828'>{esc(parent.error)}</div>" if parent.error else ""
    trials_table = f"<table class='amlx-sweep'><tr>{head}</tr>{body}</table>" if rows else ""
    hint = f"<div style='opacity:.7;margin-top:4px'>{esc(note)}</div>" if note else ""
    return summary + error + trials_table + hint


def sweep_preview_text(preview: SweepPreview) -> str:
    """A sweep preview: the cell's dimensions, the metrics to choose from, the first points."""
    rows = [[d.name, d.type, repr(d.default), d.expression or ("(fixed)" if d.searchable else "(not searchable)")]
            for d in preview.dimensions]
    lines = ["Dimensions:", table(["PARAMETER", "TYPE", "NOTEBOOK VALUE", "SEARCH"], rows) if rows else "  (the cell has no parameters)"]
    lines.append("Objective: earlier runs of this cell logged " + (", ".join(preview.metrics) if preview.metrics else "no metrics yet"))
    if preview.points:
        names = list(preview.points[0])
        seed = f" (seed {preview.seed})" if preview.seed is not None else ""
        rows = [[str(i), *(_number(p[n]) if isinstance(p[n], float) else str(p[n]) for n in names)] for i, p in enumerate(preview.points)]
        lines += [f"First {len(preview.points)} of {preview.total_trials} trial(s){seed}:", table(["TRIAL", *names], rows)]
    lines += [f"note: {n}" for n in preview.notes]
    return "\n".join(lines)

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


def export_text(result: ExportResult) -> str:
    """Where the export went, how to run it, and what to change first."""
    main = result.files[0] if result.files else ""
    how = (f"az ml job create --file {main} --stream" if result.kind == "job"
           else f"az ml online-endpoint create --file {main}")
    lines = [f"exported {result.kind} {result.name} ({result.target} target) to {result.folder}/"]
    lines += [f"  {path}" for path in result.files if "/" not in path or not path.startswith("src/")]
    code = sum(1 for path in result.files if path.startswith("src/"))
    if code:
        lines.append(f"  src/ ({code} files)")
    lines.append(f"run it:   cd {result.folder} && {how}")
    lines.append("from CI:  copy workflow.yml to .github/workflows/ (its first lines say what it needs)")
    lines += [f"note:     {note}" for note in result.notes]
    return "\n".join(lines)
