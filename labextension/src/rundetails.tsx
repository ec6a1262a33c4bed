/**
 * One run in the main area: overview (status, times, params, metrics), live
 * logs, metric history charts, outputs with download, the code package,
 * and Cancel / Re-run / Register model.
 */
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { ReactWidget, listIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { AmlxApiError } from './api';
import { ICodePackage, IFileEntry, IJob, IMetricHistory } from './apitypes';
import { LineChart } from './charts';
import { Empty, ErrorNote, Loading, StatusBadge, TabPanel, Tabs, useSignal, useTicker } from './components';
import { downloadFile } from './download';
import { fileTree } from './filetree';
import {
  formatBytes,
  formatDuration,
  formatMetric,
  formatTime,
  formatValue,
  isTerminal,
  jobDuration
} from './format';
import { FollowWhenShown, LogFollower } from './logfollow';
import { RegisterModelCard } from './modelpanels';
import { Throttle } from './poll';
import { Resource, asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { rerunRequest } from './submitform';
import { panelId } from './naming';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'logs', label: 'Logs' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'outputs', label: 'Outputs' },
  { id: 'code', label: 'Code' }
];

/** Shown instead of MLflow's many autologged params until asked for. */
const PARAMS_PREVIEW = 12;

function KeyValues(props: { entries: [string, unknown][]; label: string; metric?: boolean }): JSX.Element {
  if (!props.entries.length) {
    return <Empty>None.</Empty>;
  }
  return (
    <table className="amlx-Table amlx-KeyValues" aria-label={props.label}>
      <tbody>
        {props.entries.map(([key, value]) => (
          <tr key={key} data-key={key}>
            <th scope="row">{key}</th>
            <td title={typeof value === 'string' ? value : undefined}>
              {props.metric ? formatMetric(value as number | null) : formatValue(value)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Overview(props: { job: IJob }): JSX.Element {
  const { job } = props;
  const [allParams, setAllParams] = React.useState(false);
  const submitted = Object.keys(job.parameters ?? {});
  const logged = Object.entries(job.params ?? {}).filter(([key]) => !submitted.includes(key));
  const shown = allParams ? logged : logged.slice(0, PARAMS_PREVIEW);
  return (
    <div className="amlx-Overview">
      {job.error && (
        <div className="amlx-ErrorNote" role="alert">
          <strong>Why it failed</strong>
          <span className="amlx-ErrorNote-message">{job.error}</span>
        </div>
      )}
      <div className="amlx-Overview-grid">
        <section>
          <h3>Metrics</h3>
          <KeyValues entries={Object.entries(job.metrics ?? {})} label="Metrics" metric />
        </section>
        <section>
          <h3>Parameters</h3>
          <KeyValues entries={Object.entries(job.parameters ?? {})} label="Parameters" />
          {logged.length > 0 && (
            <>
              <h3>Logged params</h3>
              <KeyValues entries={shown} label="Logged params" />
              {logged.length > PARAMS_PREVIEW && (
                <button className="amlx-Link" onClick={() => setAllParams(!allParams)}>
                  {allParams ? 'Show fewer' : `Show all ${logged.length}`}
                </button>
              )}
            </>
          )}
        </section>
        <section>
          <h3>Details</h3>
          <KeyValues
            label="Details"
            entries={[
              ['Name', job.name],
              ['Experiment', job.experiment],
              ['Compute', job.compute],
              ['Submitted', formatTime(job.created_at)],
              ['Started', formatTime(job.started_at)],
              ['Ended', formatTime(job.ended_at)],
              ['Exit code', job.exit_code ?? null],
              ['Notebook', job.tags?.['amlx.notebook'] ?? null],
              ['MLflow run', job.mlflow_run_id ?? null],
              ...((job.inputs ?? []).map(input => [`Input ${input.name}`, input.asset ?? input.ref]) as [
                string,
                unknown
              ][])
            ]}
          />
        </section>
      </div>
    </div>
  );
}

function Logs(props: { follower: LogFollower; job: IJob }): JSX.Element {
  const { follower } = props;
  useSignal(follower.changed);
  const pre = React.useRef<HTMLPreElement>(null);
  const stick = React.useRef(true);
  React.useLayoutEffect(() => {
    const element = pre.current;
    if (element && stick.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [follower.text]);
  const state = follower.complete
    ? 'Log complete.'
    : follower.following
      ? isTerminal(props.job.status)
        ? 'Reading the rest of the log…'
        : 'Streaming live…'
      : 'Not streaming.';
  return (
    <div className="amlx-Logs">
      <div className="amlx-Logs-status" data-complete={follower.complete} role="status">
        {!follower.complete && follower.following && <span className="amlx-Spinner" aria-hidden="true" />}
        {state}
        {follower.truncated && ' (earlier lines dropped; download the full log from Outputs)'}
      </div>
      <ErrorNote error={follower.error} title="The log could not be read." onRetry={() => follower.start()} />
      <pre
        ref={pre}
        className="amlx-Code amlx-Logs-text"
        aria-label="Job log"
        tabIndex={0}
        onScroll={event => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {follower.text || (follower.complete ? '(the log is empty)' : '')}
      </pre>
    </div>
  );
}

function Metrics(props: { histories: Resource<IMetricHistory[]> }): JSX.Element {
  const { histories } = props;
  useSignal(histories.changed);
  if (histories.pending) {
    return <Loading text="Loading metric history…" />;
  }
  const data = histories.data ?? [];
  return (
    <div className="amlx-Metrics">
      <ErrorNote error={histories.error} title="Metric history could not be loaded." onRetry={() => void histories.reload()} />
      {data.length === 0 && !histories.error && <Empty>No metrics logged (yet).</Empty>}
      <div className="amlx-Metrics-grid">
        {data.map(history => {
          // metrics logged without steps are drawn in logging order
          const stepped = history.points.some(q => q.step !== 0);
          const points = history.points
            .filter(p => typeof p.value === 'number' && isFinite(p.value))
            .map((p, i) => ({ x: stepped ? p.step : i, y: p.value as number }));
          return (
            <figure key={history.key} className="amlx-MetricCard" data-metric={history.key}>
              <figcaption>
                <span className="amlx-MetricCard-name">{history.key}</span>
                <span className="amlx-MetricCard-value">
                  {formatMetric(points.length ? points[points.length - 1].y : null)}
                </span>
              </figcaption>
              {points.length > 1 ? (
                <LineChart points={points} xLabel="step" yLabel={history.key} title={`${history.key} by step`} />
              ) : (
                <div className="amlx-Hint">One value logged.</div>
              )}
            </figure>
          );
        })}
      </div>
    </div>
  );
}

function Outputs(props: {
  services: AmlxServices;
  job: IJob;
  outputs: Resource<IFileEntry[]>;
  onRegister: (path: string) => void;
}): JSX.Element {
  const { services, job, outputs } = props;
  useSignal(outputs.changed);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  if (outputs.pending) {
    return <Loading text="Listing outputs…" />;
  }
  const rows = fileTree(outputs.data ?? []);
  const canRegister = services.model.workspace?.capabilities.models ?? false;
  const download = (path: string) => {
    downloadFile(services.client, services.client.outputPath(job.name, path), path).then(
      () => setError(null),
      reason => setError(asApiError(reason))
    );
  };
  return (
    <div className="amlx-Outputs">
      <ErrorNote error={outputs.error} title="Outputs could not be listed." onRetry={() => void outputs.reload()} />
      <ErrorNote error={error} title="The download failed." />
      {rows.length === 0 && !outputs.error && (
        <Empty>
          {isTerminal(job.status) ? 'The job wrote nothing to ./outputs/.' : 'Nothing yet: files appear as the job writes ./outputs/.'}
        </Empty>
      )}
      {rows.length > 0 && (
        <table className="amlx-Table amlx-FileTree" aria-label="Output files">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>
                <span className="amlx-visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <tr key={row.path} data-path={row.path} data-folder={row.folder}>
                <td style={{ paddingLeft: 8 + row.depth * 16 }}>
                  {row.folder ? '📁 ' : ''}
                  {row.name}
                </td>
                <td>{formatBytes(row.size)}</td>
                <td className="amlx-FileTree-actions">
                  {!row.folder && (
                    <>
                      <button
                        className="jp-Button jp-mod-styled amlx-small"
                        aria-label={`Download ${row.path}`}
                        onClick={() => download(row.path)}
                      >
                        Download
                      </button>
                      {canRegister && /\.(pkl|joblib|skops|pickle)$/i.test(row.name) && (
                        <button
                          className="jp-Button jp-mod-styled amlx-small"
                          aria-label={`Register ${row.path} as a model`}
                          onClick={() => props.onRegister(row.path)}
                        >
                          Register model
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Files larger than this are offered for download instead of shown. */
const CODE_VIEW_LIMIT = 512 * 1024;

function CodeTab(props: { services: AmlxServices; job: IJob }): JSX.Element {
  const { services, job } = props;
  const [pkg, setPkg] = React.useState<ICodePackage | null>(null);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [selected, setSelected] = React.useState('main.py');
  const [text, setText] = React.useState<string | null>(null);
  const [fileError, setFileError] = React.useState<AmlxApiError | null>(null);
  const load = () => {
    setError(null);
    services.client.code(job.name).then(setPkg, reason => setError(asApiError(reason)));
  };
  React.useEffect(load, [job.name]);
  const entry = pkg?.files.find(file => file.path === selected);
  const tooLarge = entry !== undefined && entry.size > CODE_VIEW_LIMIT;
  React.useEffect(() => {
    // a slow answer for a file no longer selected must not replace the one shown
    let current = true;
    setText(null);
    setFileError(null);
    if (!pkg || !entry || tooLarge) {
      return;
    }
    services.client
      .download(services.client.codePath(job.name, selected))
      .then(blob => blob.text())
      .then(
        value => current && setText(value),
        reason => current && setFileError(asApiError(reason))
      );
    return () => {
      current = false;
    };
  }, [pkg, job.name, selected]);
  if (error) {
    return <ErrorNote error={error} title="The code package could not be read." onRetry={load} />;
  }
  if (!pkg) {
    return <Loading text="Reading the code package…" />;
  }
  const download = (path: string) => {
    downloadFile(services.client, services.client.codePath(job.name, path), path).then(
      () => setFileError(null),
      reason => setFileError(asApiError(reason))
    );
  };
  const cells = (pkg.manifest?.cells as { index: number; reason: string }[] | undefined) ?? [];
  return (
    <div className="amlx-CodeTab">
      <h3>Command</h3>
      <pre className="amlx-Code">{pkg.command.join(' ')}</pre>
      <h3>Files</h3>
      <ul className="amlx-CodeTab-files" aria-label="Files of the code package">
        {pkg.files.map(file => (
          <li key={file.path} data-path={file.path}>
            <button
              className={`amlx-Link amlx-CodeTab-file${file.path === selected ? ' amlx-mod-selected' : ''}`}
              aria-pressed={file.path === selected}
              onClick={() => setSelected(file.path)}
            >
              {file.path}
            </button>{' '}
            <span className="amlx-Hint">{formatBytes(file.size)}</span>{' '}
            <button
              className="jp-Button jp-mod-styled amlx-small"
              aria-label={`Download ${file.path}`}
              onClick={() => download(file.path)}
            >
              Download
            </button>
          </li>
        ))}
      </ul>
      <h3>{selected}</h3>
      <ErrorNote error={fileError} title={`${selected} could not be read.`} />
      {!entry ? (
        <Empty>The code package has no {selected}.</Empty>
      ) : tooLarge ? (
        <Empty>{selected} is {formatBytes(entry.size)}: too large to show here; download it instead.</Empty>
      ) : text !== null ? (
        <pre className="amlx-Code amlx-CodeTab-script" aria-label={`${selected} of the code package`}>
          {text}
        </pre>
      ) : (
        !fileError && <Loading />
      )}
      {cells.length > 0 && (
        <>
          <h3>Notebook cells in the job</h3>
          <ul>
            {cells.map(cell => (
              <li key={cell.index}>
                cell {cell.index}: {cell.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="amlx-Hint">Snapshot folder: {pkg.path}</div>
    </div>
  );
}

function Actions(props: { services: AmlxServices; job: IJob; onRegister: () => void }): JSX.Element {
  const { services, job } = props;
  const [busy, setBusy] = React.useState<'cancel' | 'rerun' | null>(null);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const rerun = rerunRequest(job);
  const cancel = async () => {
    setBusy('cancel');
    try {
      services.runs.merge([await services.client.cancel(job.name)]);
      setError(null);
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(null);
    }
  };
  const again = async () => {
    if (!rerun) {
      return;
    }
    setBusy('rerun');
    try {
      const next = await services.client.submit(rerun);
      services.runs.merge([next]);
      services.watchJob(next.name);
      setError(null);
      Notification.success(`Re-ran ${job.display_name || job.name} as ${next.name}.`, {
        autoClose: 8000,
        actions: [{ label: 'Open run', callback: () => services.execute(CommandIDs.openRun, { name: next.name }) }]
      });
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setBusy(null);
    }
  };
  const canRegister = job.status === 'Completed' && (services.model.workspace?.capabilities.models ?? false);
  return (
    <>
      <div className="amlx-RunActions">
        {!isTerminal(job.status) && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn amlx-RunActions-cancel"
            disabled={busy !== null || job.status === 'CancelRequested'}
            onClick={() => void cancel()}
          >
            {busy === 'cancel' || job.status === 'CancelRequested' ? 'Canceling…' : 'Cancel'}
          </button>
        )}
        <button
          className="jp-Button jp-mod-styled amlx-RunActions-rerun"
          disabled={busy !== null || !rerun}
          title={rerun ? 'Submit the same cell again with the same parameters' : 'This run did not come from a notebook file'}
          onClick={() => void again()}
        >
          {busy === 'rerun' ? 'Submitting…' : 'Re-run'}
        </button>
        {canRegister && (
          <button className="jp-Button jp-mod-styled jp-mod-accept amlx-RunActions-register" onClick={props.onRegister}>
            Register model…
          </button>
        )}
        <button
          className="jp-Button jp-mod-styled amlx-RunActions-compare"
          title={`A metric against a parameter across the runs of ${job.experiment}`}
          onClick={() => services.execute(CommandIDs.compareRuns, { experiment: job.experiment })}
        >
          Compare runs
        </button>
      </div>
      <ErrorNote error={error} />
    </>
  );
}

/** While a job runs, its outputs and metric histories (up to 40 requests) reload at most this often. */
const RELOAD_MS = 5000;

class RunResources {
  constructor(services: AmlxServices, readonly name: string) {
    this.follower = new LogFollower(services.client, name);
    this.onScreen = new FollowWhenShown(this.follower);
    this.outputs = new Resource(() => services.client.outputs(name));
    this.histories = new Resource(async () => {
      const job = services.runs.get(name) ?? (await services.client.getJob(name));
      const keys = Object.keys(job.metrics ?? {}).slice(0, 40);
      return Promise.all(keys.map(key => services.client.metricHistory(name, key)));
    });
    this.outputsReload = new Throttle(() => void this.outputs.reload(), RELOAD_MS);
    this.historiesReload = new Throttle(() => void this.histories.reload(), RELOAD_MS);
  }

  readonly follower: LogFollower;
  /** Starts and stops the follower as the Logs tab and the panel show and hide. */
  readonly onScreen: FollowWhenShown;
  readonly outputs: Resource<IFileEntry[]>;
  readonly histories: Resource<IMetricHistory[]>;
  readonly outputsReload: Throttle;
  readonly historiesReload: Throttle;

  dispose(): void {
    this.outputsReload.cancel();
    this.historiesReload.cancel();
    this.onScreen.dispose();
    this.follower.dispose();
    this.outputs.dispose();
    this.histories.dispose();
  }
}

function RunDetails(props: { services: AmlxServices; name: string; resources: RunResources }): JSX.Element {
  const { services, name, resources } = props;
  useSignal(services.runs.changed);
  const [tab, setTab] = React.useState('overview');
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [registering, setRegistering] = React.useState<string | null>(null);
  const job = services.runs.get(name) ?? null;
  const load = () => {
    services.client.getJob(name).then(
      answer => {
        services.runs.merge([answer]);
        setError(null);
      },
      reason => setError(asApiError(reason))
    );
  };
  React.useEffect(() => {
    load();
    services.startFeed();
  }, [name]);
  React.useEffect(() => {
    if (tab !== 'logs') {
      return;
    }
    resources.onScreen.setTabSelected(true);
    return () => resources.onScreen.setTabSelected(false);
  }, [tab]);
  // read the job again when its log ends (the feed does not run in manual
  // mode) and when the panel comes back into view while the job runs
  React.useEffect(() => {
    const { follower } = resources;
    let complete = follower.complete;
    const running = () => {
      const current = services.runs.get(name);
      return !current || !isTerminal(current.status);
    };
    const onLog = () => {
      if (follower.complete && !complete) {
        complete = true;
        if (running()) {
          load();
        }
      }
    };
    const onShown = () => {
      if (running()) {
        load();
      }
    };
    follower.changed.connect(onLog);
    resources.onScreen.shown.connect(onShown);
    return () => {
      follower.changed.disconnect(onLog);
      resources.onScreen.shown.disconnect(onShown);
    };
  }, [name]);
  // metrics and outputs follow the job: reload on its changes while it runs
  // (at most every few seconds), at once when it ends
  const revision = job?.revision ?? -1;
  const terminal = job ? isTerminal(job.status) : false;
  const wasTerminal = React.useRef(terminal);
  React.useEffect(() => {
    const ended = terminal && !wasTerminal.current;
    wasTerminal.current = terminal;
    const reload =
      tab === 'metrics' ? resources.historiesReload : tab === 'outputs' ? resources.outputsReload : null;
    if (!job || !reload) {
      return;
    }
    if (ended) {
      reload.flush();
    } else {
      reload.request();
    }
    return () => reload.cancel();
  }, [tab, terminal, terminal ? 0 : revision]);
  useTicker(!!job && !terminal, 1000);
  if (!job) {
    return error ? (
      <div className="amlx-RunDetails">
        <ErrorNote error={error} title={`Run ${name} could not be loaded.`} onRetry={load} />
      </div>
    ) : (
      <Loading text={`Loading run ${name}…`} />
    );
  }
  const idPrefix = `amlx-run-${name}`;
  return (
    <div className="amlx-RunDetails" data-run={name} data-status={job.status}>
      <header className="amlx-Panel-header">
        <div className="amlx-RunDetails-title">
          <h2>{job.display_name || job.name}</h2>
          <StatusBadge status={job.status} />
        </div>
        <div className="amlx-RunDetails-meta">
          <span>{job.name}</span>
          <span>experiment {job.experiment}</span>
          <span>duration {formatDuration(jobDuration(job, Date.now() / 1000))}</span>
          <span>submitted {formatTime(job.created_at)}</span>
        </div>
        <Actions services={services} job={job} onRegister={() => setRegistering('')} />
        <ErrorNote error={error} title="Could not refresh the run." onRetry={load} />
      </header>
      {registering !== null && (
        <RegisterModelCard
          services={services}
          job={job}
          initialPath={registering}
          onClose={() => setRegistering(null)}
        />
      )}
      <Tabs tabs={TABS} selected={tab} onSelect={setTab} label="Run details" idPrefix={idPrefix} />
      <TabPanel idPrefix={idPrefix} id={tab} className={`amlx-RunDetails-${tab}`}>
        {tab === 'overview' && <Overview job={job} />}
        {tab === 'logs' && <Logs follower={resources.follower} job={job} />}
        {tab === 'metrics' && <Metrics histories={resources.histories} />}
        {tab === 'outputs' && (
          <Outputs services={services} job={job} outputs={resources.outputs} onRegister={path => setRegistering(path)} />
        )}
        {tab === 'code' && <CodeTab services={services} job={job} />}
      </TabPanel>
    </div>
  );
}

class RunDetailsContent extends ReactWidget {
  constructor(
    private readonly services: AmlxServices,
    readonly runName: string
  ) {
    super();
    this.addClass('amlx-MainPanel');
    this.resources = new RunResources(services, runName);
  }

  readonly resources: RunResources;

  dispose(): void {
    this.resources.dispose();
    super.dispose();
  }

  // the log is followed only while the panel is on screen (see FollowWhenShown)
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.resources.onScreen.setVisible(this.isVisible);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.resources.onScreen.setVisible(true);
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this.resources.onScreen.setVisible(false);
  }

  protected onBeforeDetach(msg: Message): void {
    this.resources.onScreen.setVisible(false);
    super.onBeforeDetach(msg);
  }

  protected render(): JSX.Element {
    return <RunDetails services={this.services} name={this.runName} resources={this.resources} />;
  }
}

export function runWidgetId(name: string): string {
  return panelId('run', name);
}

export function createRunWidget(services: AmlxServices, name: string): MainAreaWidget {
  const content = new RunDetailsContent(services, name);
  const widget = new MainAreaWidget({ content });
  widget.id = runWidgetId(name);
  const job = services.runs.get(name);
  widget.title.label = job?.display_name || name;
  widget.title.caption = `Run ${name}`;
  widget.title.icon = listIcon;
  widget.title.closable = true;
  // the tab title follows a display name that arrives later
  const retitle = () => {
    const current = services.runs.get(name);
    if (current) {
      widget.title.label = current.display_name || name;
    }
  };
  services.runs.changed.connect(retitle);
  widget.disposed.connect(() => services.runs.changed.disconnect(retitle));
  return widget;
}
