/**
 * The sidebar's Models, Endpoints and Data sections: short lists that open
 * the main-area panels, each with its loading and error states.
 */
import * as React from 'react';

import { Empty, ErrorNote, Loading, useLatestRequest, useSignal } from './components';
import { formatAgo, formatBytes } from './format';
import { Resource } from './resource';
import { AmlxServices, CommandIDs } from './services';

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

function ListState<T>(props: { resource: Resource<T>; what: string }): JSX.Element | null {
  const { resource } = props;
  if (resource.pending) {
    return <Loading text={`Loading ${props.what}…`} />;
  }
  return (
    <ErrorNote
      error={resource.error}
      title={`${props.what[0].toUpperCase()}${props.what.slice(1)} could not be loaded.`}
      onRetry={() => void resource.reload()}
    />
  );
}

export function ModelsSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  useEnsure(services.models);
  const models = services.models.data ?? [];
  const now = Date.now() / 1000;
  return (
    <div className="amlx-List amlx-Models">
      <ListState resource={services.models} what="models" />
      {services.models.state === 'ready' && models.length === 0 && (
        <Empty>No models yet. Open a completed run and use Register model.</Empty>
      )}
      <ul aria-label="Models">
        {models.map(model => (
          <li key={model.name}>
            <button
              className="amlx-ListItem"
              data-model={model.name}
              onClick={() => services.execute(CommandIDs.deployModel, { name: model.name })}
              title={model.description ?? model.name}
            >
              <span className="amlx-ListItem-name">{model.name}</span>
              <span className="amlx-ListItem-meta">
                v{model.latest_version}
                {model.version_count > 1 ? ` · ${model.version_count} versions` : ''} · {formatAgo(model.updated_at, now)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function EndpointsSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  useEnsure(services.endpoints);
  const endpoints = services.endpoints.data ?? [];
  return (
    <div className="amlx-List amlx-Endpoints">
      <ListState resource={services.endpoints} what="endpoints" />
      {services.endpoints.state === 'ready' && endpoints.length === 0 && (
        <Empty>No endpoints yet. Deploy a registered model from its panel.</Empty>
      )}
      <ul aria-label="Endpoints">
        {endpoints.map(endpoint => (
          <li key={endpoint.name}>
            <button
              className="amlx-ListItem"
              data-endpoint={endpoint.name}
              onClick={() => services.execute(CommandIDs.openEndpoint, { name: endpoint.name })}
              title={endpoint.scoring_uri ?? endpoint.name}
            >
              <span className="amlx-ListItem-name">{endpoint.name}</span>
              <span className="amlx-ListItem-meta">
                <span className={`amlx-EndpointDot amlx-mod-${endpoint.status.toLowerCase()}`} aria-hidden="true" />
                {endpoint.status} · {endpoint.deployments.map(d => `${d.name} ${endpoint.traffic[d.name] ?? 0}%`).join(', ') || 'no deployments'}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AssetVersions(props: { services: AmlxServices; name: string }): JSX.Element {
  const { value: versions, error, load } = useLatestRequest(
    () => props.services.client.dataAssetVersions(props.name),
    [props.name]
  );
  if (error) {
    return <ErrorNote error={error} onRetry={load} />;
  }
  if (!versions) {
    return <Loading />;
  }
  return (
    <ul className="amlx-AssetVersions" aria-label={`Versions of ${props.name}`}>
      {versions.map(v => (
        <li key={v.version} title={v.source ?? v.path}>
          <code>
            {v.name}:{v.version}
          </code>{' '}
          <span className="amlx-Hint">
            {v.type === 'uri_folder' ? 'folder' : 'file'} · {formatBytes(v.size)}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function DataSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  useEnsure(services.data);
  const [open, setOpen] = React.useState<string | null>(null);
  const assets = services.data.data ?? [];
  return (
    <div className="amlx-List amlx-Data">
      <ListState resource={services.data} what="data assets" />
      {services.data.state === 'ready' && assets.length === 0 && (
        <Empty>No data assets yet. Right-click a file in the file browser and choose Register as data asset.</Empty>
      )}
      <ul aria-label="Data assets">
        {assets.map(asset => (
          <li key={asset.name}>
            <button
              className="amlx-ListItem"
              data-asset={asset.name}
              aria-expanded={open === asset.name}
              onClick={() => setOpen(open === asset.name ? null : asset.name)}
              title={asset.description ?? asset.source ?? asset.path}
            >
              <span className="amlx-ListItem-name">{asset.name}</span>
              <span className="amlx-ListItem-meta">
                v{asset.version} · {asset.type === 'uri_folder' ? 'folder' : 'file'} · {formatBytes(asset.size)}
              </span>
            </button>
            {open === asset.name && <AssetVersions services={services} name={asset.name} />}
          </li>
        ))}
      </ul>
    </div>
  );
}
