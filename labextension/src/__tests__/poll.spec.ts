/** The shared polling pieces: sleeps that forget their abort listener, backoff, the retry loop, the throttle. */
import { AmlxApiError } from '../api';
import { Throttle, backoffMs, pollLoop, realTimers } from '../poll';

/** An AbortSignal that counts its listeners. */
function countingSignal() {
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener)
  };
  const abort = () => {
    signal.aborted = true;
    for (const listener of Array.from(listeners)) {
      listener();
    }
  };
  return { signal: signal as unknown as AbortSignal, listeners, abort };
}

describe('realTimers.sleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('leaves no abort listener behind after the sleeps end', async () => {
    const { signal, listeners } = countingSignal();
    for (let i = 0; i < 50; i++) {
      const slept = realTimers.sleep(1000, signal);
      expect(listeners.size).toBe(1);
      jest.advanceTimersByTime(1000);
      await slept;
    }
    expect(listeners.size).toBe(0);
  });

  it('ends at once on abort, clearing its timer and listener', async () => {
    const { signal, listeners, abort } = countingSignal();
    let woke = false;
    const slept = realTimers.sleep(60_000, signal).then(() => (woke = true));
    abort();
    await slept;
    expect(woke).toBe(true);
    expect(listeners.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not wait or listen when already aborted', async () => {
    const { signal, listeners, abort } = countingSignal();
    abort();
    await realTimers.sleep(60_000, signal);
    expect(listeners.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('pollLoop', () => {
  it('backs off 2, 4, 8 ... 30 s and starts over after a success', async () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(backoffMs)).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    const controller = new AbortController();
    const slept: number[] = [];
    const outcomes = ['fail', 'fail', 'ok', 'fail', 'done'];
    const errors: string[] = [];
    await pollLoop({
      signal: controller.signal,
      timers: { sleep: async ms => void slept.push(ms) },
      step: async () => {
        const outcome = outcomes.shift();
        if (outcome === 'fail') {
          throw new TypeError('Failed to fetch');
        }
        return outcome === 'ok';
      },
      failed: error => {
        errors.push(error.message);
        return true;
      }
    });
    expect(slept).toEqual([2000, 4000, 2000]);
    expect(errors).toEqual(['Failed to fetch', 'Failed to fetch', 'Failed to fetch']);
    expect(outcomes).toEqual([]);
  });

  it('gives up when told to, and ends silently on abort', async () => {
    const controller = new AbortController();
    let failures = 0;
    await pollLoop({
      signal: controller.signal,
      timers: realTimers,
      step: () => Promise.reject(new AmlxApiError(404, 'not_found', 'gone')),
      failed: () => ++failures < 0
    });
    expect(failures).toBe(1);

    let steps = 0;
    await pollLoop({
      signal: controller.signal,
      timers: realTimers,
      step: async () => {
        steps++;
        controller.abort();
        throw new AmlxApiError(500, 'x', 'failed while stopping');
      },
      failed: () => {
        throw new Error('an abort is not a failure');
      }
    });
    expect(steps).toBe(1);
  });
});

describe('Throttle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs at once, then at most once per window, joining requests', () => {
    let now = 0;
    let runs = 0;
    const throttle = new Throttle(() => runs++, 5000, () => now);
    throttle.request();
    expect(runs).toBe(1);
    now = 1000;
    throttle.request();
    now = 2000;
    throttle.request();
    expect(runs).toBe(1);
    expect(throttle.pending).toBe(true);
    now = 5000;
    jest.advanceTimersByTime(4000);
    expect(runs).toBe(2);
    expect(throttle.pending).toBe(false);
  });

  it('flushes now (the final reload) and cancels a scheduled run', () => {
    let now = 0;
    let runs = 0;
    const throttle = new Throttle(() => runs++, 5000, () => now);
    throttle.request();
    now = 100;
    throttle.request();
    throttle.flush();
    expect(runs).toBe(2);
    expect(throttle.pending).toBe(false);
    now = 200;
    throttle.request();
    throttle.cancel();
    jest.advanceTimersByTime(10_000);
    expect(runs).toBe(2);
  });
});
