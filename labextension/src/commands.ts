/**
 * The commands: palette, notebook toolbar, cell and file-browser context
 * menus and the Submit shortcut all go through these.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, Notification } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { Widget } from '@lumino/widgets';

import { automlWidgetId, createAutoMLWidget } from './automlpanel';
import { createComparisonWidget, compareWidgetId } from './comparepanel';
import { createRunComparisonWidget, runComparisonWidgetId } from './runcomparepanel';
import { createEndpointWidget, endpointWidgetId, reloadEndpoint } from './endpointpanel';
import { assetNameFrom } from './format';
import { amlIcon } from './icons';
import { createModelWidget, modelWidgetId, selectDeployVersion } from './modelpanel';
import { asApiError } from './resource';
import { createRunWidget, runWidgetId } from './rundetails';
import { AmlxServices, CommandIDs, ITargetSwitch, workspacePanelIds } from './services';
import { SIDEBAR_ID } from './sidebar';
import { SubmitWidget, createSubmitWidget, sourceFromCell, submitWidgetId } from './submitpanel';
import { trans } from './i18n';

/** The open main-area widget with this id, if any. */
function findWidget<T extends Widget>(app: JupyterFrontEnd, id: string): T | null {
  for (const widget of app.shell.widgets('main')) {
    if (widget.id === id) {
      return widget as T;
    }
  }
  return null;
}

/**
 * Show a panel as a tab of the main area, next to the one in front. Never a
 * split: each split halves the area, and after a few panels the charts and
 * tables were clipped in narrow columns. The person can still drag a tab
 * aside to see two at once.
 */
function addPanel(app: JupyterFrontEnd, widget: Widget): void {
  app.shell.add(widget, 'main', { mode: 'tab-after' });
  app.shell.activateById(widget.id);
}

/** Activate the widget with `id`, or add the one `create` makes. */
function openOnce<T extends Widget>(app: JupyterFrontEnd, id: string, create: () => T, onExisting?: (w: T) => void): T {
  const existing = findWidget<T>(app, id);
  if (existing) {
    onExisting?.(existing);
    app.shell.activateById(id);
    return existing;
  }
  const widget = create();
  addPanel(app, widget);
  return widget;
}

function stringArg(args: Record<string, unknown>, key: string): string {
  const value = args[key];
  return typeof value === 'string' ? value : '';
}

async function registerData(services: AmlxServices, path: string): Promise<void> {
  const result = await InputDialog.getText({
    title: trans.__('Register as data asset'),
    label: trans.__('Name of the data asset for %1 (letters, digits, - _ .):', path),
    text: assetNameFrom(path),
    okLabel: trans.__('Register')
  });
  if (!result.button.accept || !result.value) {
    return;
  }
  try {
    const asset = await services.client.registerData({ name: result.value.trim(), path });
    void services.data.reload();
    Notification.success(trans.__('Registered %1 version %2 from %3.', asset.name, asset.version, path), {
      autoClose: 6000,
      actions: [{ label: trans.__('Show data'), callback: () => services.app.shell.activateById(SIDEBAR_ID) }]
    });
  } catch (reason) {
    Notification.error(trans.__('%1 could not be registered: %2', path, asApiError(reason).message), {
      autoClose: false,
      actions: [{ label: trans.__('Try again'), callback: () => void registerData(services, path) }]
    });
  }
}

