import {
  ALGORITHMS,
  DEFAULT_METRIC,
  PRIMARY_METRICS,
  assetReference,
  defaultForm,
  formProblems,
  isMinimized,
  toRequest,
  withTask
} from '../automlform';
import { cellShade, confusionRows, hyperparameterText, residualBars, residualPoints, rocPoints, scoreText, summaryText } from '../leaderboard';
import { IAutoMLDetails, IModelCharts } from '../apitypes';

describe('the AutoML form', () => {
  it('starts on the data it was opened from with the SDK defaults', () => {
    const form = defaultForm(assetReference('heart'));
    expect(form.data).toBe('azureml:heart@latest');
    expect(form.task).toBe('classification');
    expect(form.metric).toBe('accuracy');
    expect(formProblems(form)).toEqual({ target: 'Name the column to predict.' });
  });

  it('keeps a metric only when the task has it, and drops algorithms the task lacks', () => {
    const form = { ...defaultForm('x.csv'), metric: 'AUC_weighted', allowed: ['LightGBM', 'XGBoostClassifier'] };
    const regression = withTask(form, 'regression');
    expect(regression.metric).toBe(DEFAULT_METRIC.regression);
    expect(regression.allowed).toEqual(['LightGBM']);
    expect(withTask({ ...regression, metric: 'r2_score' }, 'forecasting').metric).toBe('r2_score');
    expect(PRIMARY_METRICS.classification).toContain('AUC_weighted');
    expect(ALGORITHMS.forecasting).toContain('AutoArima');
    expect(isMinimized('normalized_root_mean_squared_error')).toBe(true);
    expect(isMinimized('r2_score')).toBe(false);
  });

  it('says what is wrong before a round trip', () => {
    const form = {
      ...defaultForm(''),
      target: 'y',
      timeoutMinutes: '-1',
      maxTrials: '2',
      concurrent: '3',
      folds: '1',
      validationSize: '1.5',
      blocked: [...ALGORITHMS.classification]
    };
    expect(Object.keys(formProblems(form)).sort()).toEqual(
      ['blocked', 'concurrent', 'data', 'folds', 'timeoutMinutes', 'validationSize'].sort()
    );
    const forecast = withTask({ ...defaultForm('sales.csv'), target: 'sales', horizon: '0' }, 'forecasting');
    expect(formProblems(forecast)).toEqual({
      timeColumn: 'A forecast needs the column that holds the time.',
      horizon: 'The horizon is a whole number of periods, at least 1.'
    });
    expect(formProblems({ ...defaultForm('d.csv'), target: 'y', folds: '5', validationSize: '0.2' }).validationSize).toBe(
      'Give folds or a validation size, not both.'
    );
  });

  it('builds the heart-failure seed request in Azure words', () => {
    const form = { ...defaultForm('azureml:heart@latest'), target: 'DEATH_EVENT', metric: 'AUC_weighted', concurrent: '3' };
    expect(toRequest(form)).toEqual({
      task: 'classification',
      training_data: 'azureml:heart@latest',
      target_column_name: 'DEATH_EVENT',
      primary_metric: 'AUC_weighted',
      featurization: 'auto',
      limits: { max_concurrent_trials: 3, enable_early_termination: true, timeout_minutes: 20 }
    });
    const forecast = withTask(
      { ...defaultForm('sales.csv'), target: 'sales', timeColumn: 'date', horizon: '7', frequency: 'D', folds: '3', maxTrials: '10' },
      'forecasting'
    );
    const request = toRequest(forecast);
    expect(request.forecasting).toEqual({ time_column_name: 'date', forecast_horizon: 7, frequency: 'D' });
    expect(request.n_cross_validations).toBe(3);
    expect(request.limits?.max_trials).toBe(10);
  });
});

const CHARTS: IModelCharts = {
  kind: 'classification',
  rows: 299,
  confusion_labels: ['0', '1'],
  confusion_matrix: [
    [186, 17],
    [29, 67]
  ],
  roc: [{ label: '1', auc: 0.91, fpr: [0, 0.1, 1], tpr: [0, 0.7, 1] }],
  predicted: [],
  actual: [],
  residual_bins: [],
  residual_counts: []
};

describe('the leaderboard', () => {
  it('shows each score with its spread and short hyperparameters', () => {
    expect(scoreText({ score: 0.90912, score_std: 0.0698 })).toBe('0.9091 ± 0.070');
    expect(scoreText({ score: null, score_std: null })).toBe('–');
    expect(hyperparameterText({ n_estimators: 6, learning_rate: 0.0937123, criterion: 'gini' })).toBe(
      'n_estimators=6, learning_rate=0.0937, criterion=gini'
    );
    expect(hyperparameterText({ a: 'x'.repeat(100) }, 20)).toHaveLength(20);
  });

  it('summarises what is optimised and how it was validated', () => {
    const details = { primary_metric: 'AUC_weighted', goal: 'maximize', validation: '10-fold cross-validation', trials: 31 } as IAutoMLDetails;
    expect(summaryText(details)).toBe('AUC_weighted (higher is better) · 10-fold cross-validation · 31 trials');
  });

  it('turns the confusion matrix into rows with recall and shades', () => {
    const rows = confusionRows(CHARTS);
    expect(rows.map(r => [r.label, r.total])).toEqual([
      ['0', 203],
      ['1', 96]
    ]);
    expect(rows[1].recall).toBeCloseTo(67 / 96);
    expect(cellShade(0, 0)).toBe(0);
    expect(cellShade(50, 100)).toBe(0.5);
    expect(rocPoints(CHARTS)[0].points).toEqual([
      { x: 0, y: 0 },
      { x: 0.1, y: 0.7 },
      { x: 1, y: 1 }
    ]);
  });

  it('draws regression residuals as points and bars', () => {
    const charts: IModelCharts = {
      ...CHARTS,
      kind: 'regression',
      predicted: [1, 2],
      actual: [1.5, 1.5],
      residual_bins: [-1, 0, 1],
      residual_counts: [2, 4]
    };
    expect(residualPoints(charts)).toEqual([
      { id: '0', label: 'row 0', x: 1, y: 1.5 },
      { id: '1', label: 'row 1', x: 2, y: 1.5 }
    ]);
    expect(residualBars(charts)).toEqual([
      { from: -1, to: 0, count: 2, height: 0.5 },
      { from: 0, to: 1, count: 4, height: 1 }
    ]);
  });
});
