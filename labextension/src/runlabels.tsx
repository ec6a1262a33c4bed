/**
 * A run's labels in its panel: tags (add `key=value`, remove with ×), the
 * description (why the run exists), and Archive / Restore. Each change is one
 * `PATCH /jobs/{name}` (or archive call) and the answer goes to the runs store,
 * so the list shows it at once; on Azure they are the job's own tags and description.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob, ILabelUpdate } from './apitypes';
import { ErrorNote } from './components';
import { isTerminal } from './format';
import { asApiError } from './resource';
import { AmlxServices } from './services';
import { trans } from './i18n';

/** Tags the product and the services keep; the panel shows them but does not offer to change them. */
export function isSystemTag(key: string): boolean {
  return ['amlx.', 'mlflow.', 'azureml.', '_aml_system'].some(prefix => key.startsWith(prefix));
}

/** `key=value` typed in the tag box as a merge-patch, or a sentence saying what is wrong. */
export function parseTag(text: string): { key: string; value: string } | string {
  const at = text.indexOf('=');
  const key = (at < 0 ? text : text.slice(0, at)).trim();
  if (!key) {
    return trans.__('Type a tag as key=value, e.g. stage=baseline.');
  }
  if (isSystemTag(key)) {
    return trans.__('Tags starting with %1. are kept by amlx-lab or the service.', key.split('.')[0]);
  }
  return { key, value: at < 0 ? '' : text.slice(at + 1).trim() };
}

/** Render with a `key` of the run and its description, so a description changed elsewhere resets the box. */
export function RunLabels(props: { services: AmlxServices; job: IJob }): JSX.Element {
  const { services, job } = props;
  const [tagText, setTagText] = React.useState('');
  const [description, setDescription] = React.useState(job.description ?? '');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | string | null>(null);

  const apply = async (work: () => Promise<IJob>) => {
    setBusy(true);
    try {
      services.runs.merge([await work()]);
      setError(null);
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };
  const [deleted, setDeleted] = React.useState(false);
  const remove = async () => {
    const answer = await showDialog({
      title: trans.__('Delete %1?', job.display_name || job.name),
      body:
        job.type === 'sweep' || job.type === 'automl'
          ? trans.__(
              'This deletes run %1 and its trials: its code, outputs, logs, metrics and its MLflow run. It cannot be undone. Archive hides a run and keeps it.',
              job.name
            )
          : trans.__(
              'This deletes run %1: its code, outputs, logs, metrics and its MLflow run. It cannot be undone. Archive hides a run and keeps it.',
              job.name
            ),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })]
    });
    if (!answer.button.accept) {
      return;
    }
    setBusy(true);
    try {
      await services.client.deleteJob(job.name);
      setDeleted(true);
      setError(null);
      services.selection.clear();
      services.runsView.refresh();
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };
  const update = (patch: ILabelUpdate) => apply(() => services.client.updateJob(job.name, patch));
  const addTag = () => {
    const parsed = parseTag(tagText);
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    void update({ tags: { [parsed.key]: parsed.value } }).then(() => setTagText(''));
  };
  const userTags = Object.entries(job.tags ?? {}).filter(([key]) => !isSystemTag(key));
  return (
    <section className="amlx-RunLabels" aria-label={trans.__('Tags and description')}>
      <div className="amlx-RunLabels-tags">
        {userTags.map(([key, value]) => (
          <span className="amlx-Tag" key={key} data-tag={key}>
            {value ? `${key}=${value}` : key}
            <button
              className="amlx-Tag-remove"
              aria-label={trans.__('Remove tag %1', key)}
              disabled={busy}
              onClick={() => void update({ tags: { [key]: null } })}
            >
              ×
            </button>
          </span>
        ))}
        <input
          className="jp-mod-styled amlx-RunLabels-tagInput"
          aria-label={trans.__('Add a tag')}
          placeholder={trans.__('key=value')}
          value={tagText}
          onChange={event => setTagText(event.target.value)}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              addTag();
            }
          }}
        />
        <button className="jp-Button jp-mod-styled amlx-RunLabels-addTag" disabled={busy || !tagText.trim()} onClick={addTag}>
          {trans.__('Add tag')}
        </button>
        {isTerminal(job.status) && !deleted && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn amlx-RunLabels-delete"
            disabled={busy}
            title={trans.__('Delete this finished run with its files, after a confirmation')}
            onClick={() => void remove()}
          >
            {trans.__('Delete…')}
          </button>
        )}
        <button
          className="jp-Button jp-mod-styled amlx-RunLabels-archive"
          disabled={busy}
          title={
            job.archived
              ? trans.__('Show this run in the lists again')
              : trans.__('Hide this run (and its trials) from the lists; nothing is deleted')
          }
          onClick={() =>
            void apply(() => services.client.archiveJob(job.name, !job.archived)).then(() => services.runsView.refresh())
          }
        >
          {job.archived ? trans.__('Restore') : trans.__('Archive')}
        </button>
      </div>
      <div className="amlx-RunLabels-description">
        <textarea
          className="jp-mod-styled"
          aria-label={trans.__('Description')}
          placeholder={trans.__('Why this run exists')}
          rows={2}
          value={description}
          onChange={event => setDescription(event.target.value)}
        />
        <button
          className="jp-Button jp-mod-styled amlx-RunLabels-saveDescription"
          disabled={busy || description === (job.description ?? '')}
          onClick={() => void update({ description: description.trim() || null })}
        >
          {trans.__('Save description')}
        </button>
      </div>
      {job.archived && <p className="amlx-Hint">{trans.__('Archived: hidden from the Runs list.')}</p>}
      {deleted && (
        <p className="amlx-Hint amlx-RunLabels-deleted" role="status">
          {trans.__('Deleted: the run and its files are gone.')}
        </p>
      )}
      {typeof error === 'string' ? <p className="amlx-FieldError" role="alert">{error}</p> : <ErrorNote error={error} />}
    </section>
  );
}
