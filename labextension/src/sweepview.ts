/**
 * What the sweep view draws, from the sweep's details and its trials: the
 * trials table (sampled values, objective, early stop), the best trial, the
 * objective-over-time series and the parallel-coordinates chart's axes and
 * lines. Pure functions, tested without a DOM.
 */
import { IJob, IMetricPoint, ISweepDetails } from './apitypes';
import { statusLabel } from './format';
import { trans } from './i18n';

export const BEST_TRIAL_TAG = 'amlx.best_trial';
export const TRIAL_TAG = 'amlx.trial';
export const PRUNED_TAG = 'amlx.pruned_at';

export interface ITrialRow {
  name: string;
  /** The trial's number in its sweep (0, 1, ...). */
  index: number;
  status: IJob['status'];
  /** The sampled value of each searched parameter. */
  values: Record<string, unknown>;
  objective: number | null;
  /** The interval at which the early-termination policy stopped it. */
  prunedAt: number | null;
  best: boolean;
  error: string | null;
}

/** The searched parameters, in the order of the search space. */
export function dimensionNames(details: ISweepDetails): string[] {
  return Object.keys(details.settings.search_space);
}

export function trialIndex(job: IJob): number {
  const tagged = Number(job.tags?.[TRIAL_TAG]);
  if (Number.isInteger(tagged)) {
    return tagged;
  }
  const suffix = Number(job.name.slice(job.name.lastIndexOf('_') + 1));
  return Number.isInteger(suffix) ? suffix : 0;
}

/** One row per trial, in trial order, the best marked. */
export function trialRows(details: ISweepDetails, trials: readonly IJob[]): ITrialRow[] {
  const metric = details.settings.objective.primary_metric;
  const names = dimensionNames(details);
  return trials
    .map(job => {
      const value = job.metrics?.[metric];
      const pruned = Number(job.tags?.[PRUNED_TAG]);
      return {
        name: job.name,
        index: trialIndex(job),
        status: job.status,
        values: Object.fromEntries(names.map(name => [name, job.parameters?.[name]])),
        objective: typeof value === 'number' && isFinite(value) ? value : null,
        prunedAt: Number.isInteger(pruned) && job.tags?.[PRUNED_TAG] !== undefined ? pruned : null,
        best: job.name === details.best_trial,
        error: job.error ?? null
      };
    })
    .sort((a, b) => a.index - b.index);
}

