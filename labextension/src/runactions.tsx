/**
 * The buttons of a run's header: Cancel, Re-run (the same notebook cell with
 * the same parameters), Register model, Compare runs and Export (CLI v2 YAML). An interactive run
 * (a kernel's own MLflow run) offers only Register model and Compare.
 */
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob } from './apitypes';
import { ErrorNote } from './components';
import { ExportButton, exportFolder } from './exportbutton';
import { isInteractive, isTerminal } from './format';
import { asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { rerunRequest } from './submitform';
import { trans } from './i18n';

export function Actions(props: { services: AmlxServices; job: IJob; onRegister: () => void }): JSX.Element {
  const { services, job } = props;
  const [busy, setBusy] = React.useState<'cancel' | 'rerun' | null>(null);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const isSweep = job.type === 'sweep';
  // re-running a sweep takes its settings: that is the Sweep tab of the cell's submit form
  const rerun = isSweep ? null : rerunRequest(job);
  const cancel = async () => {
    setBusy('cancel');
    try {
      services.runs.merge([await services.client.cancel(job.name)]);
      setError(null);
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(null);
    }
  };
  const again = async () => {
    if (!rerun) {
      return;
    }
    setBusy('rerun');
    try {
      const next = await services.client.submit(rerun);
      services.runs.merge([next]);
      services.watchJob(next.name);
      setError(null);
      Notification.success(trans.__('Re-ran %1 as %2.', job.display_name || job.name, next.name), {
        autoClose: 8000,
        actions: [
          { label: trans.__('Open run'), callback: () => services.execute(CommandIDs.openRun, { name: next.name }) }
        ]
      });
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(null);
    }
  };
  // a notebook kernel's own run has no process to cancel and no cell to submit again
  const interactive = isInteractive(job);
  // a sweep's own model is its best trial's (the Trials tab registers it)
  const canRegister = !isSweep && job.status === 'Completed' && (services.model.workspace?.capabilities.models ?? false);
  return (
    <>
      <div className="amlx-RunActions">
        {!interactive && !isTerminal(job.status) && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn amlx-RunActions-cancel"
            disabled={busy !== null || job.status === 'CancelRequested'}
            onClick={() => void cancel()}
          >
            {busy === 'cancel' || job.status === 'CancelRequested' ? trans.__('Canceling…') : trans.__('Cancel')}
          </button>
        )}
        {!interactive && (
          <button
            className="jp-Button jp-mod-styled amlx-RunActions-rerun"
            disabled={busy !== null || !rerun}
            title={
              rerun
                ? trans.__('Submit the same cell again with the same parameters')
                : isSweep
                  ? trans.__("Sweep the cell again from its submit form's Sweep tab")
                  : trans.__('This run did not come from a notebook file')
            }
            onClick={() => void again()}
          >
            {busy === 'rerun' ? trans.__('Submitting…') : trans.__('Re-run')}
          </button>
        )}
        {canRegister && (
          <button className="jp-Button jp-mod-styled jp-mod-accept amlx-RunActions-register" onClick={props.onRegister}>
            {trans.__('Register model…')}
          </button>
        )}
        <button
          className="jp-Button jp-mod-styled amlx-RunActions-compare"
          title={trans.__('A metric against a parameter across the runs of %1', job.experiment)}
          onClick={() => services.execute(CommandIDs.compareRuns, { experiment: job.experiment })}
        >
          {trans.__('Compare runs')}

        </button>
        {job.type === 'command' && (
          <ExportButton services={services} kind="job" name={job.name} folder={exportFolder(job.tags['amlx.notebook'])} />
        )}
      </div>
      <ErrorNote error={error} />
    </>
  );
}
