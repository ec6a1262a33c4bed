/**
 * The endpoint test panel's JSON: prefilled from the model (its example row,
 * else its input columns), validated as the person types.
 */
import { IInputColumn, IModelVersion } from './apitypes';
import { trans } from './i18n';

/** The body the test panel starts with when nothing is known about the model. */
export const EMPTY_PAYLOAD = { data: [{}] };

/** A plausible value for a column of a given type (MLflow / pandas type names). */
export function sampleValue(type: string): unknown {
  const t = type.toLowerCase();
  if (/bool/.test(t)) {
    return false;
  }
  if (/int|long/.test(t)) {
    return 0;
  }
  if (/float|double|number|decimal/.test(t)) {
    return 0.0;
  }
  return '';
}

export function payloadFromColumns(columns: IInputColumn[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    row[column.name] = sampleValue(column.type);
  }
  return { data: [row] };
}

/** The prefilled JSON text for a model version (pretty-printed). */
export function prefillPayload(version: IModelVersion | null | undefined): string {
  let body: unknown = EMPTY_PAYLOAD;
  if (version?.example && typeof version.example === 'object') {
    body = version.example;
  } else if (version?.input_columns?.length) {
    body = payloadFromColumns(version.input_columns);
  }
  return JSON.stringify(body, null, 2);
}

export type ParsedPayload =
  | { ok: true; value: unknown }
  | { ok: false; message: string };

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, position));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** Parse the editor text; a failure says where, in words. */
export function parsePayload(text: string): ParsedPayload {
  if (!text.trim()) {
    return { ok: false, message: trans.__('The payload is empty: write a JSON object such as {"data": [{...}]}.') };
  }
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object') {
      return { ok: false, message: trans.__('The payload must be a JSON object or array, e.g. {"data": [{...}]}.') };
    }
    return { ok: true, value };
  } catch (reason) {
    const raw = String((reason as Error).message ?? reason);
    const position = /position (\d+)/.exec(raw);
    if (position) {
      const where = lineColumn(text, Number(position[1]));
      const what = raw.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
      return { ok: false, message: trans.__('Invalid JSON at line %1, column %2: %3.', where.line, where.column, what) };
    }
    return { ok: false, message: trans.__('Invalid JSON: %1', raw) };

  }
}

/** The scoring answer as readable text (JSON pretty-printed, text as it is). */
export function formatBody(body: unknown): string {
  if (typeof body === 'string') {
    return body;
  }
  return JSON.stringify(body, null, 2);
}

/** The predictions in a scoring answer, whatever format it came in (`undefined`: none found). */
export function predictions(body: unknown): unknown[] | undefined {
  let value: unknown = body;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    value = record.result ?? record.predictions ?? record.outputs ?? undefined;
  }
  return Array.isArray(value) && value.length ? value : undefined;
}

/** Predictions listed in the headline before "and N more". */
const HEADLINE_ITEMS = 10;

/**
 * The one line above the response body: "Prediction: 1" for one row,
 * "Predictions for 2 rows: 0, 1" for more (a headline naming only the first
 * of several answers would misread the rest); null when none can be found.
 */
export function predictionHeadline(body: unknown): string | null {
  const found = predictions(body);
  if (!found) {
    return null;
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  if (found.length === 1) {
    return trans.__('Prediction: %1', text(found[0]));
  }
  const shown = found.slice(0, HEADLINE_ITEMS).map(text).join(', ');
  const rows = found.length.toLocaleString();
  if (found.length > HEADLINE_ITEMS) {
    return trans.__('Predictions for %1 rows: %2 and %3 more', rows, shown, (found.length - HEADLINE_ITEMS).toLocaleString());
  }
  return trans.__('Predictions for %1 rows: %2', rows, shown);
}

/** The request's rows as a table: column names, and each row's values in that order. */
export interface IRequestRows {
  columns: string[];
  rows: unknown[][];
}

const ROW_KEYS = ['data', 'input_data', 'dataframe_split', 'dataframe_records', 'instances', 'inputs'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The rows a request body sends, in the shapes the scoring server takes:
 * records (`[{col: v}]`), a split frame (`{columns, data}`) or named columns
 * (`{col: [v]}`). Null when the rows have no column names (`[[v]]`) or the
 * body is none of these.
 */
export function requestRows(body: unknown): IRequestRows | null {
  if (!isRecord(body)) {
    return null;
  }
  const key = ROW_KEYS.find(k => k in body);
  const value = key === undefined ? undefined : body[key];
  if (Array.isArray(value) && value.length && value.every(isRecord)) {
    const columns: string[] = [];
    for (const record of value as Record<string, unknown>[]) {
      for (const name of Object.keys(record)) {
        if (!columns.includes(name)) {
          columns.push(name);
        }
      }
    }
    return { columns, rows: (value as Record<string, unknown>[]).map(record => columns.map(name => record[name])) };
  }
  if (isRecord(value) && Array.isArray(value.columns) && Array.isArray(value.data)) {
    const rows = value.data.filter(Array.isArray) as unknown[][];
    return rows.length === value.data.length ? { columns: value.columns.map(String), rows } : null;
  }
  if (isRecord(value)) {
    const columns = Object.keys(value);
    const lists = columns.map(name => value[name]);
    if (!columns.length || !lists.every(Array.isArray)) {
      return null;
    }
    const length = (lists[0] as unknown[]).length;
    if (!(lists as unknown[][]).every(list => list.length === length)) {
      return null;
    }
    return { columns, rows: Array.from({ length }, (_, i) => (lists as unknown[][]).map(list => list[i])) };
  }
  return null;
}

/** Rows of the answer table shown before "and N more". */
export const TABLE_ROWS = 50;

export interface IPredictionTable {
  /** The request's column names (empty when its rows could not be matched to the answers). */
  columns: string[];
  rows: { values: unknown[]; prediction: unknown }[];
  /** Rows left out after `TABLE_ROWS`. */
  more: number;
}

/**
 * An answer of several rows as a table, each prediction next to the row it
 * answers (when the request's rows can be read and are as many), so a
 * two-row answer is not read as one value. Null for a single prediction.
 */
export function predictionTable(request: unknown, response: unknown, max = TABLE_ROWS): IPredictionTable | null {
  const found = predictions(response);
  if (!found || found.length < 2) {
    return null;
  }
  const sent = requestRows(request);
  const matched = sent !== null && sent.rows.length === found.length ? sent : null;
  const shown = found.slice(0, max).map((prediction, i) => ({ values: matched ? matched.rows[i] : [], prediction }));
  return { columns: matched ? matched.columns : [], rows: shown, more: found.length - shown.length };
}
