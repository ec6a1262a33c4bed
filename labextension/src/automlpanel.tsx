/**
 * The AutoML form in the main area, opened from a data asset in the sidebar,
 * a CSV file in the file browser, or the palette: task, training data,
 * target column, Azure's primary metric for the task, limits, validation,
 * algorithms and featurization (forecasting adds its time column, horizon and
 * frequency). Submitting starts the job and opens its run panel, whose
 * Leaderboard tab follows the trials.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxApiError } from './api';
import {
  ALGORITHMS,
  AutoMLTask,
  IAutoMLForm,
  PRIMARY_METRICS,
  TASKS,
  defaultForm,
  formProblems,
  isMinimized,
  toRequest,
  withTask
} from './automlform';
import { ErrorNote } from './components';
import { amlIcon } from './icons';
import { panelId } from './naming';
import { asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { trans } from './i18n';

/** Example values shown in empty fields (values, not text to translate). */
const EXAMPLE_DATA = 'azureml:heart@latest';
const EXAMPLE_TARGET = 'DEATH_EVENT';

function Field(props: { id: string; label: string; problem?: string; hint?: string; children: React.ReactNode }): JSX.Element {
  return (
    <div className="amlx-Field" data-field={props.id}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.problem ? (
        <span className="amlx-FieldProblem" role="alert">
          {props.problem}
        </span>
      ) : (
        props.hint && <span className="amlx-Hint">{props.hint}</span>
      )}
    </div>
  );
}

function AlgorithmPicker(props: {
  id: string;
  label: string;
  task: AutoMLTask;
  chosen: string[];
  onChange: (chosen: string[]) => void;
}): JSX.Element {
  return (
    <fieldset className="amlx-AlgorithmPicker" data-field={props.id}>
      <legend className="amlx-FieldLabel">{props.label}</legend>
      {ALGORITHMS[props.task].map(name => (
        <label key={name} className="amlx-Check">
          <input
            type="checkbox"
            checked={props.chosen.includes(name)}
            onChange={event =>
              props.onChange(
                event.currentTarget.checked ? [...props.chosen, name] : props.chosen.filter(a => a !== name)
              )
            }
          />
          {name}
        </label>
      ))}
    </fieldset>
  );
}

