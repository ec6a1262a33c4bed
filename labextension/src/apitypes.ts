/**
 * Names for the records of the amlx REST API. Every shape comes from
 * `generated/openapi.ts`, which `jlpm api:types` generates from
 * `schema/openapi.yaml` (and `jlpm api:check` keeps current), so the
 * frontend cannot drift from the contract: a changed schema is a type error
 * here or at the place that uses the field.
 */
import type { components, operations } from './generated/openapi';

type Schemas = components['schemas'];

/** The JSON body of an operation's 200 answer. */
type Ok<K extends keyof operations> = operations[K]['responses'] extends {
  200: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** The JSON request body of an operation. */
type Body<K extends keyof operations> = operations[K] extends {
  requestBody: { content: { 'application/json': infer T } };
}
  ? T
  : operations[K] extends { requestBody?: { content: { 'application/json': infer T } } }
    ? T
    : never;

// -- workspace ------------------------------------------------------------------

export type IHealth = Schemas['Health'];
export type HealthState = IHealth['state'];
export type ICapabilities = Schemas['Capabilities'];
export type ITargetSummary = Schemas['TargetSummary'];
export type IWorkspaceInfo = Schemas['WorkspaceInfo'];
export type TargetName = IWorkspaceInfo['target'];

// -- jobs -----------------------------------------------------------------------

export type JobStatus = Schemas['JobStatus'];
export type IJob = Schemas['Job'];
export type IJobInput = Schemas['JobInput'];
export type IJobPage = Schemas['JobPage'];
export type IJobChanges = Schemas['JobChanges'];
export type JobType = Schemas['JobType'];
/** The query of `GET /jobs` (the target is the client's own). */
export type IListJobsQuery = Omit<NonNullable<operations['listJobs']['parameters']['query']>, 'target'>;
export type ISubmitRequest = Schemas['SubmitRequest'];
export type ParameterValue = NonNullable<ISubmitRequest['parameters']>[string];

export type IJobPackage = Schemas['JobPackage'];
export type IPackageParameter = IJobPackage['parameters'][string];
export type ParameterType = IPackageParameter['type'];
export type IPackageInput = IJobPackage['inputs'][number];
export type IPackageCell = IJobPackage['cells'][number];

// -- AutoML ---------------------------------------------------------------------

/** The body of `POST /jobs/automl`, in Azure's words. */
export type IAutoMLJobSpec = Schemas['AutoMLJobSpec'];
export type IAutoMLDetails = Schemas['AutoMLDetails'];
export type ILeaderboardEntry = Schemas['LeaderboardEntry'];
export type IModelCharts = Schemas['ModelCharts'];
export type IRocCurve = Schemas['RocCurve'];

export type ILogChunk = Schemas['LogChunk'];
export type IMetricPoint = Schemas['MetricPoint'];
export type IMetricHistory = Ok<'getMetricHistory'>;
/** Several metrics of one job in one answer (`GET /jobs/{name}/metrics?key=…`). */
export type IMetricHistories = Ok<'getMetricHistories'>;
export type IFileEntry = Schemas['FileEntry'];
export type ICodePackage = Schemas['CodePackage'];
export type IExperimentSummary = Schemas['ExperimentSummary'];

// -- data, models, endpoints ----------------------------------------------------

export type IDataAsset = Schemas['DataAsset'];
export type IRegisterDataRequest = Body<'registerDataAsset'>;

export type IModelVersion = Schemas['ModelVersion'];
export type ModelFormat = IModelVersion['format'];
export type IInputColumn = Schemas['ModelColumn'];
export type IModelSummary = Schemas['ModelSummary'];
export type IModelCandidate = Schemas['ModelCandidate'];
export type IRegisterModelRequest = Body<'registerModel'>;

export type IDeployment = Schemas['Deployment'];
export type DeploymentStatus = IDeployment['status'];
export type IDeploymentStats = Schemas['DeploymentStats'];
export type IEndpoint = Schemas['Endpoint'];
export type EndpointStatus = IEndpoint['status'];
export type IEndpointKeys = Schemas['EndpointKeys'];
export type IInvokeResult = Schemas['InvokeResult'];
export type ICreateEndpointRequest = Body<'createEndpoint'>;
export type ICreateDeploymentRequest = Body<'createDeployment'>;

// -- export ---------------------------------------------------------------------

/** What an export wrote (CLI v2 YAML and a GitHub Actions workflow), relative to the notebook folder. */
export type IExportResult = Schemas['ExportResult'];
export type IExportRequest = Body<'exportJob'>;

// -- sweeps ---------------------------------------------------------------------

/** A notebook cell to run as a sweep: the submission plus `sweep` (its settings; optional for a preview). */
export type ISweepRequest = Schemas['SweepRequest'];
/** What a sweep searches and how, as a request sends it (text forms such as `uniform(0.1, 1)` allowed). */
export type ISweepSettingsInput = NonNullable<ISweepRequest['sweep']>;
export type ISweepSettings = Schemas['SweepSettings'];
export type ISweepDetails = Schemas['SweepDetails'];
export type ISweepPreview = Schemas['SweepPreview'];
export type ISweepDimension = Schemas['SweepDimension'];
/** One metric's history per trial (`GET /jobs/{name}/sweep/metrics`). */
export type ISweepMetrics = Ok<'getSweepMetrics'>;
