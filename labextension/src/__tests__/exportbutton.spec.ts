/**
 * Export from the sidebar: where the files go, and the requests the client sends for them.
 */
import { ServerConnection } from '@jupyterlab/services';

import { AmlxApiError, AmlxClient } from '../api';
import { exportFolder } from '../exportbutton';

describe('exportFolder', () => {
  it('puts an export beside the notebook the run came from', () => {
    expect(exportFolder('projects/titanic/train.ipynb')).toBe('projects/titanic/amlx-export');
    expect(exportFolder('train.ipynb')).toBe('amlx-export');
  });

  it('uses the notebook folder itself for runs without a notebook file', () => {
    expect(exportFolder('(kernel history)')).toBe('amlx-export');
    expect(exportFolder(undefined)).toBe('amlx-export');
  });
});

describe('export requests', () => {
  function recording(status: number, reply: unknown) {
    const sent: { path: string; body: unknown }[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://127.0.0.1:8888/',
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = input instanceof Request ? input : new Request(String(input), init);
        sent.push({ path: new URL(request.url).pathname, body: JSON.parse((await request.text()) || '{}') });
        return new Response(JSON.stringify(reply), { status, headers: { 'Content-Type': 'application/json' } });
      }) as typeof fetch
    });
    return { client: new AmlxClient(settings), sent };
  }

  it('posts the folder and overwrite flag to the job and endpoint routes', async () => {
    const result = { kind: 'job', name: 'j1', target: 'local', folder: 'amlx-export/j1', files: ['job.yml'], notes: [] };
    const { client, sent } = recording(201, result);
    await expect(client.exportJob('j1', { folder: 'amlx-export', overwrite: false })).resolves.toEqual(result);
    await client.exportEndpoint('ep 1', { folder: 'amlx-export', overwrite: true });
    expect(sent).toEqual([
      { path: '/amlx/api/jobs/j1/export', body: { folder: 'amlx-export', overwrite: false } },
      { path: '/amlx/api/endpoints/ep%201/export', body: { folder: 'amlx-export', overwrite: true } }
    ]);
  });

  it("keeps the server's replaceable flag on a 409, which the button turns into a Replace dialog", async () => {
    const { client } = recording(409, {
      error: { code: 'conflict', message: 'The folder j1 already holds an export.', details: { folder: 'j1', replaceable: true } }
    });
    const error = (await client.exportJob('j1').catch(e => e)) as AmlxApiError;
    expect(error.status).toBe(409);
    expect(error.details.replaceable).toBe(true);
  });
});
