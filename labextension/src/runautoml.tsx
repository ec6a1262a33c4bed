/**
 * The Leaderboard tab of an AutoML run: the trials (its child runs) best
 * first, with the score's spread across the validation folds, duration and
 * hyperparameters, the best one marked; "Register best model"; and the best
 * model's charts (confusion matrix and ROC for classification, predicted
 * against actual and the residuals for regression and forecasting). It
 * reloads while the job runs, at most every few seconds.
 */
import * as React from 'react';

import { IAutoMLDetails, IJob, IModelCharts } from './apitypes';
import { LineChart, ScatterChart } from './charts';
import { ErrorNote, Loading } from './components';
import { formatDuration, isTerminal } from './format';
import { cellShade, confusionRows, hyperparameterText, residualBars, residualPoints, rocPoints, scoreText, summaryText } from './leaderboard';
import { Throttle } from './poll';
import { Resource } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { trans } from './i18n';

const RELOAD_MS = 5000;

/** The leaderboard resource of one AutoML run, reloaded as the job changes. */
export class LeaderboardResource {
  constructor(services: AmlxServices, name: string) {
    this.details = new Resource(() => services.client.automlDetails(name));
    this.reload = new Throttle(() => void this.details.reload(), RELOAD_MS);
  }

  readonly details: Resource<IAutoMLDetails>;
  readonly reload: Throttle;

  dispose(): void {
    this.reload.cancel();
    this.details.dispose();
  }
}

