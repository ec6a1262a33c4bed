/**
 * The AutoML form's logic, kept apart from React so jest can test it: Azure's
 * vocabulary per task (primary metrics, algorithm names), the defaults, the
 * mistakes a person can make before submitting, and the `POST /jobs/automl`
 * body. The server validates again and its sentences win; these checks only
 * save a round trip.
 */
import { IAutoMLJobSpec } from './apitypes';
import { trans } from './i18n';

export type AutoMLTask = 'classification' | 'regression' | 'forecasting';
export const TASKS: AutoMLTask[] = ['classification', 'regression', 'forecasting'];

const REGRESSION_METRICS = [
  'normalized_root_mean_squared_error',
  'r2_score',
  'spearman_correlation',
  'normalized_mean_absolute_error'
];

/** Azure's primary metrics per task, as azure-ai-ml names them. */
export const PRIMARY_METRICS: Record<AutoMLTask, string[]> = {
  classification: [
    'accuracy',
    'AUC_weighted',
    'norm_macro_recall',
    'average_precision_score_weighted',
    'precision_score_weighted'
  ],
  regression: REGRESSION_METRICS,
  forecasting: REGRESSION_METRICS
};

/** The SDK's default metric per task. */
export const DEFAULT_METRIC: Record<AutoMLTask, string> = {
  classification: 'accuracy',
  regression: 'normalized_root_mean_squared_error',
  forecasting: 'normalized_root_mean_squared_error'
};

const REGRESSION_ALGORITHMS = [
  'ElasticNet',
  'GradientBoosting',
  'DecisionTree',
  'KNN',
  'LassoLars',
  'SGD',
  'RandomForest',
  'ExtremeRandomTrees',
  'LightGBM',
  'XGBoostRegressor'
];

/** Azure's training algorithms per task (what allowed/blocked lists take). */
export const ALGORITHMS: Record<AutoMLTask, string[]> = {
  classification: [
    'LogisticRegression',
    'SGD',
    'MultinomialNaiveBayes',
    'BernoulliNaiveBayes',
    'SVM',
    'LinearSVM',
    'KNN',
    'DecisionTree',
    'RandomForest',
    'ExtremeRandomTrees',
    'LightGBM',
    'GradientBoosting',
    'XGBoostClassifier'
  ],
  regression: REGRESSION_ALGORITHMS,
  forecasting: [
    'AutoArima',
    'Prophet',
    'Naive',
    'SeasonalNaive',
    'Average',
    'SeasonalAverage',
    'ExponentialSmoothing',
    'Arimax',
    'TCNForecaster',
    ...REGRESSION_ALGORITHMS
  ]
};

/** Lower is better for these; every other metric is maximised. */
export function isMinimized(metric: string): boolean {
  return metric.startsWith('normalized_');
}

/** What the form holds: text as typed (numbers are parsed when the request is built). */
export interface IAutoMLForm {
  task: AutoMLTask;
  data: string;
  target: string;
  metric: string;
  timeoutMinutes: string;
  maxTrials: string;
  concurrent: string;
  /** `auto` (Azure chooses for the data's size) or a whole number of folds. */
  folds: string;
  /** A fraction such as 0.2; used instead of folds when set. */
  validationSize: string;
  featurization: 'auto' | 'off';
  earlyTermination: boolean;
  allowed: string[];
  blocked: string[];
  timeColumn: string;
  horizon: string;
  frequency: string;
  experiment: string;
}

/** A fresh form on `data` (a data asset reference or a CSV path under the notebook folder). */
export function defaultForm(data = ''): IAutoMLForm {
  return {
    task: 'classification',
    data,
    target: '',
    metric: DEFAULT_METRIC.classification,
    timeoutMinutes: '20',
    maxTrials: '',
    concurrent: '1',
    folds: 'auto',
    validationSize: '',
    featurization: 'auto',
    earlyTermination: true,
    allowed: [],
    blocked: [],
    timeColumn: '',
    horizon: '1',
    frequency: '',
    experiment: ''
  };
}

/** The form for another task: a metric or algorithm the task lacks falls back or is dropped. */
export function withTask(form: IAutoMLForm, task: AutoMLTask): IAutoMLForm {
  const metric = PRIMARY_METRICS[task].includes(form.metric) ? form.metric : DEFAULT_METRIC[task];
  const known = new Set(ALGORITHMS[task]);
  return {
    ...form,
    task,
    metric,
    allowed: form.allowed.filter(a => known.has(a)),
    blocked: form.blocked.filter(a => known.has(a))
  };
}

