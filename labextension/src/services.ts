/**
 * Everything the sidebar and the main-area panels share: the REST client,
 * the workspace model, the runs store and its feed, and the model, endpoint
 * and data lists. One instance per JupyterLab page.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';

import { AmlxClient } from './api';
import { IDataAsset, IEndpoint, IModelSummary } from './apitypes';
import { ActiveCellTracker } from './activecell';
import { isTerminal } from './format';
import { SidebarModel } from './model';
import { Resource } from './resource';
import { RunsFeed } from './runsfeed';
import { RunStore } from './runstore';
import { RunsView } from './runsview';

export namespace CommandIDs {
  export const openSidebar = 'amlx:open-sidebar';
  export const submitCell = 'amlx:submit-cell';
  export const previewCell = 'amlx:preview-cell';
  export const openRun = 'amlx:open-run';
  export const compareRuns = 'amlx:compare-runs';
  export const refresh = 'amlx:refresh';
  export const deployModel = 'amlx:deploy-model';
  export const openEndpoint = 'amlx:open-endpoint';
  export const registerData = 'amlx:register-data';
}

/** The keyboard shortcut of "Submit cell" (also declared in schema/plugin.json). */
export const SUBMIT_SHORTCUT = 'Accel Shift Enter';

export class AmlxServices {
  constructor(
    readonly app: JupyterFrontEnd,
    readonly client: AmlxClient,
    readonly activeCell: ActiveCellTracker | null
  ) {
    this.model = new SidebarModel(client);
    this.feed = new RunsFeed(client, this.runs);
    this.runsView = new RunsView(this.runs);
    this.models = new Resource(() => client.models());
    this.endpoints = new Resource(() => client.endpoints());
    this.data = new Resource(() => client.dataAssets());
    this.model.changed.connect(this._onModelChanged, this);
    this.runs.changed.connect(this._onRunsChanged, this);
  }

  readonly model: SidebarModel;
  readonly runs = new RunStore();
  readonly runsView: RunsView;
  readonly feed: RunsFeed;
  readonly models: Resource<IModelSummary[]>;
  readonly endpoints: Resource<IEndpoint[]>;
  readonly data: Resource<IDataAsset[]>;

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
    }
    for (const resource of [this.models, this.endpoints, this.data]) {
      if (resource.state !== 'idle') {
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
      this.client.target = target;
      this.runs.clear();
      this.models.reset();
      this.endpoints.reset();
      this.data.reset();
      if (this._feedWanted) {
        this.feed.reset();
      }
    }
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
        actions: [{ label: 'Open run', callback: () => this.execute(CommandIDs.openRun, { name }) }]
      };
      if (job.status === 'Completed') {
        Notification.success(`Run ${label} completed.`, options);
      } else if (job.status === 'Failed') {
        Notification.error(`Run ${label} failed${job.error ? `: ${job.error}` : '.'}`, options);
      } else {
        Notification.info(`Run ${label} was canceled.`, options);
      }
    }
  }

  private _feedWanted = false;
  private _watched = new Set<string>();
}
