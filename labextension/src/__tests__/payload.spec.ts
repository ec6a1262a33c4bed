/** The endpoint test panel's payload: prefilled from the model, validated as typed. */
import { IModelVersion } from '../apitypes';
import {
  formatBody,
  lineColumn,
  parsePayload,
  predictionHeadline,
  predictionTable,
  predictions,
  prefillPayload,
  requestRows,
  sampleValue
} from '../payload';

function version(overrides: Partial<IModelVersion>): IModelVersion {
  return {
    name: 'titanic-model',
    version: '1',
    job: 'job_1',
    source: 'outputs/model.pkl',
    format: 'pickle',
    size: 3500,
    description: null,
    tags: {},
    created_at: 1,
    input_columns: null,
    example: null,
    ...overrides
  };
}

describe('prefillPayload', () => {
  it("uses the model's example row as it is", () => {
    const example = { data: [{ Age: 22, Pclass: 3, Sex: 'male' }] };
    expect(JSON.parse(prefillPayload(version({ example })))).toEqual(example);
  });

  it('builds a row from the input columns when there is no example', () => {
    const body = JSON.parse(
      prefillPayload(
        version({
          input_columns: [
            { name: 'Age', type: 'double' },
            { name: 'Pclass', type: 'long' },
            { name: 'Sex', type: 'string' },
            { name: 'Alone', type: 'boolean' }
          ]
        })
      )
    );
    expect(body).toEqual({ data: [{ Age: 0, Pclass: 0, Sex: '', Alone: false }] });
  });

  it('starts from an empty row when nothing is known', () => {
    expect(JSON.parse(prefillPayload(null))).toEqual({ data: [{}] });
  });

  it('guesses sample values from type names', () => {
    expect(sampleValue('int64')).toBe(0);
    expect(sampleValue('float32')).toBe(0);
    expect(sampleValue('object')).toBe('');
  });
});

describe('parsePayload', () => {
  it('accepts an object', () => {
    expect(parsePayload('{"data": [{"Age": 22}]}')).toEqual({ ok: true, value: { data: [{ Age: 22 }] } });
  });

  it('says where the JSON breaks', () => {
    const result = parsePayload('{\n  "data": [\n    {"Age": 22,}\n  ]\n}');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(/line 3/);
    }
  });

  it('refuses empty text and bare values with a hint', () => {
    const empty = parsePayload('  ');
    const bare = parsePayload('42');
    expect(empty.ok || bare.ok).toBe(false);
    if (!empty.ok && !bare.ok) {
      expect(empty.message).toContain('empty');
      expect(bare.message).toContain('object');
    }
  });

  it('counts lines and columns from an offset', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('responses', () => {
  it('finds the predictions in each scoring format', () => {
    expect(predictions({ result: [0, 1] })).toEqual([0, 1]);
    expect(predictions({ predictions: [1] })).toEqual([1]);
    expect(predictions([7])).toEqual([7]);
    expect(predictions({ error: 'x' })).toBeUndefined();
  });

  it('headlines every row of a multi-row answer, not only the first', () => {
    expect(predictionHeadline({ result: [0] })).toBe('Prediction: 0');
    expect(predictionHeadline({ result: [0, 1] })).toBe('Predictions for 2 rows: 0, 1');
    expect(predictionHeadline({ predictions: ['yes', 'no'] })).toBe('Predictions for 2 rows: yes, no');
    const many = predictionHeadline({ result: Array.from({ length: 12 }, (_, i) => i) });
    expect(many).toBe('Predictions for 12 rows: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more');
    expect(predictionHeadline({ error: 'x' })).toBeNull();
  });

  it('reads the rows of a request in the shapes the scoring server takes', () => {
    const expected = { columns: ['Age', 'Sex'], rows: [[22, 'male'], [38, 'female']] };
    expect(requestRows({ data: [{ Age: 22, Sex: 'male' }, { Age: 38, Sex: 'female' }] })).toEqual(expected);
    expect(requestRows({ dataframe_split: { columns: ['Age', 'Sex'], data: [[22, 'male'], [38, 'female']] } })).toEqual(expected);
    expect(requestRows({ input_data: { Age: [22, 38], Sex: ['male', 'female'] } })).toEqual(expected);
    // a column missing from one record is an empty cell, not a shifted row
    expect(requestRows({ dataframe_records: [{ Age: 22 }, { Sex: 'female' }] })).toEqual({
      columns: ['Age', 'Sex'],
      rows: [[22, undefined], [undefined, 'female']]
    });
    expect(requestRows({ data: [[22, 'male']] })).toBeNull();
    expect(requestRows({ input_data: { Age: [22, 38], Sex: ['male'] } })).toBeNull();
    expect(requestRows([1, 2])).toBeNull();
  });

  it('tables a several-row answer next to the rows it answers', () => {
    const request = { data: [{ Age: 22 }, { Age: 38 }] };
    expect(predictionTable(request, { result: [0, 1] })).toEqual({
      columns: ['Age'],
      rows: [
        { values: [22], prediction: 0 },
        { values: [38], prediction: 1 }
      ],
      more: 0
    });
    expect(predictionTable(request, { result: [0] })).toBeNull();
    // answers that do not line up with the rows sent are listed alone
    expect(predictionTable(request, { result: [0, 1, 1] })?.columns).toEqual([]);
    const long = predictionTable({ data: [[1]] }, { result: Array.from({ length: 60 }, () => 0) }, 50);
    expect(long?.rows).toHaveLength(50);
    expect(long?.more).toBe(10);
  });

  it('pretty-prints JSON and leaves text alone', () => {
    expect(formatBody({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(formatBody('plain')).toBe('plain');
  });
});
