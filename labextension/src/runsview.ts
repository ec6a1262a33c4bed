/**
 * What the Runs list shows: runs grouped by experiment, filtered and sorted
 * on the server, a page at a time.
 *
 * The groups come from `GET /experiments` (one cheap request: names, run
 * counts, newest first), so a group shows its full count before any of its
 * runs are loaded. Each expanded group is its own server-paged listing (a
 * RunWindow with `experiment=`), loaded only as its rows come into view: the
 * cost follows what the person looks at, not the size of the workspace. A
 * sort key the target cannot sort on (the duration, or any key missing from
 * `capabilities.sort_keys`) is sorted here, over the runs loaded, and the
 * list says so.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxApiError, AmlxClient } from './api';
import { IExperimentSummary, IJob } from './apitypes';
import { varyingParameters } from './format';
import { Throttle } from './poll';
import { Resource } from './resource';
import { DEFAULT_QUERY, IRunQuery, METRIC_PREFIX, RunStore, isOlder, sortRuns } from './runstore';
import { FIRST_PAGE, REFETCH_MS, RunWindow } from './runwindow';

/** At most this many metric columns are shown when the person has not picked any. */
export const AUTO_COLUMNS = 3;

/**
 * A running job's duration grows, so a duration sort goes stale as time
 * passes: while jobs run it is redone when the list re-renders on its ticker,
 * at most this often.
 */
export const DURATION_RESORT_S = 5;

/** Typing in the filter asks the server once the person pauses this long. */
export const FILTER_DEBOUNCE_MS = 250;

/** The group counts are read again at most this often while new runs arrive. */
export const COUNTS_MS = 2000;

/** Rows past the visible ones that are loaded ahead, so scrolling rarely meets a placeholder. */
export const LOAD_AHEAD = 50;

/** What the local target sorts on; a target that says nothing in its capabilities gets these. */
export const DEFAULT_SORT_KEYS = [
  'created_at',
  'started_at',
  'ended_at',
  'name',
  'display_name',
  'experiment',
  'status',
  'metrics.*'
];

/** An expanded sweep shows at most this many trials under its row (its panel shows them all). */
export const MAX_TRIALS_SHOWN = 200;

/** Pixel widths of the row layout (kept in step with base.css). */
export const LAYOUT = { status: 18, duration: 50, metric: 60, gap: 4, padding: 8, minName: 72 };

/** How many automatic metric columns fit a list `width` pixels wide, leaving the name readable. */
export function autoColumnCount(width: number): number {
  const fixed = LAYOUT.padding + LAYOUT.status + LAYOUT.duration + LAYOUT.minName + 2 * LAYOUT.gap;
  const fit = Math.floor((width - fixed) / (LAYOUT.metric + LAYOUT.gap));
  return Math.max(0, Math.min(AUTO_COLUMNS, fit));
}

/** Whether the server sorts on `key`, given its `sort_keys` (`metrics.*` stands for every metric). */
export function serverSorts(key: string, sortKeys: readonly string[]): boolean {
  return sortKeys.includes(key) || (key.startsWith(METRIC_PREFIX) && sortKeys.includes(`${METRIC_PREFIX}*`));
}

export type RunRow =
  | { kind: 'group'; experiment: string; count: number | null; collapsed: boolean }
  /** `varying`: the parameters that differ among the group's loaded runs (shown first in its name). */
  | { kind: 'run'; job: IJob; varying: readonly string[]; expanded?: boolean }
  /** A trial of an expanded sweep, under its row. */
  | { kind: 'trial'; job: IJob; sweep: string }
  /** A run not loaded yet: its page is asked for when the row comes into view. */
  | { kind: 'pending'; experiment: string; index: number }
  /** The end of the loaded runs of a group sorted here: more load on demand only. */
  | { kind: 'more'; experiment: string };

export class RunsView {
  constructor(
    readonly client: AmlxClient,
    readonly store: RunStore
  ) {
    this.experiments = new Resource(() => client.experiments());
    this.experiments.changed.connect(this._dirty, this);
    this.store.changed.connect(this._dirty, this);
    this._counts = new Throttle(() => void this.experiments.reload(), COUNTS_MS);
  }

