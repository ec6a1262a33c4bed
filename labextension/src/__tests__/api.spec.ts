/**
 * The REST client against a scripted fetch: URLs it builds, records it returns,
 * and the sentences it shows for every kind of failure.
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  AmlxApiError,
  AmlxClient,
  EXTENSION_MISSING,
  IWorkspaceInfo,
  NETWORK_ERROR
} from '../api';
import { readWholeLog } from '../download';

type Reply = { status: number; body: string; contentType?: string };

function scripted(replies: Reply[] | ((url: string) => Reply)) {
  const calls: string[] = [];
  const fetchFn = async (input: RequestInfo | URL): Promise<Response> => {
    const url = typeof input === 'string' ? input : (input as Request).url;
    calls.push(url);
    const reply =
      typeof replies === 'function' ? replies(url) : replies.shift()!;
    return new Response(reply.body, {
      status: reply.status,
      headers: { 'Content-Type': reply.contentType ?? 'application/json' }
    });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://127.0.0.1:8888/lab-base/',
    fetch: fetchFn as typeof fetch
  });
  return { client: new AmlxClient(settings), calls };
}

const INFO: IWorkspaceInfo = {
  target: 'local',
  label: 'Local workspace',
  location: '/home/me/.amlx/workspace',
  workspace_dir: '/home/me/.amlx/workspace',
  version: '0.1.0',
  health: { state: 'ok', message: 'ready', workspace: null, region: null, studio_url: null, identity: null, checked_at: null },
  capabilities: {
    jobs: false,
    sweeps: false,
    automl: false,
    models: false,
    endpoints: false,
    data_assets: false,
    computes: false,
    instance_types: false,
    compute_targets: ['local'],
    live_updates: 'none',
    export_yaml: false,
    sort_keys: ['created_at']
  },
  targets: [],
  warnings: []
};

async function failure(promise: Promise<unknown>): Promise<AmlxApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AmlxApiError);
    return error as AmlxApiError;
  }
  throw new Error('expected the call to fail');
}

describe('AmlxClient', () => {
  it('asks the workspace route under the base URL and returns its record', async () => {
    const { client, calls } = scripted([
      { status: 200, body: JSON.stringify(INFO) }
    ]);
    const info = await client.workspace();
    expect(info.location).toBe('/home/me/.amlx/workspace');
    expect(new URL(calls[0]).pathname).toBe('/lab-base/amlx/api/workspace');
    expect(new URL(calls[0]).searchParams.has('target')).toBe(false);
  });

  it('passes the chosen target as a query parameter', async () => {
    const { client, calls } = scripted([
      { status: 200, body: JSON.stringify({ ...INFO, target: 'azure' }) }
    ]);
    await client.workspace('azure');
    expect(new URL(calls[0]).searchParams.get('target')).toBe('azure');
  });

  it("keeps the server's error code, message and details", async () => {
    const { client } = scripted([
      {
        status: 400,
        body: JSON.stringify({
          error: {
            code: 'invalid_request',
            message: "Unknown target 'mars'.",
            details: { field: 'target' }
          }
        })
      }
    ]);
    const error = await failure(client.workspace());
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe("Unknown target 'mars'.");
    expect(error.details).toEqual({ field: 'target' });
  });

  it('explains an HTML 404 as a missing server extension', async () => {
    const { client } = scripted([
      { status: 404, body: '<html>404 Not Found</html>', contentType: 'text/html' }
    ]);
    const error = await failure(client.workspace());
    expect(error.code).toBe(EXTENSION_MISSING);
    expect(error.message).toMatch(/jupyter server extension list/);
  });

  it('explains a 403 without a body as an expired session', async () => {
    const { client } = scripted([{ status: 403, body: '' }]);
    const error = await failure(client.workspace());
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/log in again/);
  });

  it('reports an unreachable server as a network error', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://127.0.0.1:8888/',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch
    });
    const error = await failure(new AmlxClient(settings).workspace());
    expect(error.code).toBe(NETWORK_ERROR);
    expect(error.message).toMatch(/Cannot reach the Jupyter server/);
  });

  it('refuses a 200 that is not JSON', async () => {
    const { client } = scripted([
      { status: 200, body: '<html>login</html>', contentType: 'text/html' }
    ]);
    const error = await failure(client.workspace());
    expect(error.code).toBe('bad_response');
  });

  it('lists jobs with the query it was given and the chosen target', async () => {
    const { client, calls } = scripted([{ status: 200, body: JSON.stringify({ items: [], next_cursor: null }) }]);
    client.target = 'local';
    await client.listJobs({ experiment: 'titanic', order_by: 'metrics.rmse', descending: false, limit: 100 });
    const url = new URL(calls[0]);
    expect(url.pathname).toBe('/lab-base/amlx/api/jobs');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      experiment: 'titanic',
      order_by: 'metrics.rmse',
      descending: 'false',
      limit: '100',
      target: 'local'
    });
  });

  it('long-polls events and logs with their opaque cursor/offset and wait', async () => {
    const { client, calls } = scripted(() => ({ status: 200, body: JSON.stringify({ jobs: [], cursor: 'c/4', more: false, text: '' }) }));
    await client.events('c/4', 25);
    await client.logs('calm_lamp_1', 'b:120', 25);
    await client.events(null);
    await client.logs('calm_lamp_1', null);
    expect(Object.fromEntries(new URL(calls[0]).searchParams)).toMatchObject({ cursor: 'c/4', wait: '25' });
    expect(new URL(calls[1]).pathname).toBe('/lab-base/amlx/api/jobs/calm_lamp_1/logs');
    expect(Object.fromEntries(new URL(calls[1]).searchParams)).toMatchObject({ offset: 'b:120', wait: '25' });
    // no cursor: the present position; no offset: from the start
    expect(new URL(calls[2]).searchParams.has('cursor')).toBe(false);
    expect(new URL(calls[3]).searchParams.has('offset')).toBe(false);
  });

  it('asks for the curl command of an edited body with a POST, and reads logs in chunks of a given size', async () => {
    const seen: { url: URL; method: string; body: string }[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://127.0.0.1:8888/',
      fetch: (async (input: RequestInfo | URL) => {
        const request = input as Request;
        seen.push({ url: new URL(request.url), method: request.method, body: await request.clone().text() });
        const answer = request.url.includes('/curl')
          ? { command: "curl -d '{}'" }
          : { text: 'x', offset: '0', next_offset: '1', size: 1, complete: true };
        return new Response(JSON.stringify(answer), { status: 200 });
      }) as typeof fetch
    });
    const client = new AmlxClient(settings);
    expect(await client.curlFor('ep-1', { data: [{ Age: 40 }] })).toBe("curl -d '{}'");
    expect([seen[0].url.pathname, seen[0].method]).toEqual(['/amlx/api/endpoints/ep-1/curl', 'POST']);
    expect(JSON.parse(seen[0].body)).toEqual({ payload: { data: [{ Age: 40 }] } });
    await client.logs('job_1', null, 0, undefined, 1_048_576);
    expect(seen[1].url.searchParams.get('limit')).toBe('1048576');
  });

  it('reads a whole log from its first byte, chunk after chunk', async () => {
    const chunks = [
      { text: 'a'.repeat(3), offset: 'o0', next_offset: 'o3', size: 7, complete: false },
      { text: 'b'.repeat(4), offset: 'o3', next_offset: 'o7', size: 7, complete: true }
    ];
    const { client, calls } = scripted(() => ({ status: 200, body: JSON.stringify(chunks.shift()) }));
    expect(await readWholeLog(client, 'job_1')).toBe('aaabbbb');
    expect(calls.map(url => new URL(url).searchParams.get('offset'))).toEqual([null, 'o3']);
    // a running job's log: what is there now (an empty chunk ends it)
    chunks.push(
      { text: 'partial', offset: 'o0', next_offset: 'o7', size: null as unknown as number, complete: false },
      { text: '', offset: 'o7', next_offset: 'o7', size: null as unknown as number, complete: false }
    );
    expect(await readWholeLog(client, 'job_2')).toBe('partial');
  });

  it('encodes output paths segment by segment', () => {
    const { client } = scripted([]);
    expect(client.outputPath('job_1', 'plots/a b.png')).toBe('jobs/job_1/outputs/plots/a%20b.png');
  });

  it('posts the documented bodies for models and endpoints', async () => {
    const bodies: unknown[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://127.0.0.1:8888/',
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        bodies.push({ url: new URL(String((input as Request).url ?? input)).pathname, body: init?.body ?? (input as Request).body });
        return new Response('{}', { status: 201 });
      }) as typeof fetch
    });
    const client = new AmlxClient(settings);
    await client.registerModel({ name: 'titanic-model', job: 'job_1', path: 'outputs/model.pkl' });
    await client.deploy('titanic-endpoint', { name: 'blue', model: 'titanic-model:1' });
    await client.invoke('titanic-endpoint', { data: [{ Age: 22 }] });
    expect(bodies.map(b => (b as { url: string }).url)).toEqual([
      '/amlx/api/models',
      '/amlx/api/endpoints/titanic-endpoint/deployments',
      '/amlx/api/endpoints/titanic-endpoint/invoke'
    ]);
  });

  it('reads a JSON error from a failed download', async () => {
    const { client } = scripted([
      { status: 404, body: JSON.stringify({ error: { code: 'not_found', message: 'No output x.', details: {} } }) }
    ]);
    const error = await failure(client.download('jobs/j/outputs/x'));
    expect(error.message).toBe('No output x.');
  });

  it('deletes an endpoint and reads what the server says it deleted', async () => {
    const { client, calls } = scripted([{ status: 200, body: JSON.stringify({ deleted: 'titanic-endpoint' }) }]);
    await expect(client.deleteEndpoint('titanic-endpoint')).resolves.toEqual({ deleted: 'titanic-endpoint' });
    expect(new URL(calls[0]).pathname).toBe('/lab-base/amlx/api/endpoints/titanic-endpoint');
  });

  it('reads the histories of several metrics in one request, in the order asked', async () => {
    const points = (key: string) => [{ key, value: 1, step: 0, timestamp: 0 }];
    const { client, calls } = scripted(() => ({
      status: 200,
      body: JSON.stringify({ job: 'j', metrics: { 'r2 score': points('r2 score'), rmse: points('rmse') } })
    }));
    const histories = await client.metricHistories('j', ['rmse', 'r2 score', 'never']);
    expect(histories.map(h => [h.key, h.points.length])).toEqual([
      ['rmse', 1],
      ['r2 score', 1],
      ['never', 0]
    ]);
    expect(calls).toHaveLength(1);
    const url = new URL(calls[0]);
    expect(url.pathname).toBe('/lab-base/amlx/api/jobs/j/metrics');
    expect(url.searchParams.getAll('key')).toEqual(['rmse', 'r2 score', 'never']);
    await expect(client.metricHistories('j', [])).resolves.toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('lists only top-level jobs when asked, and repeats status', async () => {
    const { client, calls } = scripted(() => ({ status: 200, body: JSON.stringify({ items: [], next_cursor: null, total: 0 }) }));
    await client.listJobs({ top_level: true, status: ['Completed', 'Failed'] });
    const url = new URL(calls[0]);
    expect(url.searchParams.get('top_level')).toBe('true');
    expect(url.searchParams.getAll('status')).toEqual(['Completed', 'Failed']);
  });
});
