/**
 * A sweep's Trials tab in its run panel: what it searches and for what, the
 * best trial so far (with "Register best model"), the trials table (status,
 * sampled values, objective, stopped early at which interval), the objective
 * over time per trial and the parallel-coordinates chart. Everything reloads
 * as the sweep and its trials change.
 */
import * as React from 'react';

import { IJob, IMetricPoint, ISweepDetails } from './apitypes';
import { ErrorNote, Loading, StatusBadge, useSignal, useSize, withElements, PLACEHOLDERS } from './components';
import { formatMetric, formatValue, isTerminal } from './format';
import { ILastRegistration, RegisterModelCard } from './modelregister';
import { Throttle } from './poll';
import { Resource } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { ObjectiveChart, ParallelCoordinates } from './sweepcharts';
import { ITrialRow, dimensionNames, objectiveSeries, parallelAxes, parallelLines, trialRows, trialSummary } from './sweepview';
import { trans } from './i18n';

/** While a sweep runs, its details, trials and histories reload at most this often. */
const RELOAD_MS = 3000;

export interface ISweepState {
  details: ISweepDetails;
  trials: IJob[];
  histories: Record<string, IMetricPoint[]>;
}

/** What a sweep's panel keeps while it is open: one reload of details, trials and histories. */
export class SweepResources {
  constructor(services: AmlxServices, readonly name: string) {
    this.state = new Resource(async () => {
      const [details, page, histories] = await Promise.all([
        services.client.sweep(name),
        services.client.listJobs({ parent: name, descending: false, limit: 1000 }),
        services.client.sweepMetrics(name)
      ]);
      services.runs.merge(page.items);
      return { details, trials: page.items, histories };
    });
    this.reload = new Throttle(() => void this.state.reload(), RELOAD_MS);
  }

  readonly state: Resource<ISweepState>;
  readonly reload: Throttle;

  dispose(): void {
    this.reload.cancel();
    this.state.dispose();
  }
}

function describeSettings(details: ISweepDetails): string {
  const settings = details.settings;
  const space = Object.entries(settings.search_space)
    .map(([name, expression]) => {
      const { type, ...args } = expression as { type: string } & Record<string, unknown>;
      const values = 'values' in args ? (args.values as unknown[]) : Object.values(args);
      return `${name}: ${type}(${values.map(formatValue).join(', ')})`;
    })
    .join('; ');
  const sampling = settings.sampling_algorithm as { type: string; rule?: string } | undefined;
  const rule = sampling?.rule === 'sobol' ? 'sobol' : sampling?.type ?? 'random';
  const { goal, primary_metric: metric } = settings.objective;
  const objective = goal === 'minimize' ? trans.__('minimize %1', metric) : trans.__('maximize %1', metric);
  return settings.early_termination
    ? trans.__('%1 — %2, %3 sampling, early termination %4', space, objective, rule, settings.early_termination.type)
    : trans.__('%1 — %2, %3 sampling', space, objective, rule);
}

/** The Note cell of a trial's row: best, stopped early, or a failed trial's error. */
function trialNote(row: ITrialRow): string {
  if (row.best) {
    return trans._p('trial', 'best');
  }
  if (row.prunedAt !== null) {
    return trans.__('stopped early at interval %1', row.prunedAt);
  }
  return row.status === 'Failed' && row.error ? row.error : '';
}

/** The Trials tab; its box is measured from the start, so the charts fit the panel once the trials arrive. */
export function SweepTrials(props: { services: AmlxServices; sweep: IJob; resources: SweepResources }): JSX.Element {
  const box = React.useRef<HTMLDivElement>(null);
  const { width } = useSize(box);
  return (
    <div className="amlx-Sweep" data-sweep={props.sweep.name} ref={box}>
      <SweepContent {...props} width={width} />
    </div>
  );
}

