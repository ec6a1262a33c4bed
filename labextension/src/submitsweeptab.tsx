/**
 * The submit form's Sweep tab: the cell's parameters as dimensions (search
 * each with an Azure ML expression), the objective (offered from the metrics
 * the cell's earlier runs logged), sampling, early termination and limits,
 * and a preview of the first sampled points. The Form tab's other settings
 * (experiment, fixed parameters, inputs) apply to every trial.
 */
import * as React from 'react';

import { IJobPackage, ISweepPreview } from './apitypes';
import { Empty, Loading, withElements, PLACEHOLDERS } from './components';
import { formatValue } from './format';
import { Goal, ISweepForm, Policy, Sampling, policies, samplings } from './sweepform';
import { trans } from './i18n';

function Field(props: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: (describedBy: string | undefined) => React.ReactNode;
}): JSX.Element {
  const described = props.error ? `${props.id}-error` : props.hint ? `${props.id}-hint` : undefined;
  return (
    <div className="amlx-Field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children(described)}
      {props.error ? (
        <div id={`${props.id}-error`} className="amlx-FieldError">
          {props.error}
        </div>
      ) : (
        props.hint && (
          <div id={`${props.id}-hint`} className="amlx-Hint">
            {props.hint}
          </div>
        )
      )}
    </div>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  value: string;
  error?: string;
  hint?: string;
  placeholder?: string;
  onChange: (text: string) => void;
}): JSX.Element {
  return (
    <Field id={props.id} label={props.label} error={props.error} hint={props.hint}>
      {described => (
        <input
          id={props.id}
          className={`amlx-Input ${props.error ? 'amlx-mod-invalid' : ''}`}
          inputMode="numeric"
          aria-invalid={!!props.error}
          aria-describedby={described}
          placeholder={props.placeholder}
          value={props.value}
          onChange={event => props.onChange(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}

export function SweepTab(props: {
  idPrefix: string;
  form: ISweepForm;
  onChange: (form: ISweepForm) => void;
  pkg: IJobPackage | null;
  failed: boolean;
  errors: Record<string, string>;
  metrics: string[];
  preview: ISweepPreview | null;
  /** A preview is on its way. */
  updating: boolean;
}): JSX.Element {
  const { idPrefix, form, onChange, pkg, errors } = props;
  const id = (name: string) => `${idPrefix}-sweep-${name}`;
  if (!pkg) {
    return props.failed ? (
      <Empty>{trans.__('The dimensions show once the cell can be packaged (see the message above).')}</Empty>
    ) : (
      <Loading text={trans.__("Reading the notebook's parameters…")} />
    );
  }
  const params = Object.values(pkg.parameters);
  const set = (patch: Partial<ISweepForm>) => onChange({ ...form, ...patch });
  const points = props.preview?.points ?? [];
  const pointNames = points.length ? Object.keys(points[0]) : [];
  return (
    <div className="amlx-SweepForm">
      <fieldset className="amlx-SweepForm-space">
        <legend className="amlx-FieldLabel">{trans.__('Search space')}</legend>
        {!params.length && (
          <Empty>
            {withElements(
              trans.__(
                'The cell has no parameters to search: plain assignments of literals (e.g. %1) in the cells the job needs, or in a cell tagged %2, become parameters.',
                ...PLACEHOLDERS
              ),
              <code>{'alpha = 0.5'}</code>,
              <code>{'parameters'}</code>
            )}
          </Empty>
        )}
        {errors.dimensions && <div className="amlx-FieldError">{errors.dimensions}</div>}
        <table className="amlx-Table amlx-SweepDimensions">
          <tbody>
            {params.map(param => {
              const dim = form.dimensions[param.name];
              const error = errors[`dimension:${param.name}`];
              const canSearch = param.type !== 'literal' && dim !== undefined;
              return (
                <tr key={param.name} data-param={param.name}>
                  <td>
                    <label>
                      <input
                        type="checkbox"
                        disabled={!canSearch}
                        checked={!!dim?.on}
                        aria-label={trans.__('Search %1', param.name)}
                        onChange={event =>
                          dim && set({ dimensions: { ...form.dimensions, [param.name]: { ...dim, on: event.currentTarget.checked } } })
                        }
                      />{' '}
                      <code>{param.name}</code> <span className="amlx-Hint">{trans.__('%1, notebook value %2', param.type, formatValue(param.default))}</span>
                    </label>
                  </td>
                  <td>
                    {canSearch ? (
                      <>
                        <input
                          className={`amlx-Input ${error ? 'amlx-mod-invalid' : ''}`}
                          aria-label={trans.__('Search expression for %1', param.name)}
                          disabled={!dim.on}
                          value={dim.expression}
                          onChange={event =>
                            set({ dimensions: { ...form.dimensions, [param.name]: { ...dim, expression: event.currentTarget.value } } })
                          }
                        />
                        {error && <div className="amlx-FieldError">{error}</div>}
                      </>
                    ) : (
                      <span className="amlx-Hint">{trans.__('lists and dicts cannot be searched')}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="amlx-Hint">
          {trans.__('Expressions as in Azure ML: uniform(a, b), loguniform(a, b) (the bounds are natural logs), quniform(a, b, q), randint(n) (0 to n − 1), normal(mu, sigma), choice(x, y, …). A parameter not searched keeps its Form tab value.')}
        </div>
      </fieldset>
      <div className="amlx-FormGrid">
        <Field id={id('metric')} label={trans.__('Objective metric')} error={errors.metric} hint={trans.__('The name the cell passes to mlflow.log_metric')}>
          {described => (
            <>
              <input
                id={id('metric')}
                className={`amlx-Input ${errors.metric ? 'amlx-mod-invalid' : ''}`}
                list={id('metrics')}
                aria-describedby={described}
                value={form.metric}
                onChange={event => set({ metric: event.currentTarget.value })}
              />
              <datalist id={id('metrics')}>
                {props.metrics.map(metric => (
                  <option key={metric} value={metric} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field id={id('goal')} label={trans.__('Goal')}>
          {() => (
            <select id={id('goal')} className="amlx-Select" value={form.goal} onChange={event => set({ goal: event.currentTarget.value as Goal })}>
              <option value="minimize">{trans.__('minimize')}</option>
              <option value="maximize">{trans.__('maximize')}</option>
            </select>
          )}
        </Field>
        <Field id={id('sampling')} label={trans.__('Sampling')}>
          {() => (
            <select
              id={id('sampling')}
              className="amlx-Select"
              value={form.sampling}
              onChange={event => set({ sampling: event.currentTarget.value as Sampling })}
            >
              {samplings().map(option => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {(form.sampling === 'random' || form.sampling === 'sobol') && (
          <NumberField id={id('seed')} label={trans.__('Seed')} value={form.seed} error={errors.seed} placeholder={trans.__('chosen at submit')} onChange={seed => set({ seed })} />
        )}
        <NumberField id={id('total')} label={trans.__('Trials')} value={form.maxTotalTrials} error={errors.maxTotalTrials} onChange={v => set({ maxTotalTrials: v })} />
        <NumberField
          id={id('concurrent')}
          label={trans.__('Trials at once')}
          value={form.maxConcurrentTrials}
          error={errors.maxConcurrentTrials}
          onChange={v => set({ maxConcurrentTrials: v })}
        />
        <NumberField id={id('timeout')} label={trans.__('Timeout (s)')} value={form.timeout} error={errors.timeout} placeholder={trans.__('none')} onChange={v => set({ timeout: v })} />
        <NumberField
          id={id('trial-timeout')}
          label={trans.__('Trial timeout (s)')}
          value={form.trialTimeout}
          error={errors.trialTimeout}
          placeholder={trans.__('none')}
          onChange={v => set({ trialTimeout: v })}
        />
      </div>
      <fieldset className="amlx-FormGrid amlx-SweepForm-policy">
        <legend className="amlx-FieldLabel">{trans.__('Early termination')}</legend>
        <Field id={id('policy')} label={trans.__('Policy')}>
          {() => (
            <select id={id('policy')} className="amlx-Select" value={form.policy} onChange={event => set({ policy: event.currentTarget.value as Policy })}>
              {policies().map(option => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {form.policy === 'bandit' && (
          <NumberField id={id('slack')} label={trans.__('Slack factor')} value={form.slackFactor} error={errors.slackFactor} onChange={v => set({ slackFactor: v })} />
        )}
        {form.policy === 'truncation_selection' && (
          <NumberField
            id={id('truncation')}
            label={trans.__('Truncation percentage')}
            value={form.truncationPercentage}
            error={errors.truncationPercentage}
            onChange={v => set({ truncationPercentage: v })}
          />
        )}
        {form.policy !== 'none' && (
          <>
            <NumberField
              id={id('interval')}
              label={trans.__('Evaluation interval')}
              value={form.evaluationInterval}
              error={errors.evaluationInterval}
              hint={trans.__('Every how many logged values')}
              onChange={v => set({ evaluationInterval: v })}
            />
            <NumberField
              id={id('delay')}
              label={trans.__('Delay evaluation')}
              value={form.delayEvaluation}
              error={errors.delayEvaluation}
              hint={trans.__('Logged values before the first evaluation')}
              onChange={v => set({ delayEvaluation: v })}
            />
          </>
        )}
      </fieldset>
      <section className="amlx-SweepPoints" aria-label={trans.__('First sampled points')} aria-busy={props.updating}>
        <h3 className="amlx-FieldLabel">
          {trans.__('First trials')}
          {props.preview?.total_trials ? ' ' + trans.__('(of %1)', props.preview.total_trials) : ''}
          {props.preview?.seed !== null && props.preview?.seed !== undefined ? trans.__(', seed %1', props.preview.seed) : ''}
          {props.updating ? ' …' : ''}
        </h3>
        {points.length ? (
          <table className="amlx-Table amlx-SweepPoints-table">
            <thead>
              <tr>
                <th>{trans.__('Trial')}</th>
                {pointNames.map(name => (
                  <th key={name}>{name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points.map((point, index) => (
                <tr key={index}>
                  <td>{index}</td>
                  {pointNames.map(name => (
                    <td key={name}>{formatValue(point[name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>{trans.__('The first sampled points show here once the search space and objective are set.')}</Empty>
        )}
        {(props.preview?.notes ?? []).map(note => (
          <div key={note} className="amlx-Warning">
            {note}
          </div>
        ))}
      </section>
    </div>
  );
}
