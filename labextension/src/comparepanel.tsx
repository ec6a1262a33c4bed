/**
 * Comparing the runs of one experiment: a metric (y) against a parameter (x),
 * one point per run, the best run marked (the diabetes picture: rmse
 * against alpha).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget, tableRowsIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxClient } from './api';
import { IJob } from './apitypes';
import { ScatterChart } from './charts';
import { Empty, ErrorNote, Loading, useSignal, useSize, withElements, PLACEHOLDERS } from './components';
import {
  Goal,
  bestPoint,
  comparePoints,
  defaultGoal,
  metricCandidates,
  axisCandidates,
  axisLabel,
  preferredMetric,
  samplePoints
} from './comparemath';
import { formatCount, formatMetric } from './format';
import { Throttle } from './poll';
import { Resource } from './resource';
import { MAX_PAGE } from './runwindow';
import { AmlxServices, CommandIDs } from './services';
import { panelId } from './naming';
import { trans } from './i18n';

/** While runs complete, the comparison reads them again at most this often. */
const RELOAD_MS = 5000;

/** More points than this make the SVG slow and unreadable; the table still ranks them all. */
const MAX_POINTS = 3000;
const TABLE_ROWS = 15;

/** One axis's choice: a metric or a parameter name. */
export function KeyPicker(props: {
  label: string;
  axis: string;
  keys: string[];
  value: string;
  onChange: (key: string) => void;
  labelOf?: (key: string) => string;
}): JSX.Element {
  return (
    <label>
      {props.label}{' '}
      <select className="amlx-Select" aria-label={props.axis} value={props.value} onChange={e => props.onChange(e.currentTarget.value)}>
        {props.keys.map(key => (
          <option key={key} value={key}>
            {props.labelOf ? props.labelOf(key) : key}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Every completed run of an experiment, in pages as large as the server gives. */
export async function completedRuns(client: AmlxClient, experiment: string): Promise<IJob[]> {
  const runs: IJob[] = [];
  let cursor: string | undefined = undefined;
  do {
    const page = await client.listJobs({ experiment, status: ['Completed'], limit: MAX_PAGE, cursor });
    runs.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return runs;
}

function ComparisonView(props: { services: AmlxServices; experiment: string }): JSX.Element {
  const { services, experiment } = props;
  const { client, feed } = services;
  // every completed run of the experiment, read from the server page by page
  const [runs] = React.useState(() => new Resource(() => completedRuns(client, experiment)));
  useSignal(runs.changed);
  useSignal(feed.changed);
  React.useEffect(() => {
    void runs.ensure();
    services.startFeed();
    // a run of this experiment that completes (or changes after) adds a point: read again, not too often
    const reload = new Throttle(() => void runs.reload(), RELOAD_MS);
    const onChanges = (_: unknown, jobs: IJob[]) => {
      if (jobs.some(job => job.experiment === experiment && job.status === 'Completed')) {
        reload.request();
      }
    };
    feed.changes.connect(onChanges);
    return () => {
      feed.changes.disconnect(onChanges);
      reload.cancel();
    };
  }, [runs, feed, services, experiment]);
  React.useEffect(() => () => runs.dispose(), [runs]);
  const data = runs.data;
  const jobs = React.useMemo(() => data ?? [], [data]);
  const xs = React.useMemo(() => axisCandidates(jobs), [jobs]);
  const ys = React.useMemo(() => metricCandidates(jobs), [jobs]);
  const [xKey, setXKey] = React.useState('');
  const [yKey, setYKey] = React.useState('');
  const [goal, setGoal] = React.useState<Goal | ''>('');
  const [logX, setLogX] = React.useState(false);
  const frame = React.useRef<HTMLDivElement>(null);
  const { width } = useSize(frame);
  const x = xs.includes(xKey) ? xKey : xs[0] ?? '';
  const y = ys.includes(yKey) ? yKey : preferredMetric(ys);
  const effectiveGoal: Goal = goal || defaultGoal(y);
  const points = React.useMemo(() => (x && y ? comparePoints(jobs, x, y) : []), [jobs, x, y]);
  const best = bestPoint(points, effectiveGoal);
  const ranked = points
    .slice()
    .sort((a, b) => (effectiveGoal === 'min' ? a.y - b.y : b.y - a.y))
    .slice(0, TABLE_ROWS);

  const unavailable = data === null;
  return (
    <div className="amlx-Comparison" data-experiment={experiment} ref={frame}>
      {runs.pending && <Loading text={trans.__('Loading runs…')} />}
      <header className="amlx-Panel-header">
        <h2>{trans.__('Compare runs of %1', experiment)}</h2>
        <p className="amlx-Hint">
          {trans._n(
            '%1 completed run; one point per run that has both values.',
            '%1 completed runs; one point per run that has both values.',
            jobs.length
          )}
        </p>
        <ErrorNote
          error={runs.error}
          title={data ? trans.__('Runs could not be updated.') : trans.__('Runs could not be loaded.')}
          onRetry={() => void runs.reload()}
        />
      </header>
      {unavailable ? null : xs.length === 0 || ys.length === 0 ? (
        <Empty>
          {trans.__(
            'Nothing to compare yet: this needs at least two completed runs with a logged metric and different values of a numeric parameter, logged param or other metric. Submit the training cell again with another parameter value.'
          )}
        </Empty>
      ) : (
        <>
          <div className="amlx-Comparison-controls">
            <KeyPicker
              label={trans.__('Metric (y)')}
              axis={trans.__('Metric (y axis)')}
              keys={ys}
              value={y}
              onChange={setYKey}
            />
            <KeyPicker
              label={trans.__('Against (x)')}
              axis={trans.__('Parameter (x axis)')}
              keys={xs}
              value={x}
              onChange={setXKey}
              labelOf={axisLabel}
            />
            <fieldset className="amlx-Goal">
              <legend className="amlx-visually-hidden">{trans.__('Best is')}</legend>
              {trans.__('Best is')}{' '}
              {(['min', 'max'] as Goal[]).map(option => (
                <label key={option}>
                  <input
                    type="radio"
                    name={`amlx-goal-${experiment}`}
                    checked={effectiveGoal === option}
                    onChange={() => setGoal(option)}
                  />
                  {option === 'min' ? trans.__('lowest') : trans.__('highest')}
                </label>
              ))}
            </fieldset>
            <label>
              <input type="checkbox" checked={logX} onChange={e => setLogX(e.currentTarget.checked)} />{' '}
              {trans.__('log x')}
            </label>
          </div>
          <ScatterChart
            points={samplePoints(points, MAX_POINTS, best).map(p => ({
              id: p.job.name,
              label: p.job.display_name || p.job.name,
              x: p.x,
              y: p.y
            }))}
            bestId={best?.job.name ?? null}
            xLabel={axisLabel(x)}
            yLabel={y}
            logX={logX}
            width={Math.max(320, Math.min(760, width))}
            height={Math.max(240, Math.min(380, Math.round(width * 0.55)))}
            onPick={name => services.execute(CommandIDs.openRun, { name })}
          />
          {points.length > MAX_POINTS && (
            <div className="amlx-Hint">
              {trans.__('Showing %1 of %2 points; the table ranks all of them.', MAX_POINTS, formatCount(points.length))}
            </div>
          )}
          {best && (
            <div className="amlx-Best" role="status" data-run={best.job.name}>
              {withElements(
                trans.__('Best run: %1 with %2 = %3 at %4 = %5', ...PLACEHOLDERS),
                <strong>{best.job.display_name || best.job.name}</strong>,
                y,
                <strong>{formatMetric(best.y)}</strong>,
                axisLabel(x),
                <strong>{formatMetric(best.x)}</strong>
              )}{' '}
              <button className="amlx-Link" onClick={() => services.execute(CommandIDs.openRun, { name: best.job.name })}>
                {trans.__('open run')}
              </button>
            </div>
          )}
          <table className="amlx-Table amlx-Ranking" aria-label={trans.__('Runs ranked by %1', y)}>
            <thead>
              <tr>
                <th>#</th>
                <th>{trans.__('Run')}</th>
                <th>{axisLabel(x)}</th>
                <th>{y}</th>
              </tr>
            </thead>
            <tbody>
              {ranked.map((point, i) => (
                <tr key={point.job.name} data-run={point.job.name} className={point === best ? 'amlx-mod-best' : ''}>
                  <td>{i + 1}</td>
                  <td>
                    <button className="amlx-Link" onClick={() => services.execute(CommandIDs.openRun, { name: point.job.name })}>
                      {point.job.display_name || point.job.name}
                    </button>
                  </td>
                  <td>{formatMetric(point.x)}</td>
                  <td>{formatMetric(point.y)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

export function compareWidgetId(experiment: string): string {
  return panelId('compare', experiment);
}

export function createComparisonWidget(services: AmlxServices, experiment: string): MainAreaWidget {
  const content = ReactWidget.create(<ComparisonView services={services} experiment={experiment} />);
  content.addClass('amlx-MainPanel');
  const widget = new MainAreaWidget({ content });
  widget.id = compareWidgetId(experiment);
  widget.title.label = trans.__('Compare %1', experiment);

  widget.title.icon = tableRowsIcon;
  widget.title.closable = true;
  return widget;
}