  /** The groups: every experiment with its run count, most recently used first. */
  readonly experiments: Resource<IExperimentSummary[]>;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The query as the person set it (the filter text shows at once; the server gets it after a pause). */
  get query(): IRunQuery {
    return this._query;
  }

  get collapsed(): ReadonlySet<string> {
    return this._collapsed;
  }

  /** Metric columns picked by the person (empty: automatic). */
  get pickedColumns(): string[] {
    return this._picked;
  }

  /** Whether the current sort is done by the server (else here, over the loaded runs). */
  get sortedOnServer(): boolean {
    return serverSorts(this._query.sortKey, this._sortKeys);
  }

  /** The metric columns to draw: the picked ones, else as many of the most common metrics as fit. */
  columns(autoCount = AUTO_COLUMNS): string[] {
    if (this._picked.length) {
      return this._picked;
    }
    return this.store.metricKeys().slice(0, autoCount);
  }

  /** The keys the target sorts on (`capabilities.sort_keys`; null: not known yet, the local target's). */
  setSortKeys(keys: readonly string[] | null | undefined): void {
    const next = keys ? keys.slice() : DEFAULT_SORT_KEYS;
    if (next.join('\n') !== this._sortKeys.join('\n')) {
      this._sortKeys = next;
      this._requery();
    }
  }

  setQuery(query: Partial<IRunQuery>): void {
    const filterOnly = Object.keys(query).every(key => key === 'filter');
    this._query = { ...this._query, ...query };
    if (filterOnly) {
      // the text shows at once; the server is asked once the typing pauses
      this._dirty();
      clearTimeout(this._filterTimer);
      this._filterTimer = setTimeout(() => this._requery(), FILTER_DEBOUNCE_MS);
    } else {
      this._requery();
    }
  }

  /** Click on a column: sort by it, or flip the direction when it already is the sort key. */
  sortBy(key: string): void {
    if (this._query.sortKey === key) {
      this.setQuery({ descending: !this._query.descending });
    } else {
      // names read best A to Z; numbers and times best largest first
      const ascending = key === 'name' || key === 'display_name' || key === 'status';
      this.setQuery({ sortKey: key, descending: !ascending });
    }
  }

  toggleGroup(experiment: string): void {
    const next = new Set(this._collapsed);
    if (next.has(experiment)) {
      next.delete(experiment);
    } else {
      next.add(experiment);
    }
    this._collapsed = next;
    this._dirty();
  }

  setPickedColumns(columns: string[]): void {
    this._picked = columns.slice();
    this._changed.emit();
  }

  /** Load the groups (the first time the list is shown); idempotent. */
  start(): void {
    void this.experiments.ensure();
  }

  /** Forget everything loaded (a target switch); the next `start` loads again. */
  reset(): void {
    this._dropWindows();
    this._counted.clear();
    this._counts.cancel();
    this.experiments.reset();
  }

  /** Read the groups and every loaded listing again (the Refresh button). */
  refresh(): void {
    void this.experiments.reload();
    for (const window of this._windows.values()) {
      window.refresh();
    }
  }

  /** After an error: try the failed requests again. */
  retry(): void {
    if (this.experiments.error) {
      void this.experiments.reload();
    }
    for (const window of this._windows.values()) {
      if (window.error) {
        window.retry();
      }
    }
  }

  /** The first error of the groups or of a listing, for the list's inline note. */
  get error(): AmlxApiError | null {
    if (this.experiments.error) {
      return this.experiments.error;
    }
    for (const window of this._windows.values()) {
      if (window.error) {
        return window.error;
      }
    }
    return null;
  }

  /** Every run of the workspace (null until the groups are loaded). */
  get total(): number | null {
    const groups = this.experiments.data;
    return groups ? groups.reduce((sum, group) => sum + group.job_count, 0) : null;
  }

