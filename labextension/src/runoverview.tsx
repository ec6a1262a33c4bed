/**
 * A run's Overview tab: why it failed, its metrics, the parameters it was
 * submitted with and the ones MLflow logged, and the details of the job.
 */
import * as React from 'react';

import { IJob } from './apitypes';
import { Empty } from './components';
import { formatMetric, formatTime, formatValue } from './format';

/** Shown instead of MLflow's many autologged params until asked for. */
const PARAMS_PREVIEW = 12;

function KeyValues(props: { entries: [string, unknown][]; label: string; metric?: boolean }): JSX.Element {
  if (!props.entries.length) {
    return <Empty>None.</Empty>;
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
          <strong>Why it failed</strong>
          <span className="amlx-ErrorNote-message">{job.error}</span>
        </div>
      )}
      <div className="amlx-Overview-grid">
        <section>
          <h3>Metrics</h3>
          <KeyValues entries={Object.entries(job.metrics ?? {})} label="Metrics" metric />
        </section>
        <section>
          <h3>Parameters</h3>
          <KeyValues entries={Object.entries(job.parameters ?? {})} label="Parameters" />
          {logged.length > 0 && (
            <>
              <h3>Logged params</h3>
              <KeyValues entries={shown} label="Logged params" />
              {logged.length > PARAMS_PREVIEW && (
                <button className="amlx-Link" onClick={() => setAllParams(!allParams)}>
                  {allParams ? 'Show fewer' : `Show all ${logged.length}`}
                </button>
              )}
            </>
          )}
        </section>
        <section>
          <h3>Details</h3>
          <KeyValues
            label="Details"
            entries={[
              ['Name', job.name],
              ['Experiment', job.experiment],
              ['Kind', job.type],
              ['Part of', job.parent],
              ['Compute', job.compute],
              ['Submitted', formatTime(job.created_at)],
              ['Started', formatTime(job.started_at)],
              ['Ended', formatTime(job.ended_at)],
              ['Exit code', job.exit_code ?? null],
              ['Notebook', job.tags?.['amlx.notebook'] ?? null],
              ['MLflow run', job.mlflow_run_id ?? null],
              ...((job.inputs ?? []).map(input => [`Input ${input.name}`, input.asset ?? input.ref]) as [
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
