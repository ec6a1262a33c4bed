/**
 * What a run's output file can be previewed as, and the preview itself for
 * the text kinds (pure functions, jest-tested): images by type, the first
 * rows of a CSV as a table (papaparse reads it, quotes and all), JSON pretty
 * printed.
 */
import { parse } from 'papaparse';

import { IFileEntry } from './apitypes';
import { trans } from './i18n';

export type PreviewKind = 'image' | 'csv' | 'json';

const KINDS: Record<string, { kind: PreviewKind; type: string }> = {
  png: { kind: 'image', type: 'image/png' },
  jpg: { kind: 'image', type: 'image/jpeg' },
  jpeg: { kind: 'image', type: 'image/jpeg' },
  gif: { kind: 'image', type: 'image/gif' },
  svg: { kind: 'image', type: 'image/svg+xml' },
  csv: { kind: 'csv', type: 'text/csv' },
  tsv: { kind: 'csv', type: 'text/tab-separated-values' },
  json: { kind: 'json', type: 'application/json' }
};

/** Larger files are offered for download only: a preview must not stall the page. */
export const PREVIEW_LIMITS: Record<PreviewKind, number> = {
  image: 10 * 1024 * 1024,
  csv: 2 * 1024 * 1024,
  json: 1024 * 1024
};

/** Rows of a CSV shown, and JSON characters shown, before "and more". */
export const CSV_ROWS = 20;
export const JSON_CHARS = 100_000;

function extension(path: string): string {
  const name = path.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The kind of preview a file gets by its name (null: none). */
export function previewKind(path: string): PreviewKind | null {
  return KINDS[extension(path)]?.kind ?? null;
}

/** The media type a preview is drawn with (the server may call an SVG an octet stream). */
export function mediaType(path: string): string {
  return KINDS[extension(path)]?.type ?? 'application/octet-stream';
}

/** Whether `file` gets a preview: a kind we draw, and small enough. */
export function canPreview(file: Pick<IFileEntry, 'path' | 'size'>): boolean {
  const kind = previewKind(file.path);
  return kind !== null && file.size <= PREVIEW_LIMITS[kind];
}

/** The images among the outputs (figures first), for the gallery at the top of the Outputs tab. */
export function galleryImages(files: IFileEntry[], max = 12): IFileEntry[] {
  const figureFirst = (file: IFileEntry) => (file.path.startsWith('figures/') ? 0 : 1);
  return files
    .filter(file => previewKind(file.path) === 'image' && canPreview(file))
    .sort((a, b) => figureFirst(a) - figureFirst(b) || a.path.localeCompare(b.path))
    .slice(0, max);
}

export interface ICsvPreview {
  header: string[];
  rows: string[][];
  /** More rows follow the ones shown. */
  more: boolean;
}

/** The header and the first `maxRows` rows of a CSV (or TSV) text. */
export function csvPreview(text: string, maxRows = CSV_ROWS, tabs = false): ICsvPreview {
  const parsed = parse<string[]>(text, {
    preview: maxRows + 2, // the header, the rows shown, and one to know more follow
    skipEmptyLines: true,
    delimiter: tabs ? '\t' : ''
  });
  const [header = [], ...rows] = parsed.data;
  return { header, rows: rows.slice(0, maxRows), more: rows.length > maxRows };
}

export type JsonPreview = { ok: true; text: string; cut: boolean } | { ok: false; message: string };

/** JSON indented for reading (cut at `maxChars`), or why it is not JSON. */
export function jsonPreview(text: string, maxChars = JSON_CHARS): JsonPreview {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (reason) {
    return { ok: false, message: trans.__('Not valid JSON: %1', String((reason as Error).message ?? reason)) };
  }
  const pretty = JSON.stringify(value, null, 2);
  return pretty.length > maxChars ? { ok: true, text: pretty.slice(0, maxChars), cut: true } : { ok: true, text: pretty, cut: false };
}
