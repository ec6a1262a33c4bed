/** The Runs list: groups from the experiments listing, each group paged from the server as it comes into view. */
import { AmlxClient } from '../api';
import { IJob } from '../apitypes';
import { runLabel } from '../format';
import { RunStore } from '../runstore';
import {
  AUTO_COLUMNS,
  DURATION_RESORT_S,
  FILTER_DEBOUNCE_MS,
  RunRow,
  RunsView,
  autoColumnCount,
  serverSorts
} from '../runsview';
import { job } from './fixtures';
import { flush, pagedServer } from './pagedserver';

function seeded(): IJob[] {
  const jobs: IJob[] = [];
  for (let i = 0; i < 400; i++) {
    jobs.push(job({ name: `d${i}`, display_name: `alpha ${i}`, experiment: 'diabetes', created_at: 1000 + i, metrics: { rmse: i } }));
  }
  for (let i = 0; i < 3; i++) {
    jobs.push(job({ name: `t${i}`, display_name: `titanic ${i}`, experiment: 'titanic', created_at: 900 + i }));
  }
  return jobs;
}

function describeRows(rows: RunRow[]): string[] {
  return rows.map(row =>
    row.kind === 'group'
      ? `#${row.experiment}:${row.count ?? '?'}`
      : row.kind === 'run'
        ? row.job.name
        : row.kind === 'trial'
          ? `  ${row.job.name}`
          : row.kind === 'pending'
            ? `…${row.experiment}`
            : `+${row.experiment}`
  );
}

async function started(jobs = seeded()) {
  const server = pagedServer(jobs);
  const store = new RunStore();
  const view = new RunsView(server.client, store);
  view.start();
  await flush();
  return { server, store, view };
}

