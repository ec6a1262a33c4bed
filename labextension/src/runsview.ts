/**
 * What the Runs list shows: filter, sort, collapsed experiments, metric
 * columns; rows are recomputed only when the store or these choices change
 * (or, sorted by duration, every few seconds while jobs run).
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  DEFAULT_QUERY,
  IRunQuery,
  RunRow,
  RunStore,
  flattenGroups,
  groupRuns,
  selectRuns
} from './runstore';

/** At most this many metric columns are shown when the person has not picked any. */
export const AUTO_COLUMNS = 3;

/**
 * A running job's duration grows, so a duration sort goes stale as time
 * passes: while jobs run it is redone when the list re-renders on its ticker,
 * at most this often (a sort of 10,000 runs takes milliseconds, not every second).
 */
export const DURATION_RESORT_S = 5;

/** Pixel widths of the row layout (kept in step with base.css). */
export const LAYOUT = { status: 18, duration: 50, metric: 60, gap: 4, padding: 8, minName: 72 };

/** How many automatic metric columns fit a list `width` pixels wide, leaving the name readable. */
export function autoColumnCount(width: number): number {
  const fixed = LAYOUT.padding + LAYOUT.status + LAYOUT.duration + LAYOUT.minName + 2 * LAYOUT.gap;
  const fit = Math.floor((width - fixed) / (LAYOUT.metric + LAYOUT.gap));
  return Math.max(0, Math.min(AUTO_COLUMNS, fit));
}

export class RunsView {
  constructor(readonly store: RunStore) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

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

  /** The metric columns to draw: the picked ones, else as many of the most common metrics as fit. */
  columns(autoCount = AUTO_COLUMNS): string[] {
    if (this._picked.length) {
      return this._picked;
    }
    return this.store.metricKeys().slice(0, autoCount);
  }

  setQuery(query: Partial<IRunQuery>): void {
    this._query = { ...this._query, ...query };
    this._dirty();
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

  /**
   * The rows for the virtualized list, memoized on the store version and the
   * choices, and on the time `now` (seconds) for a duration sort of running jobs.
   */
  rows(now: number): RunRow[] {
    const version = this.store.version;
    const aged =
      this._query.sortKey === 'duration' &&
      Math.abs(now - this._rowsAt) >= DURATION_RESORT_S &&
      this.store.activeCount() > 0;
    if (this._rowsFor !== version || this._rowsStale || aged) {
      const sorted = selectRuns(this.store.all(), this._query, now);
      this._matching = sorted.length;
      this._rows = flattenGroups(groupRuns(sorted), this._collapsed);
      this._rowsFor = version;
      this._rowsAt = now;
      this._rowsStale = false;
    }
    return this._rows;
  }

  /** Runs that pass the filter (after `rows`). */
  get matching(): number {
    return this._matching;
  }

  private _dirty(): void {
    this._rowsStale = true;
    this._changed.emit();
  }

  private _query: IRunQuery = { ...DEFAULT_QUERY };
  private _collapsed: ReadonlySet<string> = new Set();
  private _picked: string[] = [];
  private _rows: RunRow[] = [];
  private _rowsFor = -1;
  private _rowsAt = 0;
  private _rowsStale = true;
  private _matching = 0;
  private _changed = new Signal<this, void>(this);
}
