/**
 * The runs this page knows, keyed by name (from list pages, the change feed,
 * a run panel's own reads, submits), so every view shows the newest record
 * it has; and the sort values of a run, shared by the server-paged list
 * (which asks the server to sort) and the sorts it does itself.
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
   * Merge jobs from a page or an events answer. A record never replaces a
   * newer one (an older answer arriving late). Returns whether anything
   * changed.
   */
  merge(jobs: IJob[]): boolean {
    let changed = false;
    for (const job of jobs) {
      const known = this._jobs.get(job.name);
      if (known && isOlder(job, known)) {
        continue;
      }
      if (known && !isOlder(known, job) && sameJob(known, job)) {
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

/** Whether record `a` of a job is older than record `b` of the same job (by `updated_at`, when both have one). */
export function isOlder(a: IJob, b: IJob): boolean {
  return a.updated_at !== null && b.updated_at !== null && a.updated_at < b.updated_at;
}

/** Records of the same age may still differ (a clock's resolution): compare what the list shows. */
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

/** What the Runs list asks for: text, a sort key and its direction. */
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
      return job.display_name;
    case 'experiment':
      return job.experiment;
    case 'status':
      return job.status;
    case 'started_at':
      return job.started_at ?? undefined;
    case 'ended_at':
      return job.ended_at ?? undefined;
    default:
      return job.created_at;
  }
}

/**
 * The order of the server's listing, emulated for runs the page holds: by the
 * sort value in the direction asked, runs without a value after all the
 * others, ties (and runs without a value) by submission, newest first when
 * descending. Negative when `a` comes first.
 */
export function compareRuns(a: IJob, b: IJob, key: SortKey, descending: boolean, now: number): number {
  const sign = descending ? -1 : 1;
  const va = sortValue(a, key, now);
  const vb = sortValue(b, key, now);
  const bySubmission = sign * (a.created_at - b.created_at) || (a.name < b.name ? -sign : a.name > b.name ? sign : 0);
  if (va === undefined || vb === undefined) {
    return va === vb ? bySubmission : va === undefined ? 1 : -1;
  }
  const order =
    typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va) < String(vb) ? -1 : String(va) > String(vb) ? 1 : 0;
  return order !== 0 ? sign * order : bySubmission;
}

/** Runs in the order of `compareRuns` (a sort the server cannot do, over the runs loaded). */
export function sortRuns(jobs: IJob[], key: SortKey, descending: boolean, now: number): IJob[] {
  return jobs.slice().sort((a, b) => compareRuns(a, b, key, descending, now));
}
