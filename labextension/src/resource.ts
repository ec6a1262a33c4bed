/**
 * A list the UI loads from the server (models, endpoints, data assets, a
 * run's outputs...): previous data stays visible while it reloads, errors are
 * kept for an inline message, and a slower older answer never overwrites a
 * newer one.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxApiError } from './api';

export type ResourceState = 'idle' | 'loading' | 'ready' | 'error';

export function asApiError(reason: unknown): AmlxApiError {
  return reason instanceof AmlxApiError
    ? reason
    : new AmlxApiError(0, 'client_error', String((reason as Error)?.message ?? reason));
}

export class Resource<T> {
  constructor(private readonly fetcher: () => Promise<T>) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): ResourceState {
    return this._state;
  }

  get data(): T | null {
    return this._data;
  }

  get error(): AmlxApiError | null {
    return this._error;
  }

  /** Loading for the first time (nothing to show yet). */
  get pending(): boolean {
    return this._state === 'loading' && this._data === null;
  }

  /** Whether a view shows the list now (see `watch`). */
  get watched(): boolean {
    return this._watchers > 0;
  }

  /**
   * A view starts showing the list; call the returned function when it stops.
   * Lets a refresh load a displayed list that a target switch left idle.
   */
  watch(): () => void {
    this._watchers++;
    let stopped = false;
    return () => {
      if (!stopped) {
        stopped = true;
        this._watchers--;
      }
    };
  }

  /** Load once; later calls do nothing until `reload`. */
  ensure(): Promise<void> {
    return this._state === 'idle' ? this.reload() : this._last;
  }

  reload(): Promise<void> {
    const ticket = ++this._ticket;
    this._state = 'loading';
    this._changed.emit();
    this._last = this.fetcher().then(
      data => {
        if (ticket === this._ticket) {
          this._data = data;
          this._error = null;
          this._state = 'ready';
          this._changed.emit();
        }
      },
      reason => {
        if (ticket === this._ticket) {
          this._error = asApiError(reason);
          this._state = 'error';
          this._changed.emit();
        }
      }
    );
    return this._last;
  }

  /**
   * The data once loaded: waits for a load in flight, loads when idle and
   * tries a failed load again; null when it still fails. For actions that
   * must decide from the list (whether an endpoint exists).
   */
  async current(): Promise<T | null> {
    if (this._state === 'idle' || this._state === 'error') {
      await this.reload();
    } else {
      await this._last;
    }
    return this._data;
  }

  /** Forget the data (after a target switch); the next `ensure` loads again. */
  reset(): void {
    this._ticket++;
    this._data = null;
    this._error = null;
    this._state = 'idle';
    this._changed.emit();
  }

  dispose(): void {
    this._ticket++;
    Signal.clearData(this);
  }

  private _state: ResourceState = 'idle';
  private _data: T | null = null;
  private _error: AmlxApiError | null = null;
  private _ticket = 0;
  private _watchers = 0;
  private _last: Promise<void> = Promise.resolve();
  private _changed = new Signal<this, void>(this);
}

/**
 * Request tickets for one value a view loads more than once (a curl command,
 * keys): only the newest request may apply its answer, so a slower older
 * answer (made with a key since regenerated) never wins.
 */
export class Latest {
  /** Start a request; the returned function says whether it is still the newest. */
  begin(): () => boolean {
    const mine = ++this._ticket;
    return () => mine === this._ticket;
  }

  /** Drop every request in flight (the view goes away). */
  cancel(): void {
    this._ticket++;
  }

  private _ticket = 0;
}
