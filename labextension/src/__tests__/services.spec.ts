/** Target switches: lists that are shown load again, panels of the old workspace are picked out, stale answers lose. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';

import { AmlxClient, IWorkspaceInfo } from '../api';
import { panelId } from '../naming';
import { Latest, Resource } from '../resource';
import { AmlxServices, ITargetSwitch, workspacePanelIds } from '../services';

function info(target: 'local' | 'azure'): IWorkspaceInfo {
  return {
    target,
    label: target === 'local' ? 'Local workspace' : 'Azure ML',
    location: '/ws',
    workspace_dir: '/ws',
    version: '0.1.0',
    health: { state: 'ok', message: 'fine', workspace: null, region: null, studio_url: null, identity: null, checked_at: null },
    capabilities: {
      jobs: true,
      sweeps: false,
      automl: false,
      models: true,
      endpoints: true,
      data_assets: true,
      computes: true,
      instance_types: false,
      compute_targets: [],
      live_updates: 'none',
      export_yaml: false,
      sort_keys: ['created_at']
    },
    targets: [],
    warnings: []
  };
}

/** A server that answers at once; records each path with the target it was asked for. */
function services() {
  const calls: string[] = [];
  const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : (input as Request).url);
    const path = url.pathname.replace('/amlx/api/', '');
    const target = (url.searchParams.get('target') ?? 'local') as 'local' | 'azure';
    calls.push(`${path}@${target}`);
    const bodies: Record<string, unknown> = {
      workspace: info(target),
      models: { models: [] },
      endpoints: { endpoints: [] },
      data: { assets: [] }
    };
    return new Response(JSON.stringify(bodies[path] ?? {}), { status: 200 });
  };
  const settings = ServerConnection.makeSettings({ baseUrl: 'http://127.0.0.1:8888/', fetch: fetchFn as typeof fetch });
  const client = new AmlxClient(settings);
  return { services: new AmlxServices({} as JupyterFrontEnd, client, null), calls };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('AmlxServices target switch', () => {
  it('reloads shown lists on refresh, even those the switch left idle, and leaves unseen ones alone', async () => {
    const { services: s, calls } = services();
    const stopWatching = s.models.watch();
    await s.models.ensure();
    await s.endpoints.ensure(); // loaded once, not shown now
    s.model.setSettings({ target: 'azure' });
    expect(s.models.state).toBe('idle');
    expect(s.endpoints.state).toBe('idle');
    calls.length = 0;
    s.refreshAll();
    await flush();
    expect(calls).toContain('models@azure');
    expect(calls).not.toContain('endpoints@azure');
    expect(calls).not.toContain('data@azure');
    expect(s.models.state).toBe('ready');
    stopWatching();
    stopWatching(); // twice is harmless
    expect(s.models.watched).toBe(false);
  });

  it('clears the runs once (the feed does it when it runs)', () => {
    const { services: s } = services();
    const clear = jest.spyOn(s.runs, 'clear');
    s.model.setSettings({ target: 'azure' });
    expect(clear).toHaveBeenCalledTimes(1);

    const { services: fed } = services();
    jest.spyOn(fed.feed, 'start').mockImplementation(() => undefined);
    const reset = jest.spyOn(fed.feed, 'reset').mockImplementation(() => undefined);
    const fedClear = jest.spyOn(fed.runs, 'clear');
    fed.startFeed();
    fed.model.setSettings({ target: 'azure' });
    expect(reset).toHaveBeenCalledTimes(1);
    expect(fedClear).not.toHaveBeenCalled();
  });

  it('says which workspace was left, and stays quiet when the target names the one shown', async () => {
    const { services: s } = services();
    const switches: ITargetSwitch[] = [];
    s.targetChanged.connect((_, change) => switches.push(change));
    await s.model.refresh(); // the server default: local
    s.model.setSettings({ target: 'local' });
    expect(switches).toEqual([]);
    expect(s.client.target).toBe('local');
    s.model.setSettings({ target: 'azure' });
    expect(switches).toEqual([{ previous: 'local', current: 'azure', previousLabel: 'Local workspace' }]);
  });
});

describe('test-panel drafts', () => {
  it("keeps an edited body per endpoint of each target, so a reopened panel shows it; null forgets it", () => {
    const { services: s } = services();
    expect(s.payloadDraft('titanic-endpoint')).toBeNull();
    s.setPayloadDraft('titanic-endpoint', '{"data": [{"Age": 40}]}');
    expect(s.payloadDraft('titanic-endpoint')).toBe('{"data": [{"Age": 40}]}');
    expect(s.payloadDraft('other')).toBeNull();
    s.model.setSettings({ target: 'azure' });
    expect(s.payloadDraft('titanic-endpoint')).toBeNull();
    s.model.setSettings({ target: 'server-default' });
    s.setPayloadDraft('titanic-endpoint', null);
    expect(s.payloadDraft('titanic-endpoint')).toBeNull();
  });
});

describe('workspacePanelIds', () => {
  it('picks the run, compare, model and endpoint panels and keeps submit forms and foreign widgets', () => {
    const ids = [
      panelId('run', 'job_1'),
      panelId('compare', 'titanic'),
      panelId('model', 'titanic-model'),
      panelId('endpoint', 'titanic-endpoint'),
      panelId('submit', 'nb.ipynb', 'cell-1'),
      'notebook:nb.ipynb',
      'amlx-sidebar',
      'amlx-runs-x',
      'launcher-0'
    ];
    expect(workspacePanelIds(ids)).toEqual(ids.slice(0, 4));
  });
});

describe('Resource.current', () => {
  it('loads when idle, tries a failed load again and waits for one in flight', async () => {
    let answers = 0;
    let fail = true;
    const resource = new Resource(async () => {
      answers++;
      if (fail) {
        throw new Error('down');
      }
      return ['a'];
    });
    await expect(resource.current()).resolves.toBeNull();
    fail = false;
    await expect(resource.current()).resolves.toEqual(['a']);
    await expect(resource.current()).resolves.toEqual(['a']);
    expect(answers).toBe(2);
  });
});

describe('Latest', () => {
  it('lets only the newest request apply its answer', () => {
    const latest = new Latest();
    const first = latest.begin();
    const second = latest.begin();
    expect(first()).toBe(false);
    expect(second()).toBe(true);
    latest.cancel();
    expect(second()).toBe(false);
  });
});
