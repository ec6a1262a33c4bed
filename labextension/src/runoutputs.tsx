/**
 * A run's Outputs tab: the images the job wrote (its matplotlib figures,
 * saved under outputs/figures/) shown at the top, the files under ./outputs
 * as a tree, each with Download, Preview for images, CSV (the first rows as
 * a table) and JSON (indented), and Register model on the pickled ones.
 * Every file comes through the authenticated output download route.
 */
import * as React from 'react';

import { AmlxApiError } from './api';
import { IFileEntry, IJob } from './apitypes';
import { Empty, ErrorNote, Loading, useLatestRequest, useSignal } from './components';
import { downloadFile } from './download';
import { fileTree } from './filetree';
import { formatBytes, isTerminal } from './format';
import { canPreview, csvPreview, galleryImages, jsonPreview, mediaType, previewKind } from './outputpreview';
import { Resource, asApiError } from './resource';
import { AmlxServices } from './services';
import { trans } from './i18n';

/** One output file, read as `read` says (again when the job rewrites it). */
function useOutput<T>(services: AmlxServices, job: IJob, file: IFileEntry, read: (blob: Blob) => Promise<T>) {
  const { client } = services;
  return useLatestRequest(
    () => client.download(client.outputPath(job.name, file.path)).then(read),
    JSON.stringify([job.name, file.path, file.modified, file.size]),
    true
  );
}

const asBlob = (blob: Blob) => Promise.resolve(blob);
const asText = (blob: Blob) => blob.text();

function OutputImage(props: { services: AmlxServices; job: IJob; file: IFileEntry }): JSX.Element {
  const { file } = props;
  const { value: blob, error, load } = useOutput(props.services, props.job, file, asBlob);
  // an object URL holds the bytes until revoked: one per blob, dropped with it
  const url = React.useMemo(() => (blob ? URL.createObjectURL(new Blob([blob], { type: mediaType(file.path) })) : null), [blob, file.path]);
  React.useEffect(() => (url ? () => URL.revokeObjectURL(url) : undefined), [url]);
  return (
    <figure className="amlx-OutputImage" data-path={file.path}>
      {error ? (
        <ErrorNote error={error} title={trans.__('%1 could not be read.', file.path)} onRetry={load} />
      ) : url ? (
        <img src={url} alt={trans.__('%1 (an image the job wrote)', file.path)} />
      ) : (
        <Loading />
      )}
      <figcaption>{file.path}</figcaption>
    </figure>
  );
}

function TextPreview(props: { services: AmlxServices; job: IJob; file: IFileEntry }): JSX.Element {
  const { file } = props;
  const { value: text, error, load } = useOutput(props.services, props.job, file, asText);
  if (error) {
    return <ErrorNote error={error} title={trans.__('%1 could not be read.', file.path)} onRetry={load} />;
  }
  if (text === null) {
    return <Loading />;
  }
  if (previewKind(file.path) === 'json') {
    const json = jsonPreview(text);
    return json.ok ? (
      <>
        <pre className="amlx-Code amlx-OutputPreview-json" aria-label={trans.__('%1, indented', file.path)}>
          {json.text}
        </pre>
        {json.cut && <div className="amlx-Hint">{trans.__('Cut short here: download the file for all of it.')}</div>}
      </>
    ) : (
      <div className="amlx-FieldError">{json.message}</div>
    );
  }
  const table = csvPreview(text, undefined, file.path.toLowerCase().endsWith('.tsv'));
  return (
    <>
      <div className="amlx-OutputPreview-tableFrame">
        <table className="amlx-Table amlx-OutputPreview-csv" aria-label={trans.__('First rows of %1', file.path)}>
          <thead>
            <tr>
              {table.header.map((name, i) => (
                <th key={i}>{name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {row.map((value, c) => (
                  <td key={c}>{value}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="amlx-Hint">
        {table.more
          ? trans.__('The first %1 rows; download the file for the rest.', table.rows.length)
          : trans._n('%1 row.', '%1 rows.', table.rows.length)}
      </div>
    </>
  );
}

function FilePreview(props: { services: AmlxServices; job: IJob; file: IFileEntry; onClose: () => void }): JSX.Element {
  const { file } = props;
  return (
    <section className="amlx-Card amlx-OutputPreview" aria-label={trans.__('Preview of %1', file.path)} data-path={file.path}>
      <div className="amlx-OutputPreview-head">
        <h3>{file.path}</h3>
        <button className="jp-Button jp-mod-styled amlx-small" onClick={props.onClose}>
          {trans.__('Close preview')}
        </button>
      </div>
      {previewKind(file.path) === 'image' ? (
        <OutputImage services={props.services} job={props.job} file={file} />
      ) : (
        <TextPreview services={props.services} job={props.job} file={file} />
      )}
    </section>
  );
}

export function Outputs(props: {
  services: AmlxServices;
  job: IJob;
  outputs: Resource<IFileEntry[]>;
  onRegister: (path: string) => void;
}): JSX.Element {
  const { services, job, outputs } = props;
  useSignal(outputs.changed);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [previewed, setPreviewed] = React.useState<string | null>(null);
  if (outputs.pending) {
    return <Loading text={trans.__('Listing outputs…')} />;
  }
  const files = outputs.data ?? [];
  const rows = fileTree(files);
  const images = galleryImages(files);
  const previewedFile = files.find(file => file.path === previewed) ?? null;
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
      {images.length > 0 && (
        <section className="amlx-OutputGallery" aria-label={trans.__('Images the job wrote')}>
          {images.map(file => (
            <OutputImage key={file.path} services={services} job={job} file={file} />
          ))}
        </section>
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
                      {canPreview(row) && (
                        <button
                          className="jp-Button jp-mod-styled amlx-small"
                          aria-label={trans.__('Preview %1', row.path)}
                          aria-pressed={previewed === row.path}
                          onClick={() => setPreviewed(previewed === row.path ? null : row.path)}
                        >
                          {trans.__('Preview')}
                        </button>
                      )}
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
      {previewedFile && (
        <FilePreview services={services} job={job} file={previewedFile} onClose={() => setPreviewed(null)} />
      )}
    </div>
  );
}
