/**
 * A run's Outputs tab: the files under ./outputs as a tree, each with
 * Download, and Register model on the pickled ones.
 */
import * as React from 'react';

import { AmlxApiError } from './api';
import { IFileEntry, IJob } from './apitypes';
import { Empty, ErrorNote, Loading, useSignal } from './components';
import { downloadFile } from './download';
import { fileTree } from './filetree';
import { formatBytes, isTerminal } from './format';
import { Resource, asApiError } from './resource';
import { AmlxServices } from './services';
import { trans } from './i18n';

export function Outputs(props: {
  services: AmlxServices;
  job: IJob;
  outputs: Resource<IFileEntry[]>;
  onRegister: (path: string) => void;
}): JSX.Element {
  const { services, job, outputs } = props;
  useSignal(outputs.changed);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  if (outputs.pending) {
    return <Loading text={trans.__('Listing outputs…')} />;
  }
  const rows = fileTree(outputs.data ?? []);
  const canRegister = services.model.workspace?.capabilities.models ?? false;
  const download = (path: string) => {
    downloadFile(services.client, services.client.outputPath(job.name, path), path).then(
      () => setError(null),
      reason => setError(asApiError(reason))
    );
  };
  return (
    <div className="amlx-Outputs">
      <ErrorNote
        error={outputs.error}
        title={trans.__('Outputs could not be listed.')}
        onRetry={() => void outputs.reload()}
      />
      <ErrorNote error={error} title={trans.__('The download failed.')} />
      {rows.length === 0 && !outputs.error && (
        <Empty>
          {isTerminal(job.status)
            ? trans.__('The job wrote nothing to ./outputs/.')
            : trans.__('Nothing yet: files appear as the job writes ./outputs/.')}
        </Empty>
      )}
      {rows.length > 0 && (
        <table className="amlx-Table amlx-FileTree" aria-label={trans.__('Output files')}>
          <thead>
            <tr>
              <th>{trans.__('Name')}</th>
              <th>{trans.__('Size')}</th>
              <th>
                <span className="amlx-visually-hidden">{trans.__('Actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <tr key={row.path} data-path={row.path} data-folder={row.folder}>
                <td style={{ paddingLeft: 8 + row.depth * 16 }}>
                  {row.folder ? '📁 ' : ''}
                  {row.name}
                </td>
                <td>{formatBytes(row.size)}</td>
                <td className="amlx-FileTree-actions">
                  {!row.folder && (
                    <>
                      <button
                        className="jp-Button jp-mod-styled amlx-small"
                        aria-label={trans.__('Download %1', row.path)}
                        onClick={() => download(row.path)}
                      >
                        {trans.__('Download')}
                      </button>
                      {canRegister && /\.(pkl|joblib|skops|pickle)$/i.test(row.name) && (
                        <button
                          className="jp-Button jp-mod-styled amlx-small"
                          aria-label={trans.__('Register %1 as a model', row.path)}
                          onClick={() => props.onRegister(row.path)}
                        >
                          {trans.__('Register model')}

                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
