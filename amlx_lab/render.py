"""Text and HTML renderings of records, shared by the CLI (text) and the magics (both).

Labels, statuses and units are in the current language (:mod:`.i18n`); values
(names, paths, metric keys) are shown as they are. Columns are aligned by
display width, so a Japanese label (two columns a character) lines up too.
"""

from __future__ import annotations

import html
import time
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .i18n import N_, _, _n

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

_HEALTH_MARK = {HealthState.OK: N_("ok"), HealthState.NOT_CONFIGURED: N_("not configured"), HealthState.ERROR: N_("error"),
               HealthState.CHECKING: N_("checking")}
_STATUS_WORDS = {
    "NotStarted": N_("NotStarted"),
    "Queued": N_("Queued"),
    "Preparing": N_("Preparing"),
    "Starting": N_("Starting"),
    "Running": N_("Running"),
    "Finalizing": N_("Finalizing"),
    "CancelRequested": N_("CancelRequested"),
    "Completed": N_("Completed"),
    "Failed": N_("Failed"),
    "Canceled": N_("Canceled"),
    "Creating": N_("Creating"),
    "Updating": N_("Updating"),
    "Succeeded": N_("Succeeded"),
    "Deleting": N_("Deleting"),
    "Restarting": N_("Restarting"),
}
_CAPABILITY_WORDS = {
    "jobs": N_("jobs"),
    "sweeps": N_("sweeps"),
    "automl": N_("automl"),
    "models": N_("models"),
    "endpoints": N_("endpoints"),
    "data_assets": N_("data_assets"),
}


def status(value: str) -> str:
    """A job or deployment status as Azure ML studio words it in the current language."""
    word = _STATUS_WORDS.get(value)
    return _(word) if word else value


def health(state: HealthState) -> str:
    return _(_HEALTH_MARK[state])


def integer(value: int) -> str:
    """A count or a size with thousands separators."""
    return f"{value:,}"


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def fields(pairs: Sequence[tuple[str, str]], columns: int = 0) -> str:
    """``label: value`` lines with the values aligned (at least ``columns`` wide for the label part)."""
    labels = [_("{label}:").format(label=label) for label, _value in pairs]
    column = max([columns, *(width(label) + 1 for label in labels)])
    return "\n".join(f"{_pad(label, column)}{value}" for label, (_label, value) in zip(labels, pairs))


def workspace_text(info: WorkspaceInfo) -> str:
    caps = info.capabilities
    enabled = [_(_CAPABILITY_WORDS[name]) for name in _CAPABILITY_WORDS if getattr(caps, name)]
    pairs = [
        (_("target"), f"{info.target} ({info.label})"),
        (_("location"), info.location),
        (_("health"), f"{health(info.health.state)} - {info.health.message}"),
        (_("version"), f"amlx_lab {info.version}"),
        (_("features"), _(", ").join(enabled) if enabled else _("none yet")),
        (_("targets"), _(", ").join(f"{t.name} ({health(t.health.state)})" for t in info.targets)),
    ]
    health_ = info.health
    if health_.studio_url:
        pairs.insert(3, (_("studio"), health_.studio_url))
    if health_.identity:
        pairs.insert(3 + bool(health_.studio_url), (_("signed in"), health_.identity))
    pairs += [(_("warning"), w) for w in info.warnings]
    return fields(pairs, 11)


def workspace_html(info: WorkspaceInfo) -> str:
    esc = html.escape
    rows = [
        (_("Target"), f"{esc(info.target)} <span style='opacity:.7'>({esc(info.label)})</span>"),
        (_("Location"), f"<code>{esc(info.location)}</code>"),
        (_("Health"), f"<b>{esc(health(info.health.state))}</b> &mdash; {esc(info.health.message)}"),
        (_("Version"), f"amlx_lab {esc(info.version)}"),
    ]
    if info.health.studio_url:
        link = f"<a href='{esc(info.health.studio_url)}' target='_blank' rel='noopener'>{esc(_('open in Azure ML studio'))}</a>"
        rows.insert(3, (_("Studio"), link))
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{esc(k)}</th><td style='text-align:left'>{v}</td></tr>" for k, v in rows
    )
    return f"<table class='amlx-workspace'>{body}</table>"


