/**
 * How numbers, times and statuses read in the UI (pure functions, jest-tested).
 * Words come from the translation bundle and numbers and dates from `Intl`
 * in JupyterLab's language (`./i18n`).
 */
import { IJob, JobStatus } from './apitypes';
import { locale, trans } from './i18n';

export const EMPTY = '—';

const TERMINAL: ReadonlySet<JobStatus> = new Set<JobStatus>([
  'Completed',
  'Failed',
  'Canceled'
]);

/**
 * A run a notebook kernel logged itself (`mlflow.start_run()`), not a job:
 * it has metrics, params and artifacts, but no log, code package or process.
 */
export function isInteractive(job: IJob): boolean {
  return job.type === 'interactive';
}

/** A job that will not change any more. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

export type StatusKind = 'queued' | 'running' | 'completed' | 'failed' | 'canceled';

/** The colour family of a status badge. */
export function statusKind(status: JobStatus): StatusKind {
  switch (status) {
    case 'Completed':
      return 'completed';
    case 'Failed':
      return 'failed';
    case 'Canceled':
    case 'CancelRequested':
      return 'canceled';
    case 'NotStarted':
    case 'Queued':
      return 'queued';
    default:
      return 'running';
  }
}

/** Seconds as "0.4s", "12s", "1m 05s", "2h 03m", "3d 4h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds) || seconds < 0) {
    return EMPTY;
  }
  if (seconds < 10) {
    const digits = seconds < 1 ? 1 : 0;
    const shown = new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return trans.__('%1s', shown.format(Math.round(seconds * 10) / 10));
  }
  const total = Math.round(seconds);
  if (total < 60) {
    return trans.__('%1s', total);
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  const minutes = Math.floor(total / 60);
  if (minutes < 60) {
    return trans.__('%1m %2s', minutes, pad(total % 60));
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return trans.__('%1h %2m', hours, pad(minutes % 60));
  }
  return trans.__('%1d %2h', Math.floor(hours / 24), hours % 24);
}

/** How long a job ran (or has been running, at `now` epoch seconds); null before it starts. */
export function jobDuration(job: IJob, now: number): number | null {
  if (job.started_at === null || job.started_at === undefined) {
    return null;
  }
  const end = job.ended_at ?? (isTerminal(job.status) ? job.started_at : now);
  return Math.max(0, end - job.started_at);
}

/** A metric value with about four significant digits; huge or tiny ones in exponent form. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return EMPTY;
  }
  if (!isFinite(value)) {
    return value > 0 ? '∞' : '-∞';
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e6) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    return value.toExponential(2);
  }
  // the locale's decimal sign; no grouping, so a metric column stays compact
  return new Intl.NumberFormat(locale(), { maximumSignificantDigits: 4, useGrouping: false }).format(value);
}

/** A count with the locale's grouping ("12,345"). */
export function formatCount(value: number): string {
  return value.toLocaleString(locale());
}

/** Any parameter value as short text (strings unquoted, objects as JSON). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return EMPTY;
  }
  if (typeof value === 'number') {
    return formatMetric(value);
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || bytes < 0) {
    return EMPTY;
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit > 0 && value < 10 ? 1 : 0;
  const number = new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: false
  });
  return `${number.format(unit === 0 ? value : digits ? value : Math.round(value))} ${UNITS[unit]}`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", then the date. */
export function formatAgo(epochSeconds: number | null | undefined, now: number): string {
  if (!epochSeconds) {
    return EMPTY;
  }
  const delta = Math.max(0, now - epochSeconds);
  if (delta < 45) {
    return trans.__('just now');
  }
  if (delta < 3600) {
    return trans.__('%1 min ago', Math.max(1, Math.round(delta / 60)));
  }
  if (delta < 86400) {
    return trans.__('%1 h ago', Math.round(delta / 3600));
  }
  if (delta < 7 * 86400) {
    return trans.__('%1 d ago', Math.round(delta / 86400));
  }
  return new Date(epochSeconds * 1000).toLocaleDateString(locale());
}

/**
 * How often a "5 min ago" text needs drawing again to stay true: every 15 s
 * in its first hour (minutes change), then every 5 minutes, then hourly.
 */
export function agoRefreshMs(epochSeconds: number | null | undefined, now: number): number {
  const delta = epochSeconds ? Math.max(0, now - epochSeconds) : Infinity;
  if (delta < 3600) {
    return 15_000;
  }
  return delta < 86400 ? 300_000 : 3_600_000;
}

/** A local date and time for tooltips and details. */
export function formatTime(epochSeconds: number | null | undefined): string {
  if (!epochSeconds) {
    return EMPTY;
  }
  return new Date(epochSeconds * 1000).toLocaleString(locale());

}

const MASK = '•'.repeat(8);

/** A secret shown as dots plus its last four characters (enough to tell two keys apart). */
export function maskSecret(secret: string): string {
  if (!secret) {
    return '';
  }
  return secret.length <= 8 ? MASK : `${MASK}${secret.slice(-4)}`;
}

