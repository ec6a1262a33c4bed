import { comparisonCsv, metricGoal, metricRows, paramRows, RunSelection, sharedMetrics } from '../runcompare';
import { job } from './fixtures';

const runs = [
  job({ name: 'a', parameters: { alpha: 0.1 }, params: { solver: 'auto' }, metrics: { rmse: 59, r2: 0.4 } }),
  job({ name: 'b', parameters: { alpha: 0.5 }, params: { solver: 'auto' }, metrics: { rmse: 55, r2: 0.45 } }),
  job({ name: 'c', parameters: { alpha: 0.9 }, params: { solver: 'auto', note: 'x, "y"' }, metrics: { rmse: 57 } })
];

describe('comparing runs', () => {
  it('puts the parameters that differ first and marks them', () => {
    const rows = paramRows(runs);
    expect(rows.map(r => [r.key, r.differs])).toEqual([
      ['alpha', true],
      ['note', true],
      ['solver', false]
    ]);
    expect(rows[0].values).toEqual([0.1, 0.5, 0.9]);
    expect(rows[1].values).toEqual([null, null, 'x, "y"']);
  });

  it('treats 0.5 and "0.50" as the same value', () => {
    const rows = paramRows([job({ params: { alpha: '0.50' } }), job({ parameters: { alpha: 0.5 } })]);
    expect(rows[0].differs).toBe(false);
  });

  it('marks the best run per metric by its goal', () => {
    const rows = metricRows(runs);
    expect(rows.map(r => [r.key, r.goal, r.best])).toEqual([
      ['r2', 'max', 1],
      ['rmse', 'min', 1]
    ]);
    expect(metricRows(runs, { rmse: 'max' }).find(r => r.key === 'rmse')?.best).toBe(0);
    expect(metricGoal('val_loss')).toBe('min');
    expect(metricGoal('accuracy')).toBe('max');
  });

  it('overlays only the metrics every run logged', () => {
    expect(sharedMetrics(runs)).toEqual(['rmse']);
    expect(sharedMetrics([])).toEqual([]);
  });

  it('exports CSV with a column per run, quoting what needs it', () => {
    const lines = comparisonCsv(runs).trimEnd().split('\n');
    expect(lines[0]).toBe('field,a,b,c');
    expect(lines).toContain('params.alpha,0.1,0.5,0.9');
    expect(lines).toContain('params.note,,,"x, ""y"""');
    expect(lines).toContain('metrics.r2,0.4,0.45,');
  });

  it('keeps the ticked runs in order and says when they change', () => {
    const selection = new RunSelection();
    const seen: string[][] = [];
    selection.changed.connect((_, names) => seen.push([...names]));
    selection.toggle('a');
    selection.toggle('b');
    selection.toggle('a');
    selection.clear();
    selection.clear();
    expect(seen).toEqual([['a'], ['a', 'b'], ['b'], []]);
  });
});
