/**
 * A run's Code tab: the command, the files of the code package (any one
 * viewable, each downloadable) and the notebook cells that went into it. An
 * interactive run's code is its notebook: the tab says so.
 */
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob } from './apitypes';
import { Empty, ErrorNote, Loading, useLatestRequest } from './components';
import { downloadFile } from './download';
import { formatBytes, isInteractive } from './format';
import { asApiError } from './resource';
import { AmlxServices } from './services';
import { trans } from './i18n';
import { cellNumber } from './submitform';

/** Files larger than this are offered for download instead of shown. */
const CODE_VIEW_LIMIT = 512 * 1024;

export function CodeTab(props: { services: AmlxServices; job: IJob }): JSX.Element {
  if (isInteractive(props.job)) {
    return (
      <div className="amlx-CodeTab">
        <div className="amlx-Note amlx-CodeTab-interactive" role="note">
          {trans.__(
            'This run was logged by a notebook kernel, not submitted as a job: its code is the notebook that ran it. Nothing was packaged, so there is no code snapshot to show.'
          )}
        </div>
      </div>
    );
  }
  return <JobCode {...props} />;
}

function JobCode(props: { services: AmlxServices; job: IJob }): JSX.Element {
  const { services, job } = props;
  const { client } = services;
  const [selected, setSelected] = React.useState('main.py');
  const [downloadError, setDownloadError] = React.useState<AmlxApiError | null>(null);
  const code = useLatestRequest(() => client.code(job.name), job.name);
  const pkg = code.value;
  const entry = pkg?.files.find(file => file.path === selected);
  const tooLarge = entry !== undefined && entry.size > CODE_VIEW_LIMIT;
  const readable = pkg !== null && entry !== undefined && !tooLarge;
  // a slow answer for a file no longer selected never replaces the one shown
  const content = useLatestRequest(
    () => (readable ? client.download(client.codePath(job.name, selected)).then(blob => blob.text()) : Promise.resolve(null)),
    JSON.stringify([job.name, selected, readable]),
    true
  );
  const text = content.value;
  const fileError = content.error ?? downloadError;
  if (code.error) {
    return <ErrorNote error={code.error} title={trans.__('The code package could not be read.')} onRetry={code.load} />;
  }
  if (!pkg) {
    return <Loading text={trans.__('Reading the code package…')} />;
  }
  const download = (path: string) => {
    downloadFile(client, client.codePath(job.name, path), path).then(
      () => setDownloadError(null),
      reason => setDownloadError(asApiError(reason))
    );
  };
  const cells = (pkg.manifest?.cells as { index: number; reason: string }[] | undefined) ?? [];
  return (
    <div className="amlx-CodeTab">
      <h3>{trans.__('Command')}</h3>
      <pre className="amlx-Code">{pkg.command.join(' ')}</pre>
      <h3>{trans.__('Files')}</h3>
      <ul className="amlx-CodeTab-files" aria-label={trans.__('Files of the code package')}>
        {pkg.files.map(file => (
          <li key={file.path} data-path={file.path}>
            <button
              className={`amlx-Link amlx-CodeTab-file${file.path === selected ? ' amlx-mod-selected' : ''}`}
              aria-pressed={file.path === selected}
              onClick={() => setSelected(file.path)}
            >
              {file.path}
            </button>{' '}
            <span className="amlx-Hint">{formatBytes(file.size)}</span>{' '}
            <button
              className="jp-Button jp-mod-styled amlx-small"
              aria-label={trans.__('Download %1', file.path)}
              onClick={() => download(file.path)}
            >
              {trans.__('Download')}
            </button>
          </li>
        ))}
      </ul>
      <h3>{selected}</h3>
      <ErrorNote error={fileError} title={trans.__('%1 could not be read.', selected)} />
      {!entry ? (
        <Empty>{trans.__('The code package has no %1.', selected)}</Empty>
      ) : tooLarge ? (
        <Empty>
          {trans.__('%1 is %2: too large to show here; download it instead.', selected, formatBytes(entry.size))}
        </Empty>
      ) : text !== null ? (
        <pre className="amlx-Code amlx-CodeTab-script" aria-label={trans.__('%1 of the code package', selected)}>
          {text}
        </pre>
      ) : (
        !fileError && <Loading />
      )}
      {cells.length > 0 && (
        <>
          <h3>{trans.__('Notebook cells in the job')}</h3>
          <ul>
            {cells.map(cell => (
              <li key={cell.index}>
                {trans.__('cell %1: %2', cellNumber(cell.index), cell.reason)}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
