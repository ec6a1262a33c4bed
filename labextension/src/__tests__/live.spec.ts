/** Keeping data current: the change feed (position, catch-up, long-poll), log streaming, lists. */
import { AmlxApiError, AmlxClient } from '../api';
import { IDeployment, IJobChanges, IJobPage, ILogChunk } from '../apitypes';
import { followDeployment } from '../deployfollow';
import { fileTree } from '../filetree';
import { FollowWhenShown, LogFollower } from '../logfollow';
import { endpointNameFor, modelNameFor, outputsSource } from '../naming';
import { Resource } from '../resource';
import { ITimers, LONG_POLL_S, RunsFeed } from '../runsfeed';
import { RunStore } from '../runstore';
import { job } from './fixtures';

const flush = async (times = 10) => {
  for (let i = 0; i < times; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
};

/** A call the test answers when it wants to. */
interface IPending<T> {
  args: unknown[];
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** `lateAnswers`: requests ignore their abort signal, so answers can arrive after a stop or reset. */
function deferredClient(lateAnswers = false) {
  const events: IPending<IJobChanges>[] = [];
  const pages: IPending<IJobPage>[] = [];
  const logs: IPending<ILogChunk>[] = [];
  const client = {
    listJobs: (query: unknown) => new Promise<IJobPage>((resolve, reject) => pages.push({ args: [query], resolve, reject })),
    events: (cursor: string | null, wait: number, signal?: AbortSignal) =>
      new Promise<IJobChanges>((resolve, reject) => {
        events.push({ args: [cursor, wait], resolve, reject });
        if (!lateAnswers) {
          signal?.addEventListener('abort', () => reject(new AmlxApiError(0, 'aborted', 'cancelled')));
        }
      }),
    logs: (name: string, offset: string | null, wait: number) =>
      new Promise<ILogChunk>((resolve, reject) => logs.push({ args: [name, offset, wait], resolve, reject }))
  } as unknown as AmlxClient;
  return { client, events, pages, logs };
}

/** Sleeps that end only when the test says so. */
function manualTimers() {
  const sleeping: { ms: number; wake: () => void }[] = [];
  const timers: ITimers = {
    sleep: (ms, signal) =>
      new Promise(resolve => {
        sleeping.push({ ms, wake: () => resolve() });
        signal.addEventListener('abort', () => resolve());
      })
  };
  return { timers, sleeping };
}

describe('RunsFeed', () => {
  it('asks for the present cursor, catches up while there is more, then holds a long-poll; changes go to the store and out', async () => {
    const server = deferredClient();
    const store = new RunStore();
    const feed = new RunsFeed(server.client, store, manualTimers().timers);
    const seen: string[][] = [];
    feed.changes.connect((_, jobs) => seen.push(jobs.map(j => j.name)));
    feed.start({ mode: 'live', intervalSeconds: 15 });
    await flush();
    expect(feed.state).toBe('loading');
    // the position first: no cursor, answered at once (the feed never lists every job)
    expect(server.events[0].args).toEqual([null, 0]);
    server.events[0].resolve({ jobs: [], cursor: 'c7', more: false });
    await flush();
    expect(feed.position).toBe('c7');
    expect(server.pages.length).toBe(0);

    expect(server.events[1].args).toEqual(['c7', 0]);
    server.events[1].resolve({ jobs: [job({ name: 'old', updated_at: 8 })], cursor: 'c8', more: true });
    await flush();
    // more: ask again at once, without waiting
    expect(server.events[2].args).toEqual(['c8', 0]);
    server.events[2].resolve({ jobs: [job({ name: 'other' })], cursor: 'c9', more: false });
    await flush();
    expect(feed.state).toBe('ready');
    expect(store.get('old')).toBeDefined();
    expect(seen).toEqual([['old'], ['other']]);

    // live: one held request from the latest cursor
    expect(server.events[3].args).toEqual(['c9', LONG_POLL_S]);
    server.events[3].resolve({ jobs: [job({ name: 'old', status: 'Failed', updated_at: 9 })], cursor: 'c10', more: false });
    await flush();
    expect(store.get('old')?.status).toBe('Failed');
    expect(seen).toEqual([['old'], ['other'], ['old']]);
    expect(server.events[4].args).toEqual(['c10', 0]);
    feed.dispose();
  });

  it('keeps the runs and shows the error when the server fails, then recovers', async () => {
    const server = deferredClient();
    const clock = manualTimers();
    const store = new RunStore();
    store.merge([job({ name: 'kept' })]);
    const feed = new RunsFeed(server.client, store, clock.timers);
    feed.start({ mode: 'manual', intervalSeconds: 15 });
    await flush();
    server.events[0].resolve({ jobs: [], cursor: 'c1', more: false });
    await flush();
    server.events[1].reject(new AmlxApiError(502, 'upstream_error', 'Azure said no.'));
    await flush();
    expect(feed.state).toBe('error');
    expect(feed.error?.message).toBe('Azure said no.');
    expect(store.get('kept')).toBeDefined();
    expect(clock.sleeping[0].ms).toBe(2000);

    clock.sleeping[0].wake();
    await flush();
    server.events[2].resolve({ jobs: [], cursor: 'c1', more: false });
    await flush();
    expect(feed.state).toBe('ready');
    expect(feed.error).toBeNull();
    // manual: nothing more until asked, and then from the cursor it has
    expect(server.events.length).toBe(3);
    feed.refreshNow();
    await flush();
    expect(server.events[3].args).toEqual(['c1', 0]);
    feed.dispose();
  });

  it('says once that a target has no change feed instead of asking again', async () => {
    const server = deferredClient();
    const clock = manualTimers();
    const feed = new RunsFeed(server.client, new RunStore(), clock.timers);
    feed.start({ mode: 'live', intervalSeconds: 15 });
    await flush();
    server.events[0].reject(new AmlxApiError(409, 'not_supported', 'The Azure ML target does not offer a change feed.'));
    await flush();
    expect(feed.error?.code).toBe('not_supported');
    expect(clock.sleeping.length).toBe(0);
    expect(server.events.length).toBe(1);
    feed.dispose();
  });

  it('polls on an interval instead of holding requests', async () => {
    const server = deferredClient();
    const clock = manualTimers();
    const feed = new RunsFeed(server.client, new RunStore(), clock.timers);
    feed.start({ mode: 'interval', intervalSeconds: 7 });
    await flush();
    server.events[0].resolve({ jobs: [], cursor: 'c1', more: false });
    await flush();
    server.events[1].resolve({ jobs: [], cursor: 'c1', more: false });
    await flush();
    expect(clock.sleeping[0].ms).toBe(7000);
    expect(server.events.length).toBe(2);
    clock.sleeping[0].wake();
    await flush();
    expect(server.events[2].args).toEqual(['c1', 0]);
    feed.dispose();
  });

  it('starts over after a target switch, and answers of the old loop change nothing', async () => {
    const server = deferredClient(true);
    const store = new RunStore();
    store.merge([job()]);
    const feed = new RunsFeed(server.client, store, manualTimers().timers);
    feed.start({ mode: 'live', intervalSeconds: 15 });
    await flush();
    server.events[0].resolve({ jobs: [], cursor: 'local-5', more: false });
    await flush();
    feed.reset();
    await flush();
    expect(store.size).toBe(0);
    expect(feed.position).toBeNull();
    expect(server.events[2].args).toEqual([null, 0]);
    // the old loop's catch-up answers after the reset
    server.events[1].resolve({ jobs: [job({ name: 'late' })], cursor: 'local-9', more: false });
    await flush();
    expect(store.size).toBe(0);
    expect(feed.position).toBeNull();
    expect(feed.state).toBe('loading');
    // the new loop carries on from its own position
    server.events[2].resolve({ jobs: [], cursor: 'azure-0', more: false });
    await flush();
    expect(server.events[3].args).toEqual(['azure-0', 0]);
    feed.dispose();
  });
});

describe('LogFollower', () => {
  it('asks from the last offset until the log is complete', async () => {
    const server = deferredClient();
    const follower = new LogFollower(server.client, 'job_x', manualTimers().timers);
    follower.start();
    await flush();
    expect(server.logs[0].args).toEqual(['job_x', null, 25]);
    server.logs[0].resolve({ text: 'line 1\n', offset: 'b0', next_offset: 'b7', size: 7, complete: false });
    await flush();
    expect(follower.text).toBe('line 1\n');
    expect(server.logs[1].args).toEqual(['job_x', 'b7', 25]);
    server.logs[1].resolve({ text: 'done\n', offset: 'b7', next_offset: 'b12', size: 12, complete: true });
    await flush();
    expect(follower.text).toBe('line 1\ndone\n');
    expect(follower.complete).toBe(true);
    expect(follower.following).toBe(false);
    expect(server.logs.length).toBe(2);
  });

  it('keeps only the tail of a huge log, from a line start', async () => {
    const server = deferredClient();
    const follower = new LogFollower(server.client, 'job_x', manualTimers().timers, 12);
    follower.start();
    await flush();
    server.logs[0].resolve({ text: 'aaaa\nbbbb\ncccc\n', offset: 'b0', next_offset: 'b15', size: 15, complete: true });
    await flush();
    expect(follower.text).toBe('bbbb\ncccc\n');
    expect(follower.truncated).toBe(true);
  });

  it('resumes from its offset after a stop, keeping the text and dropping a late answer', async () => {
    const server = deferredClient();
    const follower = new LogFollower(server.client, 'job_x', manualTimers().timers);
    follower.start();
    await flush();
    server.logs[0].resolve({ text: 'line 1\n', offset: 'b0', next_offset: 'b7', size: 7, complete: false });
    await flush();
    expect(server.logs.length).toBe(2);
    follower.stop();
    expect(follower.following).toBe(false);
    follower.start();
    await flush();
    expect(server.logs[2].args).toEqual(['job_x', 'b7', 25]);
    // the request held before the stop answers late: ignored
    server.logs[1].resolve({ text: 'twice\n', offset: 'b7', next_offset: 'b13', size: 13, complete: false });
    await flush();
    expect(follower.text).toBe('line 1\n');
    expect(follower.following).toBe(true);
    server.logs[2].resolve({ text: 'line 2\n', offset: 'b7', next_offset: 'b14', size: 14, complete: true });
    await flush();
    expect(follower.text).toBe('line 1\nline 2\n');
    expect(follower.complete).toBe(true);
    expect(server.logs.length).toBe(3);
  });

  it('stops on an unknown job and says why', async () => {
    const server = deferredClient();
    const follower = new LogFollower(server.client, 'gone', manualTimers().timers);
    follower.start();
    await flush();
    server.logs[0].reject(new AmlxApiError(404, 'not_found', 'No job gone.'));
    await flush();
    expect(follower.error?.message).toBe('No job gone.');
    expect(follower.following).toBe(false);
  });
});

describe('FollowWhenShown', () => {
  it('follows only while the Logs tab is selected and the panel visible', async () => {
    const server = deferredClient();
    const follower = new LogFollower(server.client, 'job_x', manualTimers().timers);
    const onScreen = new FollowWhenShown(follower);
    let shown = 0;
    onScreen.shown.connect(() => shown++);

    onScreen.setVisible(true);
    await flush();
    expect(shown).toBe(1);
    expect(follower.following).toBe(false);
    expect(server.logs.length).toBe(0);

    onScreen.setTabSelected(true);
    await flush();
    expect(follower.following).toBe(true);
    server.logs[0].resolve({ text: 'a\n', offset: 'b0', next_offset: 'b2', size: 2, complete: false });
    await flush();

    // the panel goes to the background: the held request is given up
    onScreen.setVisible(false);
    expect(follower.following).toBe(false);
    onScreen.setVisible(true);
    await flush();
    expect(shown).toBe(2);
    expect(follower.following).toBe(true);
    expect(server.logs[2].args).toEqual(['job_x', 'b2', 25]);
    expect(follower.text).toBe('a\n');

    onScreen.setTabSelected(false);
    expect(follower.following).toBe(false);
    onScreen.dispose();
    follower.dispose();
  });
});

describe('Resource', () => {
  it('keeps the previous data while reloading and after a failure', async () => {
    const answers: ((value: string) => void)[] = [];
    const failures: ((reason: unknown) => void)[] = [];
    const resource = new Resource<string>(
      () =>
        new Promise<string>((resolve, reject) => {
          answers.push(resolve);
          failures.push(reject);
        })
    );
    void resource.ensure();
    expect(resource.pending).toBe(true);
    answers[0]('first');
    await flush();
    expect(resource.data).toBe('first');
    void resource.reload();
    expect(resource.state).toBe('loading');
    expect(resource.pending).toBe(false);
    failures[1](new AmlxApiError(500, 'x', 'Broken.'));
    await flush();
    expect(resource.state).toBe('error');
    expect(resource.data).toBe('first');
    expect(resource.error?.message).toBe('Broken.');
  });

  it('drops an older answer that arrives after a newer one', async () => {
    const answers: ((value: number) => void)[] = [];
    const resource = new Resource<number>(() => new Promise<number>(resolve => answers.push(resolve)));
    void resource.reload();
    void resource.reload();
    answers[1](2);
    await flush();
    answers[0](1);
    await flush();
    expect(resource.data).toBe(2);
  });

  it('turns anything thrown into a readable error', async () => {
    const resource = new Resource<number>(() => Promise.reject(new TypeError('boom')));
    await resource.reload();
    expect(resource.error?.message).toBe('boom');
  });
});

describe('small helpers', () => {
  it('lays out outputs as a tree, folders first, with folder sizes', () => {
    const rows = fileTree([
      { path: 'model.pkl', size: 10, modified: 0 },
      { path: 'plots/b.png', size: 5, modified: 0 },
      { path: 'plots/a.png', size: 7, modified: 0 }
    ]);
    expect(rows.map(r => `${'  '.repeat(r.depth)}${r.name}${r.folder ? '/' : ''}:${r.size}`)).toEqual([
      'plots/:12',
      '  a.png:7',
      '  b.png:5',
      'model.pkl:10'
    ]);
  });

  it('proposes model and endpoint names', () => {
    expect(modelNameFor('titanic')).toBe('titanic-model');
    expect(modelNameFor('Diabetes Ridge')).toBe('diabetes-ridge-model');
    expect(endpointNameFor('titanic-model')).toBe('titanic-endpoint');
    expect(endpointNameFor('42-model')).toBe('m-42-endpoint');
    expect(endpointNameFor('a-very-long-model-name-that-goes-on').length).toBeLessThanOrEqual(32);
    expect(outputsSource('model.pkl')).toBe('outputs/model.pkl');
    expect(outputsSource('mlflow:model')).toBe('mlflow:model');
  });
});


describe('followDeployment', () => {
  function deployment(status: string, last_error: string | null = null): IDeployment {
    return {
      name: 'blue',
      endpoint: 'titanic-endpoint',
      model: 'titanic-model:1',
      status,
      last_error
    } as IDeployment;
  }

  it('asks until the deployment is provisioned, reporting every state, slower after half a minute', async () => {
    const clock = manualTimers();
    const answers = [deployment('Creating'), deployment('Succeeded')];
    const asked: string[] = [];
    const client = {
      deployment: (endpoint: string, name: string) => {
        asked.push(`${endpoint}/${name}`);
        return Promise.resolve(answers.shift()!);
      }
    } as unknown as AmlxClient;
    let time = 0;
    const states: string[] = [];
    const done = followDeployment(client, deployment('Creating'), d => states.push(d.status), new AbortController().signal, clock.timers, () => time);
    await flush();
    expect(clock.sleeping[0].ms).toBe(1000);
    time = 40_000;
    clock.sleeping[0].wake();
    await flush();
    expect(clock.sleeping[1].ms).toBe(5000);
    clock.sleeping[1].wake();
    await expect(done).resolves.toMatchObject({ status: 'Succeeded' });
    expect(states).toEqual(['Creating', 'Creating', 'Succeeded']);
    expect(asked).toEqual(['titanic-endpoint/blue', 'titanic-endpoint/blue']);
  });

  it('fails with the reason the server gives', async () => {
    const client = { deployment: () => Promise.resolve(deployment('Failed', 'The model could not be loaded.')) } as unknown as AmlxClient;
    const clock = manualTimers();
    const done = followDeployment(client, deployment('Creating'), () => undefined, new AbortController().signal, clock.timers);
    await flush();
    clock.sleeping[0].wake();
    await expect(done).rejects.toMatchObject({ message: 'The model could not be loaded.' });
  });
});