# -- jobs ----------------------------------------------------------------------------

def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    # translators: a strftime format; the local date and time the way the language writes them
    return time.strftime(_("%Y-%m-%d %H:%M:%S"), time.localtime(epoch))


def duration(job: Job, now: float | None = None) -> str:
    """Run time so far (or in total), e.g. ``1m05s``; ``-`` before it started."""
    if job.started_at is None:
        return "-"
    seconds = int(round((job.ended_at or now or time.time()) - job.started_at))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("{hours}h{minutes:02d}m").format(hours=hours, minutes=minutes)
    if minutes:
        return _("{minutes}m{seconds:02d}s").format(minutes=minutes, seconds=secs)
    return _("{seconds}s").format(seconds=secs)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain left-aligned text table."""
    widths = [max(width(h), *(width(r[i]) for r in rows)) if rows else width(h) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def jobs_text(jobs: Sequence[Job], metrics: Sequence[str] = ()) -> str:
    if not jobs:
        return _("No jobs.")
    if not metrics:
        seen: dict[str, None] = {}
        for job in jobs:
            seen.update(dict.fromkeys(sorted(job.metrics)))
        metrics = list(seen)[:3]
    tagged = any(j.tags for j in jobs)
    headers = [_("NAME"), _("STATUS"), _("EXPERIMENT"), _("DISPLAY NAME"), _("DURATION"), *metrics, *([_("TAGS")] if tagged else [])]
    rows = [
        [j.name, status(j.status.value) + (_(" (archived)") if j.archived else ""), j.experiment, j.display_name, duration(j),
         *(_number(j.metrics.get(m)) for m in metrics), *([_tags(j.tags)] if tagged else [])]
        for j in jobs
    ]
    return table(headers, rows)


def job_text(job: Job) -> str:
    exit_code = _(" (exit code {code})").format(code=job.exit_code) if job.exit_code is not None else ""
    pairs = [
        (_("name"), job.name),
        (_("display"), job.display_name),
        (_("experiment"), job.experiment),
        (_("status"), status(job.status.value) + exit_code),
        (_("created"), _when(job.created_at)),
        (_("started"), _when(job.started_at)),
        (_("ended"), _when(job.ended_at)),
        (_("duration"), duration(job)),
        (_("compute"), job.compute),
        (_("command"), " ".join(job.command)),
    ]
    if job.description:
        pairs.append((_("description"), job.description))
    if job.tags:
        pairs.append((_("tags"), _tags(job.tags)))
    if job.archived:
        pairs.append((_("archived"), _("yes (amlx restore brings it back)")))
    if job.error:
        pairs.append((_("error"), job.error))
    if job.parameters:
        pairs.append((_("parameters"), ", ".join(f"{k}={v}" for k, v in job.parameters.items())))
    if job.inputs:
        pairs.append((_("inputs"), ", ".join(f"{i.name}={i.asset or i.path}" for i in job.inputs)))
    if job.metrics:
        pairs.append((_("metrics"), ""))
    lines = fields(pairs, 13).split("\n")
    if job.metrics:
        lines[-1] = lines[-1].rstrip()
        lines += [f"  {k} = {_number(v)}" for k, v in sorted(job.metrics.items())]
    if job.studio_url:
        lines.append(fields([(_("studio"), job.studio_url)], 13))
    return "\n".join(lines)


def data_text(assets: Sequence[DataAsset]) -> str:
    if not assets:
        return _("No data assets.")
    rows = [[a.name, a.version, a.type, integer(a.size), _when(a.created_at), a.description or ""] for a in assets]
    return table([_("NAME"), _("VERSION"), _("TYPE"), _("BYTES"), _("CREATED"), _("DESCRIPTION")], rows)


def computes_text(computes: Sequence[ComputeTarget]) -> str:
    if not computes:
        return _("No computes.")
    rows = [
        [c.name + (" *" if c.default else ""), c.kind, c.state, c.instance_type or "",
         "" if c.max_nodes is None else f"{c.min_nodes or 0}-{c.max_nodes}"]
        for c in computes
    ]
    return table([_("NAME (* default)"), _("KIND"), _("STATE"), _("INSTANCE TYPE"), _("NODES")], rows)


def instance_types_text(types: Sequence[InstanceType]) -> str:
    if not types:
        return _("This target offers no instance types.")
    rows = [[t.name, "" if t.vcpus is None else str(t.vcpus), "" if t.memory_gb is None else f"{t.memory_gb:g}",
             "" if t.gpus is None else str(t.gpus)] for t in types]
    return table([_("NAME"), _("VCPUS"), _("MEMORY GB"), _("GPUS")], rows)


# -- HTML for the %aml magics (JupyterLab shows these; a terminal IPython shows the text forms) --

_STATUS_COLOUR = {
    "Completed": "#2e7d32",
    "Failed": "#c62828",
    "Canceled": "#757575",
    "CancelRequested": "#757575",
    "Running": "#1565c0",
    "Finalizing": "#1565c0",
}


def status_badge_html(value: str) -> str:
    """A coloured pill for a job status, readable on light and dark themes (white on a saturated colour)."""
    colour = _STATUS_COLOUR.get(value, "#ef6c00")  # queued, preparing, starting: amber
    return (
        f"<span class='amlx-status' style='background:{colour};color:#fff;border-radius:8px;"
        f"padding:1px 8px;font-size:90%'>{html.escape(status(value))}</span>"
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
        (_("Name"), f"<code>{esc(job.name)}</code>"),
        (_("Display name"), esc(job.display_name)),
        (_("Experiment"), esc(job.experiment)),
        (_("Status"), status_badge_html(job.status.value)
         + (f" <span style='opacity:.7'>{esc(_('exit code {code}').format(code=job.exit_code))}</span>"
            if job.exit_code is not None else "")),
        (_("Created"), esc(_when(job.created_at))),
        (_("Duration"), esc(duration(job))),
        (_("Compute"), esc(job.compute)),
    ]
    if job.error:
        rows.append((_("Error"), f"<span style='color:#c62828'>{esc(job.error)}</span>"))
    if job.parameters:
        rows.append((_("Parameters"), esc(", ".join(f"{k}={v}" for k, v in job.parameters.items()))))
    if job.inputs:
        rows.append((_("Inputs"), esc(", ".join(f"{i.name}={i.asset or i.path}" for i in job.inputs))))
    if job.metrics:
        rows.append((_("Metrics"), "<br>".join(f"{esc(k)} = {esc(_number(v))}" for k, v in sorted(job.metrics.items()))))
    if job.studio_url:
        link = f"<a href='{esc(job.studio_url)}' target='_blank' rel='noopener'>{esc(_('open in Azure ML studio'))}</a>"
        rows.append((_("Studio"), link))
    hint = f"<div style='opacity:.7;margin-top:4px'>{esc(note)}</div>" if note else ""
    return _rows_html(rows, "amlx-job") + hint


def data_html(assets: Sequence[DataAsset]) -> str:
    """Data assets as an HTML table (same columns as :func:`data_text`)."""
    if not assets:
        return f"<p>{html.escape(_('No data assets.'))}</p>"
    esc = html.escape
    names = (_("Name"), _("Version"), _("Type"), _("Bytes"), _("Created"), _("Description"))
    head = "".join(f"<th style='text-align:left'>{esc(h)}</th>" for h in names)
    rows = "".join(
        "<tr>" + "".join(
            f"<td style='text-align:left'>{esc(cell)}</td>"
            for cell in (a.name, a.version, a.type, integer(a.size), _when(a.created_at), a.description or "")
        ) + "</tr>"
        for a in assets
    )
    return f"<table class='amlx-data'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def data_asset_text(asset: DataAsset) -> str:
    """One registered asset in a line, with the reference a job input uses."""
    return _("Registered {name} version {version} ({type}, {size} bytes); use it as {ref}").format(
        name=asset.name, version=asset.version, type=asset.type, size=integer(asset.size), ref=asset.ref)


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
        warnings = "".join(f"<li>{esc(w)}</li>" for w in package.warnings)
        parts.append(f"<div><b>{esc(_('Warnings'))}</b><ul>{warnings}</ul></div>")
    for cell in package.cells:
        parts.append(
            f"<div><code>{esc(_cell_label(cell))}</code>: {esc(cell.reason)}"
            f"<pre style='margin:2px 0 6px 0'>{esc(_cell_code(package, cell))}</pre></div>"
        )
    if package.experiment:
        parts.append(f"<div><b>{esc(_('Experiment'))}</b>: <code>{esc(package.experiment)}</code> "
                     f"{esc(_('(the code’s mlflow.set_experiment)'))}</div>")
    if package.parameters:
        params = ", ".join(f"<code>{esc(p.flag)} {esc(repr(p.default))}</code>" for p in package.parameters.values())
        parts.append(f"<div><b>{esc(_('Parameters'))}</b>: {params}</div>")
    parts.append(f"<div><b>Requirements</b>: {esc(', '.join(package.requirements) or 'none')}</div>")
    if package.inputs:
        parts.append("<div><b>Data files</b>: " + esc("; ".join(_input_text(i) for i in package.inputs)) + "</div>")
    lines = len(package.script.splitlines())
    parts.append(f"<details><summary>main.py ({lines} lines)</summary><pre>{esc(package.script)}</pre></details>")
    return "<div class='amlx-preview'>" + "".join(parts) + "</div>"


def download_text(folder: str, files: Sequence[tuple[str, int]]) -> str:
    """What a download wrote: one line per file, then the total."""
    if not files:
        return _("Nothing written to {folder}: the job has no output files.").format(folder=folder)
    total = sum(size for _path, size in files)
    lines = ["  " + _("{path}  ({size} bytes)").format(path=path, size=integer(size)) for path, size in files]
    head = _n("Wrote {count} file, {size} bytes, to {folder}:", "Wrote {count} files, {size} bytes, to {folder}:", len(files))
    return "\n".join([head.format(count=len(files), size=integer(total), folder=folder), *lines])


def download_html(folder: str, files: Sequence[tuple[str, int]]) -> str:
    esc = html.escape
    if not files:
        return f"<p>{esc(_('Nothing written to {folder}: the job has no output files.').format(folder=folder))}</p>"
    total = sum(size for _path, size in files)
    items = "".join(f"<li><code>{esc(path)}</code> ({esc(_('{size} bytes').format(size=integer(size)))})</li>" for path, size in files)
    head = _n("Wrote {count} file, {size} bytes, to {folder}:", "Wrote {count} files, {size} bytes, to {folder}:", len(files))
    return f"<div>{esc(head.format(count=len(files), size=integer(total), folder=folder))}<ul>{items}</ul></div>"


# -- models and endpoints (text, for the CLI) -----------------------------------------


def models_text(models: Sequence[ModelSummary]) -> str:
    if not models:
        return _("No models.")
    rows = [
        [m.name, m.latest_version, str(m.version_count), _aliases(m.aliases), _when(m.updated_at), m.description or ""]
        for m in models
    ]
    return table([_("NAME"), _("LATEST"), _("VERSIONS"), _("ALIASES"), _("UPDATED"), _("DESCRIPTION")], rows)


def _aliases(aliases: dict[str, str]) -> str:
    return ", ".join(f"{a}={v}" for a, v in sorted(aliases.items())) or "-"


def _tags(tags: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags.items())


def model_versions_text(versions: Sequence[ModelVersion]) -> str:
    rows = [
        [v.version + (_(" (archived)") if v.archived else ""), ", ".join(v.aliases) or "-", v.format, v.source,
         v.job or "-", integer(v.size), _when(v.created_at), _tags(v.tags)]
        for v in versions
    ]
    return table([_("VERSION"), _("ALIASES"), _("FORMAT"), _("SOURCE"), _("JOB"), _("BYTES"), _("CREATED"), _("TAGS")], rows)


def model_version_text(version: ModelVersion) -> str:
    source = _("{source} of job {job}").format(source=version.source, job=version.job) if version.job else version.source
    pairs = [
        (_("model"), f"{version.name}:{version.version}"),
        (_("format"), version.format),
        (_("source"), source),
        (_("size"), _("{size} bytes").format(size=integer(version.size))),
        (_("created"), _when(version.created_at)),
    ]
    if version.aliases:
        pairs.append((_("aliases"), ", ".join(version.aliases)))
    if version.archived:
        pairs.append((_("archived"), _("yes (never latest)")))
    if version.description:
        pairs.append((_("description"), version.description))
    if version.tags:
        pairs.append((_("tags"), ", ".join(f"{k}={v}" for k, v in version.tags.items())))
    if version.input_columns:
        pairs.append((_("inputs"), ", ".join(f"{c.name} ({c.type})" for c in version.input_columns)))
    return fields(pairs, 13)


def endpoints_text(endpoints: Sequence[Endpoint]) -> str:
    if not endpoints:
        return _("No endpoints.")
    rows = [
        [
            e.name,
            status(e.status),
            e.scoring_uri,
            ", ".join(f"{d.name}={e.traffic.get(d.name, 0)}% {d.model} {status(d.status)}" for d in e.deployments) or "-",
        ]
        for e in endpoints
    ]
    return table([_("NAME"), _("STATUS"), _("SCORING URI"), _("DEPLOYMENTS")], rows)


def endpoint_text(endpoint: Endpoint) -> str:
    pairs = [
        (_("endpoint"), f"{endpoint.name} ({status(endpoint.status)})"),
        (_("scoring uri"), endpoint.scoring_uri),
        (_("auth mode"), endpoint.auth_mode),
        (_("created"), _when(endpoint.created_at)),
    ]
    if endpoint.description:
        pairs.append((_("description"), endpoint.description))
    if not endpoint.deployments:
        pairs.append((_("deployments"), _("none yet")))
        return fields(pairs, 13)
    lines = fields(pairs, 13).split("\n")
    rows = []
    for d in endpoint.deployments:
        stats = d.stats
        latency = "-" if stats is None or stats.p50_ms is None else f"{stats.p50_ms:g}/{stats.p99_ms:g} ms"
        rows.append([
            d.name, f"{endpoint.traffic.get(d.name, 0)}%", d.model, status(d.status), str(d.restarts),
            "0" if stats is None else str(stats.requests), latency,
        ])
    headers = [_("DEPLOYMENT"), _("TRAFFIC"), _("MODEL"), _("STATUS"), _("RESTARTS"), _("REQUESTS"), "P50/P99"]
    lines += ["", table(headers, rows)]
    lines += [_("{name}: last error: {error}").format(name=d.name, error=d.last_error) for d in endpoint.deployments if d.last_error]
    return "\n".join(lines)


def invoke_text(result: InvokeResult) -> str:
    """The scoring server's answer as JSON (or text), then its status line."""
    import json

    body = result.body if isinstance(result.body, str) else json.dumps(result.body, indent=2)
    if result.deployment:
        line = _("HTTP {status} from {deployment} in {ms} ms").format(
            status=result.status_code, deployment=result.deployment, ms=f"{result.latency_ms:.1f}")
    else:
        line = _("HTTP {status} in {ms} ms").format(status=result.status_code, ms=f"{result.latency_ms:.1f}")
    return f"{body}\n# {line}"


