/**
 * What the runs feed and the log follower share: sleeps that end on abort
 * (and forget their listener), the retry backoff, and one loop that repeats
 * a step, retries failures and stops for good once its signal aborts, so a
 * loop that was replaced never writes the state of its successor.
 */
import { ABORTED, AmlxApiError } from './api';
import { asApiError } from './resource';
import { trans } from './i18n';

/** Injectable timers so tests can drive time. */
export interface ITimers {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Resolves after `ms`, or at once on abort; the abort listener is removed either way. */
export const realTimers: ITimers = {
  sleep: (ms, signal) =>
    new Promise(resolve => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(handle);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const handle = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    })
};

export const MAX_BACKOFF_MS = 30_000;

/** Wait before retry number `failures` (1, 2, ...): 2 s, 4 s, ... up to 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 5));
}

/** The error a cancelled request throws; a loop that sees it stops without a word. */
export function abortError(): AmlxApiError {
  return new AmlxApiError(0, ABORTED, trans.__('The request was cancelled.'));

}

/** Call after every await: an answer that arrives after a stop or reset must not be used. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw abortError();
  }
}

export function isAbort(reason: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (reason as AmlxApiError)?.code === ABORTED;
}

export interface IPollLoop {
  signal: AbortSignal;
  timers: ITimers;
  /** One round (usually one request); resolves false when there is nothing more to do. */
  step(signal: AbortSignal): Promise<boolean>;
  /** A failure (never an abort), for the UI; return false to give up instead of retrying. */
  failed(error: AmlxApiError): boolean;
}

/**
 * Repeat `step` until it says done or the signal aborts; a failed step is
 * reported, then retried after a backoff that grows with consecutive failures.
 */
export async function pollLoop(loop: IPollLoop): Promise<void> {
  const { signal } = loop;
  let failures = 0;
  while (!signal.aborted) {
    let more: boolean;
    try {
      more = await loop.step(signal);
    } catch (reason) {
      if (isAbort(reason, signal)) {
        return;
      }
      failures++;
      if (!loop.failed(asApiError(reason))) {
        return;
      }
      await loop.timers.sleep(backoffMs(failures), signal);
      continue;
    }
    failures = 0;
    if (!more) {
      return;
    }
  }
}

/**
 * Runs `task` at most once per `ms`: a request inside the window schedules
 * one run at its end (requests meanwhile join it). Keeps a running job's
 * panel from reloading its metric histories on every change of the job.
 */
export class Throttle {
  constructor(
    private readonly task: () => void,
    readonly ms: number,
    private readonly now: () => number = Date.now
  ) {}

  /** Whether a run is scheduled for the end of the window. */
  get pending(): boolean {
    return this._handle !== null;
  }

  request(): void {
    const wait = this._last + this.ms - this.now();
    if (wait <= 0) {
      this.flush();
    } else if (this._handle === null) {
      this._handle = setTimeout(() => this.flush(), wait);
    }
  }

  /** Run now whatever the window (the final reload when the job ends). */
  flush(): void {
    this.cancel();
    this._last = this.now();
    this.task();
  }

  /** Drop a scheduled run (its tab was left, or the panel closed). */
  cancel(): void {
    if (this._handle !== null) {
      clearTimeout(this._handle);
      this._handle = null;
    }
  }

  private _last = -Infinity;
  private _handle: ReturnType<typeof setTimeout> | null = null;
}