/** `azureml:NAME@latest` for a data asset, the path itself for a file. */
export function assetReference(name: string): string {
  return `azureml:${name}@latest`;
}

function positive(text: string): number | null {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : null;
}

function whole(text: string): number | null {
  const value = positive(text);
  return value !== null && Number.isInteger(value) ? value : null;
}

/** Field -> sentence for what would be refused; empty when the form can be submitted. */
export function formProblems(form: IAutoMLForm): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!form.data.trim()) {
    problems.data = trans.__('Choose the training data: a data asset or a CSV file.');
  }
  if (!form.target.trim()) {
    problems.target = trans.__('Name the column to predict.');
  }
  if (form.timeoutMinutes.trim() && positive(form.timeoutMinutes) === null) {
    problems.timeoutMinutes = trans.__('The time limit must be a positive number of minutes.');
  }
  if (form.maxTrials.trim() && (whole(form.maxTrials) === null || Number(form.maxTrials) > 1000)) {
    problems.maxTrials = trans.__('Max trials must be a whole number from 1 to 1000.');
  }
  if (whole(form.concurrent) === null) {
    problems.concurrent = trans.__('Concurrent trials must be a whole number, at least 1.');
  } else if (form.maxTrials.trim() && whole(form.maxTrials) !== null && Number(form.concurrent) > Number(form.maxTrials)) {
    problems.concurrent = trans.__('Concurrent trials cannot exceed max trials.');
  }
  const folds = form.folds.trim();
  if (folds !== 'auto' && (whole(folds) === null || Number(folds) < 2 || Number(folds) > 50)) {
    problems.folds = trans.__('Folds must be auto or a whole number from 2 to 50.');
  }
  if (form.validationSize.trim()) {
    const size = positive(form.validationSize);
    if (size === null || size >= 1) {
      problems.validationSize = trans.__('The validation size is a fraction between 0 and 1, such as 0.2.');
    } else if (folds !== 'auto') {
      problems.validationSize = trans.__('Give folds or a validation size, not both.');
    }
  }
  const both = form.allowed.filter(a => form.blocked.includes(a));
  if (both.length) {
    problems.blocked = trans.__('%1 is both allowed and blocked.', both[0]);
  } else if (ALGORITHMS[form.task].every(a => form.blocked.includes(a))) {
    problems.blocked = trans.__('Every algorithm is blocked; nothing would be trained.');
  }
  if (form.task === 'forecasting') {
    if (!form.timeColumn.trim()) {
      problems.timeColumn = trans.__('A forecast needs the column that holds the time.');
    } else if (form.timeColumn.trim() === form.target.trim()) {
      problems.timeColumn = trans.__('The time column cannot also be the column to predict.');
    }
    if (whole(form.horizon) === null) {
      problems.horizon = trans.__('The horizon is a whole number of periods, at least 1.');
    }
  }
  return problems;
}

/** The `POST /jobs/automl` body for a form without problems. */
export function toRequest(form: IAutoMLForm): IAutoMLJobSpec {
  const limits: NonNullable<IAutoMLJobSpec['limits']> = {
    max_concurrent_trials: Number(form.concurrent),
    enable_early_termination: form.earlyTermination
  };
  if (form.timeoutMinutes.trim()) {
    limits.timeout_minutes = Number(form.timeoutMinutes);
  }
  if (form.maxTrials.trim()) {
    limits.max_trials = Number(form.maxTrials);
  }
  const request: IAutoMLJobSpec = {
    task: form.task,
    training_data: form.data.trim(),
    target_column_name: form.target.trim(),
    primary_metric: form.metric,
    featurization: form.featurization,
    limits
  };
  if (form.validationSize.trim()) {
    request.validation_data_size = Number(form.validationSize);
  } else if (form.folds.trim() !== 'auto') {
    request.n_cross_validations = Number(form.folds);
  }
  if (form.allowed.length) {
    request.allowed_training_algorithms = form.allowed;
  }
  if (form.blocked.length) {
    request.blocked_training_algorithms = form.blocked;
  }
  if (form.experiment.trim()) {
    request.experiment = form.experiment.trim();
  }
  if (form.task === 'forecasting') {
    request.forecasting = {
      time_column_name: form.timeColumn.trim(),
      forecast_horizon: Number(form.horizon),
      ...(form.frequency.trim() ? { frequency: form.frequency.trim() } : {})
    };
  }
  return request;
}
