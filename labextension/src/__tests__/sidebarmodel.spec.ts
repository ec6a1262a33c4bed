/** Sidebar state: loading, errors, settings that apply at once, and out-of-order answers. */
import { ServerConnection } from '@jupyterlab/services';

import { AmlxClient, IWorkspaceInfo } from '../api';
import { CHECKING_RETRY_MS, SidebarModel } from '../sidebarmodel';

function info(target: 'local' | 'azure'): IWorkspaceInfo {
  return {
    target,
    label: target,
    location: target === 'local' ? '/ws' : 'sub/rg/ws',
    workspace_dir: '/ws',
    version: '0.1.0',
    health: { state: 'ok', message: 'fine', workspace: null, region: null, studio_url: null, identity: null, checked_at: null },
    capabilities: {
      jobs: false,
      sweeps: false,
      automl: false,
      models: false,
      endpoints: false,
      data_assets: false,
      computes: false,
      instance_types: target === 'azure',
      compute_targets: [],
      live_updates: 'none',
      export_yaml: false,
      sort_keys: ['created_at']
    },
    targets: [],
    warnings: []
  };
}

/** A server whose answers are released by the test, in any order. */
function controllableServer() {
  const pending: { url: URL; resolve: (r: Response) => void }[] = [];
  const fetchFn = (input: RequestInfo | URL) =>
    new Promise<Response>(resolve => {
      const url = new URL(typeof input === 'string' ? input : (input as Request).url);
      pending.push({ url, resolve });
    });
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://127.0.0.1:8888/',
    fetch: fetchFn as typeof fetch
  });
  const answer = (index: number, status = 200, health?: IWorkspaceInfo['health']) => {
    const request = pending[index];
    const target = (request.url.searchParams.get('target') ?? 'local') as
      | 'local'
      | 'azure';
    const body =
      status === 200
        ? JSON.stringify({ ...info(target), ...(health ? { health } : {}) })
        : JSON.stringify({ error: { code: 'upstream_error', message: 'Azure said no.', details: {} } });
    request.resolve(new Response(body, { status }));
  };
  return { client: new AmlxClient(settings), pending, answer };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('SidebarModel', () => {
  it('goes from loading to ready and emits a change', async () => {
    const server = controllableServer();
    const model = new SidebarModel(server.client);
    let changes = 0;
    model.changed.connect(() => changes++);
    expect(model.state).toBe('loading');
    const done = model.refresh();
    await flush();
    server.answer(0);
    await done;
    expect(model.state).toBe('ready');
    expect(model.workspace?.target).toBe('local');
    expect(changes).toBeGreaterThan(0);
  });

  it('shows the server error and recovers on retry', async () => {
    const server = controllableServer();
    const model = new SidebarModel(server.client);
    const first = model.refresh();
    await flush();
    server.answer(0, 502);
    await first;
    expect(model.state).toBe('error');
    expect(model.error?.message).toBe('Azure said no.');
    const retry = model.refresh();
    await flush();
    server.answer(1);
    await retry;
    expect(model.state).toBe('ready');
    expect(model.error).toBeNull();
  });

  it('reloads when the target setting changes, and an older answer never wins', async () => {
    const server = controllableServer();
    const model = new SidebarModel(server.client);
    const first = model.refresh(); // asks for the server default (local)
    await flush();
    model.setSettings({ target: 'azure' }); // asks again, for azure
    await flush();
    expect(server.pending).toHaveLength(2);
    expect(server.pending[1].url.searchParams.get('target')).toBe('azure');
    server.answer(1); // the newer answer arrives first
    await flush();
    server.answer(0); // then the stale one
    await first;
    await flush();
    expect(model.workspace?.target).toBe('azure');
  });

  it('asks again while a remote target is still being reached, then stops', async () => {
    jest.useFakeTimers();
    try {
      const server = controllableServer();
      const model = new SidebarModel(server.client);
      const checking = {
        state: 'checking' as const,
        message: 'Azure ML workspace ws is configured; checking that it can be reached.',
        workspace: 'ws', region: null, studio_url: null, identity: null, checked_at: null
      };
      const first = model.refresh();
      await Promise.resolve();
      server.answer(0, 200, checking);
      await first;
      expect(model.workspace?.health.state).toBe('checking');
      expect(server.pending).toHaveLength(1);
      jest.advanceTimersByTime(CHECKING_RETRY_MS);
      await Promise.resolve();
      expect(server.pending).toHaveLength(2);
      server.answer(1, 200, { ...checking, state: 'ok', message: 'Connected.', studio_url: 'https://ml.azure.com/' });
      await jest.runOnlyPendingTimersAsync();
      expect(model.workspace?.health.state).toBe('ok');
      jest.advanceTimersByTime(10 * CHECKING_RETRY_MS);
      expect(server.pending).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not fetch on settings before the first refresh', async () => {
    const server = controllableServer();
    const model = new SidebarModel(server.client);
    model.setSettings({ target: 'azure', defaultExperiment: 'titanic-demo' });
    await flush();
    expect(server.pending).toHaveLength(0);
    expect(model.settings.defaultExperiment).toBe('titanic-demo');
    expect(model.requestedTarget).toBe('azure');
  });
});
