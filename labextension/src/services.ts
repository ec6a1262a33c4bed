/**
 * Everything the sidebar and the main-area panels share: the REST client,
 * the workspace model, the runs this page knows, the change feed, the Runs
 * list (server-paged), and the model, endpoint and data lists. One instance
 * per JupyterLab page.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';

import { AmlxClient, TargetName } from './api';
import { IDataAsset, IEndpoint, IModelSummary } from './apitypes';
import { ActiveCellTracker } from './activecell';
import { isTerminal } from './format';
import { SidebarModel } from './sidebarmodel';
import { Resource } from './resource';
import { RunsFeed } from './runsfeed';
import { RunSelection } from './runcompare';
import { RunStore } from './runstore';
import { RunsView } from './runsview';
import { trans } from './i18n';

/** The ids of every amlx command. */
export const CommandIDs = {
  openSidebar: 'amlx:open-sidebar',
  submitCell: 'amlx:submit-cell',
  previewCell: 'amlx:preview-cell',
  openRun: 'amlx:open-run',
  compareRuns: 'amlx:compare-runs',
  compareSelected: 'amlx:compare-selected',
  refresh: 'amlx:refresh',
  deployModel: 'amlx:deploy-model',
  openEndpoint: 'amlx:open-endpoint',
  registerData: 'amlx:register-data',
  openAutoML: 'amlx:open-automl'
} as const;

/** The keyboard shortcut of "Submit cell" (also declared in schema/plugin.json). */
export const SUBMIT_SHORTCUT = 'Accel Shift Enter';

/** Kinds of main-area panels that show one workspace's runs, models or endpoints (see `panelId`). */
const WORKSPACE_PANEL_KINDS = new Set(['run', 'compare', 'model', 'endpoint', 'deploy', 'automl']);

/**
 * The ids among `ids` of panels that belong to a workspace: after a target
 * switch they would load forever or talk to the other workspace. The submit
 * form ('amlx-submit-…') stays: it is about a notebook, and submits to the
 * current target.
 */
export function workspacePanelIds(ids: Iterable<string>): string[] {
  return Array.from(ids).filter(id => {
    const [prefix, kind] = id.split('-');
    return prefix === 'amlx' && WORKSPACE_PANEL_KINDS.has(kind);
  });
}

export interface ITargetSwitch {
  previous: TargetName | undefined;
  current: TargetName | undefined;
  /** How the previous workspace was labelled in the sidebar ('' when it never loaded). */
  previousLabel: string;
}

export class AmlxServices {
  constructor(
    readonly app: JupyterFrontEnd,
    readonly client: AmlxClient,
    readonly activeCell: ActiveCellTracker | null
  ) {
    this.model = new SidebarModel(client);
    this.feed = new RunsFeed(client, this.runs);
    this.runsView = new RunsView(client, this.runs);
    // the feed only hints: the list decides what to update or read again
    this.feed.changes.connect((_, jobs) => this.runsView.hint(jobs, Date.now() / 1000));
    this.models = new Resource(() => client.models());
    this.endpoints = new Resource(() => client.endpoints());
    this.data = new Resource(() => client.dataAssets());
    this.model.changed.connect(this._onModelChanged, this);
    this.runs.changed.connect(this._onRunsChanged, this);
  }

  readonly model: SidebarModel;
  readonly runs = new RunStore();
  /** The runs ticked in the Runs list, for the side-by-side comparison. */
  readonly selection = new RunSelection();
  readonly runsView: RunsView;
  readonly feed: RunsFeed;
  readonly models: Resource<IModelSummary[]>;
  readonly endpoints: Resource<IEndpoint[]>;
  readonly data: Resource<IDataAsset[]>;

  /** The requests now go to another target (the lists are already reset). */
  get targetChanged(): ISignal<this, ITargetSwitch> {
    return this._targetChanged;
  }

  /** Whether logs wrap long lines (the last choice in any run's Logs tab, for the next one opened). */
  get logWrap(): boolean {
    return this._logWrap;
  }

  setLogWrap(wrap: boolean): void {
    this._logWrap = wrap;
  }

  /** The test-panel body the person wrote for an endpoint of the current target (null: none, use the example). */
  payloadDraft(endpoint: string): string | null {
    return this._drafts.get(this._draftKey(endpoint)) ?? null;
  }

