/**
 * Comparing chosen runs side by side, as pure functions: the parameters table
 * (which differ), the metrics table (the best run per metric, by the metric's
 * goal), the metrics every run logged (their curves are overlaid by step), the
 * selection the Runs list keeps, and the CSV the comparison exports.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IJob } from './apitypes';
import { IScatterPoint } from './charts';
import { axisFor, axisPosition, IAxis, IParallelLine } from './sweepview';

export interface ICompareRow {
  key: string;
  /** One cell per run, in the order of the runs; null where the run has no value. */
  values: (string | number | null)[];
}

export interface IParamRow extends ICompareRow {
  differs: boolean;
}

export interface IMetricRow extends ICompareRow {
  goal: 'min' | 'max';
  /** Index of the best run (null when no run logged the metric). */
  best: number | null;
}

/** A run's parameters: the ones submitted, then the ones its MLflow run logged (submitted values win). */
function paramsOf(job: IJob): Record<string, string | number> {
  const out: Record<string, string | number> = { ...(job.params ?? {}) };
  for (const [key, value] of Object.entries(job.parameters ?? {})) {
    out[key] = typeof value === 'number' ? value : String(value);
  }
  return out;
}

function same(a: string | number | null, b: string | number | null): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  const x = Number(a);
  const y = Number(b);
  return String(a) === String(b) || (!Number.isNaN(x) && !Number.isNaN(y) && x === y);
}

/** Every parameter of any run; the ones that differ first, then by name. */
export function paramRows(jobs: IJob[]): IParamRow[] {
  const all = jobs.map(paramsOf);
  const keys = [...new Set(all.flatMap(p => Object.keys(p)))];
  const rows = keys.map(key => {
    const values = all.map(p => (key in p ? p[key] : null));
    return { key, values, differs: values.some(v => !same(v, values[0])) };
  });
  return rows.sort((a, b) => Number(b.differs) - Number(a.differs) || a.key.localeCompare(b.key));
}

/** The direction of a metric: errors and losses go down, scores go up (a known goal wins). */
export function metricGoal(key: string, known: Record<string, 'min' | 'max'> = {}): 'min' | 'max' {
  if (known[key]) {
    return known[key];
  }
  return /(loss|error|err\b|rmse|mse|mae|mape|logloss|deviance|perplexity|time|duration)/i.test(key) ? 'min' : 'max';
}

/** Every metric any run logged, with the best run per metric marked. */
export function metricRows(jobs: IJob[], known: Record<string, 'min' | 'max'> = {}): IMetricRow[] {
  const keys = [...new Set(jobs.flatMap(job => Object.keys(job.metrics ?? {})))].sort();
  return keys.map(key => {
    const goal = metricGoal(key, known);
    const values = jobs.map(job => {
      const value = job.metrics?.[key];
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    });
    let best: number | null = null;
    values.forEach((value, i) => {
      if (value === null) {
        return;
      }
      const current = best === null ? null : (values[best] as number);
      if (current === null || (goal === 'min' ? value < current : value > current)) {
        best = i;
      }
    });
    return { key, values, goal, best };
  });
}

/** Metrics every chosen run logged: the ones whose curves can be overlaid. */
export function sharedMetrics(jobs: IJob[]): string[] {
  if (!jobs.length) {
    return [];
  }
  return Object.keys(jobs[0].metrics ?? {})
    .filter(key => jobs.every(job => key in (job.metrics ?? {})))
    .sort();
}

function asNumber(value: string | number | null): number | null {
  if (value === null || (typeof value === 'string' && value.trim() === '')) {
    return null;
  }
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** The differing parameters whose every value is a number: the ones a chart can place on an axis. */
export function numericDifferingParams(jobs: IJob[]): string[] {
  return paramRows(jobs)
    .filter(row => row.differs && row.values.every(v => v === null || asNumber(v) !== null))
    .filter(row => row.values.some(v => v !== null))
    .map(row => row.key);
}

/** The scatter of a metric against a parameter: a point per run that has both, the best by the metric's goal. */
export function compareScatter(
  jobs: IJob[],
  param: string,
  metric: string,
  known: Record<string, 'min' | 'max'> = {}
): { points: IScatterPoint[]; bestId: string | null } {
  const paramRow = paramRows(jobs).find(row => row.key === param);
  const metricRow = metricRows(jobs, known).find(row => row.key === metric);
  if (!paramRow || !metricRow) {
    return { points: [], bestId: null };
  }
  const points: IScatterPoint[] = [];
  jobs.forEach((job, i) => {
    const x = asNumber(paramRow.values[i]);
    const y = asNumber(metricRow.values[i]);
    if (x !== null && y !== null) {
      points.push({ id: job.name, label: job.display_name || job.name, x, y });
    }
  });
  const bestId = metricRow.best === null ? null : jobs[metricRow.best].name;
  return { points, bestId };
}

/**
 * The parallel-coordinates chart of the chosen runs: an axis per differing
 * numeric parameter, the metric last; a line per run that logged the metric
 * and has every parameter, the best by the metric's goal marked.
 */
export function compareParallel(
  jobs: IJob[],
  metric: string,
  known: Record<string, 'min' | 'max'> = {}
): { axes: IAxis[]; lines: IParallelLine[] } {
  const params = numericDifferingParams(jobs);
  const rows = paramRows(jobs);
  const metricRow = metricRows(jobs, known).find(row => row.key === metric);
  if (!metricRow) {
    return { axes: [], lines: [] };
  }
  const valuesOf = (i: number): (number | null)[] => [
    ...params.map(key => asNumber(rows.find(row => row.key === key)?.values[i] ?? null)),
    asNumber(metricRow.values[i])
  ];
  const drawn = jobs.map((_, i) => i).filter(i => valuesOf(i).every(v => v !== null));
  const axes = [...params, metric].map((name, k) =>
    axisFor(
      name,
      drawn.map(i => valuesOf(i)[k]),
      k === params.length,
      false
    )
  );
  const lines = drawn.map(i => ({
    id: jobs[i].name,
    label: jobs[i].display_name || jobs[i].name,
    best: i === metricRow.best,
    positions: axes.map((axis, k) => axisPosition(axis, valuesOf(i)[k]))
  }));
  return { axes, lines };
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The comparison as CSV: a column per run, a row per parameter (params.*) and metric (metrics.*). */
export function comparisonCsv(jobs: IJob[]): string {
  const header = ['field', ...jobs.map(job => job.name)];
  const lines = [
    header,
    ['display_name', ...jobs.map(job => job.display_name)],
    ['experiment', ...jobs.map(job => job.experiment)],
    ['status', ...jobs.map(job => job.status)],
    ...paramRows(jobs).map(row => [`params.${row.key}`, ...row.values]),
    ...metricRows(jobs).map(row => [`metrics.${row.key}`, ...row.values])
  ];
  return lines.map(line => line.map(csvCell).join(',')).join('\n') + '\n';
}

/** The runs ticked in the Runs list (any experiments), in the order they were ticked. */
export class RunSelection {
  private _names: string[] = [];
  private _changed = new Signal<this, readonly string[]>(this);

  get names(): readonly string[] {
    return this._names;
  }

  get changed(): ISignal<this, readonly string[]> {
    return this._changed;
  }

  has(name: string): boolean {
    return this._names.includes(name);
  }

  toggle(name: string): void {
    this._names = this.has(name) ? this._names.filter(n => n !== name) : [...this._names, name];
    this._changed.emit(this._names);
  }

  clear(): void {
    if (this._names.length) {
      this._names = [];
      this._changed.emit(this._names);
    }
  }
}
