/**
 * Streams a job's log: long-polls `GET /jobs/{name}/logs?offset=&wait=25`
 * from the last offset until the server says the log is complete. Keeps at
 * most `maxChars` of text (the tail) so a chatty job cannot freeze the page.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ABORTED, AmlxApiError, AmlxClient } from './api';
import { ITimers } from './runsfeed';

export const LOG_WAIT_S = 25;
export const MAX_LOG_CHARS = 2_000_000;

const realTimers: ITimers = {
  sleep: (ms, signal) =>
    new Promise(resolve => {
      const handle = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(handle);
        resolve();
      });
    })
};

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
  }

  stop(): void {
    this._controller?.abort();
    this._controller = null;
  }

  dispose(): void {
    this.stop();
    Signal.clearData(this);
  }

  private async _run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted && !this._complete) {
      try {
        const chunk = await this.client.logs(this.job, this._offset, LOG_WAIT_S, signal);
        if (signal.aborted) {
          return;
        }
        failures = 0;
        this._error = null;
        this._offset = chunk.next_offset;
        this._complete = chunk.complete;
        if (chunk.text) {
          this._append(chunk.text);
        }
        this._changed.emit();
      } catch (reason) {
        if (signal.aborted || (reason as AmlxApiError)?.code === ABORTED) {
          return;
        }
        failures++;
        this._error =
          reason instanceof AmlxApiError
            ? reason
            : new AmlxApiError(0, 'client_error', String(reason));
        this._changed.emit();
        if (this._error.status === 404) {
          return;
        }
        await this.timers.sleep(Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)), signal);
      }
    }
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
  private _offset = 0;
  private _complete = false;
  private _truncated = false;
  private _error: AmlxApiError | null = null;
  private _controller: AbortController | null = null;
  private _changed = new Signal<this, void>(this);
}
