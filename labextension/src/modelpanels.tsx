/**
 * Models: register one from a run's output (a file or the autologged MLflow
 * model), the model panel with its versions, and deploying a version to an
 * online endpoint.
 */
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { ReactWidget, fileIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob, IModelCandidate, IModelVersion } from './apitypes';
import { Empty, ErrorNote, Loading, useSignal, useTicker } from './components';
import { formatBytes, formatTime } from './format';
import { Resource, asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { endpointNameFor, modelNameFor, outputsSource, panelId } from './naming';

const CANDIDATE_LABEL: Record<string, string> = {
  mlflow: 'MLflow model',
  pickle: 'pickle file',
  joblib: 'joblib file',
  skops: 'skops file'
};

function candidateLabel(candidate: IModelCandidate): string {
  const kind = CANDIDATE_LABEL[candidate.format] ?? candidate.format;
  return candidate.source.startsWith('mlflow:')
    ? `${kind} logged by MLflow (${candidate.source})`
    : `${kind} ${candidate.source}`;
}

/** Inline card in a run's details: pick what to register and under which name. */
export function RegisterModelCard(props: {
  services: AmlxServices;
  job: IJob;
  initialPath: string;
  onClose: () => void;
}): JSX.Element {
  const { services, job } = props;
  const [candidates, setCandidates] = React.useState<IModelCandidate[] | null>(null);
  const [source, setSource] = React.useState(props.initialPath ? outputsSource(props.initialPath) : '');
  const [name, setName] = React.useState(modelNameFor(job.experiment));
  const [description, setDescription] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [registered, setRegistered] = React.useState<IModelVersion | null>(null);

  React.useEffect(() => {
    services.client.modelCandidates(job.name).then(
      found => {
        setCandidates(found);
        setSource(current => current || (found[0]?.source ?? ''));
      },
      reason => {
        setCandidates([]);
        setError(asApiError(reason));
      }
    );
  }, [job.name]);

  const register = async () => {
    setBusy(true);
    try {
      const version = await services.client.registerModel({
        name: name.trim(),
        job: job.name,
        ...(source ? { path: source } : {}),
        ...(description.trim() ? { description: description.trim() } : {})
      });
      setRegistered(version);
      setError(null);
      void services.models.reload();
      Notification.success(`Registered ${version.name} version ${version.version}.`, {
        autoClose: 6000,
        actions: [
          {
            label: 'Deploy',
            callback: () => services.execute(CommandIDs.deployModel, { name: version.name, version: version.version })
          }
        ]
      });
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="amlx-Card amlx-RegisterModel" aria-label="Register a model">
      <h3>Register a model from {job.display_name || job.name}</h3>
      {candidates === null && <Loading text="Looking for models in the run…" />}
      {candidates !== null && candidates.length > 0 && (
        <fieldset className="amlx-Candidates">
          <legend>What to register</legend>
          {candidates.map(candidate => (
            <label key={candidate.source} className="amlx-Candidate" data-source={candidate.source}>
              <input
                type="radio"
                name={`amlx-candidate-${job.name}`}
                value={candidate.source}
                checked={source === candidate.source}
                onChange={() => setSource(candidate.source)}
              />
              <span>{candidateLabel(candidate)}</span>
              <span className="amlx-Hint">{formatBytes(candidate.size)}</span>
            </label>
          ))}
        </fieldset>
      )}
      {candidates !== null && candidates.length === 0 && (
        <div className="amlx-Field">
          <label htmlFor={`amlx-model-path-${job.name}`}>Path of the model in the run</label>
          <input
            id={`amlx-model-path-${job.name}`}
            className="amlx-Input"
            placeholder="outputs/model.pkl or mlflow:model"
            value={source}
            onChange={event => setSource(event.currentTarget.value)}
          />
        </div>
      )}
      <div className="amlx-FormGrid">
        <div className="amlx-Field">
          <label htmlFor={`amlx-model-name-${job.name}`}>Model name</label>
          <input
            id={`amlx-model-name-${job.name}`}
            className="amlx-Input amlx-RegisterModel-name"
            value={name}
            onChange={event => setName(event.currentTarget.value)}
          />
        </div>
        <div className="amlx-Field">
          <label htmlFor={`amlx-model-description-${job.name}`}>Description</label>
          <input
            id={`amlx-model-description-${job.name}`}
            className="amlx-Input"
            placeholder="optional"
            value={description}
            onChange={event => setDescription(event.currentTarget.value)}
          />
        </div>
      </div>
      <ErrorNote error={error} title="The model could not be registered." />
      {registered && (
        <div className="amlx-Success" role="status">
          Registered <strong>{registered.name}</strong> version <strong>{registered.version}</strong> (
          {registered.format}, {formatBytes(registered.size)}).
          <button
            className="jp-Button jp-mod-styled jp-mod-accept amlx-small amlx-RegisterModel-deploy"
            onClick={() =>
              services.execute(CommandIDs.deployModel, { name: registered.name, version: registered.version })
            }
          >
            Deploy…
          </button>
        </div>
      )}
      <div className="amlx-Card-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-RegisterModel-submit"
          disabled={busy || !name.trim()}
          onClick={() => void register()}
        >
          {busy ? 'Registering…' : 'Register'}
        </button>
        <button className="jp-Button jp-mod-styled" onClick={props.onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

/** Create a key-auth endpoint; one that already exists (the list was stale) is fine too. */
async function createEndpointIfMissing(services: AmlxServices, name: string): Promise<void> {
  try {
    await services.client.createEndpoint({ name, auth_mode: 'key' });
  } catch (reason) {
    if (asApiError(reason).code !== 'conflict') {
      throw reason;
    }
  }
}

/** Create the endpoint when it does not exist, then deploy; shows each step and the time it takes. */
function DeployForm(props: { services: AmlxServices; model: string; versions: IModelVersion[]; initialVersion: string }): JSX.Element {
  const { services, model, versions } = props;
  useSignal(services.endpoints.changed);
  const [version, setVersion] = React.useState(props.initialVersion || versions[0]?.version || '');
  const [endpoint, setEndpoint] = React.useState(endpointNameFor(model));
  const [deployment, setDeployment] = React.useState('blue');
  const [step, setStep] = React.useState<string | null>(null);
  const [started, setStarted] = React.useState(0);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  useTicker(step !== null, 500);
  // several model panels can be open: their fields must not share DOM ids
  const formId = React.useId();
  React.useEffect(() => {
    void services.endpoints.ensure();
  }, []);
  const known = services.endpoints.data ?? [];
  const deploy = async () => {
    setStarted(Date.now());
    setError(null);
    try {
      const name = endpoint.trim();
      if (services.endpoints.state !== 'ready') {
        setStep('Checking the endpoints…');
      }
      // decide from a loaded list, not from one that is still loading or failed
      const existing = (await services.endpoints.current()) ?? [];
      if (!existing.some(e => e.name === name)) {
        setStep(`Creating endpoint ${name}…`);
        await createEndpointIfMissing(services, name);
      }
      setStep(`Deploying ${model}:${version} to ${name}/${deployment.trim()}; the model is loaded and health-checked…`);
      await services.client.deploy(name, { name: deployment.trim(), model: `${model}:${version}` });
      void services.endpoints.reload();
      Notification.success(`Deployed ${model}:${version} to ${name}.`, {
        autoClose: 6000,
        actions: [{ label: 'Test endpoint', callback: () => services.execute(CommandIDs.openEndpoint, { name }) }]
      });
      services.execute(CommandIDs.openEndpoint, { name });
    } catch (reason) {
      setError(asApiError(reason));
      void services.endpoints.reload();
    } finally {
      setStep(null);
    }
  };
  return (
    <section className="amlx-Card amlx-Deploy" aria-label="Deploy to an online endpoint">
      <h3>Deploy to an online endpoint</h3>
      <div className="amlx-FormGrid">
        <div className="amlx-Field">
          <label htmlFor={`${formId}-version`}>Version</label>
          <select
            id={`${formId}-version`}
            className="amlx-Select"
            value={version}
            onChange={event => setVersion(event.currentTarget.value)}
          >
            {versions.map(v => (
              <option key={v.version} value={v.version}>
                {v.version} ({v.format}, from {v.job})
              </option>
            ))}
          </select>
        </div>
        <div className="amlx-Field">
          <label htmlFor={`${formId}-endpoint`}>Endpoint name</label>
          <input
            id={`${formId}-endpoint`}
            className="amlx-Input"
            list={`${formId}-endpoints`}
            value={endpoint}
            onChange={event => setEndpoint(event.currentTarget.value)}
          />
          <datalist id={`${formId}-endpoints`}>
            {known.map(e => (
              <option key={e.name} value={e.name} />
            ))}
          </datalist>
          <div className="amlx-Hint">
            {known.some(e => e.name === endpoint.trim()) ? 'Existing endpoint: adds a deployment.' : 'A new endpoint with key authentication.'}
          </div>
        </div>
        <div className="amlx-Field">
          <label htmlFor={`${formId}-deployment`}>Deployment name</label>
          <input
            id={`${formId}-deployment`}
            className="amlx-Input"
            value={deployment}
            onChange={event => setDeployment(event.currentTarget.value)}
          />
        </div>
        <div className="amlx-Field">
          <span className="amlx-FieldLabel">Authentication</span>
          <span>Key (primary and secondary keys)</span>
        </div>
      </div>
      <ErrorNote error={error} title="The deployment failed." />
      {step && (
        <div className="amlx-Progress" role="status">
          <span className="amlx-Spinner" aria-hidden="true" />
          {step} {Math.round((Date.now() - started) / 1000)} s
        </div>
      )}
      <div className="amlx-Card-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-Deploy-submit"
          disabled={step !== null || !version || !endpoint.trim() || !deployment.trim()}
          onClick={() => void deploy()}
        >
          {step ? 'Deploying…' : 'Deploy'}
        </button>
      </div>
    </section>
  );
}

function ModelView(props: { services: AmlxServices; name: string; versions: Resource<IModelVersion[]>; deployVersion: string }): JSX.Element {
  const { services, name, versions } = props;
  useSignal(versions.changed);
  React.useEffect(() => {
    void versions.reload();
  }, [name]);
  const list = versions.data ?? [];
  return (
    <div className="amlx-ModelView" data-model={name}>
      <header className="amlx-Panel-header">
        <h2>Model {name}</h2>
        {list[0]?.description && <p>{list[0].description}</p>}
      </header>
      <ErrorNote error={versions.error} title="The model could not be loaded." onRetry={() => void versions.reload()} />
      {versions.pending && <Loading />}
      {list.length > 0 && (
        <>
          <table className="amlx-Table amlx-Versions" aria-label="Versions">
            <thead>
              <tr>
                <th>Version</th>
                <th>Format</th>
                <th>From run</th>
                <th>Source</th>
                <th>Size</th>
                <th>Registered</th>
                <th>Input columns</th>
              </tr>
            </thead>
            <tbody>
              {list.map(v => (
                <tr key={v.version} data-version={v.version}>
                  <td>{v.version}</td>
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
                  <td>{v.input_columns ? v.input_columns.map(c => `${c.name} (${c.type})`).join(', ') : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {services.model.workspace?.capabilities.endpoints !== false && (
            <DeployForm services={services} model={name} versions={list} initialVersion={props.deployVersion} />
          )}
        </>
      )}
      {!versions.pending && !versions.error && list.length === 0 && <Empty>No versions.</Empty>}
    </div>
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
  widget.title.label = `Model ${name}`;
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