describe('RunsView groups and pages', () => {
  it('shows every group with its count before any run is loaded, then loads the runs in view', async () => {
    const { server, view } = await started();
    const rows = view.rows(0);
    expect(rows.filter(row => row.kind === 'group').map(row => describeRows([row])[0])).toEqual([
      '#diabetes:400',
      '#titanic:3'
    ]);
    expect(rows).toHaveLength(1 + 400 + 1 + 3);
    expect(server.calls).toHaveLength(0);
    expect(view.total).toBe(403);

    // the first 20 rows are on screen: only the first group's first page is asked for
    view.need(rows, 0, 20);
    await flush();
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ experiment: 'diabetes', order_by: 'created_at', descending: true });
    const next = view.rows(0);
    expect(describeRows(next).slice(0, 3)).toEqual(['#diabetes:400', 'd399', 'd398']);
    expect(view.loadedCount).toBe(100);

    // scrolled to the end: the rest of diabetes and the titanic group
    view.need(next, next.length - 20, next.length);
    await flush(20);
    const all = view.rows(0);
    expect(all.filter(row => row.kind !== 'run' && row.kind !== 'group')).toHaveLength(0);
    expect(describeRows(all).slice(-4)).toEqual(['#titanic:3', 't2', 't1', 't0']);
    expect(view.loadedCount).toBe(403);
  });

  it("gives each run row the parameters that differ within its group, so its name leads with them", async () => {
    const runs = [
      job({ name: 'a', experiment: 'ridge', created_at: 3, display_name: 'diabetes cell 12 (alpha=2)', parameters: { alpha: 2, seed: 1 } }),
      job({ name: 'b', experiment: 'ridge', created_at: 2, display_name: 'diabetes cell 12', parameters: { alpha: 0.5, seed: 1 } }),
      job({ name: 'c', experiment: 'titanic', created_at: 1, display_name: 'titanic cell 16', parameters: { SEED: 42 } })
    ];
    const { view } = await started(runs);
    view.need(view.rows(0), 0, 10);
    await flush(20);
    const shown = view.rows(0).flatMap(row => (row.kind === 'run' ? [[row.job.name, runLabel(row.job, row.varying)]] : []));
    expect(shown).toEqual([
      ['a', 'alpha=2 · diabetes cell 12'],
      ['b', 'alpha=0.5 · diabetes cell 12'],
      ['c', 'cell 16'] // the group's name is left out, as before
    ]);
  });

  it('asks nothing for a collapsed group', async () => {
    const { server, view } = await started();
    view.toggleGroup('diabetes');
    const rows = view.rows(0);
    expect(describeRows(rows)).toEqual(['#diabetes:400', '#titanic:3', '…titanic', '…titanic', '…titanic']);
    view.need(rows, 0, rows.length);
    await flush();
    expect(server.calls.map(call => call.experiment)).toEqual(['titanic']);
  });

  it('sorts on the server when the target can, and restarts the pages on a new sort', async () => {
    const { server, view } = await started();
    view.sortBy('metrics.rmse');
    expect(view.sortedOnServer).toBe(true);
    view.need(view.rows(0), 0, 10);
    await flush();
    expect(server.calls[0]).toMatchObject({ order_by: 'metrics.rmse', descending: true });
    expect(describeRows(view.rows(0)).slice(0, 3)).toEqual(['#diabetes:400', 'd399', 'd398']);
    view.sortBy('metrics.rmse');
    view.need(view.rows(0), 0, 10);
    await flush();
    expect(server.calls[1]).toMatchObject({ order_by: 'metrics.rmse', descending: false });
    expect(describeRows(view.rows(0)).slice(0, 3)).toEqual(['#diabetes:400', 'd0', 'd1']);
  });

  it('sorts a key the target cannot sort on over the loaded runs, and offers more on demand', async () => {
    const jobs = [
      job({ name: 'short', experiment: 'e', created_at: 3, started_at: 0, ended_at: 5 }),
      job({ name: 'long', experiment: 'e', created_at: 2, started_at: 0, ended_at: 500 }),
      job({ name: 'mid', experiment: 'e', created_at: 1, started_at: 0, ended_at: 50 })
    ];
    const { server, view } = await started(jobs);
    view.setQuery({ sortKey: 'duration', descending: true });
    expect(view.sortedOnServer).toBe(false);
    view.need(view.rows(0), 0, 10);
    await flush();
    // the server pages newest first; the order here is by duration
    expect(server.calls[0]).toMatchObject({ order_by: 'created_at', descending: true });
    expect(describeRows(view.rows(0))).toEqual(['#e:3', 'long', 'mid', 'short']);

    // a target that sorts on fewer keys: a metric sort is done here too
    view.setSortKeys(['created_at', 'name']);
    expect(serverSorts('metrics.rmse', ['created_at', 'name'])).toBe(false);
    view.setQuery({ sortKey: 'metrics.rmse' });
    expect(view.sortedOnServer).toBe(false);
    view.setSortKeys(null);
    expect(view.sortedOnServer).toBe(true);
  });

  it('ends a group sorted here with a row that loads more when asked', async () => {
    const { server, view } = await started();
    view.setQuery({ sortKey: 'duration' });
    view.need(view.rows(0), 0, 10);
    await flush();
    const rows = describeRows(view.rows(0));
    expect(rows[101]).toBe('+diabetes');
    const asked = server.calls.length;
    view.loadMore('diabetes');
    await flush();
    expect(server.calls.slice(asked)).toEqual([expect.objectContaining({ experiment: 'diabetes', cursor: '100' })]);
    expect(view.window('diabetes').items).toHaveLength(200);
  });

  it('filters on the server once typing pauses, hiding groups without a match', async () => {
    const { server, view } = await started();
    view.setQuery({ filter: 'alpha 39' });
    expect(view.query.filter).toBe('alpha 39');
    view.need(view.rows(0), 0, 50);
    await flush();
    expect(server.calls.filter(call => call.q)).toHaveLength(0); // the list still shows the old query meanwhile
    await new Promise(resolve => setTimeout(resolve, FILTER_DEBOUNCE_MS + 50));
    const rows = view.rows(0);
    expect(describeRows(rows)).toEqual(['#diabetes:?', '…diabetes', '#titanic:?', '…titanic']);
    view.need(rows, 0, rows.length);
    await flush();
    expect(server.calls.filter(call => call.q).map(call => call.experiment)).toEqual(['diabetes', 'titanic']);
    const found = describeRows(view.rows(0));
    expect(found[0]).toBe('#diabetes:11');
    expect(found).not.toContain('#titanic:0');
    expect(view.matching()).toEqual({ count: 11, known: true });
  });
});

describe('RunsView change hints', () => {
  it('puts a new run on top of its loaded group and counts the groups again', async () => {
    const { server, view } = await started();
    view.need(view.rows(0), 0, 10);
    await flush();
    const fresh = job({ name: 'fresh', experiment: 'diabetes', created_at: 5000 });
    server.jobs.push(fresh);
    const before = server.experimentCalls;
    view.hint([fresh], 0);
    await flush();
    expect(describeRows(view.rows(0)).slice(0, 2)).toEqual(['#diabetes:401', 'fresh']);
    expect(server.experimentCalls).toBe(before + 1);
    expect(view.total).toBe(404);
  });

  it('adds the group of a run in a new experiment', async () => {
    const { server, view } = await started();
    const fresh = job({ name: 'first', experiment: 'heart', created_at: 6000 });
    server.jobs.push(fresh);
    view.hint([fresh], 0);
    await flush();
    expect(describeRows(view.rows(0))[0]).toBe('#heart:1');
  });

  it('does not count again for a change to a run it has counted', async () => {
    const { server, view } = await started();
    view.need(view.rows(0), 0, 10);
    await flush();
    const shown = view.rows(0)[1] as { job: IJob };
    const before = server.experimentCalls;
    view.hint([{ ...shown.job, status: 'Failed', updated_at: shown.job.updated_at! + 1 }], 0);
    await flush();
    expect(server.experimentCalls).toBe(before);
    expect((view.rows(0)[1] as { job: IJob }).job.status).toBe('Failed');
  });

  it('forgets everything on reset', async () => {
    const { view } = await started();
    view.need(view.rows(0), 0, 10);
    await flush();
    view.reset();
    expect(view.rows(0)).toEqual([]);
    expect(view.loadedCount).toBe(0);
  });
});

