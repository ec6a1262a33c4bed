/** The submit form's logic: defaults, parameter text, the request it sends, re-runs. */
import { IJobPackage, IPackageParameter } from '../apitypes';
import {
  CELL_ID_TAG,
  buildRequest,
  cellNumber,
  checkParameters,
  defaultExperiment,
  initialForm,
  packageSummary,
  parameterText,
  parseParameter,
  pythonLiteral,
  rerunRequest,
  withExperiment,
  withPreview
} from '../submitform';
import { job } from './fixtures';

function param(name: string, type: IPackageParameter['type'], value: unknown): IPackageParameter {
  return { name, type, default: value, notebook_value: value, cell_index: 0, line: 1, flag: `--${name}` };
}

const declared = {
  alpha: param('alpha', 'float', 0.5),
  SEED: param('SEED', 'int', 42),
  TARGET: param('TARGET', 'str', 'Survived'),
  FEATURES: param('FEATURES', 'literal', ['Age', 'Pclass', 'Sex']),
  SCALE: param('SCALE', 'bool', true)
};

describe('defaults', () => {
  it("names the experiment after the notebook unless the setting says otherwise", () => {
    expect(defaultExperiment('notebook-jobs', 'examples/titanic.ipynb')).toBe('titanic');
    expect(defaultExperiment('', 'titanic.ipynb')).toBe('titanic');
    expect(defaultExperiment('my-team', 'titanic.ipynb')).toBe('my-team');
  });

  it('takes compute from the settings', () => {
    expect(initialForm('a.ipynb', { defaultExperiment: 'x', defaultCompute: 'cpu-cluster' }).compute).toBe('cpu-cluster');
    expect(initialForm('a.ipynb', { defaultExperiment: 'x', defaultCompute: '' }).compute).toBe('local');
    // the built-in default (local) gives way to the target's own on a target without it (Azure ML)
    const azure = ['cpu-cluster', 'serverless'];
    expect(initialForm('a.ipynb', { defaultExperiment: 'x', defaultCompute: 'local' }, azure).compute).toBe('cpu-cluster');
    expect(initialForm('a.ipynb', { defaultExperiment: 'x', defaultCompute: '' }, azure).compute).toBe('cpu-cluster');
    expect(initialForm('a.ipynb', { defaultExperiment: 'x', defaultCompute: 'serverless' }, azure).compute).toBe('serverless');
    // a compute the person chose is kept, even one the target does not list
    expect(initialForm('a.ipynb', { defaultExperiment: 'x', defaultCompute: 'gpu-local' }, ['local']).compute).toBe('gpu-local');
  });
});

describe('parameter text', () => {
  it('shows each type the way a person would type it', () => {
    expect(parameterText(declared.alpha)).toBe('0.5');
    expect(parameterText(declared.TARGET)).toBe('Survived');
    expect(parameterText(declared.FEATURES)).toBe('["Age", "Pclass", "Sex"]');
    expect(parameterText(declared.SCALE)).toBe('true');
  });

  it('writes Python literals, not JSON', () => {
    expect(pythonLiteral({ a: [true, null, 1.5] })).toBe('{"a": [True, None, 1.5]}');
  });

  it('parses typed text or explains the expected type', () => {
    expect(parseParameter(declared.alpha, ' 0.3 ')).toEqual({ value: 0.3 });
    expect(parseParameter(declared.SEED, '7')).toEqual({ value: 7 });
    expect(parseParameter(declared.SEED, '7.5')).toHaveProperty('error');
    expect(parseParameter(declared.alpha, 'abc')).toEqual({ error: 'alpha takes a number, e.g. 0.5.' });
    expect(parseParameter(declared.SCALE, 'no')).toEqual({ value: false });
    expect(parseParameter(declared.FEATURES, "['Age']")).toEqual({ value: "['Age']" });
  });

  it('sends only the parameters that changed', () => {
    const typed = { alpha: '0.3', SEED: '42', TARGET: 'Survived', FEATURES: '["Age", "Pclass", "Sex"]', SCALE: 'true' };
    expect(checkParameters(declared, typed)).toEqual({ parameters: { alpha: 0.3 }, errors: {} });
    expect(checkParameters(declared, { ...typed, SEED: 'x' }).errors).toHaveProperty('SEED');
  });
});

