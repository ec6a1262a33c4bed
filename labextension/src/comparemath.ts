/**
 * One metric across the runs of an experiment against a parameter, a logged
 * param or another metric (the diabetes picture: rmse against alpha), and
 * which run is best.
 */
import { IJob } from './apitypes';
import { trans } from './i18n';

export type Goal = 'min' | 'max';

export interface IComparePoint {
  job: IJob;
  x: number;
  y: number;
}

/** A number from a parameter value: numbers as they are, numeric text parsed, anything else none. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return isFinite(value) ? value : undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return isFinite(parsed) ? parsed : undefined;
  }
  if (typeof value === 'boolean') {
    return undefined;
  }
  return undefined;
}

/** An x-axis key of a logged MLflow param ("params.C") or of a metric ("metrics.r2"); a bare key is a submitted parameter. */
export const PARAMS_AXIS = 'params.';
export const METRICS_AXIS = 'metrics.';

/**
 * The x value `key` names for a job: a submitted parameter ("alpha"), a
 * param MLflow logged ("params.alpha"), or a metric ("metrics.r2").
 */
export function axisValue(job: IJob, key: string): unknown {
  if (key.startsWith(PARAMS_AXIS)) {
    return job.params?.[key.slice(PARAMS_AXIS.length)];
  }
  if (key.startsWith(METRICS_AXIS)) {
    return job.metrics?.[key.slice(METRICS_AXIS.length)];
  }
  return job.parameters?.[key];
}

/** How an x-axis key reads in the picker and on the chart. */
export function axisLabel(key: string): string {
  if (key.startsWith(PARAMS_AXIS)) {
    return trans.__('%1 (logged param)', key.slice(PARAMS_AXIS.length));
  }
  if (key.startsWith(METRICS_AXIS)) {
    return trans.__('%1 (metric)', key.slice(METRICS_AXIS.length));
  }
  return key;
}

/**
 * What the x axis can show: numeric values present in at least two runs with
 * at least two distinct values. The submitted parameters (the notebook's)
 * come first, then the params MLflow logged and the metrics: the only choice
 * for interactive runs, which have no submitted parameters. A logged param
 * that repeats a submitted parameter of the same run is left out.
 */
export function axisCandidates(jobs: IJob[]): string[] {
  const stats = new Map<string, { rank: number; runs: number; values: Set<number> }>();
  const note = (key: string, value: unknown, rank: number) => {
    const number = numeric(value);
    if (number === undefined) {
      return;
    }
    const entry = stats.get(key) ?? { rank, runs: 0, values: new Set<number>() };
    entry.runs++;
    entry.values.add(number);
    stats.set(key, entry);
  };
  for (const job of jobs) {
    const submitted = job.parameters ?? {};
    for (const [key, value] of Object.entries(submitted)) {
      note(key, value, 0);
    }
    for (const [key, value] of Object.entries(job.params ?? {})) {
      if (!(key in submitted)) {
        note(PARAMS_AXIS + key, value, 1);
      }
    }
    for (const [key, value] of Object.entries(job.metrics ?? {})) {
      note(METRICS_AXIS + key, value, 2);
    }
  }
  return Array.from(stats.entries())
    .filter(([, s]) => s.runs >= 2 && s.values.size >= 2)
    .sort((a, b) => a[1].rank - b[1].rank || b[1].runs - a[1].runs || a[0].localeCompare(b[0]))
    .map(([key]) => key);
}

/** Metric names present in at least one run, most common first. */
export function metricCandidates(jobs: IJob[]): string[] {
  const counts = new Map<string, number>();
  for (const job of jobs) {
    for (const [key, value] of Object.entries(job.metrics ?? {})) {
      if (typeof value === 'number' && isFinite(value)) {
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return Array.from(counts.entries())
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key]) => key);
}

const LOWER_IS_BETTER = /(^|[_\-. ])(rmse|mse|mae|mape|loss|error|err|log_loss|logloss|deviance)($|[_\-. ])/i;

/** Whether smaller is better for a metric name (errors and losses), else larger. */
export function defaultGoal(metric: string): Goal {
  return LOWER_IS_BETTER.test(metric) ? 'min' : 'max';
}

/** Runs that have both a numeric x value (see `axisValue`) and the y metric, ordered by x. */
export function comparePoints(jobs: IJob[], xKey: string, yKey: string): IComparePoint[] {
  const points: IComparePoint[] = [];
  for (const job of jobs) {
    const x = numeric(axisValue(job, xKey));
    const y = job.metrics?.[yKey];
    if (x !== undefined && typeof y === 'number' && isFinite(y)) {
      points.push({ job, x, y });
    }
  }
  return points.sort((a, b) => a.x - b.x || a.job.created_at - b.job.created_at);
}

/** The best point for the goal; ties go to the earliest run. */
export function bestPoint(points: IComparePoint[], goal: Goal): IComparePoint | null {
  let best: IComparePoint | null = null;
  for (const point of points) {
    if (
      !best ||
      (goal === 'min' ? point.y < best.y : point.y > best.y) ||
      (point.y === best.y && point.job.created_at < best.job.created_at)
    ) {
      best = point;
    }
  }
  return best;
}

/** The metric a person most likely wants on y: a test-set error or score before training ones. */
export function preferredMetric(metrics: string[]): string {
  const order = [/^rmse$/i, /^(mae|mse|r2|accuracy|f1|auc)$/i, /test/i, /^(?!training_)/];
  for (const pattern of order) {
    const found = metrics.find(key => pattern.test(key));
    if (found) {
      return found;
    }
  }
  return metrics[0] ?? '';
}

/** At most `max` points spread evenly over the list, always keeping `keep` (the best run). */
export function samplePoints(points: IComparePoint[], max: number, keep: IComparePoint | null): IComparePoint[] {
  if (points.length <= max) {
    return points;
  }
  const step = Math.ceil(points.length / max);
  const sampled = points.filter((_, i) => i % step === 0);
  if (keep && !sampled.includes(keep)) {
    sampled.push(keep);
  }
  return sampled;
}
