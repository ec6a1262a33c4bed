/**
 * The left-panel widget: a workspace header (target, health, location) that
 * later issues extend with Submit, Runs, Models, Endpoints and Data sections.
 */
import {
  HTMLSelect,
  ReactWidget,
  UseSignal,
  refreshIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { EXTENSION_MISSING, IWorkspaceInfo } from './api';
import { amlIcon } from './icons';
import { SidebarModel, TargetSetting } from './model';

export const SIDEBAR_ID = 'amlx-lab-sidebar';

const TARGET_CHOICES: { value: TargetSetting; label: string }[] = [
  { value: 'server-default', label: 'Server default' },
  { value: 'local', label: 'Local workspace' },
  { value: 'azure', label: 'Azure ML workspace' }
];

export interface ISidebarProps {
  model: SidebarModel;
  /** Persist a target choice (the settings registry when present). */
  onTargetChange: (target: TargetSetting) => void;
}

function HealthLine(props: { info: IWorkspaceInfo }): JSX.Element {
  const { health } = props.info;
  return (
    <div className="amlx-Header-health" data-state={health.state}>
      <span
        className={`amlx-HealthDot amlx-mod-${health.state}`}
        aria-hidden="true"
      />
      <span className="amlx-Header-healthText">{health.message}</span>
    </div>
  );
}

function WorkspaceHeader(props: ISidebarProps): JSX.Element {
  const { model } = props;
  const info = model.workspace;
  return (
    <header className="amlx-Header" aria-label="Workspace">
      <div className="amlx-Header-titleRow">
        <amlIcon.react tag="span" className="amlx-Header-icon" />
        <h2 className="amlx-Header-title">Azure ML</h2>
        {info && (
          <span
            className="amlx-Badge"
            data-target={info.target}
            title={info.label}
          >
            {info.target === 'azure' ? 'Azure' : 'Local'}
          </span>
        )}
        <button
          className="jp-Button jp-mod-minimal amlx-IconButton"
          title="Refresh"
          aria-label="Refresh the workspace"
          onClick={() => void model.refresh()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {model.state === 'loading' && !info && (
        <div className="amlx-Header-loading" role="status">
          Connecting to the workspace…
        </div>
      )}
      {info && (
        <>
          <HealthLine info={info} />
          <dl className="amlx-Header-facts">
            <dt>Location</dt>
            <dd className="amlx-Header-location" title={info.location}>
              {info.location}
            </dd>
            <dt>Version</dt>
            <dd>amlx_lab {info.version}</dd>
          </dl>
          {info.warnings.map(warning => (
            <p key={warning} className="amlx-Warning" role="note">
              {warning}
            </p>
          ))}
        </>
      )}
      <label className="amlx-Header-target">
        <span>Target</span>
        <HTMLSelect
          aria-label="Target"
          value={model.settings.target}
          onChange={event =>
            props.onTargetChange(event.currentTarget.value as TargetSetting)
          }
          options={TARGET_CHOICES}
        />
      </label>
    </header>
  );
}

function ErrorBox(props: { model: SidebarModel }): JSX.Element | null {
  const error = props.model.error;
  if (props.model.state !== 'error' || !error) {
    return null;
  }
  const title =
    error.code === EXTENSION_MISSING
      ? 'Server extension missing'
      : 'The workspace could not be loaded';
  return (
    <div className="amlx-Error" role="alert">
      <strong>{title}</strong>
      <p>{error.message}</p>
      <button
        className="jp-Button jp-mod-styled jp-mod-accept"
        onClick={() => void props.model.refresh()}
      >
        Retry
      </button>
    </div>
  );
}

function GettingStarted(): JSX.Element {
  return (
    <section className="amlx-Section" aria-label="Getting started">
      <h3 className="amlx-Section-title">Getting started</h3>
      <p>
        In a notebook run <code>%load_ext amlx_lab</code> then{' '}
        <code>%aml workspace</code>; in a terminal run{' '}
        <code>amlx workspace</code>.
      </p>
    </section>
  );
}

export function SidebarView(props: ISidebarProps): JSX.Element {
  return (
    <div className="amlx-Sidebar">
      <WorkspaceHeader {...props} />
      <ErrorBox model={props.model} />
      <GettingStarted />
    </div>
  );
}

export class AmlxSidebar extends ReactWidget {
  constructor(private readonly props: ISidebarProps) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('amlx-SidebarWidget');
    this.title.icon = amlIcon;
    this.title.caption = 'Azure ML jobs';
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.props.model.changed}>
        {() => <SidebarView {...this.props} />}
      </UseSignal>
    );
  }
}
