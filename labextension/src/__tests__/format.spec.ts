/** How numbers, times, statuses and secrets read in the UI. */
import { panelId } from '../naming';
import {
  EMPTY,
  assetNameFrom,
  bearerTokens,
  agoRefreshMs,
  formatAgo,
  formatBytes,
  formatDuration,
  formatMetric,
  formatValue,
  isTerminal,
  jobDuration,
  maskSecret,
  maskSecrets,
  notebookStem,
  runLabel,
  varyingParameters,
  statusKind
} from '../format';
import { job } from './fixtures';

describe('formatDuration', () => {
  it.each([
    [0.42, '0.4s'],
    [3.4, '3s'],
    [12, '12s'],
    [59.6, '1m 00s'],
    [65, '1m 05s'],
    [3600 + 180, '1h 03m'],
    [3 * 86400 + 4 * 3600, '3d 4h']
  ])('%s seconds -> %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('shows a dash for nothing or nonsense', () => {
    expect(formatDuration(null)).toBe(EMPTY);
    expect(formatDuration(-1)).toBe(EMPTY);
    expect(formatDuration(NaN)).toBe(EMPTY);
  });
});

describe('jobDuration', () => {
  it('is null before the job starts', () => {
    expect(jobDuration(job({ status: 'Queued', started_at: null, ended_at: null }), 2000)).toBeNull();
  });

  it('counts up to now while the job runs', () => {
    expect(jobDuration(job({ status: 'Running', started_at: 100, ended_at: null }), 130)).toBe(30);
  });

  it('uses the end time of a finished job', () => {
    expect(jobDuration(job({ started_at: 100, ended_at: 121 }), 5000)).toBe(21);
  });
});

describe('formatMetric', () => {
  it.each([
    [0.793296089, '0.7933'],
    [57.4712, '57.47'],
    [12345.678, '12350'],
    [42, '42'],
    [0.0001234, '1.23e-4'],
    [12_345_678.9, '1.23e+7'],
    [-0.5, '-0.5']
  ])('%s -> %s', (value, text) => {
    expect(formatMetric(value)).toBe(text);
  });

  it('shows missing values as a dash and infinities as such', () => {
    expect(formatMetric(null)).toBe(EMPTY);
    expect(formatMetric(undefined)).toBe(EMPTY);
    expect(formatMetric(NaN)).toBe(EMPTY);
    expect(formatMetric(Infinity)).toBe('∞');
  });
});

describe('formatValue', () => {
  it('writes strings as they are and objects as JSON', () => {
    expect(formatValue('Survived')).toBe('Survived');
    expect(formatValue(['Age', 'Sex'])).toBe('["Age","Sex"]');
    expect(formatValue(0.2)).toBe('0.2');
    expect(formatValue(null)).toBe(EMPTY);
  });
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [3_500, '3.4 KB'],
    [60_302, '59 KB'],
    [5 * 1024 * 1024, '5.0 MB']
  ])('%s -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('agoRefreshMs', () => {
  it('redraws "min ago" every 15 s, "h ago" every 5 minutes, days hourly', () => {
    expect(agoRefreshMs(1000, 1010)).toBe(15_000);
    expect(agoRefreshMs(1000, 1000 + 50 * 60)).toBe(15_000);
    expect(agoRefreshMs(1000, 1000 + 3 * 3600)).toBe(300_000);
    expect(agoRefreshMs(1000, 1000 + 3 * 86400)).toBe(3_600_000);
    expect(agoRefreshMs(null, 1000)).toBe(3_600_000);
  });
});

describe('formatAgo', () => {
  it('reads like a person would say it', () => {
    expect(formatAgo(1000, 1010)).toBe('just now');
    expect(formatAgo(1000, 1000 + 5 * 60)).toBe('5 min ago');
    expect(formatAgo(1000, 1000 + 3 * 3600)).toBe('3 h ago');
    expect(formatAgo(1000, 1000 + 2 * 86400)).toBe('2 d ago');
    expect(formatAgo(null, 1000)).toBe(EMPTY);
  });
});

describe('statuses', () => {
  it('knows which statuses are final', () => {
    expect(isTerminal('Completed')).toBe(true);
    expect(isTerminal('Failed')).toBe(true);
    expect(isTerminal('Canceled')).toBe(true);
    expect(isTerminal('CancelRequested')).toBe(false);
    expect(isTerminal('Running')).toBe(false);
  });

  it('gives each status a colour family', () => {
    expect(statusKind('Queued')).toBe('queued');
    expect(statusKind('Preparing')).toBe('running');
    expect(statusKind('Finalizing')).toBe('running');
    expect(statusKind('CancelRequested')).toBe('canceled');
    expect(statusKind('Failed')).toBe('failed');
  });
});