# -- sweeps --------------------------------------------------------------------------


def _trial_note(job: Job, details: SweepDetails) -> str:
    """Best, stopped early, or the start of a failed trial's error."""
    pruned = job.tags.get("amlx.pruned_at")
    if job.name == details.best_trial:
        return _("best")
    if pruned:
        return _("stopped early at interval {interval}").format(interval=pruned)
    return job.error[:80] if job.status.value == "Failed" and job.error else ""


def _trial_rows(details: SweepDetails, trials: Sequence[Job]) -> tuple[list[str], list[tuple[Job, list[str]]]]:
    """The trials table shared by the text and HTML renderings: one row per trial, best marked."""
    metric = details.settings.objective.primary_metric
    names = list(details.settings.search_space)
    headers = [_("TRIAL"), _("STATUS"), *names, metric, _("NOTE")]
    rows = []
    for job in sorted(trials, key=lambda j: (int(j.tags.get("amlx.trial", "0") or 0), j.created_at)):
        values = [_number(v) if isinstance(v, float) else str(v) for v in (job.parameters.get(n, "") for n in names)]
        rows.append((job, [job.tags.get("amlx.trial", job.name), status(job.status.value), *values,
                           _number(job.metrics.get(metric)), _trial_note(job, details)]))
    return headers, rows


