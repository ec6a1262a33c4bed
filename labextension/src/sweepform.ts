/**
 * The Sweep tab's logic: which of the cell's parameters are searched and how
 * (Azure ML's search expressions, as text), the objective, sampling, early
 * termination and limits, and the request they make. Kept out of React so it
 * is tested without a DOM. The server checks every rule with a sentence (an
 * expression that does not fit the notebook value, grid with anything but
 * choice...); this module only turns the typed text into the request's shape.
 */
import { IJobPackage, IPackageParameter, ISubmitRequest, ISweepRequest, ISweepSettingsInput } from './apitypes';
import { trans } from './i18n';

export type Goal = 'minimize' | 'maximize';
export type Sampling = 'random' | 'sobol' | 'grid' | 'bayesian';
export type Policy = 'none' | 'bandit' | 'median_stopping' | 'truncation_selection';

export interface IDimension {
  /** Searched (else the parameter keeps its value from the Form tab). */
  on: boolean;
  /** The search expression as typed, e.g. `uniform(0.1, 1.0)`. */
  expression: string;
}

export interface ISweepForm {
  dimensions: Record<string, IDimension>;
  metric: string;
  goal: Goal;
  sampling: Sampling;
  seed: string;
  policy: Policy;
  slackFactor: string;
  evaluationInterval: string;
  delayEvaluation: string;
  truncationPercentage: string;
  maxTotalTrials: string;
  maxConcurrentTrials: string;
  timeout: string;
  trialTimeout: string;
}

/** The sampling choices in the page's language (a function: the language is known once the plugin starts). */
export function samplings(): { value: Sampling; label: string }[] {
  return [
    { value: 'random', label: trans.__('Random') },
    { value: 'sobol', label: trans.__('Sobol (random, quasi-random sequence)') },
    { value: 'grid', label: trans.__('Grid (choice only)') },
    { value: 'bayesian', label: trans.__('Bayesian') }
  ];
}

/** The early termination choices in the page's language. */
export function policies(): { value: Policy; label: string }[] {
  return [
    { value: 'none', label: trans.__('None: every trial runs to the end') },
    { value: 'bandit', label: trans.__('Bandit (slack factor)') },
    { value: 'median_stopping', label: trans.__('Median stopping') },
    { value: 'truncation_selection', label: trans.__('Truncation selection') }
  ];
}

export function initialSweepForm(): ISweepForm {
  return {
    dimensions: {},
    metric: '',
    goal: 'minimize',
    sampling: 'random',
    seed: '',
    policy: 'none',
    slackFactor: '0.1',
    evaluationInterval: '1',
    delayEvaluation: '0',
    truncationPercentage: '20',
    maxTotalTrials: '10',
    maxConcurrentTrials: '2',
    timeout: '',
    trialTimeout: ''
  };
}

function round(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/** A starting expression for a parameter, from its notebook value (the person edits it). */
export function suggestExpression(param: IPackageParameter): string {
  const value = param.default;
  switch (param.type) {
    case 'float': {
      const number = typeof value === 'number' ? value : 0;
      return number > 0 ? `uniform(${round(number / 5)}, ${round(number * 2)})` : 'uniform(0, 1)';
    }
    case 'int': {
      const number = typeof value === 'number' ? Math.round(value) : 1;
      return `choice(${[number - 1, number, number + 1].filter(n => n >= 0).join(', ')})`;
    }
    case 'bool':
      return "choice('true', 'false')";
    case 'str':
      return `choice(${JSON.stringify(String(value ?? ''))})`;
    default:
      return '';
  }
}

/** Whether a parameter can be searched at all (lists and dicts cannot). */
export function searchable(param: IPackageParameter): boolean {
  return param.type !== 'literal';
}

/**
 * The form after a package preview: a dimension per parameter (new ones get a
 * suggestion; the first number is searched, as the tutorial searches alpha),
 * the ones the cell no longer has dropped, and the first offered metric as
 * the objective when none is chosen.
 */
export function withSweepPackage(form: ISweepForm, pkg: IJobPackage, metrics: readonly string[] = []): ISweepForm {
  const dimensions: Record<string, IDimension> = {};
  const params = Object.values(pkg.parameters).filter(searchable);
  const anyOn = params.some(p => form.dimensions[p.name]?.on);
  let firstNumber = anyOn ? null : params.find(p => p.type === 'float' || p.type === 'int')?.name ?? null;
  for (const param of params) {
    dimensions[param.name] = form.dimensions[param.name] ?? {
      on: param.name === firstNumber,
      expression: suggestExpression(param)
    };
    if (param.name === firstNumber) {
      firstNumber = null;
    }
  }
  const metric = form.metric || metrics.find(m => !m.startsWith('training_')) || metrics[0] || '';
  return { ...form, dimensions, metric };
}

export function searchedNames(form: ISweepForm): string[] {
  return Object.entries(form.dimensions)
    .filter(([, dim]) => dim.on)
    .map(([name]) => name);
}

export type SettingsCheck = { settings: ISweepSettingsInput | null; errors: Record<string, string> };

function wholeNumber(text: string, what: string, errors: Record<string, string>, key: string, min = 0): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) {
    return undefined;
  }
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min) {
    errors[key] = min ? trans.__('%1 takes a whole number from %2.', what, min) : trans.__('%1 takes a whole number.', what);
    return undefined;
  }
  return Number(trimmed);
}

