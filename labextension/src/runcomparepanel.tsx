/**
 * The runs ticked in the Runs list side by side (any experiments): the
 * parameters table with the differing ones highlighted (equal ones folded),
 * the metrics table with the best run of each metric marked (direction from
 * the metric's goal), every metric all of them logged as curves by step on
 * one chart, a metric against a parameter (the experiment comparison's
 * scatter) and the sweep's parallel-coordinates chart over the differing
 * numeric parameters, and a CSV export of the tables. The logic is in
 * `runcompare.ts`.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget, tableRowsIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob, IMetricHistory } from './apitypes';
import { MultiLineChart, ScatterChart } from './charts';
import { KeyPicker } from './comparepanel';
import { ErrorNote, Loading } from './components';
import { saveBlob } from './download';
import { formatMetric, formatValue } from './format';
import { panelId } from './naming';
import { asApiError } from './resource';
import {
  compareParallel,
  compareScatter,
  comparisonCsv,
  metricRows,
  numericDifferingParams,
  paramRows,
  sharedMetrics
} from './runcompare';
import { AmlxServices, CommandIDs } from './services';
import { ParallelCoordinates } from './sweepcharts';
import { trans } from './i18n';

interface ILoaded {
  jobs: IJob[];
  /** Per shared metric, each run's history (in the order of `jobs`). */
  curves: Record<string, IMetricHistory[]>;
}

function RunHeader(props: { services: AmlxServices; jobs: IJob[] }): JSX.Element {
  return (
    <tr>
      <th scope="col">{trans.__('Run')}</th>
      {props.jobs.map(job => (
        <th scope="col" key={job.name} data-run={job.name}>
          <button className="amlx-Link" onClick={() => props.services.execute(CommandIDs.openRun, { name: job.name })}>
            {job.display_name || job.name}
          </button>
          <div className="amlx-Hint">{job.experiment}</div>
        </th>
      ))}
    </tr>
  );
}

/** The chosen runs' metric against a parameter, and their parallel coordinates ending in that metric. */
function RunCharts(props: { services: AmlxServices; jobs: IJob[] }): JSX.Element | null {
  const { services, jobs } = props;
  const params = numericDifferingParams(jobs);
  const metrics = metricRows(jobs)
    .filter(row => row.values.some(v => v !== null))
    .map(row => row.key);
  const [paramKey, setParamKey] = React.useState<string | null>(null);
  const [metricKey, setMetricKey] = React.useState<string | null>(null);
  if (!params.length || !metrics.length) {
    return null;
  }
  const param = paramKey && params.includes(paramKey) ? paramKey : params[0];
  const metric = metricKey && metrics.includes(metricKey) ? metricKey : metrics[0];
  const scatter = compareScatter(jobs, param, metric);
  const parallel = compareParallel(jobs, metric);
  const open = (name: string) => services.execute(CommandIDs.openRun, { name });
  return (
    <section className="amlx-RunCompare-charts">
      <h3>{trans.__('Metric against parameter')}</h3>
      <div className="amlx-Comparison-controls">
        <KeyPicker
          label={trans.__('Metric (y)')}
          axis={trans.__('Metric (y axis)')}
          keys={metrics}
          value={metric}
          onChange={setMetricKey}
        />
        <KeyPicker
          label={trans.__('Against (x)')}
          axis={trans.__('Parameter (x axis)')}
          keys={params}
          value={param}
          onChange={setParamKey}
        />
      </div>
      <ScatterChart points={scatter.points} bestId={scatter.bestId} xLabel={param} yLabel={metric} logX={false} onPick={open} />
      <h3>{trans.__('Parallel coordinates')}</h3>
      <ParallelCoordinates axes={parallel.axes} lines={parallel.lines} onPick={open} />
    </section>
  );
}

