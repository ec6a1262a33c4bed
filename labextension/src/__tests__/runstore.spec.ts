/** The runs store (events merge) and the list's views: filter, sort, groups, rows, columns. */
import {
  RunStore,
  flattenGroups,
  groupRuns,
  matchesFilter,
  selectRuns,
  sortValue
} from '../runstore';
import { AUTO_COLUMNS, RunsView, autoColumnCount } from '../runsview';
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

  it('never lets an older revision replace a newer one (a late answer)', () => {
    const store = new RunStore();
    store.merge([job({ name: 'a', status: 'Completed', revision: 9 })]);
    expect(store.merge([job({ name: 'a', status: 'Running', revision: 5 })])).toBe(false);
    expect(store.get('a')?.status).toBe('Completed');
  });

  it('takes a newer revision', () => {
    const store = new RunStore();
    store.merge([job({ name: 'a', status: 'Running', revision: 5 })]);
    const version = store.version;
    store.merge([job({ name: 'a', status: 'Completed', revision: 6 })]);
    expect(store.get('a')?.status).toBe('Completed');
    expect(store.version).toBeGreaterThan(version);
  });

  it('ignores a repeat of the same record but not a changed one at an equal revision', () => {
    const store = new RunStore();
    const first = job({ name: 'a', revision: 0, metrics: { rmse: 1 } });
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

describe('selectRuns', () => {
  const runs = [
    job({ name: 'a', display_name: 'alpha low', created_at: 3, metrics: { rmse: 58 } }),
    job({ name: 'b', display_name: 'alpha mid', created_at: 2, metrics: { rmse: 57 } }),
    job({ name: 'c', display_name: 'no metric', created_at: 1, metrics: {} }),
    job({ name: 'd', display_name: 'alpha high', created_at: 4, metrics: { rmse: 60 } })
  ];

  it('sorts by a metric either way, runs without it last both times', () => {
    const up = selectRuns(runs, { filter: '', sortKey: 'metrics.rmse', descending: false }, 0);
    expect(up.map(j => j.name)).toEqual(['b', 'a', 'd', 'c']);
    const down = selectRuns(runs, { filter: '', sortKey: 'metrics.rmse', descending: true }, 0);
    expect(down.map(j => j.name)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('sorts newest first by default', () => {
    expect(selectRuns(runs, { filter: '', sortKey: 'created_at', descending: true }, 0).map(j => j.name)).toEqual([
      'd',
      'a',
      'b',
      'c'
    ]);
  });

  it('filters on every word, case-insensitively', () => {
    const kept = selectRuns(runs, { filter: 'ALPHA  hig', sortKey: 'created_at', descending: true }, 0);
    expect(kept.map(j => j.name)).toEqual(['d']);
  });

  it('matches experiments, statuses and tag values too', () => {
    const tagged = job({ experiment: 'titanic', status: 'Failed', tags: { 'amlx.notebook': 'titanic.ipynb' } });
    expect(matchesFilter(tagged, 'failed')).toBe(true);
    expect(matchesFilter(tagged, 'ipynb')).toBe(true);
    expect(matchesFilter(tagged, 'diabetes')).toBe(false);
  });

  it('reads durations live for running jobs', () => {
    const running = job({ status: 'Running', started_at: 100, ended_at: null });
    expect(sortValue(running, 'duration', 160)).toBe(60);
  });
});

describe('groups and rows', () => {
  const sorted = [
    job({ name: 'd1', experiment: 'diabetes' }),
    job({ name: 't1', experiment: 'titanic' }),
    job({ name: 'd2', experiment: 'diabetes' })
  ];

  it('groups by experiment in the order of the first run of each', () => {
    const groups = groupRuns(sorted);
    expect(groups.map(g => g.experiment)).toEqual(['diabetes', 'titanic']);
    expect(groups[0].runs.map(j => j.name)).toEqual(['d1', 'd2']);
  });

  it('flattens to a header per group and leaves out collapsed runs', () => {
    const rows = flattenGroups(groupRuns(sorted), new Set(['titanic']));
    expect(rows.map(r => (r.kind === 'group' ? `#${r.experiment}:${r.count}` : r.job.name))).toEqual([
      '#diabetes:2',
      'd1',
      'd2',
      '#titanic:1'
    ]);
  });
});

describe('RunsView', () => {
  it('recomputes rows only when the store or the choices change', () => {
    const store = new RunStore();
    store.merge([job({ experiment: 'a' }), job({ experiment: 'b' })]);
    const view = new RunsView(store);
    const first = view.rows(0);
    expect(view.rows(0)).toBe(first);
    view.toggleGroup('a');
    const collapsed = view.rows(0);
    expect(collapsed).not.toBe(first);
    expect(collapsed.length).toBe(3);
    store.merge([job({ experiment: 'b' })]);
    expect(view.rows(0).length).toBe(4);
  });

  it('sorts by a clicked column, then flips the direction on a second click', () => {
    const view = new RunsView(new RunStore());
    view.sortBy('metrics.rmse');
    expect(view.query).toMatchObject({ sortKey: 'metrics.rmse', descending: true });
    view.sortBy('metrics.rmse');
    expect(view.query.descending).toBe(false);
    view.sortBy('display_name');
    expect(view.query).toMatchObject({ sortKey: 'display_name', descending: false });
  });

  it('shows picked metric columns, else the first metrics that fit', () => {
    const store = new RunStore();
    store.merge([job({ metrics: { rmse: 1, mae: 2, r2: 3, mape: 4 } })]);
    const view = new RunsView(store);
    // equally common: short names (usually logged by hand) first
    expect(view.columns(2)).toEqual(['r2', 'mae']);
    expect(view.columns().length).toBe(AUTO_COLUMNS);
    view.setPickedColumns(['mape']);
    expect(view.columns(0)).toEqual(['mape']);
  });

  it('fits as many metric columns as the width leaves room for', () => {
    expect(autoColumnCount(200)).toBe(0);
    expect(autoColumnCount(230)).toBe(1);
    expect(autoColumnCount(300)).toBe(2);
    expect(autoColumnCount(2000)).toBe(AUTO_COLUMNS);
  });
});
