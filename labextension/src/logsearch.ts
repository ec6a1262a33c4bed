/**
 * Finding text in a job's log (pure functions, jest-tested): where a query
 * occurs, ignoring case, and the log cut into plain and highlighted pieces
 * for the Logs tab.
 */
import { trans } from './i18n';

/** More matches than this are counted but not highlighted (a 2 MB log of "0" would make a million marks). */
export const MAX_MARKS = 2000;

export interface ILogMatch {
  start: number;
  end: number;
}

export interface ILogSearch {
  matches: ILogMatch[];
  /** Every occurrence, even past `MAX_MARKS`. */
  total: number;
}

/** Where `query` occurs in `text`, ignoring case (an empty query finds nothing). */
export function findInLog(text: string, query: string, max = MAX_MARKS): ILogSearch {
  const needle = query.toLowerCase();
  if (!needle) {
    return { matches: [], total: 0 };
  }
  const haystack = text.toLowerCase();
  const matches: ILogMatch[] = [];
  let total = 0;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) {
      break;
    }
    total++;
    if (matches.length < max) {
      matches.push({ start: at, end: at + needle.length });
    }
    from = at + needle.length;
  }
  return { matches, total };
}

export interface ILogPiece {
  text: string;
  /** Index of the match this piece is (-1: plain text). */
  match: number;
}

/** The log as plain pieces and matches, in order, for drawing with marks. */
export function logPieces(text: string, matches: ILogMatch[]): ILogPiece[] {
  const pieces: ILogPiece[] = [];
  let at = 0;
  matches.forEach((match, index) => {
    if (match.start > at) {
      pieces.push({ text: text.slice(at, match.start), match: -1 });
    }
    pieces.push({ text: text.slice(match.start, match.end), match: index });
    at = match.end;
  });
  if (at < text.length || !pieces.length) {
    pieces.push({ text: text.slice(at), match: -1 });
  }
  return pieces;
}

/** The match `step` places away from `current`, wrapping around (Enter and Shift+Enter in the find box). */
export function nextMatch(current: number, step: number, count: number): number {
  if (count <= 0) {
    return -1;
  }
  const from = current < 0 ? (step > 0 ? -1 : 0) : current;
  return (((from + step) % count) + count) % count;
}

/** "3 of 12", "1 of 2,000+" (more than can be marked), or "no matches". */
export function matchCount(current: number, search: ILogSearch): string {
  if (!search.total) {
    return trans.__('no matches');
  }
  const shown = search.matches.length;
  const of = search.total > shown ? `${shown.toLocaleString()}+` : shown.toLocaleString();
  return trans.__('%1 of %2', current >= 0 ? current + 1 : 0, of);
}
