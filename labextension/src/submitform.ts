/**
 * The submit form's logic: defaults, parameter text <-> values, the request
 * it sends. Kept out of React so it is tested without a DOM.
 */
import {
  IJob,
  IJobPackage,
  IPackageParameter,
  ISubmitRequest,
  ParameterValue
} from './apitypes';
import { notebookStem } from './format';
import { trans } from './i18n';

/** Tag carrying the cell id, so a re-run finds the cell even after cells above it moved. */
export const CELL_ID_TAG = 'amlx.cell_id';
export const NOTEBOOK_TAG = 'amlx.notebook';
export const CELL_TAG = 'amlx.cell';

export interface ICellTarget {
  /** Notebook path relative to the server root. */
  notebook: string;
  /** Cell id (stable), or index/tag when re-running an old job. */
  cell: string | number;
  /** 0-based index at the time of selection (shown from 1, see `cellNumber`). */
  index?: number;
}

export interface IFormState {
  /** The experiment field: the code's own `mlflow.set_experiment` (from the preview) or the default until typed in. */
  experiment: string;
  /** The person typed the experiment: only then is it sent (else the server keeps the one the code names). */
  experimentTyped: boolean;
  /** What the server falls back to when neither the person nor the code names an experiment. */
  defaultExperiment: string;
  displayName: string;
  compute: string;
  /** Parameter values as typed, by name. */
  parameters: Record<string, string>;
  /** Job input path -> replacement (a data asset reference or a file path); empty keeps the detected file. */
  inputs: Record<string, string>;
  /** Run every code cell above instead of the minimal slice. */
  includeAllAbove: boolean;
  /** MLflow autologging inside the job (the server's default is on). */
  autolog: boolean;
}

/** A cell as JupyterLab users count cells: from 1 (indices are 0-based). */
export function cellNumber(index: number): number {
  return index + 1;
}

/**
 * The experiment a job falls back to: the setting when the person changed it
 * from the shipped default, else the notebook's name (what the server picks).
 */
export function defaultExperiment(setting: string, notebook: string, shipped = 'notebook-jobs'): string {
  const trimmed = setting.trim();
  if (trimmed && trimmed !== shipped) {
    return trimmed;
  }
  return notebookStem(notebook) || trimmed || shipped;
}

/** A Python literal for a JSON value (lists, dicts, strings, numbers, True/False/None). */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number' || typeof value === 'string') {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonLiteral).join(', ')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
}

/** How a parameter's value shows in its text box. */
export function parameterText(param: IPackageParameter, value: unknown = param.default): string {
  switch (param.type) {
    case 'str':
      return typeof value === 'string' ? value : String(value ?? '');
    case 'bool':
      return value === true || value === 'True' || value === 'true' ? 'true' : 'false';
    case 'int':
    case 'float':
      return value === null || value === undefined ? '' : String(value);
    default:
      return typeof value === 'string' ? value : pythonLiteral(value);
  }
}

export type ParsedParameter = { value: ParameterValue } | { error: string };

/** Text from the form to the value sent, or why it cannot be one. */
export function parseParameter(param: IPackageParameter, text: string): ParsedParameter {
  const trimmed = text.trim();
  switch (param.type) {
    case 'int':
      if (!/^[-+]?\d+$/.test(trimmed)) {
        return { error: trans.__('%1 takes a whole number, e.g. %2.', param.name, parameterText(param)) };
      }
      return { value: Number(trimmed) };
    case 'float': {
      const number = Number(trimmed);
      if (!trimmed || !isFinite(number)) {
        return { error: trans.__('%1 takes a number, e.g. %2.', param.name, parameterText(param)) };
      }
      return { value: number };
    }
    case 'bool': {
      const lowered = trimmed.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) {
        return { value: true };
      }
      if (['false', '0', 'no', 'off'].includes(lowered)) {
        return { value: false };
      }
      return { error: trans.__('%1 takes true or false.', param.name) };
    }
    case 'str':
      return { value: text };
    default:
      if (!trimmed) {
        return { error: trans.__('%1 takes a Python literal, e.g. %2.', param.name, parameterText(param)) };

      }
      return { value: trimmed };
  }
}

export interface IFormCheck {
  /** Only the parameters that differ from the notebook's values. */
  parameters: Record<string, ParameterValue>;
  errors: Record<string, string>;
}

/** Validate the typed parameters; unchanged ones are left out so the notebook's values apply. */
export function checkParameters(
  declared: Record<string, IPackageParameter>,
  typed: Record<string, string>
): IFormCheck {
  const parameters: Record<string, ParameterValue> = {};
  const errors: Record<string, string> = {};
  for (const [name, text] of Object.entries(typed)) {
    const param = declared[name];
    if (!param || text === parameterText(param)) {
      continue;
    }
    const parsed = parseParameter(param, text);
    if ('error' in parsed) {
      errors[name] = parsed.error;
    } else {
      parameters[name] = parsed.value;
    }
  }
  return { parameters, errors };
}

