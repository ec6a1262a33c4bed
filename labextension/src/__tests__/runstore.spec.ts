/** The runs store (newest record wins) and the order of the server's listing, emulated for sorts done here. */
import { RunStore, compareRuns, sortRuns, sortValue } from '../runstore';
import { job } from './fixtures';

describe('RunStore.merge', () => {
  it('adds new runs and reports a change once', () => {
    const store = new RunStore();
    let changes = 0;
    store.changed.connect(() => changes++);
    expect(store.merge([job({ name: 'a' }), job({ name: 'b' })])).toBe(true);
    expect(store.size).toBe(2);
    expect(changes).toBe(1);
  });

  it('never lets an older record (updated_at) replace a newer one (a late answer)', () => {
    const store = new RunStore();
    store.merge([job({ name: 'a', status: 'Completed', updated_at: 9 })]);
    expect(store.merge([job({ name: 'a', status: 'Running', updated_at: 5 })])).toBe(false);
    expect(store.get('a')?.status).toBe('Completed');
  });

  it('takes a newer record', () => {
    const store = new RunStore();
    store.merge([job({ name: 'a', status: 'Running', updated_at: 5 })]);
    const version = store.version;
    store.merge([job({ name: 'a', status: 'Completed', updated_at: 6 })]);
    expect(store.get('a')?.status).toBe('Completed');
    expect(store.version).toBeGreaterThan(version);
  });

  it('ignores a repeat of the same record but not a changed one of the same age', () => {
    const store = new RunStore();
    const first = job({ name: 'a', updated_at: 0, metrics: { rmse: 1 } });
    store.merge([first]);
    expect(store.merge([{ ...first }])).toBe(false);
    expect(store.merge([{ ...first, metrics: { rmse: 2 } }])).toBe(true);
  });

  it('counts active runs', () => {
    const store = new RunStore();
    store.merge([job({ status: 'Running' }), job({ status: 'Queued' }), job({ status: 'Failed' })]);
    expect(store.activeCount()).toBe(2);
  });

  it('lists metric keys: logged ones before autologged training_*, most common first', () => {
    const store = new RunStore();
    store.merge([
      job({ metrics: { training_score: 1, rmse: 2, alpha_value: 0.1 } }),
      job({ metrics: { training_score: 1, rmse: 3 } }),
      job({ metrics: { training_score: 1, training_mae: 2 } })
    ]);
    expect(store.metricKeys()).toEqual(['rmse', 'alpha_value', 'training_score', 'training_mae']);
  });
});

describe('sortRuns', () => {
  const runs = [
    job({ name: 'a', display_name: 'alpha low', created_at: 3, metrics: { rmse: 58 } }),
    job({ name: 'b', display_name: 'alpha mid', created_at: 2, metrics: { rmse: 57 } }),
    job({ name: 'c', display_name: 'no metric', created_at: 1, metrics: {} }),
    job({ name: 'd', display_name: 'alpha high', created_at: 4, metrics: { rmse: 60 } })
  ];

  it('sorts by a metric either way, runs without it last both times (as the server does)', () => {
    expect(sortRuns(runs, 'metrics.rmse', false, 0).map(j => j.name)).toEqual(['b', 'a', 'd', 'c']);
    expect(sortRuns(runs, 'metrics.rmse', true, 0).map(j => j.name)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('sorts newest first by default and breaks ties by submission', () => {
    expect(sortRuns(runs, 'created_at', true, 0).map(j => j.name)).toEqual(['d', 'a', 'b', 'c']);
    const tied = [job({ name: 'x', created_at: 1, status: 'Failed' }), job({ name: 'y', created_at: 2, status: 'Failed' })];
    expect(sortRuns(tied, 'status', true, 0).map(j => j.name)).toEqual(['y', 'x']);
    expect(sortRuns(tied, 'status', false, 0).map(j => j.name)).toEqual(['x', 'y']);
  });

  it('says which of two runs comes first', () => {
    expect(compareRuns(runs[0], runs[1], 'metrics.rmse', true, 0)).toBeLessThan(0);
    expect(compareRuns(runs[2], runs[1], 'metrics.rmse', true, 0)).toBeGreaterThan(0);
  });

  it('reads durations live for running jobs', () => {
    const running = job({ status: 'Running', started_at: 100, ended_at: null });
    expect(sortValue(running, 'duration', 160)).toBe(60);
  });
});