/** The settings the form describes, or a sentence per field whose text is not a value at all. */
export function sweepSettings(form: ISweepForm): SettingsCheck {
  const errors: Record<string, string> = {};
  const searchSpace: Record<string, string> = {};
  for (const [name, dim] of Object.entries(form.dimensions)) {
    if (!dim.on) {
      continue;
    }
    if (!dim.expression.trim()) {
      errors[`dimension:${name}`] = trans.__('Give %1 a search expression, e.g. uniform(0.1, 1.0).', name);
    } else {
      searchSpace[name] = dim.expression.trim();
    }
  }
  if (!Object.keys(searchSpace).length && !Object.keys(errors).length) {
    errors.dimensions = trans.__('Search at least one parameter.');
  }
  if (!form.metric.trim()) {
    errors.metric = trans.__('Name the metric to optimize, as the cell logs it (e.g. rmse).');
  }
  const seed = wholeNumber(form.seed, trans.__('The seed'), errors, 'seed');
  const limits: Record<string, number> = {};
  const total = wholeNumber(form.maxTotalTrials, trans.__('Trials'), errors, 'maxTotalTrials', 1);
  const concurrent = wholeNumber(form.maxConcurrentTrials, trans.__('Trials at once'), errors, 'maxConcurrentTrials', 1);
  const timeout = wholeNumber(form.timeout, trans.__('The timeout'), errors, 'timeout', 1);
  const trialTimeout = wholeNumber(form.trialTimeout, trans.__('The trial timeout'), errors, 'trialTimeout', 1);
  for (const [key, value] of [
    ['max_total_trials', total],
    ['max_concurrent_trials', concurrent],
    ['timeout', timeout],
    ['trial_timeout', trialTimeout]
  ] as const) {
    if (value !== undefined) {
      limits[key] = value;
    }
  }
  let earlyTermination: Record<string, unknown> | undefined;
  if (form.policy !== 'none') {
    const interval = wholeNumber(form.evaluationInterval, trans.__('The evaluation interval'), errors, 'evaluationInterval');
    const delay = wholeNumber(form.delayEvaluation, trans.__('The delay'), errors, 'delayEvaluation');
    earlyTermination = {
      type: form.policy,
      ...(interval !== undefined ? { evaluation_interval: interval } : {}),
      ...(delay !== undefined ? { delay_evaluation: delay } : {})
    };
    if (form.policy === 'bandit') {
      const factor = Number(form.slackFactor.trim());
      if (!form.slackFactor.trim() || !isFinite(factor) || factor <= 0) {
        errors.slackFactor = trans.__('The slack factor takes a positive number, e.g. 0.1.');
      } else {
        earlyTermination.slack_factor = factor;
      }
    }
    if (form.policy === 'truncation_selection') {
      const percentage = wholeNumber(
        form.truncationPercentage,
        trans.__('The truncation percentage'),
        errors,
        'truncationPercentage',
        1
      );
      if (percentage !== undefined) {
        earlyTermination.truncation_percentage = percentage;
      }
    }
  }
  if (Object.keys(errors).length) {
    return { settings: null, errors };
  }
  const sampling =
    form.sampling === 'sobol'
      ? { type: 'random' as const, rule: 'sobol' as const, ...(seed !== undefined ? { seed } : {}) }
      : form.sampling === 'random'
        ? { type: 'random' as const, ...(seed !== undefined ? { seed } : {}) }
        : { type: form.sampling };
  const settings = {
    search_space: searchSpace,
    objective: { primary_metric: form.metric.trim(), goal: form.goal },
    sampling_algorithm: sampling,
    limits,
    ...(earlyTermination ? { early_termination: earlyTermination } : {})
  } as ISweepSettingsInput;
  return { settings, errors: {} };
}

/**
 * The sweep request: the Form tab's submission, minus fixed values of the
 * parameters the sweep searches (a parameter is searched or fixed, not both).
 */
export function sweepRequest(base: ISubmitRequest, form: ISweepForm, settings: ISweepSettingsInput | null): ISweepRequest {
  const searched = new Set(searchedNames(form));
  const parameters = Object.fromEntries(Object.entries(base.parameters ?? {}).filter(([name]) => !searched.has(name)));
  return { ...base, parameters, ...(settings ? { sweep: settings } : {}) } as ISweepRequest;
}

/** A key of what the points preview depends on: the same key needs no new preview. */
export function sweepPreviewKey(request: ISweepRequest): string {
  return JSON.stringify([request.parameters, request.sweep]);
}