  /** Keep (or with null forget) an edited body, so reopening the endpoint's panel shows it again. */
  setPayloadDraft(endpoint: string, text: string | null): void {
    if (text === null) {
      this._drafts.delete(this._draftKey(endpoint));
    } else {
      this._drafts.set(this._draftKey(endpoint), text);
    }
  }

  /** Persists a setting (the settings registry, when there is one); set by the plugin. */
  saveSetting: ((key: string, value: unknown) => void) | null = null;

  /** Pick the Runs list's metric columns (kept in the settings so they survive a reload). */
  setRunColumns(columns: string[]): void {
    this.runsView.setPickedColumns(columns);
    if (this.saveSetting) {
      this.saveSetting('runColumns', columns);
    } else {
      this.model.setSettings({ runColumns: columns });
    }
  }

  /** Start keeping runs current (first time the sidebar or a run is shown); idempotent. */
  startFeed(): void {
    this._feedWanted = true;
    this.feed.start(this._feedOptions());
    this.runsView.start();
  }

  /** Tell the person when a run they submitted from here finishes. */
  watchJob(name: string): void {
    this._watched.add(name);
    this.startFeed();
  }

  execute(command: string, args: Record<string, unknown> = {}): void {
    void this.app.commands.execute(command, args as never).catch(reason => {
      console.error(`amlx-lab: ${command} failed`, reason);
    });
  }

  /** Reload everything (the sidebar refresh button). */
  refreshAll(): void {
    void this.model.refresh();
    if (this._feedWanted) {
      this.feed.refreshNow();
      this.runsView.refresh();
    }
    for (const resource of [this.models, this.endpoints, this.data]) {
      // a list nobody has looked at stays unloaded; a shown one loads even when a switch left it idle
      if (resource.state !== 'idle' || resource.watched) {
        void resource.reload();
      }
    }
  }

  private _feedOptions() {
    const { refresh, refreshIntervalSeconds } = this.model.settings;
    const live = this.model.workspace?.capabilities.live_updates;
    // a target without long-poll events is polled instead of held open
    const mode = refresh === 'live' && live === 'none' ? 'interval' : refresh;
    return { mode, intervalSeconds: Math.max(2, refreshIntervalSeconds) };
  }

  private _onModelChanged(): void {
    const columns = this.model.settings.runColumns ?? [];
    if (columns.join('\n') !== this.runsView.pickedColumns.join('\n')) {
      this.runsView.setPickedColumns(columns);
    }
    const target = this.model.requestedTarget;
    if (target !== this.client.target) {
      const previous = this.client.target;
      this.client.target = target;
      this.models.reset();
      this.endpoints.reset();
      this.data.reset();
      this.runsView.reset();
      if (this._feedWanted) {
        this.feed.reset(); // clears the runs too
        this.runsView.start();
      } else {
        this.runs.clear();
      }
      // the header still describes the previous workspace until its refresh answers
      const shown = this.model.workspace;
      if (target === undefined || shown?.target !== target) {
        this._targetChanged.emit({ previous, current: target, previousLabel: shown?.label ?? '' });
      }
    }
    this.runsView.setSortKeys(this.model.workspace?.capabilities.sort_keys);
    if (this._feedWanted) {
      this.feed.start(this._feedOptions());
    }
  }

  private _onRunsChanged(): void {
    for (const name of Array.from(this._watched)) {
      const job = this.runs.get(name);
      if (!job || !isTerminal(job.status)) {
        continue;
      }
      this._watched.delete(name);
      const label = job.display_name || job.name;
      const options = {
        autoClose: job.status === 'Completed' ? 8000 : (false as const),
        actions: [{ label: trans.__('Open run'), callback: () => this.execute(CommandIDs.openRun, { name }) }]
      };
      if (job.status === 'Completed') {
        Notification.success(trans.__('Run %1 completed.', label), options);
      } else if (job.status === 'Failed') {
        const message = job.error ? trans.__('Run %1 failed: %2', label, job.error) : trans.__('Run %1 failed.', label);
        Notification.error(message, options);
      } else {
        Notification.info(trans.__('Run %1 was canceled.', label), options);
      }

    }
  }

  private _targetChanged = new Signal<this, ITargetSwitch>(this);
  private _logWrap = true;
  private _drafts = new Map<string, string>();

  private _draftKey(endpoint: string): string {
    return JSON.stringify([this.client.target ?? null, endpoint]);
  }
  private _feedWanted = false;
  private _watched = new Set<string>();
}
