/**
 * The sidebar's Models, Endpoints and Data sections: short lists that open
 * the main-area panels, each with its loading and error states.
 */
import * as React from 'react';

import { assetReference } from './automlform';
import { Ago, Empty, ErrorNote, Loading, useLatestRequest, useSignal } from './components';
import { formatBytes, statusLabel } from './format';
import { Resource } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { trans } from './i18n';

/**
 * Loads a resource while its section is drawn: the first time, and again
 * when a target switch resets it (the section stays mounted through that).
 */
function useEnsure<T>(resource: Resource<T>): void {
  useSignal(resource.changed);
  React.useEffect(() => resource.watch(), [resource]);
  React.useEffect(() => {
    if (resource.state === 'idle') {
      void resource.ensure();
    }
  }, [resource, resource.state]);
}

/** What a list says while it loads and when it failed (whole sentences, so they translate). */
interface IListWords {
  loading: string;
  failed: string;
}

function ListState<T>(props: { resource: Resource<T>; words: IListWords }): JSX.Element | null {
  const { resource } = props;
  if (resource.pending) {
    return <Loading text={props.words.loading} />;
  }
  return <ErrorNote error={resource.error} title={props.words.failed} onRetry={() => void resource.reload()} />;
}

/** A sidebar list of one resource: loading and error states, the empty text, one item per entry. */
function ResourceList<T>(props: {
  resource: Resource<T[]>;
  words: IListWords;
  label: string;
  className: string;
  empty: React.ReactNode;
  keyOf: (item: T) => string;
  children: (item: T) => React.ReactNode;
}): JSX.Element {
  const { resource } = props;
  useEnsure(resource);
  const items = resource.data ?? [];
  return (
    <div className={`amlx-List ${props.className}`}>
      <ListState resource={resource} words={props.words} />
      {resource.state === 'ready' && items.length === 0 && <Empty>{props.empty}</Empty>}
      <ul aria-label={props.label}>
        {items.map(item => (
          <li key={props.keyOf(item)}>{props.children(item)}</li>
        ))}
      </ul>
    </div>
  );
}

export function ModelsSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  return (
    <ResourceList
      resource={services.models}
      words={{ loading: trans.__('Loading models…'), failed: trans.__('Models could not be loaded.') }}
      label={trans.__('Models')}
      className="amlx-Models"
      empty={trans.__('No models yet. Open a completed run and use Register model.')}
      keyOf={model => model.name}
    >
      {model => (
        <button
          className="amlx-ListItem"
          data-model={model.name}
          onClick={() => services.execute(CommandIDs.deployModel, { name: model.name })}
          title={model.description ?? model.name}
        >
          <span className="amlx-ListItem-name">{model.name}</span>
          <span className="amlx-ListItem-meta">
            {`v${model.latest_version}`}
            {model.version_count > 1 ? ` · ${trans._n('%1 version', '%1 versions', model.version_count)}` : ''}
            {Object.entries(model.aliases ?? {}).map(([alias, version]) => (
              <span key={alias} className="amlx-Tag amlx-ModelAlias" data-alias={alias}>
                {trans.__('%1: v%2', alias, version)}
              </span>
            ))}{' '}
            · <Ago epochSeconds={model.updated_at} />
          </span>
        </button>
      )}
    </ResourceList>
  );
}

export function EndpointsSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  return (
    <ResourceList
      resource={services.endpoints}
      words={{ loading: trans.__('Loading endpoints…'), failed: trans.__('Endpoints could not be loaded.') }}
      label={trans.__('Endpoints')}
      className="amlx-Endpoints"
      empty={trans.__('No endpoints yet. Deploy a registered model from its panel.')}
      keyOf={endpoint => endpoint.name}
    >
      {endpoint => (
        <button
          className="amlx-ListItem"
          data-endpoint={endpoint.name}
          onClick={() => services.execute(CommandIDs.openEndpoint, { name: endpoint.name })}
          title={endpoint.scoring_uri ?? endpoint.name}
        >
          <span className="amlx-ListItem-name">{endpoint.name}</span>
          <span className="amlx-ListItem-meta">
            <span className={`amlx-EndpointDot amlx-mod-${endpoint.status.toLowerCase()}`} aria-hidden="true" />
            {statusLabel(endpoint.status)} ·{' '}
            {endpoint.deployments.map(d => `${d.name} ${endpoint.traffic[d.name] ?? 0}%`).join(trans.__(', ')) ||
              trans.__('no deployments')}
          </span>
        </button>
      )}
    </ResourceList>
  );
}

function AssetVersions(props: { services: AmlxServices; name: string }): JSX.Element {
  const { value: versions, error, load } = useLatestRequest(
    () => props.services.client.dataAssetVersions(props.name),
    props.name
  );
  if (error) {
    return <ErrorNote error={error} onRetry={load} />;
  }
  if (!versions) {
    return <Loading />;
  }
  return (
    <ul className="amlx-AssetVersions" aria-label={trans.__('Versions of %1', props.name)}>
      {versions.map(v => (
        <li key={v.version} title={v.source ?? undefined}>
          <code>
            {v.name}:{v.version}
          </code>{' '}
          <span className="amlx-Hint">
            {v.type === 'uri_folder' ? trans.__('folder') : trans.__('file')} · {formatBytes(v.size)}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function DataSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  const [open, setOpen] = React.useState<string | null>(null);
  return (
    <ResourceList
      resource={services.data}
      words={{ loading: trans.__('Loading data assets…'), failed: trans.__('Data assets could not be loaded.') }}
      label={trans.__('Data assets')}
      className="amlx-Data"
      empty={trans.__('No data assets yet. Right-click a file in the file browser and choose Register as data asset.')}

      keyOf={asset => asset.name}
    >
      {asset => (
        <>
          <button
            className="amlx-ListItem"
            data-asset={asset.name}
            aria-expanded={open === asset.name}
            onClick={() => setOpen(open === asset.name ? null : asset.name)}
            title={asset.description ?? asset.source ?? undefined}
          >
            <span className="amlx-ListItem-name">{asset.name}</span>
            <span className="amlx-ListItem-meta">
              {`v${asset.version}`} · {asset.type === 'uri_folder' ? trans.__('folder') : trans.__('file')} ·{' '}
              {formatBytes(asset.size)}

            </span>
          </button>
          {open === asset.name && (
            <>
              <AssetVersions services={services} name={asset.name} />
              {asset.type === 'uri_file' && (
                <button
                  className="jp-Button jp-mod-styled amlx-small amlx-AssetAutoML"
                  onClick={() => services.execute(CommandIDs.openAutoML, { data: assetReference(asset.name) })}
                  title={trans.__('Train and compare models on this table and keep the best')}
                >
                  {trans.__('AutoML…')}
                </button>
              )}
            </>
          )}
        </>
      )}
    </ResourceList>
  );
}