describe('buildRequest', () => {
  const target = { notebook: 'diabetes_ridge.ipynb', cell: 'diabetes_ridge-11', index: 11 };
  const form = { ...initialForm('diabetes_ridge.ipynb', { defaultExperiment: 'notebook-jobs', defaultCompute: 'local' }) };

  it('names the cell by id and tags the job with it for re-runs', () => {
    const request = buildRequest(target, form, {});
    expect(request).toEqual({
      notebook: 'diabetes_ridge.ipynb',
      cell: 'diabetes_ridge-11',
      default_experiment: 'diabetes_ridge',
      compute: 'local',
      tags: { [CELL_ID_TAG]: 'diabetes_ridge-11' }
    });
  });

  it('leaves the run name to the server unless one is typed (it names runs by cell and parameters)', () => {
    const request = buildRequest(target, form, { alpha: 0.3 });
    expect(request.parameters).toEqual({ alpha: 0.3 });
    expect(request).not.toHaveProperty('display_name');
    expect(buildRequest(target, { ...form, displayName: 'mine' }, { alpha: 0.3 }).display_name).toBe('mine');
  });

  it("sends the experiment only when typed; until then the code's own mlflow.set_experiment decides", () => {
    const pkg = { parameters: {}, experiment: 'diabetes-ridge' } as unknown as IJobPackage;
    const previewed = withPreview(form, pkg);
    expect(previewed.experiment).toBe('diabetes-ridge');
    expect(buildRequest(target, previewed, {})).not.toHaveProperty('experiment');
    expect(buildRequest(target, previewed, {}).default_experiment).toBe('diabetes_ridge');
    // the notebook's name when the code names none
    expect(withPreview(form, { ...pkg, experiment: null }).experiment).toBe('diabetes_ridge');
    // typed: sent, and a later preview does not replace it
    const typed = withExperiment(previewed, ' mine ');
    expect(buildRequest(target, typed, {}).experiment).toBe('mine');
    expect(withPreview(typed, pkg).experiment).toBe(' mine ');
    // cleared: back to the proposal
    expect(withExperiment(typed, '').experimentTyped).toBe(false);
    expect(buildRequest(target, withExperiment(typed, ''), {})).not.toHaveProperty('experiment');
  });

  it('sums the package up in one line for the preview', () => {
    const pkg = {
      cells: [{}, {}, {}],
      parameters: { alpha: declared.alpha },
      requirements: ['mlflow==3.1', 'scikit-learn==1.5'],
      inputs: []
    } as unknown as IJobPackage;
    expect(packageSummary(pkg)).toBe('3 cells, 1 parameter, 2 requirements and 0 data files');
  });

  it('numbers cells from 1, as JupyterLab users count them', () => {
    expect(cellNumber(0)).toBe(1);
    expect(cellNumber(11)).toBe(12);
  });

  it('sends the options only when they differ from the server defaults', () => {
    expect(buildRequest(target, form, {})).not.toHaveProperty('autolog');
    const request = buildRequest(target, { ...form, includeAllAbove: true, autolog: false }, {});
    expect(request).toMatchObject({ include_all_above: true, autolog: false });
  });

  it('sends only input replacements that were filled in', () => {
    const request = buildRequest(target, { ...form, inputs: { 'data/a.csv': ' azureml:a@latest ', 'b.csv': '' } }, {});
    expect(request.inputs).toEqual({ 'data/a.csv': 'azureml:a@latest' });
  });
});

describe('rerunRequest', () => {
  it('submits the same notebook, cell and parameters again', () => {
    const original = job({
      experiment: 'diabetes_ridge',
      display_name: 'diabetes_ridge cell 11 (alpha=0.3)',
      parameters: { alpha: 0.3, FEATURES: ['Age'] },
      tags: { 'amlx.notebook': 'diabetes_ridge.ipynb', 'amlx.cell': '11', [CELL_ID_TAG]: 'diabetes_ridge-11' }
    });
    expect(rerunRequest(original)).toEqual({
      notebook: 'diabetes_ridge.ipynb',
      cell: 'diabetes_ridge-11',
      experiment: 'diabetes_ridge',
      display_name: 'diabetes_ridge cell 11 (alpha=0.3)',
      compute: 'local',
      parameters: { alpha: 0.3, FEATURES: '["Age"]' },
      tags: { [CELL_ID_TAG]: 'diabetes_ridge-11' }
    });
  });

  it('falls back to the cell index of jobs submitted elsewhere', () => {
    const cli = job({ tags: { 'amlx.notebook': 'titanic.ipynb', 'amlx.cell': '15' } });
    expect(rerunRequest(cli)?.cell).toBe(15);
  });

  it('cannot re-run a job from kernel history', () => {
    expect(rerunRequest(job({ tags: { 'amlx.notebook': '(kernel history)', 'amlx.cell': '3' } }))).toBeNull();
    expect(rerunRequest(job({ tags: {} }))).toBeNull();
  });
});
