/**
 * Submitting a notebook cell: the sidebar's Submit section (follows the
 * active cell) and the main-area form with its Form and Preview tabs.
 */
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ReactWidget, runIcon } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob, IJobPackage, IPackageInput } from './apitypes';
import { IActiveCell } from './activecell';
import { Empty, ErrorNote, Loading, TabPanel, Tabs, useSignal } from './components';
import { formatBytes } from './format';
import { asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import {
  ICellTarget,
  IFormState,
  buildRequest,
  checkParameters,
  initialForm,
  withPreview
} from './submitform';
import { panelId } from './naming';

/** The sidebar block: which cell a submit would run, and the button. */
export function SubmitSection(props: { services: AmlxServices }): JSX.Element {
  const tracker = props.services.activeCell;
  useSignal(tracker?.changed ?? null);
  const cell = tracker?.current ?? null;
  if (!cell) {
    return (
      <Empty>
        Open a notebook and select the cell that trains your model; it becomes a tracked job with the
        code it needs.
      </Empty>
    );
  }
  const isCode = cell.cellType === 'code';
  return (
    <div className="amlx-Submit">
      <div className="amlx-Submit-target" title={cell.path}>
        <span className="amlx-Submit-notebook">{cell.path.split('/').pop()}</span>
        <span className="amlx-Submit-cell">cell {cell.index}</span>
        {cell.tags.map(tag => (
          <span key={tag} className="amlx-Tag">
            {tag}
          </span>
        ))}
      </div>
      {cell.summary && <code className="amlx-Submit-summary">{cell.summary}</code>}
      <div className="amlx-Submit-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-Submit-button"
          disabled={!isCode}
          onClick={() => props.services.execute(CommandIDs.submitCell)}
          title="Submit cell (Ctrl/Cmd+Shift+Enter)"
        >
          Submit cell…
        </button>
        <button
          className="jp-Button jp-mod-styled"
          disabled={!isCode}
          onClick={() => props.services.execute(CommandIDs.previewCell)}
        >
          Preview
        </button>
      </div>
      {!isCode && <div className="amlx-Hint">Select a code cell to submit it.</div>}
      <div className="amlx-Hint">Shortcut: Ctrl/Cmd + Shift + Enter in a notebook.</div>
    </div>
  );
}

/** Where the form's cell lives; the panel may be closed later (then nothing is saved). */
export interface ISubmitSource {
  target: ICellTarget;
  panel: NotebookPanel | null;
  summary: string;
}

export function sourceFromCell(cell: IActiveCell): ISubmitSource {
  return {
    target: { notebook: cell.path, cell: cell.cellId, index: cell.index },
    panel: cell.panel,
    summary: cell.summary
  };
}

type Phase = 'idle' | 'previewing' | 'submitting';

type SubmitTab = 'form' | 'preview';

interface ISubmitViewProps {
  services: AmlxServices;
  source: ISubmitSource;
  initialTab: SubmitTab;
  /** Asks an open form to show a tab (the Submit or Preview command on a cell whose form is open). */
  tabRequests: Signal<object, SubmitTab>;
}

/** The last save each notebook was asked for: saves run one after another, never overlapping. */
const pendingSaves = new WeakMap<NotebookPanel, Promise<boolean>>();

/**
 * Saves the notebook when it has unsaved changes (the slicer reads the file);
 * says whether it did. Two saves in flight at once would make JupyterLab see
 * its own first write as a change on disk and ask to overwrite or revert.
 */
function saveIfDirty(panel: NotebookPanel | null): Promise<boolean> {
  if (!panel || panel.isDisposed) {
    return Promise.resolve(false);
  }
  const previous = pendingSaves.get(panel) ?? Promise.resolve(false);
  const next = previous
    .catch(() => false)
    .then(async () => {
      if (panel.isDisposed || !panel.context.model.dirty) {
        return false;
      }
      await panel.context.save();
      return true;
    });
  pendingSaves.set(panel, next);
  return next;
}

function InputsList(props: {
  inputs: IPackageInput[];
  form: IFormState;
  assets: string[];
  onChange: (path: string, ref: string) => void;
}): JSX.Element {
  // one list of asset names for every row; ids unique per form
  const refsId = React.useId();
  if (!props.inputs.length) {
    return <Empty>The cell reads no files.</Empty>;
  }
  return (
    <>
      <datalist id={refsId}>
        {props.assets.map(ref => (
          <option key={ref} value={ref} />
        ))}
      </datalist>
      <table className="amlx-Table amlx-Inputs">
        <thead>
          <tr>
            <th>Path</th>
            <th>Size</th>
            <th>Goes in as</th>
          </tr>
        </thead>
        <tbody>
          {props.inputs.map(input => (
            <tr key={input.path} data-input={input.path}>
              <td>
                <code>{input.path}</code>
              </td>
              <td>{formatBytes(input.size_bytes)}</td>
              <td>
                {input.mode === 'job_input' ? (
                  <input
                    className="amlx-Input"
                    list={refsId}
                    aria-label={`Data asset or file for ${input.path}`}
                    placeholder="the detected file"
                    value={props.form.inputs[input.path] ?? ''}
                    onChange={event => props.onChange(input.path, event.currentTarget.value)}
                  />
                ) : (
                  'copied with the code'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ParametersForm(props: {
  pkg: IJobPackage | null;
  failed: boolean;
  form: IFormState;
  errors: Record<string, string>;
  onChange: (name: string, text: string) => void;
}): JSX.Element {
  const formId = React.useId();
  if (!props.pkg) {
    return props.failed ? (
      <Empty>The parameters show once the cell can be packaged (see the message above).</Empty>
    ) : (
      <Loading text="Reading the notebook's parameters…" />
    );
  }
  const params = Object.values(props.pkg.parameters);
  if (!params.length) {
    return (
      <Empty>
        No parameters: plain assignments of literals (e.g. <code>alpha = 0.5</code>) in the cells the job
        needs, or in a cell tagged <code>parameters</code>, become parameters.
      </Empty>
    );
  }
  return (
    <div className="amlx-Params">
      {params.map(param => {
        const error = props.errors[param.name];
        const id = `${formId}param-${param.name}`;
        return (
          <div key={param.name} className="amlx-Field amlx-Param" data-param={param.name}>
            <label htmlFor={id}>
              <code>{param.name}</code> <span className="amlx-Hint">{param.type}</span>
            </label>
            <input
              id={id}
              className={`amlx-Input ${error ? 'amlx-mod-invalid' : ''}`}
              aria-invalid={!!error}
              aria-describedby={error ? `${id}-error` : undefined}
              value={props.form.parameters[param.name] ?? ''}
              onChange={event => props.onChange(param.name, event.currentTarget.value)}
            />
            {error ? (
              <div id={`${id}-error`} className="amlx-FieldError">
                {error}
              </div>
            ) : (
              param.cell_index !== undefined && (
                <div className="amlx-Hint">
                  cell {param.cell_index}
                  {param.line !== undefined ? `, line ${param.line}` : ''}
                </div>
              )
            )}
          </div>
        );
      })}
    </div>
  );
}

function Warnings(props: { warnings: string[] }): JSX.Element | null {
  if (!props.warnings.length) {
    return null;
  }
  return (
    <ul className="amlx-Warnings" aria-label="Warnings">
      {props.warnings.map(warning => (
        <li key={warning} className="amlx-Warning">
          {warning}
        </li>
      ))}
    </ul>
  );
}

function PreviewView(props: { pkg: IJobPackage | null; phase: Phase; failed: boolean }): JSX.Element {
  const { pkg } = props;
  if (!pkg) {
    return props.failed ? (
      <Empty>Nothing to preview: the message above says what to change in the notebook.</Empty>
    ) : (
      <Loading text="Slicing the notebook…" />
    );
  }
  return (
    <div className="amlx-Preview">
      {props.phase === 'previewing' && <Loading text="Updating the preview…" />}
      <Warnings warnings={pkg.warnings} />
      <h3>main.py</h3>
      <pre className="amlx-Code amlx-Preview-script" aria-label="Generated main.py">
        {pkg.script}
      </pre>
      <div className="amlx-Preview-grid">
        <div>
          <h3>Requirements</h3>
          {pkg.requirements.length ? (
            <ul className="amlx-Preview-requirements">
              {pkg.requirements.map(req => (
                <li key={req}>
                  <code>{req}</code>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>None detected.</Empty>
          )}
        </div>
        <div>
          <h3>Inputs</h3>
          {pkg.inputs.length ? (
            <ul className="amlx-Preview-inputs">
              {pkg.inputs.map(input => (
                <li key={input.path}>
                  <code>{input.path}</code> ({formatBytes(input.size_bytes)},{' '}
                  {input.mode === 'copied' ? 'copied' : 'job input'})
                </li>
              ))}
            </ul>
          ) : (
            <Empty>No files.</Empty>
          )}
        </div>
      </div>
      <h3>Cells in the job</h3>
      <ul className="amlx-Preview-cells">
        {pkg.cells.map(cell => (
          <li key={cell.index}>
            cell {cell.index}: {cell.reason}
          </li>
        ))}
      </ul>
      <h3>Command</h3>
      <pre className="amlx-Code">{pkg.command.join(' ')}</pre>
    </div>
  );
}

function SubmitView(props: ISubmitViewProps): JSX.Element {
  const { services, source } = props;
  const settings = services.model.settings;
  const [tab, setTab] = React.useState<string>(props.initialTab);
  React.useEffect(() => {
    const show = (_: object, requested: SubmitTab) => setTab(requested);
    props.tabRequests.connect(show);
    return () => {
      props.tabRequests.disconnect(show);
    };
  }, [props.tabRequests]);
  const [form, setForm] = React.useState<IFormState>(() => initialForm(source.target.notebook, settings));
  const [pkg, setPkg] = React.useState<IJobPackage | null>(null);
  const [phase, setPhase] = React.useState<Phase>('idle');
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [saved, setSaved] = React.useState(false);
  const [submitted, setSubmitted] = React.useState<IJob[]>([]);
  const [previewedWith, setPreviewedWith] = React.useState('');
  useSignal(services.data.changed);
  const ticket = React.useRef(0);
  const formId = React.useId();

  const check = pkg ? checkParameters(pkg.parameters, form.parameters) : { parameters: {}, errors: {} };
  const hasErrors = Object.keys(check.errors).length > 0;
  const requestKey = JSON.stringify([check.parameters, form.inputs, form.includeAllAbove, form.autolog]);

  const preview = async (parameters = check.parameters) => {
    const mine = ++ticket.current;
    setPhase('previewing');
    try {
      if (await saveIfDirty(source.panel)) {
        setSaved(true);
      }
      const answer = await services.client.preview(buildRequest(source.target, form, parameters));
      if (mine === ticket.current) {
        setPkg(answer);
        setForm(current => withPreview(current, answer));
        setPreviewedWith(JSON.stringify([parameters, form.inputs, form.includeAllAbove, form.autolog]));
        setError(null);
      }
    } catch (reason) {
      if (mine === ticket.current) {
        setError(asApiError(reason));
      }
    } finally {
      if (mine === ticket.current) {
        setPhase('idle');
      }
    }
  };

  React.useEffect(() => {
    void preview({});
    if (services.data.state === 'idle' && services.model.workspace?.capabilities.data_assets) {
      void services.data.ensure();
    }
  }, []);

  // the preview tab always shows what submitting would run now
  React.useEffect(() => {
    if (tab === 'preview' && pkg && !hasErrors && phase === 'idle' && requestKey !== previewedWith) {
      void preview();
    }
  }, [tab, requestKey]);

  const submit = async () => {
    if (hasErrors) {
      setTab('form');
      return;
    }
    setPhase('submitting');
    try {
      if (await saveIfDirty(source.panel)) {
        setSaved(true);
      }
      const job = await services.client.submit(buildRequest(source.target, form, check.parameters));
      services.runs.merge([job]);
      services.watchJob(job.name);
      setSubmitted(list => [job, ...list]);
      setError(null);
      Notification.success(`Submitted ${job.display_name || job.name} to ${job.experiment}.`, {
        autoClose: 8000,
        actions: [
          {
            label: 'Open run',
            callback: () => services.execute(CommandIDs.openRun, { name: job.name })
          }
        ]
      });
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setPhase('idle');
    }
  };

  const assets = (services.data.data ?? []).map(asset => `azureml:${asset.name}@latest`);
  // two open forms (a copied notebook has the same cell ids) must not share DOM ids
  const idPrefix = `amlx-submit${formId}`;
  const experiments = Array.from(new Set(services.runs.all().map(job => job.experiment))).slice(0, 50);
  const computes = services.model.workspace?.capabilities.compute_targets ?? [];
  return (
    <div className="amlx-SubmitView">
      <header className="amlx-Panel-header">
        <h2>
          Submit cell {source.target.index ?? source.target.cell} of <code>{source.target.notebook}</code>
        </h2>
        {source.summary && <code className="amlx-Submit-summary">{source.summary}</code>}
        {saved && (
          <p className="amlx-Note" role="status">
            Saved the notebook first, so the job runs what you see.
          </p>
        )}
      </header>
      <Tabs
        tabs={[
          { id: 'form', label: 'Form' },
          { id: 'preview', label: 'Preview' }
        ]}
        selected={tab}
        onSelect={setTab}
        label="Submit"
        idPrefix={idPrefix}
      />
      <ErrorNote error={error} title="The cell cannot be submitted as it is." onRetry={() => void preview()} />
      {tab === 'form' ? (
        <TabPanel idPrefix={idPrefix} id="form" className="amlx-SubmitForm">
          <div className="amlx-FormGrid">
            <div className="amlx-Field">
              <label htmlFor={`${idPrefix}-experiment`}>Experiment</label>
              <input
                id={`${idPrefix}-experiment`}
                className="amlx-Input"
                list={`${idPrefix}-experiments`}
                value={form.experiment}
                onChange={event => setForm({ ...form, experiment: event.currentTarget.value })}
              />
              <datalist id={`${idPrefix}-experiments`}>
                {experiments.map(name => (
                  <option key={name} value={name} />
                ))}
              </datalist>
            </div>
            <div className="amlx-Field">
              <label htmlFor={`${idPrefix}-display`}>Display name</label>
              <input
                id={`${idPrefix}-display`}
                className="amlx-Input"
                placeholder="automatic (notebook and cell)"
                value={form.displayName}
                onChange={event => setForm({ ...form, displayName: event.currentTarget.value })}
              />
            </div>
            <div className="amlx-Field">
              <label htmlFor={`${idPrefix}-compute`}>Compute</label>
              <input
                id={`${idPrefix}-compute`}
                className="amlx-Input"
                list={`${idPrefix}-computes`}
                value={form.compute}
                onChange={event => setForm({ ...form, compute: event.currentTarget.value })}
              />
              <datalist id={`${idPrefix}-computes`}>
                {computes.map(name => (
                  <option key={name} value={name} />
                ))}
              </datalist>
            </div>
          </div>
          <fieldset className="amlx-Options">
            <legend className="amlx-FieldLabel">Options</legend>
            <label>
              <input
                type="checkbox"
                checked={form.includeAllAbove}
                onChange={event => setForm({ ...form, includeAllAbove: event.currentTarget.checked })}
              />{' '}
              Run every code cell above (not only the cells this one needs)
            </label>
            <label>
              <input
                type="checkbox"
                checked={form.autolog}
                onChange={event => setForm({ ...form, autolog: event.currentTarget.checked })}
              />{' '}
              MLflow autologging (parameters, metrics and the model of scikit-learn estimators)
            </label>
          </fieldset>
          <h3>Parameters</h3>
          <ParametersForm
            pkg={pkg}
            failed={error !== null && phase === 'idle'}
            form={form}
            errors={check.errors}
            onChange={(name, text) => setForm({ ...form, parameters: { ...form.parameters, [name]: text } })}
          />
          <h3>Detected inputs</h3>
          {pkg ? (
            <InputsList
              inputs={pkg.inputs}
              form={form}
              assets={assets}
              onChange={(path, ref) => setForm({ ...form, inputs: { ...form.inputs, [path]: ref } })}
            />
          ) : error && phase === 'idle' ? (
            <Empty>Not known until the cell can be packaged.</Empty>
          ) : (
            <Loading />
          )}
          {pkg && <Warnings warnings={pkg.warnings} />}
        </TabPanel>
      ) : (
        <TabPanel idPrefix={idPrefix} id="preview">
          <PreviewView pkg={pkg} phase={phase} failed={error !== null && phase === 'idle'} />
        </TabPanel>
      )}
      <footer className="amlx-Panel-footer">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept amlx-SubmitView-submit"
          disabled={phase === 'submitting' || hasErrors}
          onClick={() => void submit()}
        >
          {phase === 'submitting' ? 'Submitting…' : 'Submit'}
        </button>
        {tab === 'form' && (
          <button className="jp-Button jp-mod-styled" onClick={() => setTab('preview')}>
            Preview
          </button>
        )}
        {submitted.length > 0 && (
          <div className="amlx-Submitted" role="status">
            {submitted.slice(0, 5).map(job => (
              <button
                key={job.name}
                className="amlx-Link"
                onClick={() => services.execute(CommandIDs.openRun, { name: job.name })}
              >
                Submitted {job.display_name || job.name} ({job.name}): open run
              </button>
            ))}
          </div>
        )}
      </footer>
    </div>
  );
}

/** The id of a cell's submit form in the main area (the command activates an open one). */
export function submitWidgetId(target: ICellTarget): string {
  return panelId('submit', target.notebook, String(target.cell));
}

/** The form in the main area, one per notebook cell; `showTab` brings an open one to a tab. */
export class SubmitWidget extends MainAreaWidget {
  constructor(content: ReactWidget, private readonly _tabRequests: Signal<object, SubmitTab>) {
    super({ content });
  }

  showTab(tab: SubmitTab): void {
    this._tabRequests.emit(tab);
  }
}

export function createSubmitWidget(services: AmlxServices, source: ISubmitSource, initialTab: SubmitTab): SubmitWidget {
  const tabRequests = new Signal<object, SubmitTab>({});
  const content = ReactWidget.create(
    <SubmitView services={services} source={source} initialTab={initialTab} tabRequests={tabRequests} />
  );
  content.addClass('amlx-MainPanel');
  const widget = new SubmitWidget(content, tabRequests);
  widget.id = submitWidgetId(source.target);
  widget.title.label = `Submit: ${source.target.notebook.split('/').pop()} cell ${source.target.index ?? source.target.cell}`;
  widget.title.icon = runIcon;
  widget.title.closable = true;
  return widget;
}
