/**
 * The submit form in the main area, one per notebook cell: the Form and
 * Preview tabs over one package preview that follows the form, and Submit.
 */
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ReactWidget, runIcon } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob, IJobPackage, IPackageCell, ISubmitRequest, ISweepPreview, ParameterValue } from './apitypes';
import { IActiveCell } from './activecell';
import { ErrorNote, TabPanel, Tabs, useSignal, withElements, PLACEHOLDERS } from './components';
import { saveIfDirty } from './notebooksave';
import { Latest, asApiError } from './resource';
import { AmlxServices, CommandIDs } from './services';
import { FormTab } from './submitformtab';
import { ICellTarget, IFormState, buildRequest, cellNumber, checkParameters, initialForm, withPreview } from './submitform';
import { PreviewView } from './submitpreview';
import { SweepTab } from './submitsweeptab';
import { ISweepForm, initialSweepForm, sweepPreviewKey, sweepRequest, sweepSettings, withSweepPackage } from './sweepform';
import { panelId } from './naming';
import { trans } from './i18n';

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

/** The code of a cell the package takes, as the open notebook has it (null once the notebook is closed). */
function cellSourceIn(panel: NotebookPanel | null, cell: IPackageCell): string | null {
  const cells = panel && !panel.isDisposed ? panel.content.model?.cells : undefined;
  if (!cells) {
    return null;
  }
  for (let i = 0; i < cells.length; i++) {
    const model = cells.get(i);
    if (cell.id ? model.id === cell.id : i === cell.index) {
      return model.sharedModel.getSource();
    }
  }
  return null;
}

type Phase = 'idle' | 'previewing' | 'submitting';

type SubmitTab = 'form' | 'sweep' | 'preview';

/** The sweep's points are previewed once the person pauses typing this long. */
const SWEEP_PREVIEW_MS = 400;

interface ISubmitViewProps {
  services: AmlxServices;
  source: ISubmitSource;
  initialTab: SubmitTab;
  /** Asks an open form to show a tab (the Submit or Preview command on a cell whose form is open). */
  tabRequests: Signal<object, SubmitTab>;
}

/** What the preview of a form shows depends on these; the same key needs no new preview. */
function previewKey(form: IFormState, parameters: Record<string, ParameterValue>): string {
  return JSON.stringify([parameters, form.inputs, form.includeAllAbove, form.autolog]);
}

