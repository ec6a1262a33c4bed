/**
 * Typed client of the amlx REST API (`/amlx/api/...`, contract in schema/openapi.yaml).
 *
 * Every failure becomes an `AmlxApiError` with a sentence a person can act on,
 * including the two cases the server cannot describe itself: the server
 * extension is not installed (an HTML 404) and the server is unreachable.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IAutoMLDetails,
  IAutoMLJobSpec,
  ICodePackage,
  ICreateDeploymentRequest,
  ICreateEndpointRequest,
  IDataAsset,
  IDeployment,
  IEndpoint,
  IEndpointKeys,
  IExperimentSummary,
  IExportRequest,
  IExportResult,
  IFileEntry,
  IInvokeResult,
  IJob,
  IJobChanges,
  IJobPackage,
  IJobPage,
  ILabelUpdate,
  IListJobsQuery,
  ILogChunk,
  IMetricHistories,
  IMetricHistory,
  IModelCandidate,
  IModelSummary,
  IModelVersion,
  IRegisterDataRequest,
  IRegisterModelRequest,
  ISubmitRequest,
  ISweepDetails,
  ISweepMetrics,
  ISweepPreview,
  ISweepRequest,
  IWorkspaceInfo,
  TargetName
} from './apitypes';
import { locale, trans } from './i18n';

export * from './apitypes';

/** Codes the client produces itself, next to the server's own error codes. */
export const EXTENSION_MISSING = 'extension_missing';
export const NETWORK_ERROR = 'network_error';
export const BAD_RESPONSE = 'bad_response';
export const ABORTED = 'aborted';
/** The server's code for an operation the target does not offer (HTTP 409). */
export const NOT_SUPPORTED = 'not_supported';

export class AmlxApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {}
  ) {
    super(message);
    this.name = 'AmlxApiError';
  }
}

export const API_ROOT = 'amlx/api';

/** Query parameters; undefined and empty ones are left out, an array repeats its key. */
type Query = Record<string, string | string[] | undefined>;

