/**
 * One online endpoint in the main area: status, scoring URI, masked keys with
 * Copy, deployments, a test panel (JSON prefilled from the model's example)
 * and a copyable curl command.
 */
import { Dialog, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { ReactWidget, launchIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IEndpoint, IEndpointKeys, IInvokeResult } from './apitypes';
import { CopyButton, ErrorNote, Loading, useDebounced, useLatestRequest, useSignal } from './components';
import { ExportButton, exportFolder } from './exportbutton';
import { bearerTokens, formatMetric, formatTime, maskSecret, maskSecrets, statusLabel } from './format';
import { IPredictionTable, formatBody, parsePayload, predictionHeadline, predictionTable, prefillPayload } from './payload';
import { Latest, Resource, asApiError } from './resource';
import { AmlxServices } from './services';
import { panelId } from './naming';
import { trans } from './i18n';

const SETTLING = new Set(['Creating', 'Updating', 'Deleting', 'Restarting']);
const POLL_MS = 2000;
const STATS_DELAY_MS = 1500;
/** The curl command follows the edited body once typing pauses this long. */
const CURL_DEBOUNCE_MS = 400;

/** Whether the endpoint or one of its deployments is still changing. */
export function isSettling(endpoint: IEndpoint): boolean {
  return SETTLING.has(endpoint.status) || endpoint.deployments.some(d => SETTLING.has(d.status));
}

function EndpointStatus(props: { status: string }): JSX.Element {
  const kind =
    props.status === 'Succeeded' ? 'completed' : props.status === 'Failed' ? 'failed' : props.status === 'Stopped' ? 'canceled' : 'running';
  return (
    <span className={`amlx-Status amlx-Status-${kind}`} data-status={props.status}>
      <span className="amlx-Status-dot" aria-hidden="true" />
      <span className="amlx-Status-text">{statusLabel(props.status)}</span>
    </span>
  );
}

function Keys(props: {
  services: AmlxServices;
  name: string;
  keys: IEndpointKeys | null;
  error: AmlxApiError | null;
  onKeys: (keys: IEndpointKeys) => void;
  onRetry: () => void;
}): JSX.Element {
  const { services, name, keys } = props;
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const regenerate = async (which: 'primary' | 'secondary') => {
    const answer = await showDialog({
      title: which === 'primary' ? trans.__('Regenerate the primary key?') : trans.__('Regenerate the secondary key?'),
      body:
        which === 'primary'
          ? trans.__('Clients using the current primary key of %1 will get 401 until they use the new one.', name)
          : trans.__('Clients using the current secondary key of %1 will get 401 until they use the new one.', name),
      buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.warnButton({ label: trans.__('Regenerate') })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      props.onKeys(await services.client.regenerateKey(name, which));
      setError(null);
    } catch (reason) {
      setError(asApiError(reason));
    }
  };
  if (props.error) {
    return <ErrorNote error={props.error} title={trans.__('The keys could not be read.')} onRetry={props.onRetry} />;
  }
  if (!keys) {
    return <Loading text={trans.__('Reading keys…')} />;
  }
  const row = (label: string, which: 'primary' | 'secondary', value: string) => (
    <tr data-key={which}>
      <th scope="row">{label}</th>
      <td>
        <code className="amlx-Secret" aria-label={trans.__('%1 (masked)', label)}>
          {maskSecret(value)}
        </code>
      </td>
      <td className="amlx-Row-actions">
        <CopyButton
          text={() => value}
          label={which === 'primary' ? trans.__('Copy the primary key') : trans.__('Copy the secondary key')}
        />
        <button className="jp-Button jp-mod-styled amlx-small" onClick={() => void regenerate(which)}>
          {trans.__('Regenerate')}
        </button>
      </td>
    </tr>
  );
  return (
    <>
      <table className="amlx-Table amlx-Keys" aria-label={trans.__('Keys')}>
        <tbody>
          {row(trans.__('Primary key'), 'primary', keys.primary_key)}
          {row(trans.__('Secondary key'), 'secondary', keys.secondary_key)}
        </tbody>
      </table>
      <ErrorNote error={error} />
    </>
  );
}

function Deployments(props: { endpoint: IEndpoint }): JSX.Element {
  const { endpoint } = props;
  if (!endpoint.deployments.length) {
    return (
      <div className="amlx-Empty">{trans.__('No deployments yet: deploy a model version from the Models section.')}</div>
    );
  }
  return (
    <table className="amlx-Table amlx-Deployments" aria-label={trans.__('Deployments')}>
      <thead>
        <tr>
          <th>{trans.__('Deployment')}</th>
          <th>{trans.__('Model')}</th>
          <th>{trans.__('Status')}</th>
          <th>{trans.__('Traffic')}</th>
          <th>{trans.__('Requests')}</th>
          <th>{trans.__('Errors')}</th>
          <th>{trans.__('p50 / p99 ms')}</th>
          <th>{trans.__('Restarts')}</th>
        </tr>
      </thead>
      <tbody>
        {endpoint.deployments.map(d => (
          <React.Fragment key={d.name}>
            <tr data-deployment={d.name}>
              <td>{d.name}</td>
              <td>
                <code>{d.model}</code>
              </td>
              <td>
                <EndpointStatus status={d.status} />
              </td>
              <td>{endpoint.traffic[d.name] ?? 0}%</td>
              <td>{d.stats?.requests ?? '—'}</td>
              <td>{d.stats?.errors ?? '—'}</td>
              <td>
                {formatMetric(d.stats?.p50_ms)} / {formatMetric(d.stats?.p99_ms)}
              </td>
              <td>{d.restarts}</td>
            </tr>
            {d.last_error && (
              <tr>
                <td colSpan={8} className="amlx-Deployments-error" role="note">
                  {d.last_error}
                </td>
              </tr>
            )}
          </React.Fragment>
        ))}
      </tbody>
    </table>
  );
}

/** The test panel's body: the text, and whether the person wrote it (then no prefill replaces it). */
interface IPayloadDraft {
  text: string | null;
  edited: boolean;
}

function TestPanel(props: {
  services: AmlxServices;
  endpoint: IEndpoint;
  draft: IPayloadDraft;
  setDraft: React.Dispatch<React.SetStateAction<IPayloadDraft>>;
  onSent: () => void;
}): JSX.Element {
  const { services, endpoint, draft, setDraft } = props;
  const text = draft.text;
  const [deployment, setDeployment] = React.useState('');
  const [result, setResult] = React.useState<IInvokeResult | null>(null);
  // the body that `result` answers (the text may have changed since)
  const [sent, setSent] = React.useState<unknown>(null);
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [exampleNote, setExampleNote] = React.useState('');
  const [prefills] = React.useState(() => new Latest());
  const primary = endpoint.deployments.slice().sort((a, b) => (endpoint.traffic[b.name] ?? 0) - (endpoint.traffic[a.name] ?? 0))[0];
  const model = primary?.model ?? '';

  const client = services.client;
  /** Fill in the model's example (a generic body without a model); `force` is the Reset button. */
  const prefill = React.useCallback(async (force: boolean) => {
    const isLatest = prefills.begin();
    // payload null: keep what is there (a failed Reset), or the generic body when there is nothing
    const apply = (payload: string | null, note: string) => {
      if (!isLatest()) {
        return;
      }
      // an automatic prefill never replaces what the person wrote
      setDraft(current =>
        current.edited && !force ? current : { text: payload ?? current.text ?? prefillPayload(null), edited: false }
      );
      setExampleNote(note);
    };
    const [name, version] = model.split(':');
    if (!name) {
      apply(prefillPayload(null), '');
      return;
    }
    try {
      const found = await client.modelVersion(name, version ?? 'latest');
      apply(
        prefillPayload(found),
        found.example
          ? trans.__('Prefilled with the example of %1.', model)
          : found.input_columns
            ? trans.__('Prefilled from the input columns of %1.', model)
            : ''
      );
    } catch {
      apply(null, trans.__('The example of %1 could not be read; write the payload yourself.', model));
    }
  }, [client, model, prefills, setDraft]);
  React.useEffect(() => {
    void prefill(false);
  }, [prefill]);
  React.useEffect(() => () => prefills.cancel(), [prefills]);

  const parsed = parsePayload(text ?? '');
  const send = async () => {
    if (!parsed.ok) {
      return;
    }
    setBusy(true);
    try {
      const body = parsed.value;
      setResult(await services.client.invoke(endpoint.name, body, deployment || undefined));
      setSent(body);
      setError(null);
      props.onSent();
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(false);
    }
  };
  const answered = result !== null && result.status_code < 300;
  const headline = answered ? predictionHeadline(result.body) : null;
  const table = answered ? predictionTable(sent, result.body) : null;
  return (
    <section className="amlx-Card amlx-TestPanel" aria-label={trans.__('Test the endpoint')}>
      <h3>{trans.__('Test')}</h3>
      {(draft.edited || exampleNote) && (
        <div className="amlx-Hint amlx-TestPanel-note">
          {draft.edited
            ? trans.__('Your request body, as you left it (Reset to example brings the example back).')
            : exampleNote}
        </div>
      )}
      <label htmlFor={`amlx-payload-${endpoint.name}`} className="amlx-FieldLabel">
        {trans.__('Request body (JSON)')}
      </label>
      <textarea
        id={`amlx-payload-${endpoint.name}`}
        className={`amlx-Input amlx-Code amlx-TestPanel-payload ${parsed.ok || text === null ? '' : 'amlx-mod-invalid'}`}
        spellCheck={false}
        rows={8}
        value={text ?? ''}
        aria-invalid={!parsed.ok}
        aria-describedby={`amlx-payload-${endpoint.name}-check`}
        onChange={event => setDraft({ text: event.currentTarget.value, edited: true })}
        onKeyDown={event => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <div id={`amlx-payload-${endpoint.name}-check`} className={parsed.ok ? 'amlx-Hint' : 'amlx-FieldError'}>
        {text === null
          ? trans.__('Loading the model example…')
          : parsed.ok
            ? trans.__('Valid JSON. Ctrl/Cmd+Enter sends.')
            : parsed.message}
      </div>
      <div className="amlx-Card-actions">
        {endpoint.deployments.length > 1 && (
          <select
            className="amlx-Select"
            aria-label={trans.__('Deployment to call')}
            value={deployment}
            onChange={event => setDeployment(event.currentTarget.value)}
          >
            <option value="">{trans.__('By traffic split')}</option>
            {endpoint.deployments.map(d => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        )}
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-TestPanel-send"
          disabled={busy || !parsed.ok || endpoint.deployments.length === 0}
          onClick={() => void send()}
        >
          {busy ? trans.__('Sending…') : trans.__('Send')}
        </button>
        <button className="jp-Button jp-mod-styled" onClick={() => void prefill(true)}>
          {trans.__('Reset to example')}
        </button>
      </div>
      <ErrorNote error={error} title={trans.__('The request could not be sent.')} />
      {result && (
        <div className="amlx-Response" data-status-code={result.status_code} aria-live="polite">
          <div className="amlx-Response-meta">
            <span className={`amlx-HttpStatus ${result.status_code < 300 ? 'amlx-mod-ok' : 'amlx-mod-error'}`}>
              {`HTTP ${result.status_code}`}
            </span>
            <span>{trans.__('%1 ms', formatMetric(result.latency_ms))}</span>
            {result.deployment && <span>{trans.__('deployment %1', result.deployment)}</span>}
          </div>
          {headline !== null && <div className="amlx-Prediction">{headline}</div>}
          {table && <PredictionTable table={table} />}
          <pre className="amlx-Code amlx-Response-body" aria-label={trans.__('Response body')}>
            {formatBody(result.body)}
          </pre>
        </div>
      )}
    </section>
  );
}

/** A several-row answer: each prediction next to the row of the request it answers. */
function PredictionTable(props: { table: IPredictionTable }): JSX.Element {
  const { columns, rows, more } = props.table;
  const cell = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');
  return (
    <div className="amlx-PredictionTable-frame">
      <table className="amlx-Table amlx-PredictionTable" aria-label={trans.__('Predictions by row')}>
        <thead>
          <tr>
            <th>{trans.__('Row')}</th>
            {columns.map(name => (
              <th key={name}>{name}</th>
            ))}
            <th>{trans.__('Prediction')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              {row.values.map((value, c) => (
                <td key={c}>{cell(value)}</td>
              ))}
              <td className="amlx-PredictionTable-prediction">
                <strong>{cell(row.prediction)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more > 0 && (
        <div className="amlx-Hint">
          {trans._n('and %1 more row in the response body below.', 'and %1 more rows in the response body below.', more)}
        </div>
      )}
    </div>
  );
}

/**
 * The command to copy, sending the body in the test panel (the model's
 * example until the person edits it): asked again once the typing pauses,
 * and while that answer is on its way the old command cannot be copied.
 */
function Curl(props: { services: AmlxServices; name: string; keys: IEndpointKeys | null; ready: boolean; body: string | null }): JSX.Element {
  const { services, name, keys } = props;
  const typed = useDebounced(props.body, CURL_DEBOUNCE_MS);
  // the last body that parses: a half-typed one keeps the command of the one before
  const [body, setBody] = React.useState<string | null>(null);
  if (typed !== null && typed !== body && parsePayload(typed).ok) {
    setBody(typed);
  }
  const invalid = props.body !== null && !parsePayload(props.body).ok;
  const { value: command, fresh, error, load } = useLatestRequest(
    () => (body === null ? services.client.curl(name) : services.client.curlFor(name, JSON.parse(body))),
    // the command embeds a key: fetch it again when a key is regenerated
    JSON.stringify([name, props.ready, keys?.primary_key ?? null, keys?.secondary_key ?? null, body])
  );
  if (error) {
    return <ErrorNote error={error} title={trans.__('The curl command could not be made.')} onRetry={load} />;
  }
  if (command === null) {
    return <Loading />;
  }
  const secrets = [...(keys ? [keys.primary_key, keys.secondary_key] : []), ...bearerTokens(command)];
  const waiting = !fresh || props.body !== typed;
  return (
    <>
      <div className="amlx-Curl" data-fresh={!waiting}>
        <pre
          className={`amlx-Code amlx-Curl-command ${waiting ? 'amlx-mod-stale' : ''}`}
          aria-label={trans.__('curl command (key masked)')}
        >
          {maskSecrets(command, secrets)}
        </pre>
        <CopyButton text={() => command} label={trans.__('Copy the curl command (with the key)')} disabled={waiting} />
      </div>
      <div className="amlx-Hint amlx-Curl-note">
        {invalid
          ? trans.__('The request body above is not valid JSON: the command sends the last valid one.')
          : trans.__('The command sends the request body above.')}
      </div>
    </>
  );
}

function EndpointView(props: { services: AmlxServices; name: string; resource: Resource<IEndpoint>; onDeleted: () => void }): JSX.Element {
  const { services, name, resource } = props;
  useSignal(resource.changed);
  const [deleting, setDeleting] = React.useState(false);
  const [deleteError, setDeleteError] = React.useState<AmlxApiError | null>(null);
  // the test panel's body outlives the panel: reopening the endpoint shows what the person wrote
  const [draft, setDraft] = React.useState<IPayloadDraft>(() => {
    const kept = services.payloadDraft(name);
    return { text: kept, edited: kept !== null };
  });
  React.useEffect(() => {
    services.setPayloadDraft(name, draft.edited ? draft.text : null);
  }, [services, name, draft]);
  // keys from Regenerate go through `onKeys`: a read still in flight must not bring the old ones back
  const { value: keys, error: keysError, load: loadKeys, set: onKeys } = useLatestRequest(
    () => services.client.endpointKeys(name),
    name
  );
  React.useEffect(() => {
    void resource.reload();
  }, [name, resource]);
  const endpoint = resource.data;
  const settling = endpoint ? isSettling(endpoint) : false;
  React.useEffect(() => {
    if (!settling) {
      return;
    }
    // the next poll waits for the previous answer: a slow server never gets requests stacked up
    let active = true;
    let handle = 0;
    const next = () => {
      handle = window.setTimeout(() => {
        void resource.reload().then(() => active && next());
      }, POLL_MS);
    };
    next();
    return () => {
      active = false;
      window.clearTimeout(handle);
    };
  }, [settling, resource]);
  const remove = async () => {
    const answer = await showDialog({
      title: trans.__('Delete endpoint %1?', name),
      body: trans.__('Its deployments stop and its scoring URI stops answering. Registered models are kept.'),
      buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.warnButton({ label: trans.__('Delete') })]
    });
    if (!answer.button.accept) {
      return;
    }
    setDeleting(true);
    try {
      await services.client.deleteEndpoint(name);
      services.setPayloadDraft(name, null);
      void services.endpoints.reload();
      props.onDeleted();
    } catch (reason) {
      setDeleteError(asApiError(reason));
    } finally {
      setDeleting(false);
    }
  };
  if (!endpoint) {
    return resource.error ? (
      <ErrorNote
        error={resource.error}
        title={trans.__('Endpoint %1 could not be loaded.', name)}
        onRetry={() => void resource.reload()}
      />
    ) : (
      <Loading text={trans.__('Loading endpoint %1…', name)} />
    );
  }
  return (
    <div className="amlx-EndpointView" data-endpoint={name} data-status={endpoint.status}>
      <header className="amlx-Panel-header">
        <div className="amlx-RunDetails-title">
          <h2>{trans.__('Endpoint %1', endpoint.name)}</h2>
          <EndpointStatus status={endpoint.status} />
          {settling && <span className="amlx-Spinner" aria-label={trans.__('updating')} />}
        </div>
        <div className="amlx-RunDetails-meta">
          <span>{trans.__('auth: %1', endpoint.auth_mode)}</span>
          <span>{trans.__('created %1', formatTime(endpoint.created_at))}</span>
          {endpoint.description && <span>{endpoint.description}</span>}
        </div>
        <ErrorNote
          error={resource.error}
          title={trans.__('Could not refresh the endpoint.')}
          onRetry={() => void resource.reload()}
        />
      </header>
      <section className="amlx-Card">
        <h3>{trans.__('Scoring URI')}</h3>
        <div className="amlx-Curl">
          <code className="amlx-ScoringUri">{endpoint.scoring_uri ?? trans.__('(not listening yet)')}</code>
          {endpoint.scoring_uri && (
            <CopyButton text={() => endpoint.scoring_uri ?? ''} label={trans.__('Copy the scoring URI')} />
          )}
        </div>
        <h3>{trans.__('Keys')}</h3>
        <Keys services={services} name={name} keys={keys} error={keysError} onKeys={onKeys} onRetry={loadKeys} />
      </section>
      <section className="amlx-Card">
        <h3>{trans.__('Deployments')}</h3>
        <Deployments endpoint={endpoint} />
      </section>
      <TestPanel
        services={services}
        endpoint={endpoint}
        draft={draft}
        setDraft={setDraft}
        onSent={() => {
          void resource.reload();
          // the scoring server writes its counters about once a second
          window.setTimeout(() => void resource.reload(), STATS_DELAY_MS);
        }}
      />
      <section className="amlx-Card">
        <h3>{trans.__('Call it from a terminal')}</h3>
        <Curl services={services} name={name} keys={keys} ready={endpoint.deployments.length > 0} body={draft.text} />
      </section>
      <div className="amlx-Card-actions">
        <button className="jp-Button jp-mod-styled jp-mod-warn" disabled={deleting} onClick={() => void remove()}>
          {deleting ? trans.__('Deleting…') : trans.__('Delete endpoint')}
        </button>
        <ExportButton services={services} kind="endpoint" name={endpoint.name} folder={exportFolder(undefined)} />
      </div>
      <ErrorNote error={deleteError} title={trans.__('The endpoint could not be deleted.')} />
    </div>
  );
}

class EndpointContent extends ReactWidget {
  constructor(
    private readonly services: AmlxServices,
    readonly endpointName: string,
    private readonly onDeleted: () => void
  ) {
    super();
    this.addClass('amlx-MainPanel');
    this.resource = new Resource(() => services.client.endpoint(endpointName));
  }

  readonly resource: Resource<IEndpoint>;

  dispose(): void {
    this.resource.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return <EndpointView services={this.services} name={this.endpointName} resource={this.resource} onDeleted={this.onDeleted} />;
  }
}

export function endpointWidgetId(name: string): string {
  return panelId('endpoint', name);
}

export function createEndpointWidget(services: AmlxServices, name: string): MainAreaWidget<EndpointContent> {
  let widget: MainAreaWidget<EndpointContent> | null = null;
  const content = new EndpointContent(services, name, () => widget?.dispose());
  widget = new MainAreaWidget({ content });
  widget.id = endpointWidgetId(name);
  widget.title.label = trans.__('Endpoint %1', name);

  widget.title.icon = launchIcon;
  widget.title.closable = true;
  return widget;
}

/** Reload an open endpoint panel (after a new deployment). */
export function reloadEndpoint(widget: MainAreaWidget<EndpointContent>): void {
  void widget.content.resource.reload();
}
