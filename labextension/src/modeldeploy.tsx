/**
 * Deploying a model version to an online endpoint: the endpoint is created
 * when it does not exist, then the deployment; each step is shown with the
 * time it has taken.
 */
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IModelVersion } from './apitypes';
import { ErrorNote, useNow, useSignal } from './components';
import { followDeployment } from './deployfollow';
import { statusLabel } from './format';
import { isAbort } from './poll';
import { asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { endpointNameFor } from './naming';
import { deploymentSize } from './deploysize';
import { trans } from './i18n';

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
export function DeployForm(props: { services: AmlxServices; model: string; versions: IModelVersion[]; initialVersion: string }): JSX.Element {
  const { services, model, versions } = props;
  useSignal(services.endpoints.changed);
  const [version, setVersion] = React.useState(props.initialVersion || versions[0]?.version || '');
  // "@production" deploys whichever version holds the alias when the deployment is made
  const modelRef = version.startsWith('@') ? `${model}${version}` : `${model}:${version}`;
  const aliases = versions.flatMap(v => (v.aliases ?? []).map(alias => ({ alias, version: v.version })));
  const [endpoint, setEndpoint] = React.useState(endpointNameFor(model));
  const [deployment, setDeployment] = React.useState('blue');
  // a VM size and count only where the target has them (Azure ML); empty: the target's settings decide
  const sized = services.model.workspace?.capabilities.instance_types ?? false;
  const [instanceType, setInstanceType] = React.useState('');
  const [instanceCount, setInstanceCount] = React.useState('');
  const [step, setStep] = React.useState<string | null>(null);
  const [started, setStarted] = React.useState(0);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const now = useNow(step !== null, 500);
  // a panel closed while provisioning stops following (the server goes on)
  const following = React.useRef<AbortController | null>(null);
  React.useEffect(() => () => following.current?.abort(), []);
  // several model panels can be open: their fields must not share DOM ids
  const formId = React.useId();
  const endpoints = services.endpoints;
  React.useEffect(() => {
    void endpoints.ensure();
  }, [endpoints]);
  const known = services.endpoints.data ?? [];
  const deploy = async () => {
    setStarted(Date.now());
    setError(null);
    try {
      const name = endpoint.trim();
      if (services.endpoints.state !== 'ready') {
        setStep(trans.__('Checking the endpoints…'));
      }
      // decide from a loaded list, not from one that is still loading or failed
      const existing = (await services.endpoints.current()) ?? [];
      if (!existing.some(e => e.name === name)) {
        setStep(trans.__('Creating endpoint %1…', name));
        await createEndpointIfMissing(services, name);
      }
      const target = `${name}/${deployment.trim()}`;
      setStep(trans.__('Deploying %1 to %2…', modelRef, target));
      const controller = new AbortController();
      following.current?.abort();
      following.current = controller;
      const created = await services.client.deploy(name, {
        name: deployment.trim(),
        model: modelRef,
        ...deploymentSize(sized, instanceType, instanceCount)
      });
      // provisioning goes on on the server: follow it, showing its state and the time taken
      await followDeployment(
        services.client,
        created,
        state =>
          setStep(
            trans.__(
              'Provisioning %1 (%2): the model is loaded and health-checked…',
              target,
              statusLabel(state.status)
            )
          ),
        controller.signal
      );
      void services.endpoints.reload();
      Notification.success(trans.__('Deployed %1 to %2.', modelRef, name), {
        autoClose: 6000,
        actions: [
          { label: trans.__('Test endpoint'), callback: () => services.execute(CommandIDs.openEndpoint, { name }) }
        ]
      });
      services.execute(CommandIDs.openEndpoint, { name });
    } catch (reason) {
      if (!isAbort(reason, following.current?.signal ?? new AbortController().signal)) {
        setError(asApiError(reason));
        void services.endpoints.reload();
      }
    } finally {
      setStep(null);
    }
  };
  return (
    <section className="amlx-Card amlx-Deploy" aria-label={trans.__('Deploy to an online endpoint')}>
      <h3>{trans.__('Deploy to an online endpoint')}</h3>
      <div className="amlx-FormGrid">
        <div className="amlx-Field">
          <label htmlFor={`${formId}-version`}>{trans.__('Version')}</label>
          <select
            id={`${formId}-version`}
            className="amlx-Select"
            value={version}
            onChange={event => setVersion(event.currentTarget.value)}
          >
            {aliases.map(a => (
              <option key={`@${a.alias}`} value={`@${a.alias}`}>
                {trans.__('@%1 (now version %2)', a.alias, a.version)}
              </option>
            ))}
            {versions.map(v => (
              <option key={v.version} value={v.version}>
                {trans.__('%1 (%2, from %3)', v.version, v.format, v.job ?? '')}
              </option>
            ))}
          </select>
        </div>
        <div className="amlx-Field">
          <label htmlFor={`${formId}-endpoint`}>{trans.__('Endpoint name')}</label>
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
            {known.some(e => e.name === endpoint.trim())
              ? trans.__('Existing endpoint: adds a deployment.')
              : trans.__('A new endpoint with key authentication.')}
          </div>
        </div>
        <div className="amlx-Field">
          <label htmlFor={`${formId}-deployment`}>{trans.__('Deployment name')}</label>
          <input
            id={`${formId}-deployment`}
            className="amlx-Input"
            value={deployment}
            onChange={event => setDeployment(event.currentTarget.value)}
          />
        </div>
        {sized && (
          <>
            <div className="amlx-Field">
              <label htmlFor={`${formId}-instance-type`}>{trans.__('Instance type')}</label>
              <input
                id={`${formId}-instance-type`}
                className="amlx-Input"
                placeholder={trans.__('from settings (%1)', 'Standard_DS3_v2')}
                value={instanceType}
                onChange={event => setInstanceType(event.currentTarget.value)}
              />
            </div>
            <div className="amlx-Field">
              <label htmlFor={`${formId}-instance-count`}>{trans.__('Instance count')}</label>
              <input
                id={`${formId}-instance-count`}
                className="amlx-Input"
                type="number"
                min={1}
                max={100}
                placeholder={trans.__('from settings (%1)', '1')}
                value={instanceCount}
                onChange={event => setInstanceCount(event.currentTarget.value)}
              />
            </div>
          </>
        )}
        <div className="amlx-Field">
          <span className="amlx-FieldLabel">{trans.__('Authentication')}</span>
          <span>{trans.__('Key (primary and secondary keys)')}</span>
        </div>
      </div>
      <ErrorNote error={error} title={trans.__('The deployment failed.')} />
      {step && (
        <div className="amlx-Progress" role="status">
          <span className="amlx-Spinner" aria-hidden="true" />
          {step} {trans.__('%1 s', Math.round(Math.max(0, now - started) / 1000))}

        </div>
      )}
      <div className="amlx-Card-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-Deploy-submit"
          disabled={step !== null || !version || !endpoint.trim() || !deployment.trim()}
          onClick={() => void deploy()}
        >
          {step ? trans.__('Deploying…') : trans.__('Deploy')}

        </button>
      </div>
    </section>
  );
}
