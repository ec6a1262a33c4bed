/**
 * One run in the main area: the header (status, times, actions) over the
 * Overview, Logs, Metrics, Outputs and Code tabs, and what the panel keeps
 * while it is open (the log follower, outputs and metric histories, reloaded
 * as the job changes).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget, listIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IFileEntry, IJob, IMetricHistory } from './apitypes';
import { Ago, ErrorNote, InteractiveBadge, Loading, StatusBadge, TabPanel, Tabs, useNow, useSignal, withElements, PLACEHOLDERS } from './components';
import { formatDuration, formatTime, isInteractive, isTerminal, jobDuration } from './format';
import { FollowWhenShown, LogFollower } from './logfollow';
import { ILastRegistration, RegisterModelCard } from './modelregister';
import { Throttle } from './poll';
import { Latest, Resource, asApiError } from './resource';
import { Actions } from './runactions';
import { RunLabels } from './runlabels';
import { CodeTab } from './runcode';
import { Logs } from './runlogs';
import { Metrics } from './runmetrics';
import { Outputs } from './runoutputs';
import { Overview } from './runoverview';
import { Leaderboard, LeaderboardResource } from './runautoml';
import { AmlxServices } from './services';
import { SweepResources, SweepTrials } from './sweeptrials';
import { panelId } from './naming';
import { trans } from './i18n';

function allTabs(): { id: string; label: string }[] {
  return [
    { id: 'overview', label: trans.__('Overview') },
    { id: 'trials', label: trans.__('Trials') },
    { id: 'logs', label: trans.__('Logs') },
    { id: 'metrics', label: trans.__('Metrics') },
    { id: 'outputs', label: trans.__('Outputs') },
    { id: 'code', label: trans.__('Code') }
  ];
}

/** An AutoML job (not one of its trials) has a Leaderboard tab after the overview. */
function tabsOf(job: IJob): { id: string; label: string }[] {
  const tabs = allTabs();
  return job.type === 'automl' && !job.parent
    ? [tabs[0], { id: 'leaderboard', label: trans.__('Leaderboard') }, ...tabs.slice(1)]
    : tabs;
}

/** While a job runs, its outputs and metric histories reload at most this often. */
const RELOAD_MS = 5000;

/** Charts beyond this many (MLflow autologs dozens of metrics) would bury the ones that matter. */
const MAX_CHARTS = 40;

class RunResources {
  constructor(services: AmlxServices, readonly name: string) {
    this.follower = new LogFollower(services.client, name);
    this.onScreen = new FollowWhenShown(this.follower);
    this.outputs = new Resource(() => services.client.outputs(name));
    this.histories = new Resource(async () => {
      const job = services.runs.get(name) ?? (await services.client.getJob(name));
      return services.client.metricHistories(name, Object.keys(job.metrics ?? {}).slice(0, MAX_CHARTS));
    });
    this.outputsReload = new Throttle(() => void this.outputs.reload(), RELOAD_MS);
    this.leaderboard = new LeaderboardResource(services, name);
    this.historiesReload = new Throttle(() => void this.histories.reload(), RELOAD_MS);
    this.sweep = new SweepResources(services, name);
  }

  /** A sweep's trials, details and objective histories (loaded only if the run is a sweep). */
  readonly sweep: SweepResources;

  readonly follower: LogFollower;
  /** Starts and stops the follower as the Logs tab and the panel show and hide. */
  readonly onScreen: FollowWhenShown;
  readonly outputs: Resource<IFileEntry[]>;
  readonly histories: Resource<IMetricHistory[]>;
  readonly outputsReload: Throttle;
  readonly historiesReload: Throttle;
  /** An AutoML job's leaderboard (loaded only when its tab is shown). */
  readonly leaderboard: LeaderboardResource;

