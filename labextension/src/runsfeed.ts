/**
 * The change feed: which runs changed, as hints for what the page shows. It
 * never lists runs itself (the Runs list pages them from the server, see
 * `runwindow.ts`): it asks `/events` for the present cursor, then, when
 * live, holds one long-poll (`wait=25`) after another; `interval` asks on a
 * timer; `manual` only on demand. Each answer goes into the RunStore and out
 * through `changes`. Errors are kept for the UI and retried with backoff,
 * except a target that has no feed (409 `not_supported`): that is said once.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxApiError, AmlxClient, NOT_SUPPORTED } from './api';
import { IJob } from './apitypes';
import { ITimers, pollLoop, realTimers, throwIfAborted } from './poll';
import { RunStore } from './runstore';
import { RefreshMode } from './sidebarmodel';

export type { ITimers } from './poll';

export const LONG_POLL_S = 25;

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

  /** Runs that changed (already merged into the store). */
  get changes(): ISignal<this, IJob[]> {
    return this._changes;
  }

  get state(): FeedState {
    return this._state;
  }

  get error(): AmlxApiError | null {
    return this._error;
  }

  /** Where the next question to the feed starts (null before the feed was entered). */
  get position(): string | null {
    return this._position;
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

  /** Forget every run and the position (after a target switch) and start again. */
  reset(): void {
    const options = this._options;
    this.stop();
    this.store.clear();
    this._position = null;
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
   * One loop per start: enter the feed, catch up, then wait (hold a
   * long-poll, sleep the interval, or stop when manual) and catch up again.
   * Every step rethrows an abort, so a loop replaced by `stop`, `reset` or
   * `refreshNow` ends without touching the state its successor owns.
   */
  private async _run(signal: AbortSignal): Promise<void> {
    let caughtUp = false;
    await pollLoop({
      signal,
      timers: this.timers,
      step: async () => {
        if (this._position === null) {
          this._setState('loading');
          this._position = await this._enter(signal);
        }
        if (!caughtUp) {
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
        // after a failure, catch up before waiting again
        caughtUp = false;
        this._error = error;
        this._setState('error');
        // asking again cannot help a target that has no change feed
        return error.code !== NOT_SUPPORTED;
      }
    });
    if (this._controller?.signal === signal) {
      this._running = false;
    }
  }

  /** The present position: asked without a cursor, the feed answers at once. */
  private async _enter(signal: AbortSignal): Promise<string> {
    const answer = await this.client.events(null, 0, signal);
    throwIfAborted(signal);
    return answer.cursor;
  }

  /** Ask the feed without waiting while it says there is more. */
  private async _catchUp(signal: AbortSignal): Promise<void> {
    for (;;) {
      const changes = await this.client.events(this._position, 0, signal);
      throwIfAborted(signal);
      this._take(changes.jobs, changes.cursor);
      if (!changes.more) {
        break;
      }
    }
  }

  /** One held request; true when it brought changes. */
  private async _longPoll(signal: AbortSignal): Promise<boolean> {
    const changes = await this.client.events(this._position, LONG_POLL_S, signal);
    throwIfAborted(signal);
    this._take(changes.jobs, changes.cursor);
    return changes.jobs.length > 0 || changes.more;
  }

  private _take(jobs: IJob[], cursor: string): void {
    this._position = cursor;
    if (jobs.length) {
      this.store.merge(jobs);
      this._changes.emit(jobs);
    }
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
  private _position: string | null = null;
  private _changed = new Signal<this, void>(this);
  private _changes = new Signal<this, IJob[]>(this);
}