def _sweep_summary(parent: Job, details: SweepDetails) -> str:
    objective = details.settings.objective
    counts = _(", ").join(
        _("{count} {status}").format(count=n, status=status(s).lower()) for s, n in sorted(details.trial_counts.items())
    ) or _("no trials yet")
    total = details.settings.total_trials()
    goal = (_("minimize {metric}") if objective.goal == "minimize" else _("maximize {metric}")).format(
        metric=objective.primary_metric)
    if details.best_trial:
        return _n(
            "Sweep {name} ({status}): {done} of {total} trial ({counts}), {goal}; best {best} with {metric} {value}",
            "Sweep {name} ({status}): {done} of {total} trials ({counts}), {goal}; best {best} with {metric} {value}",
            total,
        ).format(name=parent.name, status=status(parent.status.value), done=details.trials, total=total, counts=counts,
                 goal=goal, best=details.best_trial, metric=objective.primary_metric, value=_number(details.best_value))
    return _n(
        "Sweep {name} ({status}): {done} of {total} trial ({counts}), {goal}",
        "Sweep {name} ({status}): {done} of {total} trials ({counts}), {goal}",
        total,
    ).format(name=parent.name, status=status(parent.status.value), done=details.trials, total=total, counts=counts, goal=goal)


def sweep_text(parent: Job, details: SweepDetails, trials: Sequence[Job]) -> str:
    """A sweep as a summary line and its trials table (the CLI and a terminal IPython)."""
    headers, rows = _trial_rows(details, trials)
    lines = [_sweep_summary(parent, details)]
    if rows:
        lines += ["", table(headers, [cells for _job, cells in rows])]
    if parent.error:
        lines.append(_("error: {error}").format(error=parent.error))
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
    rows = [[d.name, d.type, repr(d.default), d.expression or (_("(fixed)") if d.searchable else _("(not searchable)"))]
            for d in preview.dimensions]
    headers = [_("PARAMETER"), _("TYPE"), _("NOTEBOOK VALUE"), _("SEARCH")]
    lines = [_("Dimensions:"), table(headers, rows) if rows else _("  (the cell has no parameters)")]
    if preview.metrics:
        lines.append(_("Objective: earlier runs of this cell logged {metrics}").format(metrics=", ".join(preview.metrics)))
    else:
        lines.append(_("Objective: earlier runs of this cell logged no metrics yet"))
    if preview.points:
        names = list(preview.points[0])
        rows = [[str(i), *(_number(p[n]) if isinstance(p[n], float) else str(p[n]) for n in names)] for i, p in enumerate(preview.points)]
        shown, total = len(preview.points), preview.total_trials
        count = shown if total is None else total
        if preview.seed is not None:
            first = _n("First {shown} of {total} trial (seed {seed}):", "First {shown} of {total} trials (seed {seed}):",
                       count).format(shown=shown, total=total, seed=preview.seed)
        else:
            first = _n("First {shown} of {total} trial:", "First {shown} of {total} trials:", count).format(shown=shown, total=total)
        lines += [first, table([_("TRIAL"), *names], rows)]
    lines += [_("note: {note}").format(note=n) for n in preview.notes]
    return "\n".join(lines)

