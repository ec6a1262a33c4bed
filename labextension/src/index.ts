import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { AmlxClient } from './api';
import { amlIcon } from './icons';
import { DEFAULT_SETTINGS, ISidebarSettings, SidebarModel } from './model';
import { AmlxSidebar, SIDEBAR_ID } from './sidebar';

export const PLUGIN_ID = 'amlx-lab:plugin';

export namespace CommandIDs {
  export const openSidebar = 'amlx:open-sidebar';
}

function readSettings(settings: ISettingRegistry.ISettings): ISidebarSettings {
  const composite = settings.composite as Partial<ISidebarSettings>;
  return { ...DEFAULT_SETTINGS, ...composite };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Run notebook cells as tracked Azure ML (or local) jobs from a sidebar.',
  autoStart: true,
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ) => {
    const client = new AmlxClient(app.serviceManager.serverSettings);
    const model = new SidebarModel(client);
    let settings: ISettingRegistry.ISettings | null = null;

    const sidebar = new AmlxSidebar({
      model,
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

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: 'AML: Open sidebar',
      caption: 'Show the Azure ML jobs sidebar',
      icon: args => (args.isPalette ? undefined : amlIcon),
      execute: () => {
        app.shell.activateById(SIDEBAR_ID);
      }
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.openSidebar, category: 'Azure ML' });
    }

    const ready = settingRegistry
      ? settingRegistry
          .load(PLUGIN_ID)
          .then(loaded => {
            settings = loaded;
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
