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

/** The first prediction in a scoring answer, whatever format it came in (for a one-line summary). */
export function firstPrediction(body: unknown): unknown {
  let value: unknown = body;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    value = record.result ?? record.predictions ?? record.outputs ?? undefined;
  }
  return Array.isArray(value) && value.length ? value[0] : undefined;
}
