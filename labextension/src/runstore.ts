/**
 * Client-side store of runs keyed by name, and the pure views the Runs list
 * draws from it: filter, sort by any column or metric, group by experiment,
 * flatten into rows for the virtualized list.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IJob } from './apitypes';
import { isTerminal, jobDuration } from './format';

export class RunStore {
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Bumped on every change; views memoize on it. */
  get version(): number {
    return this._version;
  }

  get size(): number {
    return this._jobs.size;
  }

  get(name: string): IJob | undefined {
    return this._jobs.get(name);
  }

  all(): IJob[] {
    return Array.from(this._jobs.values());
  }

  /**
   * Merge jobs from a page or an events answer. A record never replaces one
   * with a higher revision (an older answer arriving late). Returns whether
   * anything changed.
   */
  merge(jobs: IJob[]): boolean {
    let changed = false;
    for (const job of jobs) {
      const known = this._jobs.get(job.name);
      if (known && known.revision > job.revision) {
        continue;
      }
      if (known && known.revision === job.revision && sameJob(known, job)) {
        continue;
      }
      this._jobs.set(job.name, job);
      changed = true;
    }
    if (changed) {
      this._touch();
    }
    return changed;
  }

  clear(): void {
    if (this._jobs.size) {
      this._jobs.clear();
      this._touch();
    }
  }

  /** How many runs are not finished (memoized per version). */
  activeCount(): number {
    if (this._activeVersion !== this._version) {
      let count = 0;
      for (const job of this._jobs.values()) {
        if (!isTerminal(job.status)) {
          count++;
        }
      }
      this._active = count;
      this._activeVersion = this._version;
    }
    return this._active;
  }

  /**
   * Metric names over all runs: the ones the code logs itself before MLflow's
   * autologged `training_*` ones, each group most common first, then short
   * names (rmse, r2: usually logged by hand) before long ones.
   */
  metricKeys(): string[] {
    if (this._keysVersion !== this._version) {
      const counts = new Map<string, number>();
      for (const job of this._jobs.values()) {
        for (const key of Object.keys(job.metrics ?? {})) {
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      this._keys = Array.from(counts.entries())
        .sort(
          (a, b) =>
            Number(isAutologged(a[0])) - Number(isAutologged(b[0])) ||
            b[1] - a[1] ||
            a[0].length - b[0].length ||
            a[0].localeCompare(b[0])
        )
        .map(entry => entry[0]);
      this._keysVersion = this._version;
    }
    return this._keys;
  }

  private _touch(): void {
    this._version++;
    this._changed.emit();
  }

  private _jobs = new Map<string, IJob>();
  private _version = 0;
  private _keys: string[] = [];
  private _keysVersion = -1;
  private _active = 0;
  private _activeVersion = -1;
  private _changed = new Signal<this, void>(this);
}

/** MLflow autologging's training-set metrics (less telling than the ones the code logs). */
export function isAutologged(metric: string): boolean {
  return metric.startsWith('training_');
}

/** Equal revisions may still differ on a target without revisions (Azure): compare what the list shows. */
function sameJob(a: IJob, b: IJob): boolean {
  if (
    a.status !== b.status ||
    a.started_at !== b.started_at ||
    a.ended_at !== b.ended_at ||
    a.display_name !== b.display_name
  ) {
    return false;
  }
  const keys = Object.keys(a.metrics ?? {});
  if (keys.length !== Object.keys(b.metrics ?? {}).length) {
    return false;
  }
  return keys.every(key => a.metrics[key] === b.metrics?.[key]);
}

/** A sort column: a job field, the duration, or `metrics.<key>`. */
export type SortKey = string;

export interface IRunQuery {
  filter: string;
  sortKey: SortKey;
  descending: boolean;
}

export const DEFAULT_QUERY: IRunQuery = {
  filter: '',
  sortKey: 'created_at',
  descending: true
};

export const METRIC_PREFIX = 'metrics.';

/** The sortable value of a job for a key; undefined when it has none (such rows go last). */
export function sortValue(job: IJob, key: SortKey, now: number): number | string | undefined {
  if (key.startsWith(METRIC_PREFIX)) {
    const value = job.metrics?.[key.slice(METRIC_PREFIX.length)];
    return value === null || value === undefined || Number.isNaN(value) ? undefined : value;
  }
  switch (key) {
    case 'duration':
      return jobDuration(job, now) ?? undefined;
    case 'name':
      return job.name;
    case 'display_name':
      return job.display_name || job.name;
    case 'status':
      return job.status;
    case 'started_at':
      return job.started_at ?? undefined;
    default:
      return job.created_at;
  }
}

/** Case-insensitive match on name, display name, experiment, status and tag values. */
export function matchesFilter(job: IJob, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) {
    return true;
  }
  const haystack = [
    job.name,
    job.display_name,
    job.experiment,
    job.status,
    job.compute,
    ...Object.values(job.tags ?? {})
  ]
    .join(' ')
    .toLowerCase();
  return words.every(word => haystack.includes(word));
}

/** Filter then sort; runs without the sort value come last whatever the direction. */
export function selectRuns(jobs: IJob[], query: IRunQuery, now: number): IJob[] {
  const kept = query.filter ? jobs.filter(job => matchesFilter(job, query.filter)) : jobs.slice();
  const sign = query.descending ? -1 : 1;
  const keyed = kept.map(job => ({ job, value: sortValue(job, query.sortKey, now) }));
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      if (a.value === b.value) {
        return b.job.created_at - a.job.created_at;
      }
      return a.value === undefined ? 1 : -1;
    }
    const order =
      typeof a.value === 'number' && typeof b.value === 'number'
        ? a.value - b.value
        : String(a.value).localeCompare(String(b.value));
    return order !== 0 ? sign * order : b.job.created_at - a.job.created_at;
  });
  return keyed.map(entry => entry.job);
}

export interface IRunGroup {
  experiment: string;
  runs: IJob[];
}

/** Group sorted runs by experiment; groups keep the order of their first run. */
export function groupRuns(sorted: IJob[]): IRunGroup[] {
  const groups = new Map<string, IRunGroup>();
  for (const job of sorted) {
    let group = groups.get(job.experiment);
    if (!group) {
      group = { experiment: job.experiment, runs: [] };
      groups.set(job.experiment, group);
    }
    group.runs.push(job);
  }
  return Array.from(groups.values());
}

export type RunRow =
  | { kind: 'group'; experiment: string; count: number; collapsed: boolean }
  | { kind: 'run'; job: IJob };

/** One row per group header plus one per run of each expanded group. */
export function flattenGroups(groups: IRunGroup[], collapsed: ReadonlySet<string>): RunRow[] {
  const rows: RunRow[] = [];
  for (const group of groups) {
    const isCollapsed = collapsed.has(group.experiment);
    rows.push({
      kind: 'group',
      experiment: group.experiment,
      count: group.runs.length,
      collapsed: isCollapsed
    });
    if (!isCollapsed) {
      for (const job of group.runs) {
        rows.push({ kind: 'run', job });
      }
    }
  }
  return rows;
}
