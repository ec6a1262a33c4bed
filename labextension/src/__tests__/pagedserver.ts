/** An in-memory amlx server for the paged Runs list: GET /jobs with filters, order and cursor, GET /experiments. */
import { AmlxClient } from '../api';
import { IExperimentSummary, IJob, IJobPage, IListJobsQuery } from '../apitypes';
import { sortRuns } from '../runstore';

export interface IPagedServer {
  client: AmlxClient;
  /** The server's runs: tests add and change them. */
  jobs: IJob[];
  /** Every /jobs query, in order. */
  calls: IListJobsQuery[];
  experimentCalls: number;
  /** While held, answers wait for `release`. */
  hold: boolean;
  release(): void;
}

export function pagedServer(jobs: IJob[]): IPagedServer {
  const waiting: (() => void)[] = [];
  const server: IPagedServer = {
    client: null as unknown as AmlxClient,
    jobs,
    calls: [],
    experimentCalls: 0,
    hold: false,
    release: () => waiting.splice(0).forEach(answer => answer())
  };
  const later = <T>(make: () => T): Promise<T> =>
    server.hold ? new Promise<T>(resolve => waiting.push(() => resolve(make()))) : Promise.resolve(make());
  const page = (query: IListJobsQuery): IJobPage => {
    const q = (query.q ?? '').toLowerCase();
    const kept = server.jobs.filter(
      job =>
        (query.experiment === undefined || job.experiment === query.experiment) &&
        (query.parent === undefined || job.parent === query.parent) &&
        (!query.top_level || job.parent === null) &&
        (!query.status || query.status.includes(job.status)) &&
        (!q || [job.name, job.display_name, job.experiment].some(text => text.toLowerCase().includes(q)))
    );
    const sorted = sortRuns(kept, query.order_by ?? 'created_at', query.descending ?? true, 0);
    const offset = query.cursor ? Number(query.cursor) : 0;
    const limit = query.limit ?? 50;
    const end = offset + limit;
    return { items: sorted.slice(offset, end), next_cursor: end < sorted.length ? String(end) : null, total: sorted.length };
  };
  server.client = {
    listJobs: (query: IListJobsQuery) => {
      server.calls.push(query);
      return later(() => page(query));
    },
    experiments: () => {
      server.experimentCalls++;
      return later(() => {
        const groups = new Map<string, IExperimentSummary>();
        for (const job of server.jobs) {
          const group = groups.get(job.experiment) ?? { name: job.experiment, job_count: 0, last_submitted_at: 0 };
          group.job_count++;
          group.last_submitted_at = Math.max(group.last_submitted_at ?? 0, job.created_at);
          groups.set(job.experiment, group);
        }
        return Array.from(groups.values()).sort((a, b) => (b.last_submitted_at ?? 0) - (a.last_submitted_at ?? 0));
      });
    }
  } as unknown as AmlxClient;
  return server;
}

export const flush = async (times = 10): Promise<void> => {
  for (let i = 0; i < times; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
};
