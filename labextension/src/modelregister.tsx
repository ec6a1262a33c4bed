/**
 * Registering a model from a run: the card in a run's details that offers
 * what the run holds (a pickled file in outputs, or the model MLflow logged)
 * and registers it under a name.
 */
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob, IModelCandidate, IModelVersion } from './apitypes';
import { ErrorNote, Loading, useLatestRequest, withElements, PLACEHOLDERS } from './components';

import { formatBytes } from './format';
import { asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { modelNameFor, outputsSource } from './naming';
import { trans } from './i18n';
import { IRegistration, alreadyRegistered, registrationKey } from './registerform';

function kindLabel(format: string): string {
  switch (format) {
    case 'mlflow':
      return trans.__('MLflow model');
    case 'pickle':
      return trans.__('pickle file');
    case 'joblib':
      return trans.__('joblib file');
    case 'skops':
      return trans.__('skops file');
    default:
      return format;
  }
}

function candidateLabel(candidate: IModelCandidate): string {
  const kind = kindLabel(candidate.format);
  return candidate.source.startsWith('mlflow:')
    ? trans.__('%1 logged by MLflow (%2)', kind, candidate.source)
    : trans.__('%1 %2', kind, candidate.source);
}

export interface ILastRegistration {
  /** `registrationKey` of the request. */
  key: string;
  choice: IRegistration;
  version: IModelVersion;
}

/** Inline card in a run's details: pick what to register and under which name. */
export function RegisterModelCard(props: {
  services: AmlxServices;
  job: IJob;
  initialPath: string;
  onClose: () => void;
  /** The last registration from this run's panel (kept when the card closes, so reopening it cannot repeat it). */
  last: ILastRegistration | null;
  onRegistered: (last: ILastRegistration) => void;
}): JSX.Element {
  const { services, job } = props;
  // reopened after a registration: the card shows that choice again (a file picked in Outputs wins)
  const previous = props.initialPath ? null : props.last?.choice;
  const [choice, setChoice] = React.useState(props.initialPath ? outputsSource(props.initialPath) : previous?.source ?? '');
  const [name, setName] = React.useState(previous?.name ?? modelNameFor(job.experiment));
  const [description, setDescription] = React.useState(previous?.description ?? '');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const registered = props.last?.version ?? null;
  // the request that made `registered`: the same again would make a version nobody asked for
  const registeredWith = props.last?.key ?? null;
  const found = useLatestRequest(() => services.client.modelCandidates(job.name), job.name, true);
  // a failed search still lets the person type a path
  const candidates = found.error ? [] : found.value;
  // until the person picks, the first thing found is what gets registered
  const source = choice || (candidates?.[0]?.source ?? '');
  const setSource = setChoice;
  const current = { name, source, description };
  const done = alreadyRegistered(current, registeredWith);

  const register = async () => {
    if (busy || done) {
      return;
    }
    const sent = { ...current };
    setBusy(true);
    try {
      const version = await services.client.registerModel({
        name: name.trim(),
        job: job.name,
        ...(source ? { path: source } : {}),
        ...(description.trim() ? { description: description.trim() } : {})
      });
      props.onRegistered({ key: registrationKey(sent), choice: sent, version });
      setError(null);
      void services.models.reload();
      Notification.success(trans.__('Registered %1 version %2.', version.name, version.version), {
        autoClose: 6000,
        actions: [
          {
            label: trans.__('Deploy'),
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
    <section className="amlx-Card amlx-RegisterModel" aria-label={trans.__('Register a model')}>
      <h3>{trans.__('Register a model from %1', job.display_name || job.name)}</h3>
      {candidates === null && <Loading text={trans.__('Looking for models in the run…')} />}
      {candidates !== null && candidates.length > 0 && (
        <fieldset className="amlx-Candidates">
          <legend>{trans.__('What to register')}</legend>
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
          <label htmlFor={`amlx-model-path-${job.name}`}>{trans.__('Path of the model in the run')}</label>
          <input
            id={`amlx-model-path-${job.name}`}
            className="amlx-Input"
            placeholder={trans.__('outputs/model.pkl or mlflow:model')}
            value={source}
            onChange={event => setSource(event.currentTarget.value)}
          />
        </div>
      )}
      <div className="amlx-FormGrid">
        <div className="amlx-Field">
          <label htmlFor={`amlx-model-name-${job.name}`}>{trans.__('Model name')}</label>
          <input
            id={`amlx-model-name-${job.name}`}
            className="amlx-Input amlx-RegisterModel-name"
            value={name}
            onChange={event => setName(event.currentTarget.value)}
          />
        </div>
        <div className="amlx-Field">
          <label htmlFor={`amlx-model-description-${job.name}`}>{trans.__('Description')}</label>
          <input
            id={`amlx-model-description-${job.name}`}
            className="amlx-Input"
            placeholder={trans.__('optional')}
            value={description}
            onChange={event => setDescription(event.currentTarget.value)}
          />
        </div>
      </div>
      <ErrorNote error={found.error} title={trans.__('The run could not be searched for models.')} onRetry={found.load} />
      <ErrorNote error={error} title={trans.__('The model could not be registered.')} />
      {registered && (
        <div className="amlx-Success" role="status">
          {withElements(
            trans.__('Registered %1 version %2 (%3, %4).', ...PLACEHOLDERS),
            <strong>{registered.name}</strong>,
            <strong>{registered.version}</strong>,
            registered.format,
            formatBytes(registered.size)
          )}
          <button
            className="jp-Button jp-mod-styled jp-mod-accept amlx-small amlx-RegisterModel-deploy"
            onClick={() =>
              services.execute(CommandIDs.deployModel, { name: registered.name, version: registered.version })
            }
          >
            {trans.__('Deploy…')}
          </button>
        </div>
      )}
      <div className="amlx-Card-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-RegisterModel-submit"
          disabled={busy || done || !name.trim()}
          title={done ? trans.__('Registered. Change the name, the source or the description to register another version.') : undefined}
          onClick={() => void register()}
        >
          {busy ? trans.__('Registering…') : done ? trans._p('button', 'Registered') : trans.__('Register')}
        </button>
        <button className="jp-Button jp-mod-styled" onClick={props.onClose}>
          {trans.__('Close')}
        </button>
      </div>
    </section>
  );
}
