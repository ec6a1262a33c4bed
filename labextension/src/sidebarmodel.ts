/**
 * State of the sidebar, kept out of React so it can be tested without a DOM
 * and shared by the commands (palette, toolbar) that later issues add.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  AmlxApiError,
  AmlxClient,
  IWorkspaceInfo,
  TargetName
} from './api';
import { asApiError } from './resource';

export type TargetSetting = 'server-default' | TargetName;
export type RefreshMode = 'live' | 'interval' | 'manual';

/** Mirrors schema/plugin.json; defaults apply when the setting registry is absent. */
export interface ISidebarSettings {
  target: TargetSetting;
  defaultExperiment: string;
  defaultCompute: string;
  refresh: RefreshMode;
  refreshIntervalSeconds: number;
  /** Metric columns of the Runs list; empty means the most common ones. */
  runColumns: string[];
}

export const DEFAULT_SETTINGS: ISidebarSettings = {
  target: 'server-default',
  defaultExperiment: 'notebook-jobs',
  defaultCompute: 'local',
  refresh: 'live',
  refreshIntervalSeconds: 15,
  runColumns: []
};

export type LoadState = 'loading' | 'ready' | 'error';

/** While a remote target is still being reached ("checking"), the header asks again this often. */
export const CHECKING_RETRY_MS = 2000;

export class SidebarModel {
  constructor(readonly client: AmlxClient) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): LoadState {
    return this._state;
  }

  get workspace(): IWorkspaceInfo | null {
    return this._workspace;
  }

  get error(): AmlxApiError | null {
    return this._error;
  }

  get settings(): ISidebarSettings {
    return this._settings;
  }

  /** The target to ask the server for, or undefined for its configured default. */
  get requestedTarget(): TargetName | undefined {
    return this._settings.target === 'server-default'
      ? undefined
      : this._settings.target;
  }

  /** Apply new settings at once; a target change reloads the workspace header. */
  setSettings(settings: Partial<ISidebarSettings>): void {
    const next = { ...this._settings, ...settings };
    const targetChanged = next.target !== this._settings.target;
    this._settings = next;
    this._changed.emit();
    if (targetChanged && this._ticket > 0) {
      void this.refresh();
    }
  }

  /** Reload the workspace header; a slower, older answer never overwrites a newer one. */
  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    if (this._state === 'error') {
      this._state = 'loading';
      this._changed.emit();
    }
    try {
      const info = await this.client.workspace(this.requestedTarget);
      if (ticket !== this._ticket) {
        return;
      }
      this._workspace = info;
      this._error = null;
      this._state = 'ready';
      if (info.health.state === 'checking') {
        // configured is not reachable: ask again until the server's check has an answer
        setTimeout(() => {
          if (ticket === this._ticket) {
            void this.refresh();
          }
        }, CHECKING_RETRY_MS);
      }
    } catch (reason) {
      if (ticket !== this._ticket) {
        return;
      }
      this._error = asApiError(reason);
      this._state = 'error';
    }
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _state: LoadState = 'loading';
  private _workspace: IWorkspaceInfo | null = null;
  private _error: AmlxApiError | null = null;
  private _settings: ISidebarSettings = { ...DEFAULT_SETTINGS };
  private _ticket = 0;
}