/** Close the panels of the workspace that was left (they share the client, now pointed elsewhere) and say so. */
function closeWorkspacePanels(app: JupyterFrontEnd, change: ITargetSwitch): void {
  const widgets = Array.from(app.shell.widgets('main'));
  const closing = new Set(workspacePanelIds(widgets.map(widget => widget.id)));
  if (!closing.size) {
    return;
  }
  for (const widget of widgets) {
    if (closing.has(widget.id)) {
      widget.dispose();
    }
  }
  const message = change.previousLabel
    ? trans._n(
        'Closed one panel of %2: the sidebar switched to another target, and those runs, models and endpoints are not in it. Open what you need again from the sidebar.',
        'Closed %1 panels of %2: the sidebar switched to another target, and those runs, models and endpoints are not in it. Open what you need again from the sidebar.',
        closing.size,
        change.previousLabel
      )
    : trans._n(
        'Closed one panel: the sidebar switched to another target, and those runs, models and endpoints are not in it. Open what you need again from the sidebar.',
        'Closed %1 panels: the sidebar switched to another target, and those runs, models and endpoints are not in it. Open what you need again from the sidebar.',
        closing.size
      );
  Notification.info(message, { autoClose: 8000 });
}

export function addCommands(
  app: JupyterFrontEnd,
  services: AmlxServices,
  palette: ICommandPalette | null,
  browserFactory: IFileBrowserFactory | null
): void {
  const { commands } = app;
  const hasCell = () => services.activeCell?.current?.cellType === 'code';

  commands.addCommand(CommandIDs.openSidebar, {
    label: trans.__('AML: Open sidebar'),
    caption: trans.__('Show the Azure ML jobs sidebar'),
    icon: args => (args.isPalette ? undefined : amlIcon),
    execute: () => app.shell.activateById(SIDEBAR_ID)
  });

  const openSubmit = (tab: 'form' | 'preview') => {
    const cell = services.activeCell?.current;
    if (!cell || cell.cellType !== 'code') {
      Notification.warning(trans.__('Select a code cell of a notebook first: that cell becomes the job.'), { autoClose: 5000 });
      return;
    }
    const source = sourceFromCell(cell);
    const id = submitWidgetId(source.target);
    const open = findWidget<Widget>(app, id);
    if (open) {
      // keep what was typed in the open form; its preview re-reads the cell
      if (open instanceof SubmitWidget) {
        open.showTab(tab);
      }
      app.shell.activateById(id);
      return;
    }
    addPanel(app, createSubmitWidget(services, source, tab));
  };

  commands.addCommand(CommandIDs.submitCell, {
    label: args => (args.toolbar ? trans.__('Submit') : trans.__('AML: Submit cell as a job…')),
    caption: trans.__('Run this cell (and the code it needs) as a tracked job (Ctrl/Cmd+Shift+Enter)'),
    icon: args => (args.isPalette ? undefined : amlIcon),
    isEnabled: () => services.activeCell === null || hasCell(),
    execute: () => openSubmit('form')
  });

  commands.addCommand(CommandIDs.previewCell, {
    label: trans.__('AML: Preview cell as a job'),
    caption: trans.__('Show the main.py, requirements and inputs a submit would use, without running anything'),
    isEnabled: () => services.activeCell === null || hasCell(),
    execute: () => openSubmit('preview')
  });

  commands.addCommand(CommandIDs.openRun, {
    label: args => (args.name ? trans.__('AML: Open run %1', args.name as string) : trans.__('AML: Open run')),
    execute: async args => {
      let name = stringArg(args, 'name');
      if (!name) {
        const answer = await InputDialog.getText({ title: trans.__('Open run'), label: trans.__('Job name:') });
        name = answer.button.accept ? (answer.value ?? '').trim() : '';
      }
      if (name) {
        openOnce(app, runWidgetId(name), () => createRunWidget(services, name));
      }
    }
  });

  commands.addCommand(CommandIDs.compareRuns, {
    label: trans.__('AML: Compare runs of an experiment'),
    execute: async args => {
      let experiment = stringArg(args, 'experiment');
      if (!experiment) {
        services.startFeed();
        const groups = (await services.runsView.experiments.current()) ?? [];
        const names = groups.map(group => group.name);
        const answer = await InputDialog.getItem({ title: trans.__('Compare runs'), label: trans.__('Experiment:'), items: names });
        experiment = answer.button.accept ? answer.value ?? '' : '';
      }
      if (experiment) {
        openOnce(app, compareWidgetId(experiment), () => createComparisonWidget(services, experiment));
      }
    }
  });

  commands.addCommand(CommandIDs.compareSelected, {
    label: trans.__('AML: Compare the selected runs'),
    caption: trans.__('Parameters, metrics and curves of the runs ticked in the Runs list, side by side'),
    isEnabled: args => (Array.isArray(args.names) ? args.names.length : services.selection.names.length) >= 2,
    execute: args => {
      const names = Array.isArray(args.names) ? (args.names as string[]) : [...services.selection.names];
      if (names.length >= 2) {
        openOnce(app, runComparisonWidgetId(names), () => createRunComparisonWidget(services, names));
      }
    }
  });

  commands.addCommand(CommandIDs.deployModel, {
    label: trans.__('AML: Open model (versions and deploy)'),
    execute: args => {
      const name = stringArg(args, 'name');
      const version = stringArg(args, 'version');
      if (name) {
        openOnce(app, modelWidgetId(name), () => createModelWidget(services, name, version), widget =>
          selectDeployVersion(widget as ReturnType<typeof createModelWidget>, version)
        );
      } else {
        app.shell.activateById(SIDEBAR_ID);
      }
    }
  });

  commands.addCommand(CommandIDs.openEndpoint, {
    label: trans.__('AML: Open endpoint'),
    execute: args => {
      const name = stringArg(args, 'name');
      if (name) {
        openOnce(app, endpointWidgetId(name), () => createEndpointWidget(services, name), widget =>
          reloadEndpoint(widget as ReturnType<typeof createEndpointWidget>)
        );
      }
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('AML: Refresh the sidebar'),
    execute: () => services.refreshAll()
  });

  commands.addCommand(CommandIDs.registerData, {
    label: trans.__('Register as data asset'),
    caption: trans.__('Register this file as a versioned data asset that jobs can use'),
    icon: amlIcon,
    // files and folders alike: a folder becomes a uri_folder asset
    isVisible: () => {
      const item = browserFactory?.tracker.currentWidget?.selectedItems().next();
      return !!item && !item.done;
    },
    execute: async args => {
      let path = stringArg(args, 'path');
      if (!path) {
        const item = browserFactory?.tracker.currentWidget?.selectedItems().next();
        path = item && !item.done ? item.value.path : '';
      }
      if (!path) {
        Notification.warning(trans.__('Select a file in the file browser first.'), { autoClose: 5000 });
        return;
      }
      await registerData(services, path);
    }
  });

  commands.addCommand(CommandIDs.openAutoML, {
    label: args => (args.isPalette ? trans.__('AML: AutoML…') : trans.__('AutoML on this data…')),
    caption: trans.__('Train and compare models on a table and keep the best (Azure ML automated ML)'),
    icon: args => (args.isPalette ? undefined : amlIcon),
    execute: args => {
      // a data asset reference, or a CSV file picked in the file browser (relative to the notebook folder)
      let data = stringArg(args, 'data') || stringArg(args, 'path');
      if (!data && !args.isPalette) {
        const item = browserFactory?.tracker.currentWidget?.selectedItems().next();
        data = item && !item.done ? item.value.path : '';
      }
      openOnce(app, automlWidgetId(data), () => createAutoMLWidget(services, data));
    }
  });

  if (palette) {
    for (const command of [
      CommandIDs.openSidebar,
      CommandIDs.submitCell,
      CommandIDs.previewCell,
      CommandIDs.openRun,
      CommandIDs.compareRuns,
      CommandIDs.compareSelected,
      CommandIDs.openAutoML,
      CommandIDs.refresh
    ]) {
      palette.addItem({ command, category: trans.__('Azure ML') });

    }
  }

  services.targetChanged.connect((_, change) => closeWorkspacePanels(app, change));

  // enabled state of the toolbar button follows the active cell
  services.activeCell?.changed.connect(() => {
    commands.notifyCommandChanged(CommandIDs.submitCell);
    commands.notifyCommandChanged(CommandIDs.previewCell);
  });
}
