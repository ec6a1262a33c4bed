/**
 * A run's Metrics tab: one small line chart per metric history (by step,
 * or in logging order when the code logged no steps).
 */
import * as React from 'react';

import { IMetricHistory } from './apitypes';
import { LineChart } from './charts';
import { Empty, ErrorNote, Loading, useSignal } from './components';
import { formatMetric } from './format';
import { Resource } from './resource';
import { trans } from './i18n';

export function Metrics(props: { histories: Resource<IMetricHistory[]> }): JSX.Element {
  const { histories } = props;
  useSignal(histories.changed);
  if (histories.pending) {
    return <Loading text={trans.__('Loading metric history…')} />;
  }
  const data = histories.data ?? [];
  return (
    <div className="amlx-Metrics">
      <ErrorNote
        error={histories.error}
        title={trans.__('Metric history could not be loaded.')}
        onRetry={() => void histories.reload()}
      />
      {data.length === 0 && !histories.error && <Empty>{trans.__('No metrics logged (yet).')}</Empty>}
      <div className="amlx-Metrics-grid">
        {data.map(history => {
          // metrics logged without steps are drawn in logging order
          const stepped = history.points.some(q => q.step !== 0);
          const points = history.points
            .filter(p => typeof p.value === 'number' && isFinite(p.value))
            .map((p, i) => ({ x: stepped ? p.step : i, y: p.value as number }));
          return (
            <figure key={history.key} className="amlx-MetricCard" data-metric={history.key}>
              <figcaption>
                <span className="amlx-MetricCard-name">{history.key}</span>
                <span className="amlx-MetricCard-value">
                  {formatMetric(points.length ? points[points.length - 1].y : null)}
                </span>
              </figcaption>
              {points.length > 1 ? (
                <LineChart
                  points={points}
                  xLabel={trans.__('step')}
                  yLabel={history.key}
                  title={trans.__('%1 by step', history.key)}
                />
              ) : (
                <div className="amlx-Hint">{trans.__('One value logged.')}</div>

              )}
            </figure>
          );
        })}
      </div>
    </div>
  );
}
