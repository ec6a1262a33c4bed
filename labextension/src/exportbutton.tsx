/**
 * The Export button of a run's and an endpoint's panel: the server writes
 * Azure ML CLI v2 YAML and a GitHub Actions workflow into a folder under the
 * notebook folder (next to the run's notebook), and the main YAML file opens.
 * Files in the notebook folder, rather than a download, because they are meant
 * to be committed next to the notebook and run from CI: a download would have
 * to be unpacked and moved there by hand.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IExportResult } from './apitypes';
import { ErrorNote, withElements, PLACEHOLDERS } from './components';
import { asApiError } from './resource';
import { AmlxServices } from './services';
import { trans } from './i18n';

/** The folder exports go to: `amlx-export/` beside the notebook a run came from, else at the root. */
export function exportFolder(notebook: string | undefined): string {
  if (!notebook || notebook.startsWith('(')) {
    return 'amlx-export';
  }
  const cut = notebook.lastIndexOf('/');
  return cut > 0 ? `${notebook.slice(0, cut)}/amlx-export` : 'amlx-export';
}

export function ExportButton(props: {
  services: AmlxServices;
  kind: 'job' | 'endpoint';
  name: string;
  folder: string;
}): JSX.Element {
  const { services, kind, name, folder } = props;
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [result, setResult] = React.useState<IExportResult | null>(null);

  const write = (overwrite: boolean): Promise<IExportResult> =>
    kind === 'job'
      ? services.client.exportJob(name, { folder, overwrite })
      : services.client.exportEndpoint(name, { folder, overwrite });

  const run = async () => {
    setBusy(true);
    try {
      let done: IExportResult;
      try {
        done = await write(false);
      } catch (reason) {
        const failure = asApiError(reason);
        if (failure.status !== 409 || failure.details.replaceable !== true) {
          throw failure;
        }
        const answer = await showDialog({
          title: trans.__('Replace the export of %1?', name),
          body: trans.__('%1 already holds an earlier export; its files will be replaced.', `${folder}/${name}/`),
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Replace') })]
        });
        if (!answer.button.accept) {
          return;
        }
        done = await write(true);
      }
      setResult(done);
      setError(null);
      const main = `${done.folder}/${done.files[0]}`;
      services.execute('docmanager:open', { path: main });
      Notification.success(
        kind === 'job'
          ? trans.__('Exported job %1 to %2', name, `${done.folder}/`)
          : trans.__('Exported endpoint %1 to %2', name, `${done.folder}/`),
        {
        autoClose: 8000,
        actions: [
            {
              label: trans.__('Open workflow'),
              callback: () => services.execute('docmanager:open', { path: `${done.folder}/workflow.yml` })
            }
          ]
        }
      );
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button
        className="jp-Button jp-mod-styled amlx-Export"
        disabled={busy}
        title={trans.__(
          'Write %1 (Azure ML CLI v2) and a GitHub Actions workflow into %2',
          kind === 'job' ? 'job.yml' : 'endpoint.yml',
          `${folder}/${name}/`
        )}
        onClick={() => void run()}
      >
        {busy ? trans.__('Exporting…') : trans.__('Export')}
      </button>
      {result && (
        <div className="amlx-ExportResult" data-folder={result.folder}>
          {withElements(
            trans.__('Exported to %1: %2', ...PLACEHOLDERS),
            <code>{result.folder}/</code>,
            result.files.filter(f => !f.startsWith('src/')).join(', ')
          )}
          {result.notes.length > 0 && (
            <ul>
              {result.notes.map(note => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ErrorNote error={error} title={trans.__('The export failed.')} />
    </>
  );
}
