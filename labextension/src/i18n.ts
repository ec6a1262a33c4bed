/**
 * The language of the page: the translation bundle of the extension's own
 * domain (`amlx_lab`) and the locale for `Intl`, both JupyterLab's.
 *
 * Every user-visible string goes through `trans.__` (`trans._n` when it
 * depends on a count, `trans._p` when the same English needs two
 * translations), written literally in the call so that the extractor finds
 * it, with `%1`, `%2` placeholders instead of concatenation. The catalog
 * (`amlx_lab/locale/<lang>/LC_MESSAGES/amlx_lab.po`) is checked by `make lint`.
 *
 * JupyterLab fixes the language for the life of the page (switching it
 * reloads the page), so one bundle set at activation serves every module:
 * import `trans` and `locale` from here. Until `setTranslator` runs (and in
 * jest) the bundle is English.
 */
import { ITranslator, TranslationBundle, nullTranslator } from '@jupyterlab/translation';

/** The gettext domain of the extension (its Python package's name). */
export const DOMAIN = 'amlx_lab';

/** The extension's translation bundle (a live binding: read it at call time). */
export let trans: TranslationBundle = nullTranslator.load(DOMAIN);

let currentLocale = 'en';

/** Use JupyterLab's translator for every string and format (called once, at activation). */
export function setTranslator(translator: ITranslator): void {
  trans = translator.load(DOMAIN);
  currentLocale = bcp47(translator.languageCode);
}

/** JupyterLab's display language as a BCP 47 tag (`ja-JP`, `en`), for `Intl` and `Accept-Language`. */
export function locale(): string {
  return currentLocale;
}

function bcp47(code: string | undefined): string {
  const tag = (code || 'en').replace('_', '-');
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? 'en';
  } catch {
    return 'en';
  }
}