export function AutoMLForm(props: { services: AmlxServices; data: string }): JSX.Element {
  const { services } = props;
  const [form, setForm] = React.useState<IAutoMLForm>(() => defaultForm(props.data));
  const [touched, setTouched] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [more, setMore] = React.useState(false);
  const idPrefix = React.useId();
  const id = (name: string) => `${idPrefix}-${name}`;
  const problems = formProblems(form);
  const shown = touched ? problems : {};
  const set = (changes: Partial<IAutoMLForm>) => setForm({ ...form, ...changes });
  const text = (name: keyof IAutoMLForm, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <input
      id={id(name)}
      className="amlx-Input"
      value={String(form[name])}
      onChange={event => set({ [name]: event.currentTarget.value } as Partial<IAutoMLForm>)}
      {...extra}
    />
  );

  const submit = async () => {
    setTouched(true);
    if (Object.keys(problems).length) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const job = await services.client.submitAutoML(toRequest(form));
      services.runs.merge([job]);
      services.execute(CommandIDs.openRun, { name: job.name });
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="amlx-AutoMLForm">
      <header className="amlx-Panel-header">
        <h2>{trans.__('AutoML')}</h2>
        <p className="amlx-Hint">
          {trans.__("Trains and validates many models on a table and keeps the best, as Azure ML's automated ML does. Each trial becomes a child run; the best model is saved as an MLflow model you can register and deploy.")}
        </p>
      </header>
      <div className="amlx-FormGrid">
        <Field id={id('task')} label={trans.__('Task')}>
          <select id={id('task')} className="amlx-Input" value={form.task} onChange={event => setForm(withTask(form, event.currentTarget.value as AutoMLTask))}>
            {TASKS.map(task => (
              <option key={task} value={task}>
                {task}
              </option>
            ))}
          </select>
        </Field>
        <Field id={id('data')} label={trans.__('Training data')} problem={shown.data} hint={trans.__('a data asset (azureml:NAME@latest) or a CSV file')}>
          {text('data', { placeholder: EXAMPLE_DATA })}
        </Field>
        <Field id={id('target')} label={trans.__('Target column')} problem={shown.target} hint={trans.__('the column to predict')}>
          {text('target', { placeholder: EXAMPLE_TARGET })}
        </Field>
        <Field id={id('metric')} label={trans.__('Primary metric')} hint={isMinimized(form.metric) ? trans.__('lower is better') : trans.__('higher is better')}>
          <select id={id('metric')} className="amlx-Input" value={form.metric} onChange={event => set({ metric: event.currentTarget.value })}>
            {PRIMARY_METRICS[form.task].map(metric => (
              <option key={metric} value={metric}>
                {metric}
              </option>
            ))}
          </select>
        </Field>
        <Field id={id('timeoutMinutes')} label={trans.__('Time limit (minutes)')} problem={shown.timeoutMinutes} hint={trans.__("the whole job; empty: Azure's default")}>
          {text('timeoutMinutes', { inputMode: 'decimal' })}
        </Field>
        <Field id={id('concurrent')} label={trans.__('Max concurrent trials')} problem={shown.concurrent} hint={trans.__('locally: threads per trial')}>
          {text('concurrent', { inputMode: 'numeric' })}
        </Field>
        {form.task === 'forecasting' && (
          <>
            <Field id={id('timeColumn')} label={trans.__('Time column')} problem={shown.timeColumn}>
              {text('timeColumn')}
            </Field>
            <Field id={id('horizon')} label={trans.__('Forecast horizon')} problem={shown.horizon} hint={trans.__('periods ahead')}>
              {text('horizon', { inputMode: 'numeric' })}
            </Field>
            <Field id={id('frequency')} label={trans.__('Frequency')} hint={trans.__('D, h, W, MS…; empty: inferred')}>
              {text('frequency')}
            </Field>
          </>
        )}
      </div>
      <button className="amlx-Link amlx-AutoMLForm-more" aria-expanded={more} onClick={() => setMore(!more)}>
        {more ? '▾' : '▸'} {trans.__('Limits, validation, algorithms and featurization')}
      </button>
      {more && (
        <div className="amlx-FormGrid amlx-AutoMLForm-advanced">
          <Field id={id('maxTrials')} label={trans.__('Max trials')} problem={shown.maxTrials} hint={trans.__('empty: 1000')}>
            {text('maxTrials', { inputMode: 'numeric' })}
          </Field>
          <Field id={id('folds')} label={trans.__('Cross-validation folds')} problem={shown.folds} hint={trans.__("auto: as Azure chooses for the data's size")}>
            {text('folds')}
          </Field>
          <Field id={id('validationSize')} label={trans.__('Validation size')} problem={shown.validationSize} hint={trans.__('a held-out fraction instead of folds')}>
            {text('validationSize', { inputMode: 'decimal', placeholder: 'e.g. 0.2' })}
          </Field>
          <Field id={id('featurization')} label={trans.__('Featurization')}>
            <select
              id={id('featurization')}
              className="amlx-Input"
              value={form.featurization}
              onChange={event => set({ featurization: event.currentTarget.value as 'auto' | 'off' })}
            >
              <option value="auto">{trans.__('auto (impute, encode, scale)')}</option>
              <option value="off">{trans.__('off (numeric columns only)')}</option>
            </select>
          </Field>
          <Field id={id('experiment')} label={trans.__('Experiment')} hint={trans.__('empty: Default')}>
            {text('experiment')}
          </Field>
          <label className="amlx-Check">
            <input type="checkbox" checked={form.earlyTermination} onChange={event => set({ earlyTermination: event.currentTarget.checked })} />
            {trans.__('Early termination (stop when the score stops improving)')}
          </label>
          <AlgorithmPicker id="allowed" label={trans.__('Allowed algorithms (none: all)')} task={form.task} chosen={form.allowed} onChange={allowed => set({ allowed })} />
          <AlgorithmPicker id="blocked" label={trans.__('Blocked algorithms')} task={form.task} chosen={form.blocked} onChange={blocked => set({ blocked })} />
          {shown.blocked && (
            <span className="amlx-FieldProblem" role="alert">
              {shown.blocked}
            </span>
          )}
        </div>
      )}
      <ErrorNote error={error} title={trans.__('The AutoML job was not started.')} />
      <div className="amlx-Actions">
        <button className="jp-Button jp-mod-styled jp-mod-accept amlx-AutoMLForm-submit" disabled={busy} onClick={() => void submit()}>
          {busy ? trans.__('Starting…') : trans.__('Start AutoML')}
        </button>
      </div>
    </div>
  );
}

class AutoMLContent extends ReactWidget {
  constructor(
    private readonly services: AmlxServices,
    private readonly data: string
  ) {
    super();
    this.addClass('amlx-MainPanel');
  }

  protected render(): JSX.Element {
    return <AutoMLForm services={this.services} data={this.data} />;
  }
}

export function automlWidgetId(data: string): string {
  return panelId('automl', data || 'new');
}

export function createAutoMLWidget(services: AmlxServices, data: string): MainAreaWidget {
  const widget = new MainAreaWidget({ content: new AutoMLContent(services, data) });
  widget.id = automlWidgetId(data);
  widget.title.label = data ? trans.__('AutoML: %1', data.replace(/^azureml:/, '').replace(/@latest$/, '')) : trans.__('AutoML');
  widget.title.caption = trans.__('AutoML: train and compare models, keep the best');
  widget.title.icon = amlIcon;
  widget.title.closable = true;
  return widget;
}
