/**
 * One registered model in the main area: its versions (format, the run it
 * came from, input columns) and the form that deploys one of them.
 */
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { ReactWidget, fileIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IModelVersion } from './apitypes';
import { Empty, ErrorNote, Loading, useSignal } from './components';
import { formatBytes, formatTime } from './format';
import { DeployForm } from './modeldeploy';
import { VersionLabels } from './modellabels';
import { Resource, asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { panelId } from './naming';
import { trans } from './i18n';

function ModelView(props: { services: AmlxServices; name: string; versions: Resource<IModelVersion[]>; deployVersion: string }): JSX.Element {
  const { services, name, versions } = props;
  useSignal(versions.changed);
  React.useEffect(() => {
    void versions.reload();
  }, [name, versions]);
  const list = versions.data ?? [];
  return (
    <div className="amlx-ModelView" data-model={name}>
      <header className="amlx-Panel-header">
        <h2>{trans.__('Model %1', name)}</h2>
        {list[0]?.description && <p>{list[0].description}</p>}
      </header>
      <ErrorNote
        error={versions.error}
        title={trans.__('The model could not be loaded.')}
        onRetry={() => void versions.reload()}
      />
      {versions.pending && <Loading />}
      {list.length > 0 && (
        <>
          <table className="amlx-Table amlx-Versions" aria-label={trans.__('Versions')}>
            <thead>
              <tr>
                <th>{trans.__('Version')}</th>
                <th>{trans.__('Aliases')}</th>
                <th>{trans.__('Format')}</th>
                <th>{trans.__('From run')}</th>
                <th>{trans.__('Source')}</th>
                <th>{trans.__('Size')}</th>
                <th>{trans.__('Registered')}</th>
                <th>{trans.__('Input columns')}</th>
                <th>{trans.__('Tags')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map(v => (
                <tr key={v.version} data-version={v.version}>
                  <td>
                    {v.version}
                    {v.archived ? trans.__(' (archived)') : ''}
                  </td>
                  <td className="amlx-Versions-aliases">{(v.aliases ?? []).join(', ') || '—'}</td>
                  <td>{v.format}</td>
                  <td>
                    <button className="amlx-Link" onClick={() => services.execute(CommandIDs.openRun, { name: v.job })}>
                      {v.job}
                    </button>
                  </td>
                  <td>
                    <code>{v.source}</code>
                  </td>
                  <td>{formatBytes(v.size)}</td>
                  <td>{formatTime(v.created_at)}</td>
                  <td>
                    {v.input_columns
                      ? v.input_columns.map(c => trans.__('%1 (%2)', c.name, c.type)).join(trans.__(', '))
                      : '—'}
                  </td>
                  <td className="amlx-Versions-tags">
                    {Object.entries(v.tags ?? {})
                      .map(([key, value]) => `${key}=${value}`)
                      .join(', ') || '—'}
                  </td>
                  <td>
                    <button
                      className="jp-Button jp-mod-styled amlx-small amlx-Versions-archive"
                      title={
                        v.archived
                          ? trans.__('Make this version available again')
                          : trans.__('Never latest, left out of the count; nothing is deleted')
                      }
                      onClick={() =>
                        void services.client
                          .archiveModelVersion(name, v.version, !v.archived)
                          .then(() => Promise.all([versions.reload(), services.models.reload()]))
                          .catch(reason => Notification.error(asApiError(reason).message, { autoClose: false }))
                      }
                    >
                      {v.archived ? trans.__('Restore') : trans.__('Archive')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <VersionLabels services={services} name={name} versions={list} onChanged={() => void versions.reload()} />
          <AliasForm services={services} name={name} versions={list} onChanged={() => void versions.reload()} />
          {services.model.workspace?.capabilities.endpoints !== false && (
            <DeployForm services={services} model={name} versions={list} initialVersion={props.deployVersion} />
          )}
        </>
      )}
      {!versions.pending && !versions.error && list.length === 0 && <Empty>{trans.__('No versions.')}</Empty>}
    </div>
  );
}

/** Give an alias (production, staging, a word of yours) to one version; it leaves the version that had it. */
function AliasForm(props: { services: AmlxServices; name: string; versions: IModelVersion[]; onChanged: () => void }): JSX.Element {
  const [alias, setAlias] = React.useState('production');
  const [version, setVersion] = React.useState(props.versions[0]?.version ?? '');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const apply = async () => {
    setBusy(true);
    try {
      await props.services.client.setModelAlias(props.name, alias.trim(), version);
      setError(null);
      props.onChanged();
      void props.services.models.reload();
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="amlx-Card amlx-AliasForm" aria-label={trans.__('Set an alias')}>
      <h3>{trans.__('Aliases')}</h3>
      <p className="amlx-Hint">
        {trans.__('An alias names one version; deploying %1@alias deploys whichever version holds it then.', props.name)}
      </p>
      <div className="amlx-FormGrid">
        <input
          className="amlx-Input"
          aria-label={trans.__('Alias')}
          list="amlx-alias-words"
          value={alias}
          onChange={event => setAlias(event.currentTarget.value)}
        />
        <datalist id="amlx-alias-words">
          <option value="production" />
          <option value="staging" />
        </datalist>
        <select
          className="amlx-Select"
          aria-label={trans.__('Version for the alias')}
          value={version}
          onChange={event => setVersion(event.currentTarget.value)}
        >
          {props.versions.map(v => (
            <option key={v.version} value={v.version}>
              {trans.__('version %1', v.version)}
            </option>
          ))}
        </select>
        <button className="jp-Button jp-mod-styled amlx-AliasForm-set" disabled={busy || !alias.trim() || !version} onClick={() => void apply()}>
          {trans.__('Set alias')}
        </button>
      </div>
      <ErrorNote error={error} />
    </section>
  );
}

class ModelContent extends ReactWidget {
  constructor(
    private readonly services: AmlxServices,
    readonly modelName: string
  ) {
    super();
    this.addClass('amlx-MainPanel');
    this.versions = new Resource(() => services.client.modelVersions(modelName));
  }

  readonly versions: Resource<IModelVersion[]>;
  deployVersion = '';

  dispose(): void {
    this.versions.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <ModelView
        key={this.deployVersion}
        services={this.services}
        name={this.modelName}
        versions={this.versions}
        deployVersion={this.deployVersion}
      />
    );
  }
}

export function modelWidgetId(name: string): string {
  return panelId('model', name);
}

export function createModelWidget(services: AmlxServices, name: string, version: string): MainAreaWidget<ModelContent> {
  const content = new ModelContent(services, name);
  content.deployVersion = version;
  const widget = new MainAreaWidget({ content });
  widget.id = modelWidgetId(name);
  widget.title.label = trans.__('Model %1', name);

  widget.title.icon = fileIcon;
  widget.title.closable = true;
  return widget;
}

/** Point an open model panel at a version to deploy. */
export function selectDeployVersion(widget: MainAreaWidget<ModelContent>, version: string): void {
  if (version && widget.content.deployVersion !== version) {
    widget.content.deployVersion = version;
    widget.content.update();
  }
}