/**
 * Form state for a freshly selected cell (parameters come later, from the preview).
 * ``computes`` are the target's compute targets, its default first: the built-in
 * default ``local`` gives way to the target's own on a target without it (Azure ML);
 * any other compute the person chose in the settings is kept as chosen.
 */
export function initialForm(
  notebook: string,
  settings: { defaultExperiment: string; defaultCompute: string },
  computes: readonly string[] = []
): IFormState {
  const wanted = settings.defaultCompute || 'local';
  const fallback = defaultExperiment(settings.defaultExperiment, notebook);
  return {
    experiment: fallback,
    experimentTyped: false,
    defaultExperiment: fallback,
    displayName: '',
    compute: wanted === 'local' && computes.length && !computes.includes(wanted) ? computes[0] : wanted,
    parameters: {},
    inputs: {},
    includeAllAbove: false,
    autolog: true
  };
}

/**
 * Fill parameters from a preview, keeping what the person already typed; the
 * experiment follows the one the code names (`mlflow.set_experiment`) until
 * the person types one.
 */
export function withPreview(form: IFormState, pkg: IJobPackage): IFormState {
  const parameters: Record<string, string> = {};
  for (const [name, param] of Object.entries(pkg.parameters)) {
    parameters[name] = form.parameters[name] ?? parameterText(param);
  }
  const experiment = form.experimentTyped ? form.experiment : pkg.experiment || form.defaultExperiment;
  return { ...form, parameters, experiment };
}

/** The experiment field edited: typed when it holds text, else back to the proposal. */
export function withExperiment(form: IFormState, text: string): IFormState {
  return { ...form, experiment: text, experimentTyped: text.trim() !== '' };
}

/** The REST body for preview or submit (the parameters: only those that differ from the notebook's). */
export function buildRequest(
  target: ICellTarget,
  form: IFormState,
  parameters: Record<string, ParameterValue>
): ISubmitRequest {
  const request: ISubmitRequest = { notebook: target.notebook, cell: target.cell };
  if (form.experimentTyped && form.experiment.trim()) {
    request.experiment = form.experiment.trim();
  }
  if (form.defaultExperiment.trim()) {
    request.default_experiment = form.defaultExperiment.trim();
  }
  // without a typed name the server names the run by its cell and the parameters set, as the CLI's runs
  if (form.displayName.trim()) {
    request.display_name = form.displayName.trim();
  }
  if (form.compute.trim()) {
    request.compute = form.compute.trim();
  }
  if (Object.keys(parameters).length) {
    request.parameters = parameters;
  }
  const inputs = Object.fromEntries(
    Object.entries(form.inputs)
      .map(([path, ref]) => [path, ref.trim()])
      .filter(([, ref]) => ref)
  );
  if (Object.keys(inputs).length) {
    request.inputs = inputs;
  }
  if (form.includeAllAbove) {
    request.include_all_above = true;
  }
  if (!form.autolog) {
    request.autolog = false;
  }
  if (typeof target.cell === 'string' && !/^\d+$/.test(target.cell)) {
    request.tags = { [CELL_ID_TAG]: target.cell };
  }
  return request;
}

/** What a re-run submits: the same notebook, cell and parameters, from the job's record. */
export function rerunRequest(job: IJob): ISubmitRequest | null {
  const notebook = job.tags?.[NOTEBOOK_TAG];
  const cellId = job.tags?.[CELL_ID_TAG];
  const cellIndex = job.tags?.[CELL_TAG];
  if (!notebook || notebook.startsWith('(') || (!cellId && cellIndex === undefined)) {
    return null;
  }
  const cell: string | number = cellId ?? Number(cellIndex);
  const parameters: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(job.parameters ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      parameters[name] = value;
    } else if (value !== null && value !== undefined) {
      parameters[name] = pythonLiteral(value);
    }
  }
  const request: ISubmitRequest = {
    notebook,
    cell,
    experiment: job.experiment,
    display_name: job.display_name,
    compute: job.compute
  };
  if (Object.keys(parameters).length) {
    request.parameters = parameters;
  }
  if (cellId) {
    request.tags = { [CELL_ID_TAG]: cellId };
  }
  return request;
}

/** "3 cells, 2 parameters, 4 requirements and 1 data file": what the preview's job runs, in one line. */
export function packageSummary(pkg: IJobPackage): string {
  return trans.__(
    '%1, %2, %3 and %4',
    trans._n('%1 cell', '%1 cells', pkg.cells.length),
    trans._n('%1 parameter', '%1 parameters', Object.keys(pkg.parameters).length),
    trans._n('%1 requirement', '%1 requirements', pkg.requirements.length),
    trans._n('%1 data file', '%1 data files', pkg.inputs.length)
  );
}