function ConfusionMatrix(props: { charts: IModelCharts }): JSX.Element {
  const rows = confusionRows(props.charts);
  return (
    <table className="amlx-Table amlx-Confusion" aria-label={trans.__('Confusion matrix')}>
      <caption>{trans.__('Confusion matrix (rows: true label, columns: predicted)')}</caption>
      <thead>
        <tr>
          <th />
          {rows.map(row => (
            <th key={row.label}>{row.label}</th>
          ))}
          <th>{trans.__('recall')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(row => (
          <tr key={row.label}>
            <th>{row.label}</th>
            {row.counts.map((count, i) => (
              <td
                key={i}
                className="amlx-Confusion-cell"
                style={{ '--amlx-shade': cellShade(count, row.total) } as React.CSSProperties}
              >
                {count}
              </td>
            ))}
            <td>{row.recall === null ? '–' : `${(row.recall * 100).toFixed(0)}%`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ResidualHistogram(props: { charts: IModelCharts }): JSX.Element {
  const bars = residualBars(props.charts);
  const width = 320;
  const height = 120;
  const barWidth = bars.length ? width / bars.length : width;
  return (
    <svg className="amlx-Chart amlx-Histogram" width={width} height={height + 16} role="img" aria-label={trans.__('Residuals histogram')}>
      <title>{trans.__('Residuals (actual minus predicted)')}</title>
      {bars.map((bar, i) => (
        <rect
          key={i}
          className="amlx-Histogram-bar"
          x={i * barWidth + 1}
          y={height - bar.height * height}
          width={Math.max(1, barWidth - 2)}
          height={bar.height * height}
        >
          <title>{trans.__('%1 to %2: %3', bar.from.toPrecision(3), bar.to.toPrecision(3), bar.count)}</title>
        </rect>
      ))}
      <text x={0} y={height + 14} className="amlx-Chart-label">
        {trans.__('residuals (actual − predicted)')}
      </text>
    </svg>
  );
}

function Charts(props: { charts: IModelCharts }): JSX.Element {
  const { charts } = props;
  if (charts.kind === 'classification') {
    return (
      <div className="amlx-AutoMLCharts" data-kind="classification">
        <ConfusionMatrix charts={charts} />
        {rocPoints(charts).map(curve => (
          <figure key={curve.label} className="amlx-ChartBox" data-chart="roc">
            <figcaption>
              {curve.auc !== null
                ? trans.__('ROC, class %1 (AUC %2)', curve.label, curve.auc.toFixed(3))
                : trans.__('ROC, class %1', curve.label)}
            </figcaption>
            <LineChart points={curve.points} 
              xLabel={trans.__('false positive rate')}
              yLabel={trans.__('true positive rate')}
              title={trans.__('ROC curve of %1', curve.label)}
            />
          </figure>
        ))}
      </div>
    );
  }
  return (
    <div className="amlx-AutoMLCharts" data-kind="regression">
      <figure className="amlx-ChartBox" data-chart="residuals">
        <figcaption>{trans.__('Predicted against actual')}</figcaption>
        <ScatterChart points={residualPoints(charts)} bestId={null} xLabel={trans.__('predicted')} yLabel={trans.__('actual')} logX={false} width={360} height={240} />
      </figure>
      <figure className="amlx-ChartBox" data-chart="histogram">
        <figcaption>{trans.__('Residuals')}</figcaption>
        <ResidualHistogram charts={charts} />
      </figure>
    </div>
  );
}

export function Leaderboard(props: {
  services: AmlxServices;
  job: IJob;
  resource: LeaderboardResource;
  onRegister: () => void;
}): JSX.Element {
  const { services, job, resource } = props;
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const changed = () => setTick(tick => tick + 1);
    resource.details.changed.connect(changed);
    return () => {
      resource.details.changed.disconnect(changed);
    };
  }, [resource]);
  const terminal = isTerminal(job.status);
  const mark = terminal ? 'done' : String(job.updated_at ?? 0);
  React.useEffect(() => {
    void resource.details.ensure();
  }, [resource]);
  React.useEffect(() => {
    if (terminal) {
      resource.reload.flush();
    } else {
      resource.reload.request();
    }
  }, [mark, terminal, resource]);
  const details = resource.details.data;
  if (!details) {
    return resource.details.error ? (
      <ErrorNote error={resource.details.error} title={trans.__('The leaderboard could not be loaded.')} onRetry={() => void resource.details.reload()} />
    ) : (
      <Loading text={trans.__('Loading the leaderboard…')} />
    );
  }
  return (
    <div className="amlx-Leaderboard" data-trials={details.trials}>
      <p className="amlx-Leaderboard-summary">{summaryText(details)}</p>
      {details.stop_reason && <p className="amlx-Hint">{trans.__('Search ended: %1.', details.stop_reason)}</p>}
      {details.notes.map(note => (
        <p key={note} className="amlx-Hint amlx-Leaderboard-note">
          {note}
        </p>
      ))}
      {details.model && (
        <div className="amlx-Actions">
          <span>
            {trans.__('Best model:')} <strong>{details.best_algorithm}</strong> ({details.best_trial})
          </span>
          <button className="jp-Button jp-mod-styled jp-mod-accept amlx-RegisterBest" onClick={props.onRegister}>
            {trans.__('Register best model')}
          </button>
        </div>
      )}
      {details.leaderboard.length === 0 ? (
        <p className="amlx-Empty">{trans.__('No trial has finished yet.')}</p>
      ) : (
        <table className="amlx-Table amlx-LeaderboardTable" aria-label={trans.__('Leaderboard')}>
          <thead>
            <tr>
              <th>{trans.__('Rank')}</th>
              <th>{trans.__('Trial')}</th>
              <th>{trans.__('Algorithm')}</th>
              <th>{details.primary_metric}</th>
              <th>{trans.__('Duration')}</th>
              <th>{trans.__('Hyperparameters')}</th>
            </tr>
          </thead>
          <tbody>
            {details.leaderboard.map(entry => (
              <tr key={entry.trial} data-trial={entry.trial} className={entry.is_best ? 'amlx-mod-best' : ''}>
                <td>
                  {entry.is_best && (
                    <span className="amlx-BestMark" title={trans.__('best')}>
                      ★{' '}
                    </span>
                  )}
                  {entry.rank ?? '–'}
                </td>
                <td>
                  <button className="amlx-Link" onClick={() => services.execute(CommandIDs.openRun, { name: entry.trial })}>
                    {entry.trial}
                  </button>
                </td>
                <td>
                  {entry.algorithm}
                  {entry.source === 'default' && <span className="amlx-Hint"> {trans.__('(default)')}</span>}
                </td>
                <td className="amlx-Leaderboard-score">{scoreText(entry)}</td>
                <td>{formatDuration(entry.duration_s)}</td>
                <td className="amlx-Leaderboard-params" title={JSON.stringify(entry.hyperparameters)}>
                  {entry.error ?? hyperparameterText(entry.hyperparameters)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {details.charts && <Charts charts={details.charts} />}
    </div>
  );
}