function SweepContent(props: { services: AmlxServices; sweep: IJob; resources: SweepResources; width: number }): JSX.Element {
  const { services, sweep, resources } = props;
  const { state } = resources;
  useSignal(state.changed);
  const [registering, setRegistering] = React.useState(false);
  const [lastRegistration, setLastRegistration] = React.useState<ILastRegistration | null>(null);
  // the charts take the panel's width, within reason
  const chartWidth = Math.max(280, Math.min(640, props.width - 16));
  const terminal = isTerminal(sweep.status);
  // reload as the sweep changes while it runs (the feed brings its updated_at), once more when it ends
  const mark = terminal ? -1 : sweep.updated_at ?? 0;
  React.useEffect(() => {
    if (state.state === 'idle') {
      void state.ensure();
    } else if (terminal) {
      resources.reload.flush();
    } else {
      resources.reload.request();
    }
  }, [mark, terminal, state, resources]);
  // a trial's change does not touch the sweep's own row: look again while trials run
  React.useEffect(() => {
    if (terminal) {
      return;
    }
    const timer = setInterval(() => resources.reload.request(), RELOAD_MS);
    return () => clearInterval(timer);
  }, [terminal, resources]);

  const value = state.data;
  if (!value) {
    return state.error ? (
      <ErrorNote error={state.error} title={trans.__("The sweep's trials could not be loaded.")} onRetry={() => void state.reload()} />
    ) : (
      <Loading text={trans.__("Loading the sweep's trials…")} />
    );
  }
  const { details, trials, histories } = value;
  const rows = trialRows(details, trials);
  const names = dimensionNames(details);
  const metric = details.settings.objective.primary_metric;
  const axes = parallelAxes(details, rows);
  const best = trials.find(trial => trial.name === details.best_trial) ?? null;
  const canRegister = best !== null && best.status === 'Completed' && (services.model.workspace?.capabilities.models ?? false);
  const open = (name: string) => services.execute(CommandIDs.openRun, { name });
  return (
    <>
      <ErrorNote error={state.error} title={trans.__('Could not refresh the trials.')} onRetry={() => void state.reload()} />
      <p className="amlx-Sweep-settings">{describeSettings(details)}</p>
      <div className="amlx-Sweep-summary" role="status">
        <span className="amlx-Sweep-counts">{trialSummary(details)}</span>
        {best ? (
          <span className="amlx-Sweep-best" data-run={best.name}>
            {withElements(
              trans.__('Best: %1 with %2 %3', ...PLACEHOLDERS),
              <button className="amlx-Link" onClick={() => open(best.name)}>
                {trans.__('trial %1', rows.find(r => r.best)?.index ?? '')}
              </button>,
              metric,
              formatMetric(details.best_value)
            )}
          </span>
        ) : (
          <span className="amlx-Sweep-best">{trans.__('No completed trial has logged %1 yet.', metric)}</span>
        )}
        {canRegister && (
          <button className="jp-Button jp-mod-styled jp-mod-accept amlx-Sweep-register" onClick={() => setRegistering(true)}>
            {trans.__('Register best model…')}
          </button>
        )}
      </div>
      {details.notes.length > 0 && (
        <ul className="amlx-Warnings" aria-label={trans.__('Notes')}>
          {details.notes.map(note => (
            <li key={note} className="amlx-Warning">
              {note}
            </li>
          ))}
        </ul>
      )}
      {registering && best && (
        <RegisterModelCard
          services={services}
          job={best}
          initialPath=""
          onClose={() => setRegistering(false)}
          last={lastRegistration}
          onRegistered={setLastRegistration}
        />
      )}
      <table className="amlx-Table amlx-SweepTrials" aria-label={trans.__('Trials')}>
        <thead>
          <tr>
            <th>{trans.__('Trial')}</th>
            <th>{trans.__('Status')}</th>
            {names.map(name => (
              <th key={name}>{name}</th>
            ))}
            <th>{metric}</th>
            <th>{trans.__('Note')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(row => (
            <tr
              key={row.name}
              data-run={row.name}
              data-status={row.status}
              className={row.best ? 'amlx-mod-best' : ''}
              onClick={() => open(row.name)}
              title={trans.__('Open %1', row.name)}
            >
              <td>{row.index}</td>
              <td>
                <StatusBadge status={row.status} compact />
              </td>
              {names.map(name => (
                <td key={name}>{formatValue(row.values[name])}</td>
              ))}
              <td className="amlx-SweepTrials-objective">{formatMetric(row.objective)}</td>
              <td>{trialNote(row)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!rows.length && <div className="amlx-Empty">{trans.__('No trials yet: they start as compute slots free up.')}</div>}
      <div className="amlx-Sweep-charts">
        <figure>
          <figcaption>{trans.__('%1 over time, per trial', metric)}</figcaption>
          <ObjectiveChart series={objectiveSeries(rows, histories)} metric={metric} width={chartWidth} />
        </figure>
        <figure>
          <figcaption>{trans.__('Parallel coordinates (%1 on the last axis)', metric)}</figcaption>
          <ParallelCoordinates axes={axes} lines={parallelLines(axes, rows)} onPick={open} width={chartWidth} />
        </figure>
      </div>
    </>
  );
}
