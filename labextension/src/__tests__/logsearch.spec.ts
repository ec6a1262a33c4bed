/** Finding text in a job's log: matches ignoring case, pieces to highlight, stepping through them. */
import { findInLog, logPieces, matchCount, nextMatch } from '../logsearch';

const LOG = 'epoch 1 loss 0.9\nEpoch 2 loss 0.5\nWARNING: slow\nepoch 3 loss 0.2\n';

describe('find in log', () => {
  it('finds every occurrence, ignoring case', () => {
    const found = findInLog(LOG, 'EPOCH');
    expect(found.total).toBe(3);
    expect(found.matches.map(m => LOG.slice(m.start, m.end))).toEqual(['epoch', 'Epoch', 'epoch']);
    expect(findInLog(LOG, '').total).toBe(0);
    expect(findInLog(LOG, 'missing').total).toBe(0);
  });

  it('marks at most so many, but counts them all', () => {
    const found = findInLog('a'.repeat(50), 'a', 10);
    expect(found.matches).toHaveLength(10);
    expect(found.total).toBe(50);
    expect(matchCount(0, found)).toBe('1 of 10+');
  });

  it('cuts the log into plain text and matches, losing nothing', () => {
    const found = findInLog(LOG, 'loss');
    const pieces = logPieces(LOG, found.matches);
    expect(pieces.map(p => p.text).join('')).toBe(LOG);
    expect(pieces.filter(p => p.match >= 0).map(p => p.match)).toEqual([0, 1, 2]);
    expect(logPieces('', [])).toEqual([{ text: '', match: -1 }]);
  });

  it('steps through the matches both ways, wrapping around', () => {
    expect(nextMatch(-1, 1, 3)).toBe(0);
    expect(nextMatch(-1, -1, 3)).toBe(2);
    expect(nextMatch(2, 1, 3)).toBe(0);
    expect(nextMatch(0, -1, 3)).toBe(2);
    expect(nextMatch(0, 1, 0)).toBe(-1);
    expect(matchCount(1, findInLog(LOG, 'loss'))).toBe('2 of 3');
    expect(matchCount(-1, findInLog(LOG, 'nothing'))).toBe('no matches');
  });
});