function SubmitView(props: ISubmitViewProps): JSX.Element {
  const { services, source, tabRequests } = props;
  const { client } = services;
  const [initial] = React.useState(() =>
    initialForm(
      source.target.notebook,
      services.model.settings,
      services.model.workspace?.capabilities.compute_targets ?? []
    )
  );
  const [tab, setTab] = React.useState<SubmitTab>(props.initialTab);
  const [form, setForm] = React.useState<IFormState>(initial);
  const [pkg, setPkg] = React.useState<IJobPackage | null>(null);
  // the first preview is asked for as the form opens
  const [phase, setPhase] = React.useState<Phase>('previewing');
  const [error, setError] = React.useState<AmlxApiError | null>(null);
  const [saved, setSaved] = React.useState(false);
  const [submitted, setSubmitted] = React.useState<IJob[]>([]);
  const [previewedWith, setPreviewedWith] = React.useState('');
  const [previews] = React.useState(() => new Latest());
  useSignal(services.data.changed);
  const formId = React.useId();
  const [sweepForm, setSweepForm] = React.useState<ISweepForm>(initialSweepForm);
  const [sweepPreview, setSweepPreview] = React.useState<ISweepPreview | null>(null);
  const [sweepMetrics, setSweepMetrics] = React.useState<string[]>([]);
  const [sweepError, setSweepError] = React.useState<AmlxApiError | null>(null);
  const [sweepUpdating, setSweepUpdating] = React.useState(false);
  const [sweepPreviews] = React.useState(() => new Latest());
  const canSweep = services.model.workspace?.capabilities.sweeps ?? false;

  const check = pkg ? checkParameters(pkg.parameters, form.parameters) : { parameters: {}, errors: {} };
  const hasErrors = Object.keys(check.errors).length > 0;
  const failed = error !== null && phase === 'idle';

  /** The package `request` would make; only the newest request's answer is shown. */
  const fetchPreview = React.useCallback(
    (isLatest: () => boolean, request: ISubmitRequest, key: string) =>
      saveIfDirty(source.panel)
        .then(didSave => {
          if (didSave) {
            setSaved(true);
          }
          return client.preview(request);
        })
        .then(
          answer => {
            if (isLatest()) {
              setPkg(answer);
              setSweepForm(current => withSweepPackage(current, answer));
              setForm(current => withPreview(current, answer));
              setPreviewedWith(key);
              setError(null);
            }
          },
          reason => {
            if (isLatest()) {
              setError(asApiError(reason));
            }
          }
        )
        .finally(() => {
          if (isLatest()) {
            setPhase(current => (current === 'previewing' ? 'idle' : current));
          }
        }),
    [client, source.panel]
  );

  React.useEffect(() => {
    void fetchPreview(previews.begin(), buildRequest(source.target, initial, {}), previewKey(initial, {}));
    return () => previews.cancel();
  }, [fetchPreview, previews, source.target, initial]);

  // the experiments offered as names (most recently used first)
  const groups = services.runsView.experiments;
  useSignal(groups.changed);
  React.useEffect(() => {
    void groups.ensure();
  }, [groups]);
  const data = services.data;
  const usesData = services.model.workspace?.capabilities.data_assets ?? false;
  React.useEffect(() => {
    if (usesData) {
      void data.ensure();
    }
  }, [data, usesData]);

  const preview = (next: IFormState, parameters: Record<string, ParameterValue>) => {
    setPhase('previewing');
    void fetchPreview(previews.begin(), buildRequest(source.target, next, parameters), previewKey(next, parameters));
  };
  /** The preview tab always shows what submitting would run now. */
  const follow = (next: IFormState, nextTab: SubmitTab) => {
    if (nextTab !== 'preview' || !pkg || phase === 'submitting') {
      return;
    }
    const nextCheck = checkParameters(pkg.parameters, next.parameters);
    if (Object.keys(nextCheck.errors).length === 0 && previewKey(next, nextCheck.parameters) !== previewedWith) {
      preview(next, nextCheck.parameters);
    }
  };
  const updateForm = (next: IFormState) => {
    setForm(next);
    follow(next, tab);
  };
  const selectTab = (next: SubmitTab) => {
    setTab(next);
    follow(form, next);
  };
  const retry = () => preview(form, check.parameters);
  // the Submit and Preview commands ask an open form for a tab through the signal
  const latestSelectTab = React.useRef(selectTab);
  React.useLayoutEffect(() => {
    latestSelectTab.current = selectTab;
  });
  React.useEffect(() => {
    const show = (_: object, requested: SubmitTab) => latestSelectTab.current(requested);
    tabRequests.connect(show);
    return () => {
      tabRequests.disconnect(show);
    };
  }, [tabRequests]);

  // the Sweep tab previews the first points (and learns the metrics to offer) as the person edits it
  const sweepCheck = sweepSettings(sweepForm);
  const sweepBase = buildRequest(source.target, form, check.parameters);
  const sweepAsked = sweepRequest(sweepBase, sweepForm, sweepCheck.settings);
  const sweepKey = sweepPreviewKey(sweepAsked);
  React.useEffect(() => {
    if (tab !== 'sweep' || !pkg || hasErrors) {
      return;
    }
    const isLatest = sweepPreviews.begin();
    const timer = setTimeout(() => {
      setSweepUpdating(true);
      client.previewSweep(sweepAsked).then(
        answer => {
          if (isLatest()) {
            setSweepPreview(answer);
            setSweepMetrics(answer.metrics);
            setSweepForm(current => withSweepPackage(current, answer.package, answer.metrics));
            setSweepError(null);
            setSweepUpdating(false);
          }
        },
        reason => {
          if (isLatest()) {
            setSweepPreview(null);
            setSweepError(asApiError(reason));
            setSweepUpdating(false);
          }
        }
      );
    }, SWEEP_PREVIEW_MS);
    return () => {
      clearTimeout(timer);
      sweepPreviews.cancel();
    };
    // sweepKey stands for sweepAsked
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tab, pkg, hasErrors, sweepKey, client, sweepPreviews]);

  const startSweep = async () => {
    if (hasErrors) {
      selectTab('form');
      return;
    }
    if (!sweepCheck.settings) {
      return;
    }
    setPhase('submitting');
    try {
      if (await saveIfDirty(source.panel)) {
        setSaved(true);
      }
      const job = await services.client.submitSweep(sweepRequest(sweepBase, sweepForm, sweepCheck.settings));
      services.runs.merge([job]);
      services.watchJob(job.name);
      setSubmitted(list => [job, ...list]);
      setSweepError(null);
      Notification.success(trans.__('Started sweep %1 in %2.', job.display_name || job.name, job.experiment), {
        autoClose: 8000,
        actions: [{ label: trans.__('Open sweep'), callback: () => services.execute(CommandIDs.openRun, { name: job.name }) }]
      });
    } catch (reason) {
      setSweepError(asApiError(reason));
    } finally {
      setPhase('idle');
    }
  };

  const submit = async () => {
    if (tab === 'sweep') {
      return startSweep();
    }
    if (hasErrors) {
      selectTab('form');
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
      Notification.success(trans.__('Submitted %1 to %2.', job.display_name || job.name, job.experiment), {
        autoClose: 8000,
        actions: [
          {
            label: trans.__('Open run'),
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
  const experiments = (services.runsView.experiments.data ?? []).slice(0, 50).map(group => group.name);
  const computes = services.model.workspace?.capabilities.compute_targets ?? [];
  return (
    <div className="amlx-SubmitView">
      <header className="amlx-Panel-header">
        <h2>
          {withElements(
            trans.__('Submit %1 of %2', ...PLACEHOLDERS),
            cellTitle(source.target),
            <code>{source.target.notebook}</code>
          )}
        </h2>
        {source.summary && <code className="amlx-Submit-summary">{source.summary}</code>}
        {saved && (
          <p className="amlx-Note" role="status">
            {trans.__('Saved the notebook first, so the job runs what you see.')}
          </p>
        )}
      </header>
      <Tabs
        tabs={[
          { id: 'form', label: trans.__('Form') },
          ...(canSweep ? [{ id: 'sweep', label: trans.__('Sweep') }] : []),
          { id: 'preview', label: trans.__('Preview') }
        ]}
        selected={tab}
        onSelect={id => selectTab(id as SubmitTab)}
        label={trans.__('Submit')}
        idPrefix={idPrefix}
      />
      <ErrorNote error={error} title={trans.__('The cell cannot be submitted as it is.')} onRetry={retry} />
      {tab === 'sweep' && (
        <ErrorNote error={sweepError} title={trans.__('The sweep cannot start as it is.')} />
      )}
      {tab === 'sweep' ? (
        <TabPanel idPrefix={idPrefix} id="sweep" className="amlx-SubmitForm">
          <SweepTab
            idPrefix={idPrefix}
            form={sweepForm}
            onChange={setSweepForm}
            pkg={pkg}
            failed={failed}
            errors={sweepCheck.errors}
            metrics={sweepMetrics}
            preview={sweepError ? null : sweepPreview}
            updating={sweepUpdating}
          />
        </TabPanel>
      ) : tab === 'form' ? (
        <TabPanel idPrefix={idPrefix} id="form" className="amlx-SubmitForm">
          <FormTab
            idPrefix={idPrefix}
            form={form}
            onChange={updateForm}
            pkg={pkg}
            failed={failed}
            errors={check.errors}
            experiments={experiments}
            computes={computes}
            assets={assets}
          />
        </TabPanel>
      ) : (
        <TabPanel idPrefix={idPrefix} id="preview">
          <PreviewView
            pkg={pkg}
            updating={phase === 'previewing'}
            failed={failed}
            cellSource={cell => cellSourceIn(source.panel, cell)}
          />
        </TabPanel>
      )}
      <footer className="amlx-Panel-footer">
        <button
          className={`jp-Button jp-mod-styled jp-mod-accept amlx-SubmitView-submit ${tab === 'sweep' ? 'amlx-SubmitView-sweep' : ''}`}
          disabled={phase === 'submitting' || hasErrors || (tab === 'sweep' && !sweepCheck.settings)}
          onClick={() => void submit()}
        >
          {phase === 'submitting' ? trans.__('Submitting…') : tab === 'sweep' ? trans.__('Start sweep') : trans.__('Submit')}
        </button>
        {tab === 'form' && (
          <button className="jp-Button jp-mod-styled" onClick={() => selectTab('preview')}>
            {trans.__('Preview')}
          </button>
        )}
        {submitted.length > 0 && (
          <div className="amlx-Submitted" role="status">
            {submitted.slice(0, 5).map(job => (
              <button
                key={job.name}
                className="amlx-Link"
                data-run={job.name}
                onClick={() => services.execute(CommandIDs.openRun, { name: job.name })}
              >
                {trans.__('Submitted %1 (%2): open run', job.display_name || job.name, job.name)}
              </button>
            ))}
          </div>
        )}
      </footer>
    </div>
  );
}

/** "cell 12": counted from 1, as JupyterLab users count cells (an id when the index is unknown). */
function cellTitle(target: ICellTarget): string {
  return trans.__('cell %1', target.index !== undefined ? cellNumber(target.index) : target.cell);
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
  widget.title.label = trans.__('Submit: %1 %2', source.target.notebook.split('/').pop() ?? '', cellTitle(source.target));
  widget.title.icon = runIcon;
  widget.title.closable = true;
  return widget;
}