describe('secrets', () => {
  const key = 'a1B2c3D4e5F6g7H8i9J0kLmN';

  it('masks a key but keeps its last four characters', () => {
    expect(maskSecret(key)).toBe('••••••••kLmN');
    expect(maskSecret(key)).not.toContain('a1B2');
    expect(maskSecret('short')).toBe('••••••••');
  });

  it('masks every occurrence in a curl command', () => {
    const command = `curl -H "Authorization: Bearer ${key}" http://x/score`;
    const masked = maskSecrets(command, [key]);
    expect(masked).not.toContain(key);
    expect(masked).toContain('Bearer ••••••••kLmN');
  });

  it('finds bearer tokens in a command, skipping shell variables', () => {
    expect(bearerTokens(`curl -H "Authorization: Bearer ${key}"`)).toEqual([key]);
    expect(bearerTokens('curl -H "Authorization: Bearer $KEY"')).toEqual([]);
  });
});

describe('names', () => {
  it('turns file names into asset names', () => {
    expect(assetNameFrom('data/titanic.csv')).toBe('titanic-csv');
    expect(assetNameFrom('My Data (v2).parquet')).toBe('my-data-v2-parquet');
    expect(assetNameFrom('__init__')).toBe('init');
  });

  it('leaves the experiment out of a run label inside its group', () => {
    const label = (display_name: string, name: string, experiment: string) =>
      runLabel(job({ display_name, name, experiment }));
    expect(label('diabetes_ridge cell 12 (alpha=2)', 'x', 'diabetes_ridge')).toBe('cell 12 (alpha=2)');
    expect(label('titanic cell 16', 'x', 'other')).toBe('titanic cell 16');
    expect(label('', 'calm_lamp_1', 'titanic')).toBe('calm_lamp_1');
    expect(label('titanic ', 'x', 'titanic')).toBe('titanic ');
  });

  it('names runs by what differs: the varying parameters first, the default value too', () => {
    const runs = [
      job({ experiment: 'diabetes-ridge', display_name: 'diabetes cell 12 (alpha=0.05)', parameters: { alpha: 0.05, seed: 1 } }),
      job({ experiment: 'diabetes-ridge', display_name: 'diabetes cell 12 (alpha=2)', parameters: { alpha: 2, seed: 1 } }),
      job({ experiment: 'diabetes-ridge', display_name: 'diabetes cell 12', parameters: { alpha: 0.5, seed: 1 } })
    ];
    const varying = varyingParameters(runs);
    expect(varying).toEqual(['alpha']);
    expect(runs.map(run => runLabel(run, varying))).toEqual([
      'alpha=0.05 · diabetes cell 12',
      'alpha=2 · diabetes cell 12',
      'alpha=0.5 · diabetes cell 12'
    ]);
    // a name the person typed is kept whole after the values
    expect(runLabel(job({ display_name: 'baseline (v2)', parameters: { alpha: 1 } }), varying)).toBe('alpha=1 · baseline (v2)');
    // runs that do not differ (or have no parameters) read as before
    expect(varyingParameters([runs[0], runs[0]])).toEqual([]);
    expect(runLabel(job({ display_name: 'alpha 7', parameters: {} }), varying)).toBe('alpha 7');
    // a run missing a parameter the others have differs by it
    expect(varyingParameters([job({ parameters: { a: 1 } }), job({ parameters: {} })])).toEqual(['a']);
  });

  it('takes a notebook stem', () => {
    expect(notebookStem('examples/titanic.ipynb')).toBe('titanic');
  });

  it('gives distinct panel ids to distinct names', () => {
    expect(panelId('run', 'run.1')).not.toBe(panelId('run', 'run-1'));
    expect(panelId('run', 'a_b')).not.toBe(panelId('run', 'a.b'));
    expect(panelId('submit', 'a/b.ipynb', '3')).not.toBe(panelId('submit', 'a', 'b.ipynb/3'));
    expect(panelId('model', 'titanic-model')).toBe('amlx-model-titanic_2d_model');
    expect(panelId('submit', 'a--b', 'c')).not.toBe(panelId('submit', 'a', 'b', 'c'));
    expect(panelId('run', 'x y')).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