  /** Runs that match the filter: the sum over groups, and whether every group has answered. */
  matching(): { count: number; known: boolean } {
    let count = 0;
    let known = true;
    for (const group of this.experiments.data ?? []) {
      const window = this._windows.get(group.name);
      if (window?.loaded && window.total !== null) {
        count += window.total;
      } else {
        known = false;
      }
    }
    return { count, known };
  }

  /** Runs loaded in the listings. */
  get loadedCount(): number {
    let count = 0;
    for (const window of this._windows.values()) {
      count += window.items.length;
    }
    return count;
  }

  /** The listing of one group for the current query (made on first use). */
  window(experiment: string): RunWindow {
    let window = this._windows.get(experiment);
    if (!window) {
      const onServer = this.sortedOnServer;
      window = new RunWindow(
        this.client,
        {
          experiment,
          q: this._applied.filter.trim() || undefined,
          // a sort done here pages newest first and sorts what has arrived
          orderBy: onServer ? this._applied.sortKey : 'created_at',
          descending: onServer ? this._applied.descending : true,
          // trials show under their sweep, not as runs of their own
          topLevel: true
        },
        REFETCH_MS,
        items => this.store.merge(items)
      );
      window.changed.connect(this._onWindowChanged, this);
      this._windows.set(experiment, window);
    }
    return window;
  }

  /**
   * The rows for the virtualized list, memoized on every input, and on the
   * time `now` (seconds) for a duration sort of running jobs.
   */
  rows(now: number): RunRow[] {
    const aged =
      this._query.sortKey === 'duration' &&
      Math.abs(now - this._rowsAt) >= DURATION_RESORT_S &&
      this.store.activeCount() > 0;
    if (this._rowsFor !== this._version || aged) {
      this._rows = this._buildRows(now);
      this._rowsFor = this._version;
      this._rowsAt = now;
    }
    return this._rows;
  }

  /** The list shows rows `start` to `end` of `rows`: load what they need (and some ahead). */
  need(rows: RunRow[], start: number, end: number): void {
    const stop = Math.min(rows.length, end + LOAD_AHEAD);
    for (let index = Math.max(0, start); index < stop; index++) {
      const row = rows[index];
      if (row.kind === 'pending') {
        // everything up to the last placeholder in view, in as few pages as it takes
        let last = row.index;
        while (index + 1 < stop && rows[index + 1].kind === 'pending') {
          index++;
          last = (rows[index] as { index: number }).index;
        }
        this.window(row.experiment).ensure(last + 1);
      }
    }
  }

  /** The sweeps whose trials show under their row. */
  get expandedSweeps(): ReadonlySet<string> {
    return this._expanded;
  }

  /** Show or hide a sweep's trials under its row (loaded on first show, then kept current by the feed). */
  toggleSweep(name: string): void {
    const next = new Set(this._expanded);
    if (next.has(name)) {
      next.delete(name);
      this._trialWindows.get(name)?.dispose();
      this._trialWindows.delete(name);
    } else {
      next.add(name);
      const window = new RunWindow(this.client, { parent: name, orderBy: 'created_at', descending: false }, REFETCH_MS, items =>
        this.store.merge(items)
      );
      window.changed.connect(this._dirty, this);
      window.ensure(MAX_TRIALS_SHOWN);
      this._trialWindows.set(name, window);
    }
    this._expanded = next;
    this._dirty();
  }

  /** Load the next page of a group sorted here (its "more" row). */
  loadMore(experiment: string): void {
    const window = this.window(experiment);
    window.ensure(window.items.length + FIRST_PAGE);
  }

  /**
   * Runs the change feed reports: each listing takes them as hints, and the
   * group counts are read again when a run was never counted (a new run, or
   * a new experiment).
   */
  hint(jobs: IJob[], now: number): void {
    const known = new Set((this.experiments.data ?? []).map(group => group.name));
    let recount = false;
    for (const job of jobs) {
      if (!this._counted.has(job.name) || !known.has(job.experiment)) {
        this._counted.add(job.name);
        recount = true;
      }
      this._windows.get(job.experiment)?.hint(job, now);
      if (job.parent !== null) {
        this._trialWindows.get(job.parent)?.hint(job, now);
      }
    }
    if (recount && this.experiments.state !== 'idle') {
      this._counts.request();
    }
  }

