/** The comparison chart's logic: what can be plotted, which run is best, the scales. */
import {
  bestPoint,
  comparePoints,
  defaultGoal,
  metricCandidates,
  numeric,
  axisCandidates,
  axisLabel,
  preferredMetric,
  samplePoints
} from '../comparemath';
import { extent, linearScale, linePath, logTicks, niceTicks } from '../chartmath';
import { job } from './fixtures';

const diabetes = [
  job({ name: 'a', parameters: { alpha: 0.05 }, params: { alpha: '0.05', copy_X: 'True' }, metrics: { rmse: 58.39 } }),
  job({ name: 'b', parameters: { alpha: 0.3 }, params: { alpha: '0.3', copy_X: 'True' }, metrics: { rmse: 57.47 } }),
  job({ name: 'c', parameters: { alpha: 1.0 }, params: { alpha: '1.0', copy_X: 'True' }, metrics: { rmse: 58.13 } }),
  job({ name: 'd', parameters: { alpha: 2.0 }, params: { alpha: '2.0', max_iter: '5' }, metrics: { rmse: 59.93 } })
];

describe('parameters and metrics to plot', () => {
  it('offers numeric parameters that vary, submitted ones first, then metrics', () => {
    expect(axisCandidates(diabetes)).toEqual(['alpha', 'metrics.rmse']);
  });

  it('reads numbers from parameter values and logged text', () => {
    expect(numeric(0.5)).toBe(0.5);
    expect(numeric('0.5')).toBe(0.5);
    expect(numeric('True')).toBeUndefined();
    expect(numeric(true)).toBeUndefined();
    expect(numeric('')).toBeUndefined();
  });

  it("offers an interactive run's logged params and metrics, which have no submitted parameters", () => {
    const interactive = [
      job({ type: 'interactive', params: { C: '0.1', solver: 'lbfgs' }, metrics: { accuracy: 0.8, loss: 0.5 } }),
      job({ type: 'interactive', params: { C: '1.0', solver: 'lbfgs' }, metrics: { accuracy: 0.9, loss: 0.4 } })
    ];
    expect(axisCandidates(interactive)).toEqual(['params.C', 'metrics.accuracy', 'metrics.loss']);
    expect(comparePoints(interactive, 'params.C', 'accuracy').map(p => [p.x, p.y])).toEqual([
      [0.1, 0.8],
      [1.0, 0.9]
    ]);
    expect(comparePoints(interactive, 'metrics.loss', 'accuracy').map(p => p.x)).toEqual([0.4, 0.5]);
    expect([axisLabel('alpha'), axisLabel('params.C'), axisLabel('metrics.loss')]).toEqual([
      'alpha',
      'C (logged param)',
      'loss (metric)'
    ]);
  });

  it('lists metrics most common first and prefers a test error for y', () => {
    const runs = [job({ metrics: { training_score: 1, rmse: 2 } }), job({ metrics: { training_score: 1 } })];
    expect(metricCandidates(runs)).toEqual(['training_score', 'rmse']);
    expect(preferredMetric(['training_score', 'rmse'])).toBe('rmse');
    expect(preferredMetric(['training_score', 'accuracy_score_X_test'])).toBe('accuracy_score_X_test');
    expect(preferredMetric(['training_score'])).toBe('training_score');
  });
});

describe('best run', () => {
  it('plots rmse against alpha ordered by alpha', () => {
    const points = comparePoints(diabetes, 'alpha', 'rmse');
    expect(points.map(p => p.x)).toEqual([0.05, 0.3, 1.0, 2.0]);
  });

  it('marks the lowest rmse, or the highest score', () => {
    const points = comparePoints(diabetes, 'alpha', 'rmse');
    expect(bestPoint(points, 'min')?.job.name).toBe('b');
    expect(bestPoint(points, 'max')?.job.name).toBe('d');
    expect(bestPoint([], 'min')).toBeNull();
  });

  it('breaks ties with the earliest run', () => {
    const early = job({ parameters: { a: 1 }, metrics: { m: 1 }, created_at: 1 });
    const late = job({ parameters: { a: 2 }, metrics: { m: 1 }, created_at: 2 });
    expect(bestPoint(comparePoints([late, early], 'a', 'm'), 'min')?.job).toBe(early);
  });

  it('thins out a huge cloud of points but keeps the best one', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => job({ parameters: { a: i }, metrics: { m: (i * 7919) % 10_000 } }));
    const points = comparePoints(many, 'a', 'm');
    const best = bestPoint(points, 'min');
    const shown = samplePoints(points, 3000, best);
    expect(shown.length).toBeLessThanOrEqual(3001);
    expect(shown).toContain(best);
    expect(samplePoints(points.slice(0, 10), 3000, best)).toHaveLength(10);
  });

  it('guesses whether lower is better from the metric name', () => {
    expect(defaultGoal('rmse')).toBe('min');
    expect(defaultGoal('training_log_loss')).toBe('min');
    expect(defaultGoal('val_error')).toBe('min');
    expect(defaultGoal('accuracy')).toBe('max');
    expect(defaultGoal('r2')).toBe('max');
  });
});

describe('chart math', () => {
  it('widens a single value into a span', () => {
    expect(extent([5])).toEqual({ min: 4.5, max: 5.5 });
    expect(extent([])).toBeNull();
  });

  it('makes round ticks', () => {
    expect(niceTicks({ min: 57.2, max: 60.1 }, 4)).toEqual([58, 59, 60]);
    expect(niceTicks({ min: 0, max: 1 }, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('makes powers of ten for a log axis', () => {
    expect(logTicks({ min: 0.04, max: 2.5 })).toEqual([0.1, 1]);
  });

  it('maps values to pixels, y growing upwards', () => {
    const y = linearScale({ min: 0, max: 10 }, 100, 0);
    expect(y(0)).toBe(100);
    expect(y(10)).toBe(0);
    expect(linePath([{ x: 0, y: 1 }, { x: 2, y: 3 }])).toBe('M0.0 1.0 L2.0 3.0');
  });
});
