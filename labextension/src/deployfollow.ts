/**
 * Following a deployment while it is provisioned. Creating one is a
 * long-running operation: the server answers at once (status `Creating`)
 * and the client asks again until it is `Succeeded` or `Failed`. That takes
 * seconds locally and 10 to 20 minutes on Azure, so the asking slows down
 * after the first half minute.
 */
import { AmlxApiError, AmlxClient } from './api';
import { IDeployment } from './apitypes';
import { ITimers, realTimers, throwIfAborted } from './poll';
import { trans } from './i18n';

/** How often to ask, by how long it has been provisioning. */
export function followDelayMs(elapsedMs: number): number {
  return elapsedMs < 30_000 ? 1000 : 5000;
}

export function isProvisioned(deployment: IDeployment): boolean {
  return deployment.status === 'Succeeded' || deployment.status === 'Failed';
}

/**
 * Ask for the deployment until it is provisioned; `onState` sees every
 * answer. Resolves with the deployment when it succeeded; a failure is an
 * `AmlxApiError` with the server's reason (`last_error`).
 */
export async function followDeployment(
  client: AmlxClient,
  first: IDeployment,
  onState: (deployment: IDeployment) => void,
  signal: AbortSignal,
  timers: ITimers = realTimers,
  now: () => number = Date.now
): Promise<IDeployment> {
  const started = now();
  let current = first;
  onState(current);
  while (!isProvisioned(current)) {
    await timers.sleep(followDelayMs(now() - started), signal);
    throwIfAborted(signal);
    current = await client.deployment(first.endpoint, first.name);
    throwIfAborted(signal);
    onState(current);
  }
  if (current.status === 'Failed') {
    throw new AmlxApiError(
      0,
      'deployment_failed',
      current.last_error ?? trans.__('Deployment %1 of %2 failed without a reason.', current.name, current.endpoint)

    );
  }
  return current;
}