  dispose(): void {
    this.sweep.dispose();
    this.leaderboard.dispose();
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
  const [chosenTab, setTab] = React.useState<string | null>(null);
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [registering, setRegistering] = React.useState<string | null>(null);
  const [lastRegistration, setLastRegistration] = React.useState<ILastRegistration | null>(null);
  const job = services.runs.get(name) ?? null;
  const isSweep = job?.type === 'sweep';
  // a sweep opens on its trials; only a sweep has them
  const tab = chosenTab === 'trials' && !isSweep ? 'overview' : chosenTab ?? (isSweep ? 'trials' : 'overview');
  const { client, runs } = services;
  const [requests] = React.useState(() => new Latest());
  const load = React.useCallback(() => {
    const isLatest = requests.begin();
    client.getJob(name).then(
      answer => {
        // the store keeps the newer of this answer and what the feed brought meanwhile
        runs.merge([answer]);
        if (isLatest()) {
          setError(null);
        }
      },
      reason => isLatest() && setError(asApiError(reason))
    );
  }, [client, runs, name, requests]);
  React.useEffect(() => {
    load();
    return () => requests.cancel();
  }, [load, requests]);
  React.useEffect(() => services.startFeed(), [services]);
  const { onScreen, follower } = resources;
  // an interactive run has no log to follow: its output is in the notebook
  const interactive = job ? isInteractive(job) : false;
  React.useEffect(() => {
    if (tab !== 'logs' || interactive) {
      return;
    }
    onScreen.setTabSelected(true);
    return () => onScreen.setTabSelected(false);
  }, [tab, onScreen, interactive]);
  // read the job again when its log ends (the feed does not run in manual
  // mode) and when the panel comes back into view while the job runs
  React.useEffect(() => {
    let complete = follower.complete;
    const running = () => {
      const current = runs.get(name);
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
    onScreen.shown.connect(onShown);
    return () => {
      follower.changed.disconnect(onLog);
      onScreen.shown.disconnect(onShown);
    };
  }, [name, load, runs, follower, onScreen]);
  // metrics and outputs follow the job: reload on its changes while it runs
  // (at most every few seconds), at once when it ends
  const terminal = job ? isTerminal(job.status) : false;
  const changeMark = job && !terminal ? job.updated_at ?? 0 : 0;
  const hasJob = job !== null;
  const wasTerminal = React.useRef(terminal);
  const { historiesReload, outputsReload } = resources;
  React.useEffect(() => {
    const ended = terminal && !wasTerminal.current;
    wasTerminal.current = terminal;
    const reload = tab === 'metrics' ? historiesReload : tab === 'outputs' ? outputsReload : null;
    if (!hasJob || !reload) {
      return;
    }
    if (ended) {
      reload.flush();
    } else {
      reload.request();
    }
    return () => reload.cancel();
  }, [tab, terminal, changeMark, hasJob, historiesReload, outputsReload]);
  const now = useNow(hasJob && !terminal, 1000) / 1000;
  if (!job) {
    return error ? (
      <div className="amlx-RunDetails">
        <ErrorNote error={error} title={trans.__('Run %1 could not be loaded.', name)} onRetry={load} />
      </div>
    ) : (
      <Loading text={trans.__('Loading run %1…', name)} />
    );
  }
  const tabs = tabsOf(job).filter(t => t.id !== 'trials' || isSweep);
  const idPrefix = `amlx-run-${name}`;
  return (
    <div className="amlx-RunDetails" data-run={name} data-status={job.status}>
      <header className="amlx-Panel-header">
        <div className="amlx-RunDetails-title">
          <h2>{job.display_name || job.name}</h2>
          <StatusBadge status={job.status} />
          {interactive && <InteractiveBadge />}
        </div>
        <div className="amlx-RunDetails-meta">
          <span>{job.name}</span>
          <span>{trans.__('experiment %1', job.experiment)}</span>
          <span>{trans.__('duration %1', formatDuration(jobDuration(job, now)))}</span>
          <span className="amlx-RunDetails-submitted" title={formatTime(job.created_at)}>
            {withElements(
              interactive ? trans.__('started %1', ...PLACEHOLDERS) : trans.__('submitted %1', ...PLACEHOLDERS),
              <Ago epochSeconds={job.created_at} />
            )}
          </span>
          {job.studio_url && (
            <a className="amlx-Link" href={job.studio_url} target="_blank" rel="noopener noreferrer">
              {trans.__('open in Azure ML studio')}
            </a>
          )}
        </div>
        <Actions services={services} job={job} onRegister={() => setRegistering('')} />
        <RunLabels key={`${job.name}\n${job.description ?? ''}`} services={services} job={job} />
        <ErrorNote error={error} title={trans.__('Could not refresh the run.')} onRetry={load} />
      </header>
      {registering !== null && (
        <RegisterModelCard
          services={services}
          job={job}
          initialPath={registering}
          onClose={() => setRegistering(null)}
          last={lastRegistration}
          onRegistered={setLastRegistration}
        />
      )}
      <Tabs tabs={tabs} selected={tab} onSelect={setTab} label={trans.__('Run details')} idPrefix={idPrefix} />
      <TabPanel idPrefix={idPrefix} id={tab} className={`amlx-RunDetails-${tab}`}>
        {tab === 'overview' && <Overview job={job} />}
        {tab === 'trials' && <SweepTrials services={services} sweep={job} resources={resources.sweep} />}
        {tab === 'leaderboard' && (
          <Leaderboard services={services} job={job} resource={resources.leaderboard} onRegister={() => setRegistering('outputs/model')} />
        )}
        {tab === 'logs' && <Logs services={services} follower={resources.follower} job={job} />}
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
  widget.title.caption = trans.__('Run %1', name);

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
