/**
 * The frontend in Japanese: the catalog the Python package ships, loaded into
 * JupyterLab's own Gettext exactly as JupyterLab's translator loads it, read
 * through the module-level bundle every component uses; and the language
 * sent to the server with each request.
 */
import * as fs from 'fs';
import * as path from 'path';

import { ServerConnection } from '@jupyterlab/services';
import { Gettext, ITranslator, TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { AmlxClient } from '../api';
import { PLACEHOLDERS, withElements } from '../components';
import { formatAgo, formatDuration, formatTime, statusLabel } from '../format';
import { DOMAIN, locale, setTranslator, trans } from '../i18n';
import { ISweepDetails } from '../apitypes';
import { trialSummary } from '../sweepview';
import { translatePlugin } from '../settingsi18n';

const CATALOG = path.join(__dirname, '../../../amlx_lab/locale/ja_JP/LC_MESSAGES/amlx_lab.json');

/** A translator that serves the shipped catalog the way JupyterLab's TranslationManager does. */
function japanese(): ITranslator {
  const data = JSON.parse(fs.readFileSync(CATALOG, 'utf8'));
  const bundle = new Gettext({ domain: DOMAIN, locale: 'ja-JP' });
  bundle.loadJSON({ ...data, '': { ...data[''], pluralForms: data[''].plural_forms } }, DOMAIN);
  return {
    languageCode: 'ja-JP',
    load: (domain: string) => {
      expect(domain).toBe(DOMAIN);
      return bundle as unknown as TranslationBundle;
    }
  };
}

const english: ITranslator = {
  languageCode: 'en',
  load: () => new Gettext() as unknown as TranslationBundle
};

describe('in Japanese', () => {
  beforeAll(() => setTranslator(japanese()));
  afterAll(() => setTranslator(english));

  it('translates sentences, placeholders and contexts from the shipped catalog', () => {
    expect(locale()).toBe('ja-JP');
    expect(trans.__('Refresh')).toBe('最新の情報に更新');
    expect(trans.__('Submit %1 of %2', trans.__('cell %1', 15), 'titanic.ipynb')).toBe('titanic.ipynb のセル 15 を送信');
    expect(statusLabel('Completed')).toBe('完了');
    expect(statusLabel('CancelRequested')).toBe('取り消し中');
    expect(statusLabel('SomethingNew')).toBe('SomethingNew');
  });

  it('uses the one plural form Japanese has, with the count', () => {
    expect(trans._n('%2 run', '%2 runs', 1, '1')).toBe('1 件の実行');
    expect(trans._n('%2 run', '%2 runs', 12, '12')).toBe('12 件の実行');
  });

  it("counts a sweep's trials by status in studio's words", () => {
    const details = {
      trials: 3,
      trial_counts: { Completed: 2, Canceled: 1 },
      pruned: 1,
      settings: { limits: { max_total_trials: 10 }, sampling_algorithm: { type: 'random' }, search_space: {} }
    } as unknown as ISweepDetails;
    expect(trialSummary(details)).toBe('試行 3/10: 完了 2、取り消し済み 1、早期終了 1');
  });

  it('formats durations and relative times in Japanese', () => {
    expect(formatDuration(65)).toBe('1分05秒');
    expect(formatDuration(2 * 3600 + 180)).toBe('2時間03分');
    expect(formatAgo(1000, 1000 + 5 * 60)).toBe('5 分前');
    expect(formatAgo(1000, 1010)).toBe('たった今');
  });

  it('keeps markup placeholders for withElements wherever the translation puts them', () => {
    const parts = withElements(trans.__('Submit %1 of %2', ...PLACEHOLDERS), trans.__('cell %1', 15), 'titanic.ipynb');
    const text = parts.map(part => String((part as React.ReactElement).props.children)).join('');
    expect(text).toBe('titanic.ipynb のセル 15 を送信');
  });

  it('translates the settings schema under the contexts the server uses', () => {
    const plugin = translatePlugin({
      id: 'amlx-lab:plugin',
      raw: '{}',
      data: { composite: {}, user: {} },
      version: '0',
      schema: {
        type: 'object',
        title: 'Azure ML jobs (amlx-lab)',
        properties: { target: { type: 'string', title: 'Target' } },
        'jupyter.lab.toolbars': { Notebook: [{ name: 'amlx-submit-cell', label: 'Submit' }] }
      }
    });
    expect(plugin.schema.title).toBe('Azure ML ジョブ (amlx-lab)');
    expect((plugin.schema.properties?.target as { title: string }).title).toBe('ターゲット');
    const toolbar = plugin.schema['jupyter.lab.toolbars']?.Notebook ?? [];
    expect(toolbar[0]?.label).toBe('送信');
  });

  it('asks the server for Japanese sentences with every request', async () => {
    const seen: (string | null)[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://127.0.0.1:8888/',
      fetch: (async (input: RequestInfo | URL) => {
        seen.push((input as Request).headers.get('Accept-Language'));
        return new Response('{"error": {"code": "not_found", "message": "ジョブはありません。"}}', { status: 404 });
      }) as typeof fetch
    });
    const client = new AmlxClient(settings);
    await expect(client.getJob('x')).rejects.toThrow('ジョブはありません。');
    expect(seen).toEqual(['ja-JP']);
  });
});

describe('in English (no translator, as before)', () => {
  it('keeps the source text and formats', () => {
    expect(locale()).toBe('en');
    expect(trans.__('Refresh')).toBe('Refresh');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(statusLabel('CancelRequested')).toBe('Canceling');
    expect(formatTime(0)).toBe('—');
  });
});
