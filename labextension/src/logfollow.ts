/**
 * Streams a job's log: long-polls `GET /jobs/{name}/logs?offset=&wait=25`
 * from the last offset until the server says the log is complete. Keeps at
 * most `maxChars` of text (the tail) so a chatty job cannot freeze the page.
 * `stop` then `start` resumes from the offset reached, keeping the text.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxApiError, AmlxClient } from './api';
import { ITimers, pollLoop, realTimers, throwIfAborted } from './poll';

export const LOG_WAIT_S = 25;
export const MAX_LOG_CHARS = 2_000_000;

export class LogFollower {
  constructor(
    readonly client: AmlxClient,
    readonly job: string,
    private readonly timers: ITimers = realTimers,
    readonly maxChars = MAX_LOG_CHARS
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get text(): string {
    return this._text;
  }

  /** Characters dropped from the start to stay under `maxChars`. */
  get truncated(): boolean {
    return this._truncated;
  }

  get complete(): boolean {
    return this._complete;
  }

  get error(): AmlxApiError | null {
    return this._error;
  }

  get following(): boolean {
    return this._controller !== null;
  }

  start(): void {
    if (this._controller || this._complete) {
      return;
    }
    const controller = new AbortController();
    this._controller = controller;
    void this._run(controller.signal).finally(() => {
      if (this._controller === controller) {
        this._controller = null;
        this._changed.emit();
      }
    });
    // `following` changed: the Logs tab says it streams before the first chunk
    this._changed.emit();
  }

  stop(): void {
    if (this._controller) {
      this._controller.abort();
      this._controller = null;
      this._changed.emit();
    }
  }

  dispose(): void {
    this.stop();
    Signal.clearData(this);
  }

  private _run(signal: AbortSignal): Promise<void> {
    return pollLoop({
      signal,
      timers: this.timers,
      step: async () => {
        const chunk = await this.client.logs(this.job, this._offset, LOG_WAIT_S, signal);
        throwIfAborted(signal);
        this._error = null;
        this._offset = chunk.next_offset;
        this._complete = chunk.complete;
        if (chunk.text) {
          this._append(chunk.text);
        }
        this._changed.emit();
        return !chunk.complete;
      },
      failed: error => {
        this._error = error;
        this._changed.emit();
        // an unknown job will not appear by asking again
        return error.status !== 404;
      }
    });
  }

  private _append(text: string): void {
    const joined = this._text + text;
    if (joined.length > this.maxChars) {
      // cut at a line break so the first kept line is whole
      const cut = joined.indexOf('\n', joined.length - this.maxChars);
      this._text = joined.slice(cut >= 0 ? cut + 1 : joined.length - this.maxChars);
      this._truncated = true;
    } else {
      this._text = joined;
    }
  }

  private _text = '';
  private _offset: string | null = null;
  private _complete = false;
  private _truncated = false;
  private _error: AmlxApiError | null = null;
  private _controller: AbortController | null = null;
  private _changed = new Signal<this, void>(this);
}

/**
 * Follows a log only while it is on screen: its tab selected and its panel
 * visible. A running job's log holds a 25 s request and the browser allows
 * six per host, so a few panels following in the background would stall
 * every other Jupyter request. The follower resumes from its offset.
 */
export class FollowWhenShown {
  constructor(readonly follower: LogFollower) {}

  /** The panel came back into view. */
  get shown(): ISignal<this, void> {
    return this._shown;
  }

  setTabSelected(selected: boolean): void {
    this._selected = selected;
    this._apply();
  }

  /** The panel is attached and visible (or no longer). */
  setVisible(visible: boolean): void {
    const appeared = visible && !this._visible;
    this._visible = visible;
    this._apply();
    if (appeared) {
      this._shown.emit();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _apply(): void {
    if (this._selected && this._visible) {
      this.follower.start();
    } else {
      this.follower.stop();
    }
  }

  private _selected = false;
  private _visible = false;
  private _shown = new Signal<this, void>(this);
}
