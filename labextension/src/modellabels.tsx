/**
 * One model version's description and tags, edited in the model panel: pick
 * the version, save its description, add a `key=value` tag or remove one.
 * Each change is one `PATCH /models/{name}/versions/{version}`; on Azure they
 * are the model version's own description and tags.
 */
import * as React from 'react';

import { AmlxApiError } from './api';
import { ILabelUpdate, IModelVersion } from './apitypes';
import { ErrorNote } from './components';
import { asApiError } from './resource';
import { isSystemTag, parseTag } from './runlabels';
import { AmlxServices } from './services';
import { trans } from './i18n';

function VersionLabelsEditor(props: {
  services: AmlxServices;
  name: string;
  version: IModelVersion;
  onChanged: () => void;
}): JSX.Element {
  const { services, name, version } = props;
  const [description, setDescription] = React.useState(version.description ?? '');
  const [tagText, setTagText] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | string | null>(null);
  const update = async (patch: ILabelUpdate): Promise<boolean> => {
    setBusy(true);
    try {
      await services.client.updateModelVersion(name, version.version, patch);
      setError(null);
      props.onChanged();
      return true;
    } catch (reason) {
      setError(asApiError(reason));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const addTag = () => {
    const parsed = parseTag(tagText);
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    void update({ tags: { [parsed.key]: parsed.value } }).then(ok => ok && setTagText(''));
  };
  const userTags = Object.entries(version.tags ?? {}).filter(([key]) => !isSystemTag(key));
  return (
    <>
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
          className="jp-mod-styled amlx-VersionLabels-tagInput"
          aria-label={trans.__('Add a tag to the version')}
          placeholder={trans.__('key=value')}
          value={tagText}
          onChange={event => setTagText(event.target.value)}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              addTag();
            }
          }}
        />
        <button className="jp-Button jp-mod-styled amlx-VersionLabels-addTag" disabled={busy || !tagText.trim()} onClick={addTag}>
          {trans.__('Add tag')}
        </button>
      </div>
      <div className="amlx-RunLabels-description">
        <textarea
          className="jp-mod-styled amlx-VersionLabels-description"
          aria-label={trans.__('Description of the version')}
          placeholder={trans.__('What this version is, where it is used')}
          rows={2}
          value={description}
          onChange={event => setDescription(event.target.value)}
        />
        <button
          className="jp-Button jp-mod-styled amlx-VersionLabels-saveDescription"
          disabled={busy || description === (version.description ?? '')}
          onClick={() => void update({ description: description.trim() || null })}
        >
          {trans.__('Save description')}
        </button>
      </div>
      {typeof error === 'string' ? <p className="amlx-FieldError" role="alert">{error}</p> : <ErrorNote error={error} />}
    </>
  );
}

/** The card under the versions table: which version, then its tags and description. */
export function VersionLabels(props: {
  services: AmlxServices;
  name: string;
  versions: IModelVersion[];
  onChanged: () => void;
}): JSX.Element {
  const [chosen, setChosen] = React.useState(props.versions[0]?.version ?? '');
  const version = props.versions.find(v => v.version === chosen) ?? props.versions[0];
  return (
    <section className="amlx-Card amlx-VersionLabels" aria-label={trans.__('Tags and description of a version')}>
      <h3>{trans.__('Tags and description')}</h3>
      <select
        className="amlx-Select"
        aria-label={trans.__('Version to describe')}
        value={version?.version ?? ''}
        onChange={event => setChosen(event.currentTarget.value)}
      >
        {props.versions.map(v => (
          <option key={v.version} value={v.version}>
            {trans.__('version %1', v.version)}
          </option>
        ))}
      </select>
      {version && (
        <VersionLabelsEditor
          key={`${version.version}:${version.description ?? ''}`}
          services={props.services}
          name={props.name}
          version={version}
          onChanged={props.onChanged}
        />
      )}
    </section>
  );
}
