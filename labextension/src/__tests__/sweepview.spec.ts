/** The sweep view: trials table rows, best and early stops, objective series, parallel-coordinates geometry. */
import { ISweepDetails } from '../apitypes';
import { axisPosition, objectiveSeries, parallelAxes, parallelLines, totalTrials, trialRows, trialSummary } from '../sweepview';
import { job } from './fixtures';

function details(overrides: Partial<ISweepDetails> = {}): ISweepDetails {
  return {
    name: 'sw',
    settings: {
      search_space: { alpha: { type: 'loguniform', min_value: -3, max_value: 0 }, solver: { type: 'choice', values: ['a', 'b'] } },
      objective: { primary_metric: 'rmse', goal: 'minimize' },
      sampling_algorithm: { type: 'random', rule: 'random', seed: 1 },
      early_termination: { type: 'bandit', slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 0 },
      limits: { max_total_trials: 10, max_concurrent_trials: 2, timeout: null, trial_timeout: null }
    },
    seed: 1,
    best_trial: 'sw_1',
    best_value: 50,
    trials: 3,
    trial_counts: { Completed: 2, Canceled: 1 },
    pruned: 1,
    notes: [],
    ...overrides
  } as ISweepDetails;
}

const trials = [
  job({ name: 'sw_2', tags: { 'amlx.trial': '2', 'amlx.pruned_at': '3' }, status: 'Canceled', parameters: { alpha: 0.9, solver: 'b' }, metrics: { rmse: 70 } }),
  job({ name: 'sw_0', tags: { 'amlx.trial': '0' }, parameters: { alpha: 0.1, solver: 'a' }, metrics: { rmse: 60 } }),
  job({ name: 'sw_1', tags: { 'amlx.trial': '1' }, parameters: { alpha: 0.3, solver: 'b' }, metrics: { rmse: 50 } }),
  job({ name: 'sw_3', tags: { 'amlx.trial': '3' }, status: 'Running', parameters: { alpha: 0.5, solver: 'a' }, metrics: {} })
];

describe('the trials table', () => {
  it('is in trial order with sampled values, objective, best and early stops', () => {
    const rows = trialRows(details(), trials);
    expect(rows.map(r => [r.index, r.status, r.values.alpha, r.values.solver, r.objective, r.best, r.prunedAt])).toEqual([
      [0, 'Completed', 0.1, 'a', 60, false, null],
      [1, 'Completed', 0.3, 'b', 50, true, null],
      [2, 'Canceled', 0.9, 'b', 70, false, 3],
      [3, 'Running', 0.5, 'a', null, false, null]
    ]);
  });

  it('summarises the trials and knows a grid may be smaller than the limit', () => {
    expect(trialSummary(details())).toBe('3 of 10 trials: 2 completed, 1 canceled, 1 stopped early');
    const grid = details({
      settings: { ...details().settings, sampling_algorithm: { type: 'grid' }, search_space: { k: { type: 'choice', values: [1, 2, 3] } } }
    } as Partial<ISweepDetails>);
    expect(totalTrials(grid)).toBe(3);
  });
});

describe('the charts', () => {
  it('draws the objective over time, one series per trial that logged it (interval k is its k-th value)', () => {
    const rows = trialRows(details(), trials);
    const points = (values: (number | null)[]) => values.map((value, step) => ({ key: 'rmse', value, step, timestamp: step }));
    const series = objectiveSeries(rows, { sw_0: points([80, 60]), sw_1: points([70, null, 50]), sw_3: [] });
    expect(series.map(s => [s.id, s.best, s.points])).toEqual([
      ['sw_0', false, [{ x: 1, y: 80 }, { x: 2, y: 60 }]],
      ['sw_1', true, [{ x: 1, y: 70 }, { x: 3, y: 50 }]]
    ]);
  });

  it('puts each searched parameter on an axis (log for log searches, categories for text) and the objective last', () => {
    const rows = trialRows(details(), trials);
    const axes = parallelAxes(details(), rows);
    expect(axes.map(a => [a.name, a.kind, a.log, a.objective])).toEqual([
      ['alpha', 'number', true, false],
      ['solver', 'category', false, false],
      ['rmse', 'number', false, true]
    ]);
    expect(axes[0]).toMatchObject({ min: 0.1, max: 0.9 });
    expect(axes[1].categories).toEqual(['a', 'b']);
    const lines = parallelLines(axes, rows);
    expect(lines.map(l => l.id)).toEqual(['sw_0', 'sw_1', 'sw_2']); // the running trial has no objective yet
    const best = lines.find(l => l.best)!;
    expect(best.positions[0]).toBeCloseTo(Math.log(3) / Math.log(9)); // 0.3 on a log axis from 0.1 to 0.9
    expect(best.positions.slice(1)).toEqual([1, 0]); // solver b at the top; the lowest rmse at the bottom
    expect(axisPosition(axes[2], 70)).toBe(1);
  });
});
