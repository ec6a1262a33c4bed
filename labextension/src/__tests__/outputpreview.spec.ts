/** Which outputs get a preview, and the CSV and JSON previews themselves. */
import { canPreview, csvPreview, galleryImages, jsonPreview, mediaType, previewKind } from '../outputpreview';

const file = (path: string, size = 100) => ({ path, size, modified: 1 });

describe('output previews', () => {
  it('knows images, CSV and JSON by name, and leaves big files to download', () => {
    expect(['figures/roc.PNG', 'a.jpeg', 'plot.svg', 'table.csv', 'x.tsv', 'metrics.json', 'model.pkl'].map(previewKind)).toEqual([
      'image',
      'image',
      'image',
      'csv',
      'csv',
      'json',
      null
    ]);
    expect(mediaType('plot.svg')).toBe('image/svg+xml');
    expect(canPreview(file('big.csv', 50 * 1024 * 1024))).toBe(false);
    expect(canPreview(file('small.csv'))).toBe(true);
    expect(canPreview(file('notes.txt'))).toBe(false);
  });

  it("puts the job's figures first in the gallery", () => {
    const files = [file('b.png'), file('figures/fig-2.png'), file('data.csv'), file('figures/fig-1.svg'), file('huge.png', 1e9)];
    expect(galleryImages(files).map(f => f.path)).toEqual(['figures/fig-1.svg', 'figures/fig-2.png', 'b.png']);
  });

  it('shows the first rows of a CSV, quoted commas and all', () => {
    const text = 'name,age\n"Braund, Mr. Owen",22\n"Cumings, Mrs.",38\nHeikkinen,26\n';
    expect(csvPreview(text, 2)).toEqual({
      header: ['name', 'age'],
      rows: [
        ['Braund, Mr. Owen', '22'],
        ['Cumings, Mrs.', '38']
      ],
      more: true
    });
    expect(csvPreview(text, 10).more).toBe(false);
    expect(csvPreview('a\tb\n1\t2\n', 5, true)).toEqual({ header: ['a', 'b'], rows: [['1', '2']], more: false });
  });

  it('indents JSON, cuts a long one, and says when it is not JSON', () => {
    expect(jsonPreview('{"rmse": 57.4, "alpha": 0.3}')).toEqual({ ok: true, text: '{\n  "rmse": 57.4,\n  "alpha": 0.3\n}', cut: false });
    const long = jsonPreview(JSON.stringify({ values: Array.from({ length: 1000 }, (_, i) => i) }), 50);
    expect(long).toMatchObject({ ok: true, cut: true });
    expect(long.ok && long.text.length).toBe(50);
    expect(jsonPreview('{nope')).toMatchObject({ ok: false });
  });
});
