/**
 * One server-paged listing of runs: the runs of one experiment, filtered and
 * sorted as the Runs list asks. Pages come from `GET /jobs` with the server's
 * cursor as the list scrolls, so a workspace of 100,000 runs costs what the
 * person looks at. A run the change feed reports is only a hint: it is
 * updated in place when it is shown and its place cannot have changed, put
 * on top when it is new in a newest-first list, left alone when it falls
 * past what is loaded, and otherwise the loaded part is read again.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxApiError, AmlxClient } from './api';
import { IJob } from './apitypes';
import { Throttle, isAbort } from './poll';
import { asApiError } from './resource';
import { SortKey, compareRuns, isOlder, sortValue } from './runstore';

/** The first page: a screenful and some, small enough to paint at once. */
export const FIRST_PAGE = 100;
/** The server's largest page. */
export const MAX_PAGE = 1000;
/** Reads of the loaded part that hints ask for are at most this frequent. */
export const REFETCH_MS = 1500;

/** Sort keys whose value never changes for a run: a change cannot move it in the list. */
const FIXED_KEYS = new Set(['created_at', 'name', 'experiment']);

export interface IWindowQuery {
  experiment?: string;
  /** The server's text search. */
  q?: string;
  /** A sort key the server knows (see `capabilities.sort_keys`). */
  orderBy: SortKey;
  descending: boolean;
  /** Only runs without a parent (not the trials of a sweep or AutoML job). */
  topLevel?: boolean;
  /** Only the trials of this sweep (or AutoML job). */
  parent?: string;
}

/** What a hint did: nothing, updated a shown run, put a new run on top, or asked for a read. */
export type HintEffect = 'none' | 'updated' | 'inserted' | 'refetch';

export class RunWindow {
  /** `onPage` sees every page that arrives (the page's store of known runs takes them). */
  constructor(
    private readonly client: AmlxClient,
    readonly query: IWindowQuery,
    refetchMs = REFETCH_MS,
    private readonly onPage: (items: IJob[]) => void = () => undefined
  ) {
    this._refetch = new Throttle(() => this.refresh(), refetchMs);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The loaded runs, in the server's order. */
  get items(): readonly IJob[] {
    return this._items;
  }

  /** How many runs the server has for the query (null before the first page). */
  get total(): number | null {
    return this._total;
  }

  /** The first page has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Every run of the query is loaded. */
  get complete(): boolean {
    return this._loaded && this._cursor === null;
  }

  get loading(): boolean {
    return this._controller !== null;
  }

  get error(): AmlxApiError | null {
    return this._error;
  }

  /** Load pages until `count` runs are here (or all there are); one request at a time. */
  ensure(count: number): void {
    if (count > this._wanted) {
      this._wanted = count;
    }
    this._pump();
  }

  /** Read the loaded part again from the top (a hint said it may have changed, or Refresh). */
  refresh(): void {
    if (this._disposed) {
      return;
    }
    this._refetch.cancel();
    this._abort();
    const count = Math.max(FIRST_PAGE, this._items.length, this._wanted);
    this._request(Math.min(MAX_PAGE, count), null);
  }

  /** After an error: try again from where it failed. */
  retry(): void {
    this._error = null;
    if (this._loaded) {
      this._pump();
    } else {
      this.refresh();
    }
  }

  /** A run the change feed reports (see the module doc); `now` in epoch seconds. */
  hint(job: IJob, now: number): HintEffect {
    if (!this._loaded || this._disposed) {
      return 'none'; // the first page will bring it
    }
    const { experiment, q, orderBy, descending, topLevel, parent } = this.query;
    if (
      (experiment !== undefined && job.experiment !== experiment) ||
      (topLevel && job.parent !== null) ||
      (parent !== undefined && job.parent !== parent)
    ) {
      return 'none';
    }
    const index = this._items.findIndex(item => item.name === job.name);
    if (index >= 0) {
      const shown = this._items[index];
      if (isOlder(job, shown)) {
        return 'none';
      }
      const moved = !FIXED_KEYS.has(orderBy) && sortValue(shown, orderBy, now) !== sortValue(job, orderBy, now);
      // the text search reads names: a new display name may drop it from the results
      const refiltered = !!q && shown.display_name !== job.display_name;
      if (moved || refiltered) {
        return this._askRefetch();
      }
      this._items = this._items.slice();
      this._items[index] = job;
      this._changed.emit();
      return 'updated';
    }
    const first = this._items[0];
    if (orderBy === 'created_at' && descending && !q && (!first || job.created_at >= first.created_at)) {
      this._items = [job, ...this._items];
      this._total = (this._total ?? 0) + 1;
      this._changed.emit();
      return 'inserted';
    }
    const last = this._items[this._items.length - 1];
    if (this._cursor !== null && last && compareRuns(job, last, orderBy, descending, now) > 0) {
      return 'none'; // past the loaded runs: its page brings it when the list gets there
    }
    return this._askRefetch();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._refetch.cancel();
    this._abort();
    Signal.clearData(this);
  }

  private _askRefetch(): HintEffect {
    this._refetch.request();
    return 'refetch';
  }

  /** Start the next page when one is wanted and none is on its way. */
  private _pump(): void {
    if (this._disposed || this._controller !== null || this._error !== null) {
      return;
    }
    if (!this._loaded) {
      this._request(Math.min(MAX_PAGE, Math.max(FIRST_PAGE, this._wanted)), null);
    } else if (this._cursor !== null && this._items.length < this._wanted) {
      // a long jump (End, a dragged scrollbar) takes few large pages, not many small ones
      const limit = Math.min(MAX_PAGE, Math.max(FIRST_PAGE, this._wanted - this._items.length));
      this._request(limit, this._cursor);
    }
  }

  /** One page: from the top (`cursor` null: replaces what is loaded) or after `cursor` (appends). */
  private _request(limit: number, cursor: string | null): void {
    const controller = new AbortController();
    this._controller = controller;
    this._changed.emit();
    const { experiment, q, orderBy, descending, topLevel, parent } = this.query;
    this.client
      .listJobs(
        {
          experiment,
          q: q || undefined,
          order_by: orderBy,
          descending,
          top_level: topLevel || undefined,
          parent,
          limit,
          cursor: cursor ?? undefined
        },
        controller.signal
      )
      .then(
        page => {
          if (this._controller !== controller) {
            return;
          }
          this._controller = null;
          this.onPage(page.items);
          if (cursor === null) {
            this._items = page.items;
          } else {
            // a run put on top by a hint may come again in a later page
            const have = new Set(this._items.map(item => item.name));
            this._items = [...this._items, ...page.items.filter(item => !have.has(item.name))];
          }
          this._cursor = page.next_cursor;
          this._total = page.total ?? (page.next_cursor === null ? this._items.length : this._total);
          this._loaded = true;
          this._error = null;
          this._changed.emit();
          this._pump();
        },
        reason => {
          if (this._controller !== controller || isAbort(reason, controller.signal)) {
            return;
          }
          this._controller = null;
          this._error = asApiError(reason);
          this._changed.emit();
        }
      );
  }

  private _abort(): void {
    const controller = this._controller;
    this._controller = null;
    controller?.abort();
  }

  private _items: IJob[] = [];
  private _total: number | null = null;
  private _cursor: string | null = null;
  private _loaded = false;
  private _wanted = 0;
  private _error: AmlxApiError | null = null;
  private _controller: AbortController | null = null;
  private _disposed = false;
  private readonly _refetch: Throttle;
  private _changed = new Signal<this, void>(this);
}