export class AmlxClient {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** The target sent with every call that names none (undefined: the server's default). */
  target: TargetName | undefined = undefined;

  /**
   * The `Accept-Language` of every call: JupyterLab's display language, so the
   * server's sentences (errors, warnings, health) come in the language the
   * page shows. JupyterLab's own requests carry only the browser's
   * preference, which need not be the language picked in Settings > Language.
   */
  language: string = locale();

  /** The URL of an API path, with optional query parameters. */
  url(path: string, query: Query = {}): string {
    const base = URLExt.join(this.serverSettings.baseUrl, API_ROOT, path);
    const params: string[] = [];
    for (const [key, value] of Object.entries(query)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== '') {
          params.push(`${encodeURIComponent(key)}=${encodeURIComponent(item)}`);
        }
      }
    }
    return params.length ? `${base}?${params.join('&')}` : base;
  }

  async request<T>(
    path: string,
    init: RequestInit = {},
    query: Query = {}
  ): Promise<T> {
    const response = await this.fetch(path, init, query);
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) {
      throw errorFromResponse(response.status, body);
    }
    if (body === undefined) {
      throw new AmlxApiError(
        response.status,
        BAD_RESPONSE,
        trans.__('The server answered %1 with something that is not JSON.', path)
      );
    }
    return body as T;
  }

  /** The raw response of a call (for downloads); fetch failures become `AmlxApiError`. */
  async fetch(path: string, init: RequestInit = {}, query: Query = {}): Promise<Response> {
    const withTarget = { ...query, target: query.target ?? this.target };
    const headers = new Headers(init.headers);
    if (!headers.has('Accept-Language')) {
      headers.set('Accept-Language', this.language);
    }
    try {
      return await ServerConnection.makeRequest(
        this.url(path, withTarget),
        { ...init, headers },
        this.serverSettings
      );
    } catch (reason) {
      if ((reason as Error)?.name === 'AbortError') {
        throw new AmlxApiError(0, ABORTED, trans.__('The request was cancelled.'));
      }
      throw new AmlxApiError(
        0,
        NETWORK_ERROR,
        trans.__(
          'Cannot reach the Jupyter server (%1). Check that it is still running.',
          String((reason as Error)?.message ?? reason)
        )
      );
    }
  }

  /** A file's bytes; an error answer is read as JSON and becomes an `AmlxApiError`. */
  async download(path: string): Promise<Blob> {
    const response = await this.fetch(path);
    if (!response.ok) {
      throw errorFromResponse(response.status, parseJson(await response.text()));
    }
    return response.blob();
  }

  private post<T>(path: string, body: unknown, query: Query = {}): Promise<T> {
    return this.request<T>(path, { method: 'POST', body: JSON.stringify(body) }, query);
  }

  // -- workspace ---------------------------------------------------------------

  /** `GET /amlx/api/workspace`: the target, its health and capabilities. */
  workspace(target?: TargetName): Promise<IWorkspaceInfo> {
    return this.request<IWorkspaceInfo>('workspace', {}, { target });
  }

  // -- jobs --------------------------------------------------------------------

  listJobs(query: IListJobsQuery = {}, signal?: AbortSignal): Promise<IJobPage> {
    return this.request<IJobPage>('jobs', { signal }, {
      experiment: query.experiment,
      status: query.status,
      q: query.q,
      order_by: query.order_by,
      descending: query.descending === undefined ? undefined : String(query.descending),
      parent: query.parent,
      top_level: query.top_level ? 'true' : undefined,
      include_archived: query.include_archived ? 'true' : undefined,
      limit: query.limit === undefined ? undefined : String(query.limit),
      cursor: query.cursor
    });
  }

  getJob(name: string): Promise<IJob> {
    return this.request<IJob>(jobPath(name));
  }

  preview(request: ISubmitRequest): Promise<IJobPackage> {
    return this.post<IJobPackage>('jobs/preview', request);
  }

  submit(request: ISubmitRequest): Promise<IJob> {
    return this.post<IJob>('jobs', request);
  }

  // -- sweeps ------------------------------------------------------------------

  /** The cell's dimensions and offered objectives; with `sweep`, its first sampled points. */
  previewSweep(request: ISweepRequest): Promise<ISweepPreview> {
    return this.post<ISweepPreview>('jobs/sweep/preview', request);
  }

  /** Start a sweep of a notebook cell; the answer is the parent job. */
  submitSweep(request: ISweepRequest): Promise<IJob> {
    return this.post<IJob>('jobs/sweep', request);
  }

  sweep(name: string): Promise<ISweepDetails> {
    return this.request<ISweepDetails>(`${jobPath(name)}/sweep`);
  }

  /** One metric's history for every trial (default: the sweep's objective), by trial name. */
  async sweepMetrics(name: string, key?: string): Promise<ISweepMetrics['trials']> {
    return (await this.request<ISweepMetrics>(`${jobPath(name)}/sweep/metrics`, {}, { key })).trials;
  }

  /** `POST /jobs/automl`: start an AutoML job (a CSV path is relative to the notebook folder). */
  submitAutoML(request: IAutoMLJobSpec): Promise<IJob> {
    return this.post<IJob>('jobs/automl', request);
  }

  /** `GET /jobs/{name}/automl`: settings, leaderboard (best first), best model and charts. */
  automlDetails(name: string): Promise<IAutoMLDetails> {
    return this.request<IAutoMLDetails>(`${jobPath(name)}/automl`);
  }

  cancel(name: string): Promise<IJob> {
    return this.post<IJob>(`${jobPath(name)}/cancel`, {});
  }

  /** `PATCH /jobs/{name}`: set or remove tags (null removes) and change the description. */
  updateJob(name: string, update: ILabelUpdate): Promise<IJob> {
    return this.request<IJob>(jobPath(name), { method: 'PATCH', body: JSON.stringify(update) });
  }

  /** Archive (hide from lists, with its trials) or restore a job. */
  archiveJob(name: string, archived: boolean): Promise<IJob> {
    return this.post<IJob>(`${jobPath(name)}/${archived ? 'archive' : 'restore'}`, {});
  }

  /** Delete a finished job with its files (409 with a sentence when it cannot be). */
  async deleteJob(name: string): Promise<void> {
    await this.request<unknown>(jobPath(name), { method: 'DELETE' });
  }

  /** Write the job as CLI v2 YAML and a workflow into `<folder>/<job>/` under the notebook folder. */
  exportJob(name: string, body: IExportRequest = {}): Promise<IExportResult> {
    return this.post<IExportResult>(`${jobPath(name)}/export`, body);
  }

  /** Write the endpoint and its deployments as CLI v2 YAML and a workflow into `<folder>/<endpoint>/`. */
  exportEndpoint(name: string, body: IExportRequest = {}): Promise<IExportResult> {
    return this.post<IExportResult>(`${endpointPath(name)}/export`, body);
  }

  /**
   * New log text after `offset` (an opaque string from the previous chunk's
   * `next_offset`; null reads from the start); with `wait` the server holds
   * the call until there is some.
   */
  logs(name: string, offset: string | null, wait = 0, signal?: AbortSignal, limit?: number): Promise<ILogChunk> {
    return this.request<ILogChunk>(`${jobPath(name)}/logs`, { signal }, {
      offset: offset ?? undefined,
      wait: wait ? String(wait) : undefined,
      limit: limit === undefined ? undefined : String(limit)
    });
  }

  /** The curl command sending `payload` (the body edited in the test panel) instead of the model's example. */
  async curlFor(endpoint: string, payload: unknown): Promise<string> {
    const answer = await this.post<{ command: string }>(`${endpointPath(endpoint)}/curl`, { payload });
    return answer.command;
  }

  metricHistory(name: string, key: string): Promise<IMetricHistory> {
    return this.request<IMetricHistory>(
      `${jobPath(name)}/metrics/${encodeURIComponent(key)}`
    );
  }

  /**
   * The histories of several metrics of one job in one request, in the
   * order of `keys` (a metric the job never logged has no points).
   */
  async metricHistories(name: string, keys: string[]): Promise<IMetricHistory[]> {
    if (!keys.length) {
      return [];
    }
    const answer = await this.request<IMetricHistories>(`${jobPath(name)}/metrics`, {}, { key: keys });
    return keys.map(key => ({ job: answer.job, key, points: answer.metrics[key] ?? [] }));
  }

  async outputs(name: string): Promise<IFileEntry[]> {
    const answer = await this.request<{ files: IFileEntry[] }>(`${jobPath(name)}/outputs`);
    return answer.files;
  }

  /** URL path (under the API root) of one output file. */
  outputPath(name: string, path: string): string {
    return `${jobPath(name)}/outputs/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  code(name: string): Promise<ICodePackage> {
    return this.request<ICodePackage>(`${jobPath(name)}/code`);
  }

  /** URL path (under the API root) of one file of the job's code snapshot. */
  codePath(name: string, path: string): string {
    return `${jobPath(name)}/code/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  async experiments(): Promise<IExperimentSummary[]> {
    const answer = await this.request<{ experiments: IExperimentSummary[] }>('experiments');
    return answer.experiments;
  }

  /**
   * Jobs changed after `cursor` (opaque; null asks for the present position:
   * the answer comes at once with no jobs); with `wait` held until one
   * changes. `more` in the answer means: ask again at once.
   */
  events(cursor: string | null, wait = 0, signal?: AbortSignal): Promise<IJobChanges> {
    return this.request<IJobChanges>('events', { signal }, {
      cursor: cursor ?? undefined,
      wait: wait ? String(wait) : undefined
    });
  }

  // -- data assets -------------------------------------------------------------

  async dataAssets(): Promise<IDataAsset[]> {
    const answer = await this.request<{ assets: IDataAsset[] }>('data');
    return answer.assets;
  }

  async dataAssetVersions(name: string): Promise<IDataAsset[]> {
    const answer = await this.request<{ versions: IDataAsset[] }>(
      `data/${encodeURIComponent(name)}`
    );
    return answer.versions;
  }

  registerData(body: IRegisterDataRequest): Promise<IDataAsset> {
    return this.post<IDataAsset>('data', body);
  }

  // -- models ------------------------------------------------------------------

  async models(): Promise<IModelSummary[]> {
    const answer = await this.request<{ models: IModelSummary[] }>('models');
    return answer.models;
  }

  async modelVersions(name: string): Promise<IModelVersion[]> {
    const answer = await this.request<{ versions: IModelVersion[] }>(modelPath(name));
    return answer.versions;
  }

  modelVersion(name: string, version: string): Promise<IModelVersion> {
    return this.request<IModelVersion>(
      `${modelPath(name)}/versions/${encodeURIComponent(version)}`
    );
  }

  /** Archive (never latest, not counted) or restore one version of a model. */
  archiveModelVersion(name: string, version: string, archived: boolean): Promise<IModelVersion> {
    return this.post<IModelVersion>(
      `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/${archived ? 'archive' : 'restore'}`,
      {}
    );
  }

  /** `PATCH` a version's tags (null removes one) and description. */
  updateModelVersion(name: string, version: string, update: ILabelUpdate): Promise<IModelVersion> {
    return this.request<IModelVersion>(`models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, {
      method: 'PATCH',
      body: JSON.stringify(update)
    });
  }

  /** Give `alias` (production, staging...) to one version; `name@alias` then deploys it. */
  setModelAlias(name: string, alias: string, version: string): Promise<IModelVersion> {
    return this.request<IModelVersion>(
      `models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`,
      { method: 'PUT', body: JSON.stringify({ version }) }
    );
  }

  registerModel(body: IRegisterModelRequest): Promise<IModelVersion> {
    return this.post<IModelVersion>('models', body);
  }

  async modelCandidates(job: string): Promise<IModelCandidate[]> {
    const answer = await this.request<{ candidates: IModelCandidate[] }>(
      `${jobPath(job)}/model-candidates`
    );
    return answer.candidates;
  }

  // -- endpoints ---------------------------------------------------------------

  async endpoints(): Promise<IEndpoint[]> {
    const answer = await this.request<{ endpoints: IEndpoint[] }>('endpoints');
    return answer.endpoints;
  }

  endpoint(name: string): Promise<IEndpoint> {
    return this.request<IEndpoint>(endpointPath(name));
  }

  createEndpoint(body: ICreateEndpointRequest): Promise<IEndpoint> {
    return this.post<IEndpoint>('endpoints', body);
  }

  /** The server answers `{"deleted": name}` (never an empty 204). */
  deleteEndpoint(name: string): Promise<{ deleted: string }> {
    return this.request<{ deleted: string }>(endpointPath(name), { method: 'DELETE' });
  }

  endpointKeys(name: string): Promise<IEndpointKeys> {
    return this.request<IEndpointKeys>(`${endpointPath(name)}/keys`);
  }

  regenerateKey(name: string, which: 'primary' | 'secondary'): Promise<IEndpointKeys> {
    return this.post<IEndpointKeys>(`${endpointPath(name)}/keys`, { regenerate: which });
  }

  /** Starts provisioning (a long-running operation): the answer is at once, status `Creating`; follow `deployment`. */
  deploy(endpoint: string, body: ICreateDeploymentRequest): Promise<IDeployment> {
    return this.post<IDeployment>(`${endpointPath(endpoint)}/deployments`, body);
  }

  deployment(endpoint: string, name: string): Promise<IDeployment> {
    return this.request<IDeployment>(`${endpointPath(endpoint)}/deployments/${encodeURIComponent(name)}`);
  }

  invoke(endpoint: string, payload: unknown, deployment?: string): Promise<IInvokeResult> {
    return this.post<IInvokeResult>(`${endpointPath(endpoint)}/invoke`, {
      payload,
      ...(deployment ? { deployment } : {})
    });
  }

  async curl(endpoint: string): Promise<string> {
    const answer = await this.request<{ command: string }>(`${endpointPath(endpoint)}/curl`);
    return answer.command;
  }
}

function jobPath(name: string): string {
  return `jobs/${encodeURIComponent(name)}`;
}

function modelPath(name: string): string {
  return `models/${encodeURIComponent(name)}`;
}

function endpointPath(name: string): string {
  return `endpoints/${encodeURIComponent(name)}`;
}

function parseJson(text: string): unknown {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Turn an error response into an `AmlxApiError` (exported for tests). */
export function errorFromResponse(status: number, body: unknown): AmlxApiError {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (error && typeof error.message === 'string') {
    return new AmlxApiError(
      status,
      typeof error.code === 'string' ? error.code : 'error',
      error.message,
      (error.details as Record<string, unknown>) ?? {}
    );
  }
  if (status === 404) {
    return new AmlxApiError(
      status,
      EXTENSION_MISSING,
      trans.__(
        "The amlx_lab server extension is not running. Install amlx_lab with pip in the environment that runs JupyterLab, check 'jupyter server extension list', and restart JupyterLab."
      )
    );
  }
  if (status === 403) {
    return new AmlxApiError(
      status,
      'forbidden',
      trans.__('The Jupyter server refused the request: your session may have expired. Reload the page and log in again.')
    );
  }
  return new AmlxApiError(
    status,
    'http_error',
    trans.__('The server answered with HTTP %1 and no explanation.', status)
  );
}