  dispose(): void {
    clearTimeout(this._filterTimer);
    this._counts.cancel();
    this._dropWindows();
    this.experiments.dispose();
    Signal.clearData(this);
  }

  private _buildRows(now: number): RunRow[] {
    const rows: RunRow[] = [];
    const filtered = this._applied.filter.trim() !== '';
    const onServer = this.sortedOnServer;
    for (const group of this.experiments.data ?? []) {
      const window = this._windows.get(group.name);
      const loaded = window?.loaded ?? false;
      if (filtered && loaded && window?.total === 0) {
        continue; // nothing in this group matches
      }
      const count = loaded ? window?.total ?? null : filtered ? null : group.job_count;
      const collapsed = this._collapsed.has(group.name);
      rows.push({ kind: 'group', experiment: group.name, count, collapsed });
      if (collapsed) {
        continue;
      }
      const items = window?.items ?? [];
      const shown = onServer ? items : sortRuns(items.slice(), this._applied.sortKey, this._applied.descending, now);
      const varying = varyingParameters(shown);
      for (const job of shown) {
        // the store may hold a newer record (a run panel's own read)
        const known = this.store.get(job.name);
        const expanded = this._expanded.has(job.name);
        rows.push({ kind: 'run', job: known && isOlder(job, known) ? known : job, varying, ...(job.type === 'sweep' ? { expanded } : {}) });
        const trials = expanded ? this._trialWindows.get(job.name) : undefined;
        for (const trial of trials?.items ?? []) {
          const newer = this.store.get(trial.name);
          rows.push({ kind: 'trial', job: newer && isOlder(trial, newer) ? newer : trial, sweep: job.name });
        }
      }
      if (!loaded && !onServer) {
        rows.push({ kind: 'pending', experiment: group.name, index: 0 });
      } else if (!loaded || (window && !window.complete)) {
        if (onServer) {
          // a placeholder per run not loaded yet, so the scrollbar is true from the start
          const missing = Math.max(1, (count ?? 0) - items.length);
          for (let i = 0; i < missing; i++) {
            rows.push({ kind: 'pending', experiment: group.name, index: items.length + i });
          }
        } else {
          rows.push({ kind: 'more', experiment: group.name });
        }
      }
    }
    return rows;
  }

  private _onWindowChanged(window: RunWindow): void {
    for (const job of window.items) {
      this._counted.add(job.name);
    }
    this._dirty();
  }

  /** The query the server sees changed: every listing starts over. */
  private _requery(): void {
    clearTimeout(this._filterTimer);
    this._applied = { ...this._query };
    this._dropWindows();
    this._dirty();
  }

  private _dropWindows(): void {
    for (const window of this._windows.values()) {
      window.dispose();
    }
    this._windows.clear();
    for (const window of this._trialWindows.values()) {
      window.dispose();
    }
    this._trialWindows.clear();
    this._expanded = new Set();
    this._dirty();
  }

  private _dirty(): void {
    this._version++;
    this._changed.emit();
  }

  private _query: IRunQuery = { ...DEFAULT_QUERY };
  /** The query the listings were made for (the filter lags the typing). */
  private _applied: IRunQuery = { ...DEFAULT_QUERY };
  private _sortKeys: string[] = DEFAULT_SORT_KEYS;
  private _collapsed: ReadonlySet<string> = new Set();
  private _picked: string[] = [];
  private _windows = new Map<string, RunWindow>();
  private _expanded: ReadonlySet<string> = new Set();
  private _trialWindows = new Map<string, RunWindow>();
  /** Runs whose group count already includes them (loaded, or hinted before). */
  private _counted = new Set<string>();
  private _counts: Throttle;
  private _filterTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _rows: RunRow[] = [];
  private _rowsFor = -1;
  private _rowsAt = 0;
  private _version = 0;
  private _changed = new Signal<this, void>(this);
}
