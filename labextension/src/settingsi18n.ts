/**
 * The settings schema (`schema/plugin.json`) in the page's language.
 *
 * JupyterLab's server translates a schema's titles and descriptions only
 * from the `.mo` files of an installed language pack, not from an
 * extension's own catalog; so the plugin registers a `fetch` transform
 * (`"jupyter.lab.transform": true` in the schema makes the registry wait
 * for it) that translates the same strings, under the same contexts, from
 * the catalog the extension ships. `tools/i18n/catalog.py` extracts them
 * with the server's own selectors.
 */
import { JSONExt, PartialJSONObject, PartialJSONValue } from '@lumino/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { trans } from './i18n';

/** JupyterLab's selectors (JSON paths as regular expressions) and the context each string is translated under. */
const SELECTORS: [RegExp, string][] = [
  [/^\/properties\/.*\/title$/, 'settings'],
  [/^\/properties\/.*\/description$/, 'settings'],
  [/^\/definitions\/.*\/properties\/.*\/title$/, 'settings'],
  [/^\/definitions\/.*\/properties\/.*\/description$/, 'settings'],
  [/^\/title$/, 'schema'],
  [/^\/description$/, 'schema'],
  [/^\/jupyter\.lab\.setting-icon-label$/, 'settings'],
  [/^\/jupyter\.lab\.menus\/.*\/label$/, 'menu'],
  [/^\/jupyter\.lab\.toolbars\/.*\/label$/, 'toolbar']
];

function contextOf(path: string): string | null {
  for (const [pattern, context] of SELECTORS) {
    if (pattern.test(path)) {
      return context;
    }
  }
  return null;
}

function translateNode(node: PartialJSONObject, prefix: string): void {
  // not `trans`: the strings are variables here, extracted from the schema file itself
  const bundle = trans;
  for (const [key, value] of Object.entries(node)) {
    const path = `${prefix}/${key}`;
    if (typeof value === 'string') {
      const context = contextOf(path);
      if (context) {
        node[key] = bundle._p(context, value);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item: PartialJSONValue, i: number) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) {
          translateNode(item as PartialJSONObject, `${path}[${i}]`);
        }
      });
    } else if (value && typeof value === 'object') {
      translateNode(value as PartialJSONObject, path);
    }
  }
}

/** A copy of the plugin whose schema's titles, descriptions and labels are translated. */
export function translatePlugin(plugin: ISettingRegistry.IPlugin): ISettingRegistry.IPlugin {
  const schema = JSONExt.deepCopy(plugin.schema as unknown as PartialJSONObject);
  translateNode(schema, '');
  return { ...plugin, schema: schema as unknown as ISettingRegistry.ISchema };
}
