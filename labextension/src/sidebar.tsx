/**
 * The left-panel widget: a workspace header (target, health, location), then
 * the Submit, Runs, Models, Endpoints and Data sections the target supports.
 */
import {
  HTMLSelect,
  ReactWidget,
  UseSignal,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { EXTENSION_MISSING, IWorkspaceInfo } from './api';
import { DataSection, EndpointsSection, ModelsSection } from './catalog';
import { Section } from './components';
import { amlIcon } from './icons';
import { SidebarModel, TargetSetting } from './sidebarmodel';
import { RunsSection } from './runslist';
import { AmlxServices } from './services';
import { SubmitSection } from './submitsection';
import { trans } from './i18n';

export const SIDEBAR_ID = 'amlx-lab-sidebar';

function targetChoices(): { value: TargetSetting; label: string }[] {
  return [
    { value: 'server-default', label: trans.__('Server default') },
    { value: 'local', label: trans.__('Local workspace') },
    { value: 'azure', label: trans.__('Azure ML workspace') }
  ];
}

export interface ISidebarProps {
  model: SidebarModel;
  services: AmlxServices;
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
      <span className="amlx-Header-healthText">
        {health.message}
        {health.studio_url && (
          <>
            {' '}
            <a
              className="amlx-Link"
              href={health.studio_url}
              target="_blank"
              rel="noopener noreferrer"
            >
              {trans.__('open in Azure ML studio')}
            </a>
          </>
        )}
      </span>
    </div>
  );
}

function WorkspaceHeader(props: ISidebarProps): JSX.Element {
  const { model } = props;
  const info = model.workspace;
  return (
    <header className="amlx-Header" aria-label={trans.__('Workspace')}>
      <div className="amlx-Header-titleRow">
        <amlIcon.react tag="span" className="amlx-Header-icon" />
        <h2 className="amlx-Header-title">{trans.__('Azure ML')}</h2>
        {info && (
          <span
            className="amlx-Badge"
            data-target={info.target}
            title={info.label}
          >
            {info.target === 'azure' ? trans.__('Azure') : trans.__('Local')}
          </span>
        )}
        <button
          className="jp-Button jp-mod-minimal amlx-IconButton"
          title={trans.__('Refresh')}
          aria-label={trans.__('Refresh the workspace')}
          onClick={() => props.services.refreshAll()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {model.state === 'loading' && !info && (
        <div className="amlx-Header-loading" role="status">
          {trans.__('Connecting to the workspace…')}
        </div>
      )}
      {info && (
        <>
          <HealthLine info={info} />
          <dl className="amlx-Header-facts">
            <dt>{trans.__('Location')}</dt>
            <dd className="amlx-Header-location" title={info.location}>
              {info.location}
            </dd>
            <dt>{trans.__('Version')}</dt>
            <dd>{`amlx_lab ${info.version}`}</dd>

          </dl>
          {info.warnings.map(warning => (
            <p key={warning} className="amlx-Warning" role="note">
              {warning}
            </p>
          ))}
        </>
      )}
      <label className="amlx-Header-target">
        <span>{trans.__('Target')}</span>
        <HTMLSelect
          aria-label={trans.__('Target')}
          value={model.settings.target}
          onChange={event =>
            props.onTargetChange(event.currentTarget.value as TargetSetting)
          }
          options={targetChoices()}
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
      ? trans.__('Server extension missing')
      : trans.__('The workspace could not be loaded');
  return (
    <div className="amlx-Error" role="alert">
      <strong>{title}</strong>
      <p>{error.message}</p>
      <button
        className="jp-Button jp-mod-styled jp-mod-accept"
        onClick={() => void props.model.refresh()}
      >
        {trans.__('Retry')}
      </button>
    </div>
  );
}

type SectionId = 'submit' | 'runs' | 'models' | 'endpoints' | 'data';

const INITIALLY_EXPANDED: Record<SectionId, boolean> = {
  submit: true,
  runs: true,
  models: false,
  endpoints: false,
  data: false
};

/** What the target cannot do, in one sentence (its sections are hidden). */
function missingCapabilities(info: IWorkspaceInfo): string | null {
  const caps = info.capabilities;
  const missing = [
    !caps.jobs && trans.__('jobs'),
    !caps.models && trans.__('models'),
    !caps.endpoints && trans.__('endpoints'),
    !caps.data_assets && trans.__('data assets')
  ].filter(Boolean) as string[];
  if (!missing.length) {
    return null;
  }
  return trans._n(
    '%2 does not support %3 here yet, so that section is hidden.',
    '%2 does not support %3 here yet, so those sections are hidden.',
    missing.length,
    info.label,
    missing.join(trans.__(', '))
  );
}

function Sections(props: ISidebarProps): JSX.Element | null {
  const { services } = props;
  const info = props.model.workspace;
  const [expanded, setExpanded] = React.useState(INITIALLY_EXPANDED);
  if (!info) {
    return null;
  }
  const caps = info.capabilities;
  const toggle = (id: SectionId) => setExpanded({ ...expanded, [id]: !expanded[id] });
  const refreshButton = (label: string, onClick: () => void) => (
    <button className="jp-Button jp-mod-minimal amlx-IconButton" aria-label={label} title={label} onClick={onClick}>
      <refreshIcon.react tag="span" />
    </button>
  );
  const note = missingCapabilities(info);
  return (
    <>
      {caps.jobs && (
        <Section id="submit" title={trans.__('Submit')} expanded={expanded.submit} onToggle={() => toggle('submit')}>
          <SubmitSection services={services} />
        </Section>
      )}
      {caps.jobs && (
        <Section
          id="runs"
          title={trans.__('Runs')}
          expanded={expanded.runs}
          onToggle={() => toggle('runs')}
          className="amlx-mod-grow"
        >
          <RunsSection services={services} />
        </Section>
      )}
      {caps.models && (
        <Section
          id="models"
          title={trans.__('Models')}
          expanded={expanded.models}
          onToggle={() => toggle('models')}
          actions={refreshButton(trans.__('Refresh models'), () => void services.models.reload())}
        >
          <ModelsSection services={services} />
        </Section>
      )}
      {caps.endpoints && (
        <Section
          id="endpoints"
          title={trans.__('Endpoints')}
          expanded={expanded.endpoints}
          onToggle={() => toggle('endpoints')}
          actions={refreshButton(trans.__('Refresh endpoints'), () => void services.endpoints.reload())}
        >
          <EndpointsSection services={services} />
        </Section>
      )}
      {caps.data_assets && (
        <Section
          id="data"
          title={trans.__('Data')}
          expanded={expanded.data}
          onToggle={() => toggle('data')}
          actions={refreshButton(trans.__('Refresh data assets'), () => void services.data.reload())}
        >
          <DataSection services={services} />
        </Section>
      )}
      {note && (
        <p className="amlx-Hint amlx-Capabilities" role="note">
          {note}
        </p>
      )}
    </>
  );
}

export function SidebarView(props: ISidebarProps): JSX.Element {
  return (
    <div className="amlx-Sidebar">
      <WorkspaceHeader {...props} />
      <ErrorBox model={props.model} />
      <Sections {...props} />
    </div>
  );
}

export class AmlxSidebar extends ReactWidget {
  constructor(private readonly props: ISidebarProps) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('amlx-SidebarWidget');
    this.title.icon = amlIcon;
    this.title.caption = trans.__('Azure ML jobs');

  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    // runs load the first time someone looks, not on every JupyterLab start
    this.props.services.startFeed();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.props.model.changed}>
        {() => <SidebarView {...this.props} />}
      </UseSignal>
    );
  }
}
