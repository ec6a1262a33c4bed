import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { ActiveCellTracker } from './activecell';
import { AmlxClient } from './api';
import { addCommands } from './commands';
import { setTranslator } from './i18n';
import { translatePlugin } from './settingsi18n';
import { DEFAULT_SETTINGS, ISidebarSettings } from './sidebarmodel';
import { AmlxServices, CommandIDs } from './services';
import { AmlxSidebar, SIDEBAR_ID } from './sidebar';

export const PLUGIN_ID = 'amlx-lab:plugin';

export { CommandIDs };

function readSettings(settings: ISettingRegistry.ISettings): ISidebarSettings {
  const composite = settings.composite as Partial<ISidebarSettings>;
  return { ...DEFAULT_SETTINGS, ...composite };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Run notebook cells as tracked Azure ML (or local) jobs from a sidebar.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ISettingRegistry,
    ILayoutRestorer,
    ILabShell,
    INotebookTracker,
    IFileBrowserFactory,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    _labShell: ILabShell | null,
    notebooks: INotebookTracker | null,
    browserFactory: IFileBrowserFactory | null,
    translator: ITranslator | null
  ) => {
    // first: every module reads its strings and formats from here
    setTranslator(translator ?? nullTranslator);
    const client = new AmlxClient(app.serviceManager.serverSettings);
    const activeCell = notebooks ? new ActiveCellTracker(notebooks) : null;
    const services = new AmlxServices(app, client, activeCell);
    const model = services.model;
    let settings: ISettingRegistry.ISettings | null = null;

    const sidebar = new AmlxSidebar({
      model,
      services,
      onTargetChange: target => {
        if (settings) {
          void settings.set('target', target);
        } else {
          model.setSettings({ target });
        }
      }
    });
    app.shell.add(sidebar, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(sidebar, SIDEBAR_ID);
    }

    addCommands(app, services, palette, browserFactory);

    // the schema's titles and descriptions, translated from the catalog this package ships
    settingRegistry?.transform(PLUGIN_ID, { fetch: translatePlugin });
    const ready = settingRegistry
      ? settingRegistry
          .load(PLUGIN_ID)
          .then(loaded => {
            settings = loaded;
            services.saveSetting = (key, value) => {
              void loaded.set(key, value as never);
            };
            model.setSettings(readSettings(loaded));
            loaded.changed.connect(() => model.setSettings(readSettings(loaded)));
          })
          .catch(reason => {
            console.warn('amlx-lab: settings could not be loaded', reason);
          })
      : Promise.resolve();
    void ready.then(() => model.refresh());
    console.log('amlx-lab: extension activated');
  }
};

export default plugin;
