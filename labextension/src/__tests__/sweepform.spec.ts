/** The Sweep tab's logic: dimensions from the cell's parameters, the settings and the request they make. */
import { IJobPackage, IPackageParameter, ISubmitRequest } from '../apitypes';
import {
  initialSweepForm,
  searchedNames,
  suggestExpression,
  sweepPreviewKey,
  sweepRequest,
  sweepSettings,
  withSweepPackage
} from '../sweepform';

function param(name: string, type: IPackageParameter['type'], value: unknown): IPackageParameter {
  return { name, type, default: value, notebook_value: value, cell_index: 1, line: 1, flag: `--${name}` } as IPackageParameter;
}

function pkg(...params: IPackageParameter[]): IJobPackage {
  return { parameters: Object.fromEntries(params.map(p => [p.name, p])) } as unknown as IJobPackage;
}

const BASE: ISubmitRequest = { cell: 'c1', notebook: 'diabetes_ridge.ipynb', parameters: { alpha: 0.3, n: 5 } } as ISubmitRequest;

describe('dimensions from the cell', () => {
  it('suggests an expression from each notebook value', () => {
    expect(suggestExpression(param('alpha', 'float', 0.5))).toBe('uniform(0.1, 1)');
    expect(suggestExpression(param('alpha', 'float', 0))).toBe('uniform(0, 1)');
    expect(suggestExpression(param('n', 'int', 3))).toBe('choice(2, 3, 4)');
    expect(suggestExpression(param('n', 'int', 0))).toBe('choice(0, 1)');
    expect(suggestExpression(param('flag', 'bool', true))).toBe("choice('true', 'false')");
    expect(suggestExpression(param('solver', 'str', 'auto'))).toBe('choice("auto")');
  });

  it('opens the first number, keeps what the person set, drops parameters the cell lost, and offers a metric', () => {
    const form = withSweepPackage(initialSweepForm(), pkg(param('label', 'str', 'x'), param('alpha', 'float', 0.5), param('cols', 'literal', [1])), [
      'training_score',
      'rmse'
    ]);
    expect(Object.keys(form.dimensions)).toEqual(['label', 'alpha']);
    expect(form.dimensions.alpha).toEqual({ on: true, expression: 'uniform(0.1, 1)' });
    expect(form.dimensions.label.on).toBe(false);
    expect(form.metric).toBe('rmse');
    expect(searchedNames(form)).toEqual(['alpha']);

    const edited = { ...form, metric: 'mae', dimensions: { ...form.dimensions, alpha: { on: true, expression: 'loguniform(-3, 0)' } } };
    const again = withSweepPackage(edited, pkg(param('alpha', 'float', 0.5), param('n', 'int', 3)), ['rmse']);
    expect(again.dimensions).toEqual({ alpha: { on: true, expression: 'loguniform(-3, 0)' }, n: { on: false, expression: 'choice(2, 3, 4)' } });
    expect(again.metric).toBe('mae');
  });
});

describe('the settings and the request', () => {
  const ready = () => ({
    ...withSweepPackage(initialSweepForm(), pkg(param('alpha', 'float', 0.5), param('n', 'int', 5)), ['rmse'])
  });

  it('builds Azure ML settings from the form', () => {
    const form = { ...ready(), sampling: 'sobol' as const, seed: '7', policy: 'bandit' as const, slackFactor: '0.2', delayEvaluation: '5', timeout: '600' };
    const { settings, errors } = sweepSettings(form);
    expect(errors).toEqual({});
    expect(settings).toEqual({
      search_space: { alpha: 'uniform(0.1, 1)' },
      objective: { primary_metric: 'rmse', goal: 'minimize' },
      sampling_algorithm: { type: 'random', rule: 'sobol', seed: 7 },
      limits: { max_total_trials: 10, max_concurrent_trials: 2, timeout: 600 },
      early_termination: { type: 'bandit', evaluation_interval: 1, delay_evaluation: 5, slack_factor: 0.2 }
    });
    expect(sweepSettings({ ...ready(), sampling: 'grid' }).settings?.sampling_algorithm).toEqual({ type: 'grid' });
    expect(sweepSettings({ ...ready(), policy: 'truncation_selection', truncationPercentage: '25' }).settings?.early_termination).toEqual({
      type: 'truncation_selection',
      evaluation_interval: 1,
      delay_evaluation: 0,
      truncation_percentage: 25
    });
  });

  it('says what is not a value at all, field by field', () => {
    const none = { ...ready(), dimensions: {} };
    expect(sweepSettings(none).errors).toEqual({ dimensions: 'Search at least one parameter.' });
    const bad = {
      ...ready(),
      metric: ' ',
      seed: 'x',
      maxTotalTrials: '0',
      policy: 'bandit' as const,
      slackFactor: '-1',
      dimensions: { alpha: { on: true, expression: '' } }
    };
    const { settings, errors } = sweepSettings(bad);
    expect(settings).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['dimension:alpha', 'maxTotalTrials', 'metric', 'seed', 'slackFactor']);
    expect(errors.maxTotalTrials).toBe('Trials takes a whole number from 1.');
  });

  it('sends the form tab submission, without fixed values of the searched parameters', () => {
    const form = ready();
    const { settings } = sweepSettings(form);
    const request = sweepRequest(BASE, form, settings);
    expect(request.parameters).toEqual({ n: 5 });
    expect(request.sweep?.search_space).toEqual({ alpha: 'uniform(0.1, 1)' });
    expect(request.cell).toBe('c1');
    expect(sweepRequest(BASE, form, null).sweep).toBeUndefined();
    expect(sweepPreviewKey(request)).toBe(sweepPreviewKey(sweepRequest(BASE, form, settings)));
    expect(sweepPreviewKey(request)).not.toBe(sweepPreviewKey(sweepRequest(BASE, { ...form, maxTotalTrials: '20' }, sweepSettings({ ...form, maxTotalTrials: '20' }).settings)));
  });
});
