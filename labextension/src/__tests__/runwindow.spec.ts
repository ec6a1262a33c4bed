/** One server-paged listing: pages as the list needs them, and change hints applied, skipped or read again. */
import { AmlxApiError } from '../api';
import { FIRST_PAGE, MAX_PAGE, RunWindow } from '../runwindow';
import { job } from './fixtures';
import { flush, pagedServer } from './pagedserver';

function runs(count: number, experiment = 'exp') {
  return Array.from({ length: count }, (_, i) =>
    job({ name: `r${i}`, display_name: `alpha ${i}`, experiment, created_at: 1000 + i, metrics: { rmse: i % 97 } })
  );
}

describe('RunWindow paging', () => {
  it('loads a first page, then pages up to what the list shows, one request at a time', async () => {
    const server = pagedServer(runs(5000));
    const window = new RunWindow(server.client, { experiment: 'exp', orderBy: 'created_at', descending: true });
    window.ensure(1);
    window.ensure(2);
    await flush();
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ experiment: 'exp', order_by: 'created_at', descending: true, limit: FIRST_PAGE });
    expect(window.items).toHaveLength(FIRST_PAGE);
    expect(window.items[0].name).toBe('r4999');
    expect(window.total).toBe(5000);
    expect(window.complete).toBe(false);

    // a jump to the end takes few large pages, each after the previous one's cursor
    window.ensure(5000);
    await flush(30);
    expect(server.calls.slice(1).map(call => call.limit)).toEqual([MAX_PAGE, MAX_PAGE, MAX_PAGE, MAX_PAGE, 5000 - FIRST_PAGE - 4 * MAX_PAGE]);
    expect(server.calls[2].cursor).toBe(String(FIRST_PAGE + MAX_PAGE));
    expect(window.items).toHaveLength(5000);
    expect(window.complete).toBe(true);
    expect(new Set(window.items.map(item => item.name)).size).toBe(5000);
  });

  it('asks the server to filter and sort', async () => {
    const server = pagedServer(runs(300));
    const window = new RunWindow(server.client, { experiment: 'exp', q: 'alpha 29', orderBy: 'metrics.rmse', descending: false });
    window.ensure(10);
    await flush();
    expect(server.calls[0]).toMatchObject({ q: 'alpha 29', order_by: 'metrics.rmse', descending: false });
    const names = window.items.map(item => item.display_name);
    expect(names).toHaveLength(11);
    expect(names.every(name => name.startsWith('alpha 29'))).toBe(true);
    const values = window.items.map(item => item.metrics.rmse as number);
    expect(values).toEqual(values.slice().sort((a, b) => a - b));
    expect(window.complete).toBe(true);
  });

  it('keeps the runs it has when a page fails, says why, and goes on after retry', async () => {
    const server = pagedServer(runs(300));
    const window = new RunWindow(server.client, { orderBy: 'created_at', descending: true });
    window.ensure(1);
    await flush();
    const listJobs = server.client.listJobs;
    server.client.listJobs = () => Promise.reject(new AmlxApiError(502, 'upstream_error', 'Azure said no.'));
    window.ensure(250);
    await flush();
    expect(window.error?.message).toBe('Azure said no.');
    expect(window.items).toHaveLength(FIRST_PAGE);
    server.client.listJobs = listJobs;
    window.retry();
    await flush();
    expect(window.error).toBeNull();
    expect(window.items).toHaveLength(250);
  });

  it('drops a page that answers after the listing was read again', async () => {
    const server = pagedServer(runs(300));
    const window = new RunWindow(server.client, { orderBy: 'created_at', descending: true });
    window.ensure(1);
    await flush();
    server.hold = true;
    window.ensure(150); // a page after the cursor, held
    await flush();
    server.jobs.push(job({ name: 'newest', created_at: 9999 }));
    window.refresh(); // replaces it: the first runs again
    server.release();
    await flush();
    server.release();
    await flush();
    expect(window.items[0].name).toBe('newest');
    expect(new Set(window.items.map(item => item.name)).size).toBe(window.items.length);
  });
});

describe('RunWindow hints', () => {
  async function loaded(orderBy = 'created_at', descending = true, q?: string) {
    const server = pagedServer(runs(500));
    const window = new RunWindow(server.client, { experiment: 'exp', q, orderBy, descending }, 0);
    window.ensure(1);
    await flush();
    return { server, window };
  }

  it('updates a shown run in place when its place cannot change', async () => {
    const { server, window } = await loaded();
    const shown = window.items[3];
    expect(window.hint({ ...shown, status: 'Failed', updated_at: shown.updated_at! + 1 }, 0)).toBe('updated');
    expect(window.items[3].status).toBe('Failed');
    // an older record (a late answer) changes nothing
    expect(window.hint({ ...shown, status: 'Running', updated_at: shown.updated_at! - 1 }, 0)).toBe('none');
    expect(window.items[3].status).toBe('Failed');
    expect(server.calls).toHaveLength(1);
  });

  it('puts a new run on top of a newest-first list', async () => {
    const { server, window } = await loaded();
    const fresh = job({ name: 'fresh', experiment: 'exp', created_at: 5000 });
    expect(window.hint(fresh, 0)).toBe('inserted');
    expect(window.items[0].name).toBe('fresh');
    expect(window.total).toBe(501);
    expect(server.calls).toHaveLength(1);
    // runs of other experiments are not this listing's business
    expect(window.hint(job({ experiment: 'other', created_at: 6000 }), 0)).toBe('none');
  });

  it('leaves alone a changed run past the loaded ones', async () => {
    const { server, window } = await loaded();
    const old = server.jobs[0]; // the oldest: far past the first page
    expect(window.hint({ ...old, status: 'Failed', updated_at: old.updated_at! + 1 }, 0)).toBe('none');
    expect(server.calls).toHaveLength(1);
  });

  it('reads the loaded runs again when a shown run moves in the sort order', async () => {
    const { server, window } = await loaded('metrics.rmse', true);
    const top = window.items[0];
    const index = server.jobs.findIndex(j => j.name === top.name);
    server.jobs[index] = { ...top, metrics: { rmse: -1 }, updated_at: top.updated_at! + 1 };
    expect(window.hint(server.jobs[index], 0)).toBe('refetch');
    await flush();
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1].cursor).toBeUndefined();
    expect(window.items[0].name).not.toBe(top.name);
  });

  it('reads again for a new run in a filtered list (only the server knows whether it matches)', async () => {
    const { server, window } = await loaded('created_at', true, 'alpha');
    const fresh = job({ name: 'fresh', display_name: 'alpha new', experiment: 'exp', created_at: 5000 });
    server.jobs.push(fresh);
    expect(window.hint(fresh, 0)).toBe('refetch');
    await flush();
    expect(window.items[0].name).toBe('fresh');
  });
});