function RunComparison(props: { services: AmlxServices; names: string[] }): JSX.Element {
  const { services, names } = props;
  const [loaded, setLoaded] = React.useState<ILoaded | null>(null);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [showEqual, setShowEqual] = React.useState(false);
  const [attempt, setAttempt] = React.useState(0);
  React.useEffect(() => {
    let current = true;
    void (async () => {
      try {
        const jobs = await Promise.all(names.map(name => services.client.getJob(name)));
        const shared = sharedMetrics(jobs);
        const histories = await Promise.all(jobs.map(job => services.client.metricHistories(job.name, shared)));
        const curves: Record<string, IMetricHistory[]> = {};
        shared.forEach((key, k) => (curves[key] = histories.map(perJob => perJob[k])));
        if (current) {
          setLoaded({ jobs, curves });
          setError(null);
        }
      } catch (reason) {
        if (current) {
          setError(asApiError(reason));
        }
      }
    })();
    return () => {
      current = false;
    };
  }, [names, services.client, attempt]);

  if (error) {
    return <ErrorNote error={error} title={trans.__('Could not read the runs.')} onRetry={() => setAttempt(attempt + 1)} />;
  }
  if (!loaded) {
    return <Loading text={trans.__('Reading the runs…')} />;
  }
  const { jobs, curves } = loaded;
  const params = paramRows(jobs);
  const equal = params.filter(row => !row.differs).length;
  const shownParams = showEqual ? params : params.filter(row => row.differs);
  const metrics = metricRows(jobs);
  const exportCsv = () => saveBlob(new Blob([comparisonCsv(jobs)], { type: 'text/csv' }), 'runs-comparison.csv');
  return (
    <div className="amlx-RunCompare">
      <div className="amlx-RunCompare-actions">
        <button className="jp-Button jp-mod-styled amlx-RunCompare-csv" onClick={exportCsv}>
          {trans.__('Export CSV')}
        </button>
      </div>
      <section>
        <h3>{trans.__('Parameters')}</h3>
        <table className="amlx-Table amlx-RunCompare-params" aria-label={trans.__('Parameters compared')}>
          <thead>
            <RunHeader services={services} jobs={jobs} />
          </thead>
          <tbody>
            {shownParams.map(row => (
              <tr key={row.key} data-key={row.key} data-differs={row.differs} className={row.differs ? 'amlx-Compare-differs' : ''}>
                <th scope="row">{row.key}</th>
                {row.values.map((value, i) => (
                  <td key={i}>{value === null ? '—' : formatValue(value)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {equal > 0 && (
          <button className="amlx-Link amlx-RunCompare-toggleEqual" onClick={() => setShowEqual(!showEqual)}>
            {showEqual
              ? trans.__('Hide the parameters that are equal')
              : trans._n('Show %1 equal parameter', 'Show %1 equal parameters', equal)}
          </button>
        )}
      </section>
      <section>
        <h3>{trans.__('Metrics')}</h3>
        <table className="amlx-Table amlx-RunCompare-metrics" aria-label={trans.__('Metrics compared')}>
          <thead>
            <RunHeader services={services} jobs={jobs} />
          </thead>
          <tbody>
            {metrics.map(row => (
              <tr key={row.key} data-key={row.key}>
                <th scope="row" title={row.goal === 'min' ? trans.__('lower is better') : trans.__('higher is better')}>
                  {row.key} {row.goal === 'min' ? '↓' : '↑'}
                </th>
                {row.values.map((value, i) => (
                  <td
                    key={i}
                    data-best={i === row.best}
                    className={i === row.best ? 'amlx-Compare-best' : ''}
                    title={i === row.best ? trans.__('best') : undefined}
                  >
                    {value === null ? '—' : formatMetric(Number(value))}
                    {i === row.best && ' ★'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <RunCharts services={services} jobs={jobs} />
      {Object.keys(curves).length > 0 && (
        <section>
          <h3>{trans.__('Curves')}</h3>
          <div className="amlx-Compare-curves">
            {Object.entries(curves).map(([key, histories]) => (
              <MultiLineChart
                key={key}
                title={trans.__('%1 by step', key)}
                xLabel={trans.__('step')}
                yLabel={key}
                series={histories.map((history, i) => ({
                  label: jobs[i].display_name || jobs[i].name,
                  points: history.points.map(p => ({ x: p.step, y: p.value ?? NaN })).filter(p => Number.isFinite(p.y))
                }))}
              />
            ))}
          </div>
        </section>
      )}
    </div>
  );
}

export function runComparisonWidgetId(names: string[]): string {
  return panelId('compare-runs', [...names].sort().join(','));
}

export function createRunComparisonWidget(services: AmlxServices, names: string[]): MainAreaWidget {
  const content = ReactWidget.create(<RunComparison services={services} names={names} />);
  content.addClass('amlx-MainPanel');
  const widget = new MainAreaWidget({ content });
  widget.id = runComparisonWidgetId(names);
  widget.title.label = trans._n('Compare %1 run', 'Compare %1 runs', names.length);
  widget.title.icon = tableRowsIcon;
  widget.title.closable = true;
  return widget;
}