/** `text` with every occurrence of each secret masked (for the displayed curl command). */
export function maskSecrets(text: string, secrets: string[]): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) {
      masked = masked.split(secret).join(maskSecret(secret));
    }
  }
  return masked;
}

/** Best-effort: the `Bearer <key>` inside a curl command, so it can be masked without the keys route. */
export function bearerTokens(command: string): string[] {
  const found: string[] = [];
  const pattern = /Bearer\s+([^\s"'\\]+)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(command)) !== null) {
    if (!match[1].startsWith('$')) {
      found.push(match[1]);
    }
  }
  return found;
}

/** The file name of a path. */
export function baseName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts.length ? parts[parts.length - 1] : path;
}

/** A notebook path's name without folder and extension ("examples/titanic.ipynb" -> "titanic"). */
export function notebookStem(path: string): string {
  return baseName(path).replace(/\.ipynb$/i, '');
}

/** A name the server accepts for assets, models and endpoints: letters, digits, - _ . */
export function assetNameFrom(fileName: string): string {
  const cleaned = baseName(fileName)
    .replace(/\.([A-Za-z0-9]+)$/, '-$1')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+/g, '-')
    .replace(/[^A-Za-z0-9]+$/, '')
    .toLowerCase();
  return cleaned || 'asset';
}

/** A parameter value as a run's name shows it (long ones shortened). */
export function shortValue(value: unknown): string {
  const text = typeof value === 'string' ? value : formatValue(value);
  return text.length > 24 ? `${text.slice(0, 21)}...` : text;
}

/**
 * The submitted parameters whose values differ among `jobs`: what tells runs
 * of one cell apart (every run records all its values, the defaults too).
 */
export function varyingParameters(jobs: readonly IJob[]): string[] {
  const seen = new Map<string, string>();
  const varying = new Set<string>();
  for (const job of jobs) {
    for (const [key, value] of Object.entries(job.parameters ?? {})) {
      const text = JSON.stringify(value);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, text);
      } else if (first !== text) {
        varying.add(key);
      }
    }
  }
  // a run without the key differs from one that has it
  for (const job of jobs) {
    for (const key of seen.keys()) {
      if (!(key in (job.parameters ?? {}))) {
        varying.add(key);
      }
    }
  }
  return Array.from(varying).sort();
}

/** A trailing "(alpha=2, solver=svd)" that names some of the job's parameters (the server's default name). */
const PARAMETER_SUFFIX = /\s\(([^()]*)\)$/;

function namesParameters(inside: string, job: IJob): boolean {
  const parameters = job.parameters ?? {};
  return inside.split(', ').every(part => {
    const key = part.split('=')[0];
    return part.includes('=') && key in parameters;
  });
}

/**
 * A run's name inside its experiment's group, so that what differs shows
 * first in a narrow sidebar: the `varying` parameters with this run's values
 * ("alpha=0.5", the notebook's default too), then the display name without
 * the experiment's name in front and without the parameters it already
 * listed ("alpha=2 · diabetes cell 12").
 */
export function runLabel(job: IJob, varying: readonly string[] = []): string {
  let label = job.display_name || job.name;
  const prefix = `${job.experiment} `;
  if (label.length > prefix.length && label.startsWith(prefix)) {
    label = label.slice(prefix.length);
  }
  const parameters = job.parameters ?? {};
  const shown = varying.filter(key => key in parameters);
  if (!shown.length) {
    return label;
  }
  const suffix = PARAMETER_SUFFIX.exec(label);
  if (suffix && namesParameters(suffix[1], job)) {
    label = label.slice(0, suffix.index);
  }
  const values = shown.map(key => `${key}=${shortValue(parameters[key])}`).join(', ');
  return `${values} · ${label}`;
}

/** A job or deployment status in Azure ML studio's words for the page's language (the value itself when unknown). */
export function statusLabel(status: string): string {
  switch (status) {
    case 'NotStarted':
      return trans._p('status', 'Not started');
    case 'Queued':
      return trans._p('status', 'Queued');
    case 'Preparing':
      return trans._p('status', 'Preparing');
    case 'Starting':
      return trans._p('status', 'Starting');
    case 'Running':
      return trans._p('status', 'Running');
    case 'Finalizing':
      return trans._p('status', 'Finalizing');
    case 'CancelRequested':
      return trans._p('status', 'Canceling');
    case 'Completed':
      return trans._p('status', 'Completed');
    case 'Failed':
      return trans._p('status', 'Failed');
    case 'Canceled':
      return trans._p('status', 'Canceled');
    case 'Creating':
      return trans._p('status', 'Creating');
    case 'Updating':
      return trans._p('status', 'Updating');
    case 'Succeeded':
      return trans._p('status', 'Succeeded');
    case 'Deleting':
      return trans._p('status', 'Deleting');
    case 'Restarting':
      return trans._p('status', 'Restarting');
    case 'Stopped':
      return trans._p('status', 'Stopped');

    default:
      return status;
  }
}
