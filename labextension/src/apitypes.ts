/**
 * Records of the amlx REST API, as `schema/openapi.yaml` describes them
 * (models and endpoints follow the contract of issue 6).
 */

export type JobStatus =
  | 'NotStarted'
  | 'Queued'
  | 'Preparing'
  | 'Starting'
  | 'Running'
  | 'Finalizing'
  | 'CancelRequested'
  | 'Completed'
  | 'Failed'
  | 'Canceled';

export type ParameterValue = string | number | boolean;

export interface IJobInput {
  name: string;
  ref: string;
  path: string;
  asset: string | null;
}

export interface IJob {
  name: string;
  display_name: string;
  experiment: string;
  status: JobStatus;
  compute: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  command: string[];
  environment?: string | null;
  parameters: Record<string, unknown>;
  inputs?: IJobInput[];
  tags?: Record<string, string>;
  metrics: Record<string, number | null>;
  params: Record<string, string>;
  exit_code?: number | null;
  error?: string | null;
  mlflow_run_id?: string | null;
  code_path?: string | null;
  outputs_path?: string | null;
  log_path?: string | null;
  revision: number;
}

export interface IJobPage {
  items: IJob[];
  next_cursor: string | null;
  total?: number | null;
}

export interface IJobChanges {
  jobs: IJob[];
  revision: number;
}

export interface IListJobsQuery {
  experiment?: string;
  q?: string;
  order_by?: string;
  descending?: boolean;
  limit?: number;
  cursor?: string;
}

export interface ISubmitRequest {
  notebook: string;
  cell: number | string;
  experiment?: string;
  display_name?: string;
  compute?: string;
  parameters?: Record<string, ParameterValue>;
  inputs?: Record<string, string>;
  tags?: Record<string, string>;
  include_all_above?: boolean;
  autolog?: boolean;
}

export type ParameterType = 'int' | 'float' | 'str' | 'bool' | 'literal';

export interface IPackageParameter {
  name: string;
  type: ParameterType;
  default: unknown;
  notebook_value?: unknown;
  cell_index?: number;
  line?: number;
  flag: string;
}

export interface IPackageInput {
  path: string;
  kind: string;
  mode: 'copied' | 'job_input';
  size_bytes?: number;
  option?: string | null;
}

export interface IPackageCell {
  index: number;
  id?: string | null;
  reason: string;
}

export interface IJobPackage {
  script: string;
  requirements: string[];
  parameters: Record<string, IPackageParameter>;
  inputs: IPackageInput[];
  cells: IPackageCell[];
  warnings: string[];
  content_hash: string;
  notebook_path: string | null;
  target_cell: { index?: number; id?: string | null };
  kernel: { name?: string; python?: string; python_version?: string };
  command: string[];
}

export interface ILogChunk {
  text: string;
  offset: number;
  next_offset: number;
  size: number;
  complete: boolean;
}

export interface IMetricPoint {
  key: string;
  value: number | null;
  step: number;
  timestamp: number;
}

export interface IMetricHistory {
  job: string;
  key: string;
  points: IMetricPoint[];
}

export interface IFileEntry {
  path: string;
  size: number;
  modified: number;
}

export interface ICodePackage {
  job: string;
  path: string;
  files: IFileEntry[];
  command: string[];
  manifest?: Record<string, unknown> | null;
}

export interface IExperimentSummary {
  name: string;
  job_count: number;
  last_submitted_at: number | null;
}

export interface IDataAsset {
  name: string;
  version: string;
  type: 'uri_file' | 'uri_folder';
  path: string;
  size: number;
  created_at: number;
  description?: string | null;
  source?: string | null;
}

export type ModelFormat = 'mlflow' | 'pickle' | 'joblib' | 'skops';

export interface IInputColumn {
  name: string;
  type: string;
}

export interface IModelVersion {
  name: string;
  version: string;
  job: string;
  source: string;
  format: ModelFormat;
  path: string;
  size: number;
  description: string | null;
  tags: Record<string, string>;
  created_at: number;
  input_columns: IInputColumn[] | null;
  example: Record<string, unknown> | null;
}

export interface IModelSummary {
  name: string;
  latest_version: string;
  version_count: number;
  description: string | null;
  updated_at: number;
}

export interface IModelCandidate {
  source: string;
  format: ModelFormat;
  size: number;
}

export interface IRegisterModelRequest {
  name: string;
  job: string;
  path?: string;
  description?: string;
  tags?: Record<string, string>;
}

export type EndpointStatus =
  | 'Creating'
  | 'Succeeded'
  | 'Failed'
  | 'Updating'
  | 'Deleting';

export type DeploymentStatus =
  | 'Creating'
  | 'Succeeded'
  | 'Failed'
  | 'Restarting'
  | 'Stopped';

export interface IDeploymentStats {
  requests: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface IDeployment {
  name: string;
  endpoint: string;
  model: string;
  status: DeploymentStatus;
  port: number | null;
  deployment_uri: string | null;
  pid: number | null;
  restarts: number;
  last_error: string | null;
  started_at: number | null;
  stats: IDeploymentStats | null;
}

export interface IEndpoint {
  name: string;
  auth_mode: string;
  description: string | null;
  scoring_uri: string | null;
  status: EndpointStatus;
  traffic: Record<string, number>;
  deployments: IDeployment[];
  created_at: number;
}

export interface IEndpointKeys {
  primary_key: string;
  secondary_key: string;
}

export interface IInvokeResult {
  status_code: number;
  body: unknown;
  latency_ms: number;
  deployment: string | null;
}
