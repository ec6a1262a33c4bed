/**
 * Typed client of the amlx REST API (`/amlx/api/...`, contract in schema/openapi.yaml).
 *
 * Every failure becomes an `AmlxApiError` with a sentence a person can act on,
 * including the two cases the server cannot describe itself: the server
 * extension is not installed (an HTML 404) and the server is unreachable.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type HealthState = 'ok' | 'not_configured' | 'error';
export type TargetName = 'local' | 'azure';

export interface IHealth {
  state: HealthState;
  message: string;
}

export interface ICapabilities {
  jobs: boolean;
  sweeps: boolean;
  automl: boolean;
  models: boolean;
  endpoints: boolean;
  data_assets: boolean;
  instance_types: boolean;
  compute_targets: string[];
  live_updates: string;
  export_yaml: boolean;
}

export interface ITargetSummary {
  name: TargetName;
  label: string;
  health: IHealth;
}

export interface IWorkspaceInfo {
  target: TargetName;
  label: string;
  location: string;
  workspace_dir: string;
  version: string;
  health: IHealth;
  capabilities: ICapabilities;
  targets: ITargetSummary[];
  warnings: string[];
}

/** Codes the client produces itself, next to the server's own error codes. */
export const EXTENSION_MISSING = 'extension_missing';
export const NETWORK_ERROR = 'network_error';
export const BAD_RESPONSE = 'bad_response';

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

export class AmlxClient {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** The URL of an API path, with optional query parameters (undefined ones are left out). */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const base = URLExt.join(this.serverSettings.baseUrl, API_ROOT, path);
    const params = Object.entries(query).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''
    );
    if (params.length === 0) {
      return base;
    }
    return base + URLExt.objectToQueryString(Object.fromEntries(params));
  }

  async request<T>(
    path: string,
    init: RequestInit = {},
    query: Record<string, string | undefined> = {}
  ): Promise<T> {
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        this.url(path, query),
        init,
        this.serverSettings
      );
    } catch (reason) {
      throw new AmlxApiError(
        0,
        NETWORK_ERROR,
        `Cannot reach the Jupyter server (${String(
          (reason as Error)?.message ?? reason
        )}). Check that it is still running.`
      );
    }
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) {
      throw errorFromResponse(response.status, body);
    }
    if (body === undefined) {
      throw new AmlxApiError(
        response.status,
        BAD_RESPONSE,
        `The server answered ${path} with something that is not JSON.`
      );
    }
    return body as T;
  }

  /** `GET /amlx/api/workspace`: the target, its health and capabilities. */
  workspace(target?: TargetName): Promise<IWorkspaceInfo> {
    return this.request<IWorkspaceInfo>('workspace', {}, { target });
  }
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
      'The amlx_lab server extension is not running. Install amlx_lab with pip in the ' +
        "environment that runs JupyterLab, check 'jupyter server extension list', and restart JupyterLab."
    );
  }
  if (status === 403) {
    return new AmlxApiError(
      status,
      'forbidden',
      'The Jupyter server refused the request: your session may have expired. Reload the page and log in again.'
    );
  }
  return new AmlxApiError(
    status,
    'http_error',
    `The server answered with HTTP ${status} and no explanation.`
  );
}
