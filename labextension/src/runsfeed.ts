/**
 * Keeps the RunStore current: a first page for a fast first paint, then the
 * events feed from revision 0 (every job, in batches) and, when live, one
 * long-poll loop (`wait=25`). `interval` polls the feed; `manual` only
 * refreshes on demand. Errors are kept for the UI and retried with backoff;
 * the runs already shown stay visible.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxApiError, AmlxClient } from './api';
import { RefreshMode } from './sidebarmodel';
import { ITimers, pollLoop, realTimers, throwIfAborted } from './poll';
import { RunStore } from './runstore';

export type { ITimers } from './poll';

export const LONG_POLL_S = 25;
export const FIRST_PAGE = 100;

export type FeedState = 'idle' | 'loading' | 'ready' | 'error';

export interface IFeedOptions {
  mode: RefreshMode;
  intervalSeconds: number;
}

export class RunsFeed {
  constructor(
    readonly client: AmlxClient,
    readonly store: RunStore,
    private readonly timers: ITimers = realTimers
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): FeedState {
    return this._state;
  }

  get error(): AmlxApiError | null {
    return this._error;
  }

  /** The server's count from the first page (before every run has arrived). */
  get total(): number | null {
    return this._total;
  }

  /** True once every job up to the current revision is in the store. */
  get complete(): boolean {
    return this._complete;
  }

  get revision(): number {
    return this._revision;
  }

  get options(): IFeedOptions {
    return this._options;
  }

  /** Start (or restart with new options); a no-op when already running with the same ones. */
  start(options: IFeedOptions): void {
    const same =
      this._running &&
      options.mode === this._options.mode &&
      options.intervalSeconds === this._options.intervalSeconds;
    this._options = options;
    if (same) {
      return;
    }
    this.stop();
    this._running = true;
    const controller = new AbortController();
    this._controller = controller;
    void this._run(controller.signal);
  }

  stop(): void {
    this._running = false;
    this._controller?.abort();
    this._controller = null;
  }

  /** Forget every run (after a target switch) and load again. */
  reset(): void {
    const options = this._options;
    this.stop();
    this.store.clear();
    this._revision = 0;
    this._complete = false;
    this._total = null;
    this._error = null;
    this._setState('idle');
    this.start(options);
  }

  /** Catch up now (the refresh button; the only way in manual mode). A held long-poll is restarted. */
  refreshNow(): void {
    this.stop();
    this.start(this._options);
  }

  dispose(): void {
    this.stop();
    Signal.clearData(this);
  }

  /**
   * One loop per start: catch up, then wait (hold a long-poll, sleep the
   * interval, or stop when manual) and catch up again. Every step rethrows
   * an abort, so a loop replaced by `stop`, `reset` or `refreshNow` ends
   * without touching the state its successor owns.
   */
  private async _run(signal: AbortSignal): Promise<void> {
    let caughtUp = false;
    await pollLoop({
      signal,
      timers: this.timers,
      step: async () => {
        if (!caughtUp) {
          if (this.store.size === 0 && this._revision === 0) {
            await this._firstPage(signal);
          }
          await this._catchUp(signal);
          caughtUp = true;
          this._error = null;
          this._setState('ready');
          return this._options.mode !== 'manual';
        }
        if (this._options.mode === 'interval') {
          await this.timers.sleep(this._options.intervalSeconds * 1000, signal);
          caughtUp = false;
        } else if (await this._longPoll(signal)) {
          // an answer with changes: catch up fully; nothing within the wait: ask again
          caughtUp = false;
        }
        return true;
      },
      failed: error => {
        // after a failure, catch up from scratch before waiting again
        caughtUp = false;
        this._error = error;
        this._setState('error');
        return true;
      }
    });
    if (this._controller?.signal === signal) {
      this._running = false;
    }
  }

  /** The newest runs first, so the list paints before thousands of runs have arrived. */
  private async _firstPage(signal: AbortSignal): Promise<void> {
    this._setState('loading');
    const page = await this.client.listJobs({ limit: FIRST_PAGE }, signal);
    throwIfAborted(signal);
    this._total = page.total ?? null;
    this.store.merge(page.items);
    this._changed.emit();
  }

  /** Ask the feed without waiting until an answer brings nothing new. */
  private async _catchUp(signal: AbortSignal): Promise<void> {
    for (;;) {
      const changes = await this.client.events(this._revision, 0, signal);
      throwIfAborted(signal);
      const grew = changes.revision > this._revision;
      this._revision = changes.revision;
      this.store.merge(changes.jobs);
      if (!changes.jobs.length || !grew) {
        break;
      }
    }
    if (!this._complete) {
      this._complete = true;
      this._changed.emit();
    }
  }

  /** One held request; true when it brought changes. */
  private async _longPoll(signal: AbortSignal): Promise<boolean> {
    const changes = await this.client.events(this._revision, LONG_POLL_S, signal);
    throwIfAborted(signal);
    this._revision = Math.max(this._revision, changes.revision);
    this.store.merge(changes.jobs);
    return changes.jobs.length > 0;
  }

  private _setState(state: FeedState): void {
    if (state !== this._state || state === 'error') {
      this._state = state;
      this._changed.emit();
    }
  }

  private _state: FeedState = 'idle';
  private _error: AmlxApiError | null = null;
  private _options: IFeedOptions = { mode: 'live', intervalSeconds: 15 };
  private _running = false;
  private _controller: AbortController | null = null;
  private _revision = 0;
  private _total: number | null = null;
  private _complete = false;
  private _changed = new Signal<this, void>(this);
}
