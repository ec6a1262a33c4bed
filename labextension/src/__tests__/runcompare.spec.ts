import {
  compareParallel,
  compareScatter,
  comparisonCsv,
  metricGoal,
  metricRows,
  numericDifferingParams,
  paramRows,
  RunSelection,
  sharedMetrics
} from '../runcompare';
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

  it('charts only the differing parameters that are numbers', () => {
    const mixed = [
      job({ name: 'a', parameters: { alpha: 0.1, depth: '3', kind: 'x', same: 1 } }),
      job({ name: 'b', parameters: { alpha: 0.5, depth: '5', kind: 'y', same: 1 } })
    ];
    expect(numericDifferingParams(mixed)).toEqual(['alpha', 'depth']);
    expect(numericDifferingParams(runs)).toEqual(['alpha']);
  });

  it('scatters a metric against a parameter, a point per run with both, the best by the goal', () => {
    const { points, bestId } = compareScatter(runs, 'alpha', 'r2');
    expect(points.map(p => [p.id, p.x, p.y])).toEqual([
      ['a', 0.1, 0.4],
      ['b', 0.5, 0.45]
    ]);
    expect(bestId).toBe('b');
    expect(compareScatter(runs, 'alpha', 'rmse').bestId).toBe('b');
    expect(compareScatter(runs, 'alpha', 'rmse', { rmse: 'max' }).bestId).toBe('a');
    expect(compareScatter(runs, 'nothing', 'rmse').points).toEqual([]);
  });

  it('draws parallel coordinates with the numeric differing parameters, the metric last, the best marked', () => {
    const { axes, lines } = compareParallel(runs, 'rmse');
    expect(axes.map(a => [a.name, a.objective])).toEqual([
      ['alpha', false],
      ['rmse', true]
    ]);
    expect(lines.map(l => [l.id, l.best])).toEqual([
      ['a', false],
      ['b', true],
      ['c', false]
    ]);
    expect(lines[0].positions).toEqual([0, 1]);
    expect(lines[1].positions).toEqual([0.5, 0]);
    expect(compareParallel(runs, 'r2').lines.map(l => l.id)).toEqual(['a', 'b']);
    expect(compareParallel(runs, 'missing')).toEqual({ axes: [], lines: [] });
  });
});