def _hyperparameters(values: dict[str, object], limit: int = 60) -> str:
    text = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def leaderboard_text(details: AutoMLDetails, top: int | None = None) -> str:
    """The AutoML job's settings line, its leaderboard (best first, best marked ``*``) and what to do next."""
    higher = details.goal == "maximize"
    lines = [
        _("{name}: AutoML {task} of {column}, {status}").format(
            name=details.name, task=details.task, column=repr(details.target_column_name), status=status(details.status.value)),
        (_("primary metric: {metric} (higher is better); validation: {validation}") if higher
         else _("primary metric: {metric} (lower is better); validation: {validation}")).format(
            metric=details.primary_metric, validation=details.validation or "-"),
    ]
    if details.stop_reason:
        lines.append(_("search ended: {reason}").format(reason=details.stop_reason))
    lines += [_("note: {note}").format(note=note) for note in details.notes]
    entries = details.leaderboard[:top] if top else details.leaderboard
    if not entries:
        lines.append(_("No trial has finished yet."))
        return "\n".join(lines)
    rows = [
        [
            ("*" if e.is_best else "") + (str(e.rank) if e.rank is not None else "-"),
            e.trial,
            _("{algorithm} (default)").format(algorithm=e.algorithm) if e.source == "default" else e.algorithm,
            _number(e.score),
            "-" if e.score_std is None else f"± {e.score_std:.3f}",
            f"{e.duration_s:.1f}s",
            e.error or _hyperparameters(e.hyperparameters),
        ]
        for e in entries
    ]
    headers = [_("RANK"), _("TRIAL"), _("ALGORITHM"), details.primary_metric.upper(), _("SPREAD"), _("TIME"), _("HYPERPARAMETERS")]
    lines += ["", table(headers, rows)]
    hidden = len(details.leaderboard) - len(entries)
    if hidden:
        lines.append(_n("... {count} more trial", "... {count} more trials", hidden).format(count=hidden))
    if details.model:
        lines += ["", _("Best model: {algorithm} ({trial}) in {model}; register it with:").format(
                      algorithm=details.best_algorithm, trial=details.best_trial, model=details.model),
                  f"  amlx model register NAME --job {details.name}"]
    return "\n".join(lines)


def export_text(result: ExportResult) -> str:
    """Where the export went, how to run it, and what to change first."""
    main = result.files[0] if result.files else ""
    how = (f"az ml job create --file {main} --stream" if result.kind == "job"
           else f"az ml online-endpoint create --file {main}")
    exported = (_("exported job {name} ({target} target) to {folder}/") if result.kind == "job"
                else _("exported endpoint {name} ({target} target) to {folder}/"))
    lines = [exported.format(name=result.name, target=result.target, folder=result.folder)]
    lines += [f"  {path}" for path in result.files if "/" not in path or not path.startswith("src/")]
    code = sum(1 for path in result.files if path.startswith("src/"))
    if code:
        lines.append(_n("  src/ ({count} file)", "  src/ ({count} files)", code).format(count=code))
    lines.append(_("run it:   cd {folder} && {command}").format(folder=result.folder, command=how))
    lines.append(_("from CI:  copy workflow.yml to .github/workflows/ (its first lines say what it needs)"))
    lines += [_("note:     {note}").format(note=note) for note in result.notes]
    return "\n".join(lines)