/** Trials by status, in the order a person reads them. */
export function trialSummary(details: ISweepDetails): string {
  const order = ['Running', 'Queued', 'Completed', 'Canceled', 'Failed'];
  const counts = Object.entries(details.trial_counts).sort(
    ([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99)
  );
  const parts = counts.map(([status, count]) => statusCount(status, count));
  if (details.pruned) {
    parts.push(trans._p('trials', '%1 stopped early', details.pruned));
  }
  const total = totalTrials(details);
  const head = trans._n('%2 of %1 trial', '%2 of %1 trials', total, details.trials);
  return parts.length ? trans.__('%1: %2', head, parts.join(trans._p('list separator', ', '))) : head;
}

/** `2 completed`: how many trials have one status, in the status's own words. */
function statusCount(status: string, count: number): string {
  switch (status) {
    case 'Running':
      return trans._p('trials', '%1 running', count);
    case 'Queued':
      return trans._p('trials', '%1 queued', count);
    case 'Completed':
      return trans._p('trials', '%1 completed', count);
    case 'Canceled':
      return trans._p('trials', '%1 canceled', count);
    case 'Failed':
      return trans._p('trials', '%1 failed', count);
    default:
      return trans._p('trials', '%1 %2', count, statusLabel(status).toLowerCase());
  }
}

/** How many trials the limits allow (a grid may have fewer points). */
export function totalTrials(details: ISweepDetails): number {
  const limit = details.settings.limits?.max_total_trials ?? 1000;
  if (details.settings.sampling_algorithm?.type !== 'grid') {
    return limit;
  }
  let grid = 1;
  for (const expression of Object.values(details.settings.search_space)) {
    grid *= 'values' in expression ? expression.values.length : 1;
  }
  return Math.min(grid, limit);
}

export interface ISeries {
  id: string;
  label: string;
  best: boolean;
  /** x: the interval (1 for the first logged value), y: the value. */
  points: { x: number; y: number }[];
}

/** The objective over time: one series per trial that logged it (interval k is its k-th value). */
export function objectiveSeries(rows: readonly ITrialRow[], histories: Record<string, IMetricPoint[]>): ISeries[] {
  const series: ISeries[] = [];
  for (const row of rows) {
    const points = (histories[row.name] ?? [])
      .map((point, i) => ({ x: i + 1, y: point.value }))
      .filter((p): p is { x: number; y: number } => typeof p.y === 'number' && isFinite(p.y));
    if (points.length) {
      series.push({ id: row.name, label: trans.__('trial %1', row.index), best: row.best, points });
    }
  }
  return series;
}

export interface IAxis {
  name: string;
  /** Numbers are placed on a linear (or log) scale; anything else on evenly spaced categories. */
  kind: 'number' | 'category';
  min: number;
  max: number;
  log: boolean;
  categories: string[];
  /** The objective, the last axis. */
  objective: boolean;
}

/** An axis fitted to the values on it: numeric when all of them are numbers, categories otherwise. */
export function axisFor(name: string, values: unknown[], objective: boolean, log: boolean): IAxis {
  const numbers = values.filter((v): v is number => typeof v === 'number' && isFinite(v));
  if (numbers.length === values.length && numbers.length > 0) {
    let min = Math.min(...numbers);
    let max = Math.max(...numbers);
    if (min === max) {
      const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
      min -= pad;
      max += pad;
    }
    return { name, kind: 'number', min, max, log: log && min > 0, categories: [], objective };
  }
  const categories = Array.from(new Set(values.map(v => String(v))));
  return { name, kind: 'category', min: 0, max: Math.max(1, categories.length - 1), log: false, categories, objective };
}

/** The axes: one per searched parameter (log for loguniform-like searches), the objective last. */
export function parallelAxes(details: ISweepDetails, rows: readonly ITrialRow[]): IAxis[] {
  const measured = rows.filter(row => row.objective !== null);
  const axes = dimensionNames(details).map(name => {
    const expression = details.settings.search_space[name] as { type: string };
    const log = ['loguniform', 'qloguniform', 'lognormal', 'qlognormal'].includes(expression.type);
    return axisFor(name, measured.map(row => row.values[name]), false, log);
  });
  axes.push(axisFor(details.settings.objective.primary_metric, measured.map(row => row.objective), true, false));
  return axes;
}

/** Where a value sits on an axis, from 0 (bottom) to 1 (top). */
export function axisPosition(axis: IAxis, value: unknown): number {
  if (axis.kind === 'category') {
    const index = axis.categories.indexOf(String(value));
    return axis.categories.length <= 1 ? 0.5 : Math.max(0, index) / (axis.categories.length - 1);
  }
  const number = Number(value);
  if (axis.log) {
    return (Math.log(number) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min) || 1);
  }
  return (number - axis.min) / (axis.max - axis.min || 1);
}

export interface IParallelLine {
  id: string;
  label: string;
  best: boolean;
  /** Position on each axis, 0 to 1. */
  positions: number[];
}

/** One line per trial with a value of the objective, through its position on every axis. */
export function parallelLines(axes: readonly IAxis[], rows: readonly ITrialRow[]): IParallelLine[] {
  return rows
    .filter(row => row.objective !== null)
    .map(row => ({
      id: row.name,
      label: trans.__('trial %1', row.index),
      best: row.best,
      positions: axes.map(axis => axisPosition(axis, axis.objective ? row.objective : row.values[axis.name]))
    }));
}