describe('RunsView choices', () => {
  const noServer = {} as AmlxClient;

  it('sorts by a clicked column, then flips the direction on a second click', () => {
    const view = new RunsView(noServer, new RunStore());
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
    const view = new RunsView(noServer, store);
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

  it('reorders running jobs by duration as time passes, at most every few seconds', async () => {
    const jobs = [
      job({ name: 'done', experiment: 'e', status: 'Completed', started_at: 0, ended_at: 100, created_at: 2 }),
      job({ name: 'running', experiment: 'e', status: 'Running', started_at: 1000, ended_at: null, created_at: 1 })
    ];
    const { store, view } = await started(jobs);
    store.merge(jobs);
    view.setQuery({ sortKey: 'duration', descending: true });
    view.need(view.rows(0), 0, 10);
    await flush();
    const names = (now: number) => view.rows(now).flatMap(row => (row.kind === 'run' ? [row.job.name] : []));
    expect(names(1050)).toEqual(['done', 'running']);
    const first = view.rows(1050);
    // within the window the memoized rows are kept, even though the order is about to change
    expect(view.rows(1050 + DURATION_RESORT_S - 1)).toBe(first);
    expect(names(1200)).toEqual(['running', 'done']);
    // another sort: time alone recomputes nothing
    view.setQuery({ sortKey: 'created_at' });
    const byTime = view.rows(1300);
    expect(view.rows(5000)).toBe(byTime);
  });
});

describe('RunsView sweeps', () => {
  function sweepJobs(): IJob[] {
    const sweep = job({ name: 'sw', display_name: 'diabetes sweep', experiment: 'diabetes', type: 'sweep', created_at: 5000 });
    const trials = [0, 1, 2].map(i =>
      job({ name: `sw_${i}`, experiment: 'diabetes', parent: 'sw', created_at: 5001 + i, tags: { 'amlx.trial': String(i) } })
    );
    return [job({ name: 'plain', experiment: 'diabetes', created_at: 4000 }), sweep, ...trials];
  }

  it('lists a sweep as one row and shows its trials under it, in trial order, when expanded', async () => {
    const { server, view } = await started(sweepJobs());
    view.need(view.rows(0), 0, 10);
    await flush();
    expect(server.calls[0]).toMatchObject({ experiment: 'diabetes', top_level: true });
    expect(describeRows(view.rows(0))).toEqual(['#diabetes:2', 'sw', 'plain']);
    const sweepRow = view.rows(0)[1];
    expect(sweepRow).toMatchObject({ kind: 'run', expanded: false });

    view.toggleSweep('sw');
    await flush();
    expect(server.calls[server.calls.length - 1]).toMatchObject({ parent: 'sw', order_by: 'created_at', descending: false });
    expect(describeRows(view.rows(0))).toEqual(['#diabetes:2', 'sw', '  sw_0', '  sw_1', '  sw_2', 'plain']);
    expect(view.rows(0)[1]).toMatchObject({ kind: 'run', expanded: true });
    expect(view.expandedSweeps.has('sw')).toBe(true);

    view.toggleSweep('sw');
    expect(describeRows(view.rows(0))).toEqual(['#diabetes:2', 'sw', 'plain']);
  });

  it('keeps an expanded sweep current from the change feed: a changed trial in place, a new one read', async () => {
    const jobs = sweepJobs();
    const { server, view } = await started(jobs);
    view.need(view.rows(0), 0, 10);
    await flush();
    view.toggleSweep('sw');
    await flush();
    const changed = { ...jobs[2], status: 'Running' as const, updated_at: 9999 };
    view.hint([changed], 0);
    const trialRow = view.rows(0).find(row => row.kind === 'trial' && row.job.name === 'sw_0');
    expect(trialRow && trialRow.kind === 'trial' && trialRow.job.status).toBe('Running');

    const added = job({ name: 'sw_3', experiment: 'diabetes', parent: 'sw', created_at: 6000 });
    server.jobs.push(added);
    const calls = server.calls.length;
    view.hint([added], 0);
    // the window reads itself again, throttled: wait for that read, with a deadline
    const deadline = Date.now() + 10_000;
    while (server.calls.length === calls && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    await flush();
    expect(server.calls.length).toBeGreaterThan(calls);
    expect(describeRows(view.rows(0)).filter(line => line.startsWith('  '))).toEqual(['  sw_0', '  sw_1', '  sw_2', '  sw_3']);
    // a trial never shows as a run of its own
    expect(describeRows(view.rows(0))).not.toContain('sw_3');
  });
});
