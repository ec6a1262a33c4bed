/**
 * A run's Overview tab: why it failed, its metrics, the parameters it was
 * submitted with and the ones MLflow logged, and the details of the job.
 */
import * as React from 'react';

import { IJob } from './apitypes';
import { Empty } from './components';
import { formatMetric, formatTime, formatValue } from './format';
import { trans } from './i18n';

/** Shown instead of MLflow's many autologged params until asked for. */
const PARAMS_PREVIEW = 12;

function KeyValues(props: { entries: [string, unknown][]; label: string; metric?: boolean }): JSX.Element {
  if (!props.entries.length) {
    return <Empty>{trans.__('None.')}</Empty>;
  }
  return (
    <table className="amlx-Table amlx-KeyValues" aria-label={props.label}>
      <tbody>
        {props.entries.map(([key, value]) => (
          <tr key={key} data-key={key}>
            <th scope="row">{key}</th>
            <td title={typeof value === 'string' ? value : undefined}>
              {props.metric ? formatMetric(value as number | null) : formatValue(value)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Overview(props: { job: IJob }): JSX.Element {
  const { job } = props;
  const [allParams, setAllParams] = React.useState(false);
  const submitted = Object.keys(job.parameters ?? {});
  const logged = Object.entries(job.params ?? {}).filter(([key]) => !submitted.includes(key));
  const shown = allParams ? logged : logged.slice(0, PARAMS_PREVIEW);
  return (
    <div className="amlx-Overview">
      {job.error && (
        <div className="amlx-ErrorNote" role="alert">
          <strong>{trans.__('Why it failed')}</strong>
          <span className="amlx-ErrorNote-message">{job.error}</span>
        </div>
      )}
      <div className="amlx-Overview-grid">
        <section>
          <h3>{trans.__('Metrics')}</h3>
          <KeyValues entries={Object.entries(job.metrics ?? {})} label={trans.__('Metrics')} metric />
        </section>
        <section>
          <h3>{trans.__('Parameters')}</h3>
          <KeyValues entries={Object.entries(job.parameters ?? {})} label={trans.__('Parameters')} />
          {logged.length > 0 && (
            <>
              <h3>{trans.__('Logged params')}</h3>
              <KeyValues entries={shown} label={trans.__('Logged params')} />
              {logged.length > PARAMS_PREVIEW && (
                <button className="amlx-Link" onClick={() => setAllParams(!allParams)}>
                  {allParams ? trans.__('Show fewer') : trans.__('Show all %1', logged.length)}
                </button>
              )}
            </>
          )}
        </section>
        <section>
          <h3>{trans.__('Details')}</h3>
          <KeyValues
            label={trans.__('Details')}
            entries={[
              [trans.__('Name'), job.name],
              [trans.__('Experiment'), job.experiment],
              [trans.__('Kind'), job.type],
              [trans.__('Part of'), job.parent],
              [trans.__('Compute'), job.compute],
              [trans.__('Submitted'), formatTime(job.created_at)],
              [trans.__('Started'), formatTime(job.started_at)],
              [trans.__('Ended'), formatTime(job.ended_at)],
              [trans.__('Exit code'), job.exit_code ?? null],
              [trans.__('Notebook'), job.tags?.['amlx.notebook'] ?? null],
              [trans.__('MLflow run'), job.mlflow_run_id ?? null],
              ...((job.inputs ?? []).map(input => [trans.__('Input %1', input.name), input.asset ?? input.ref]) as [

                string,
                unknown
              ][])
            ]}
          />
        </section>
      </div>
    </div>
  );
}
