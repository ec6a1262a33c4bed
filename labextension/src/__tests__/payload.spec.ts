/** The endpoint test panel's payload: prefilled from the model, validated as typed. */
import { IModelVersion } from '../apitypes';
import { firstPrediction, formatBody, lineColumn, parsePayload, prefillPayload, sampleValue } from '../payload';

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
  it('finds the first prediction in each scoring format', () => {
    expect(firstPrediction({ result: [0, 1] })).toBe(0);
    expect(firstPrediction({ predictions: [1] })).toBe(1);
    expect(firstPrediction([7])).toBe(7);
    expect(firstPrediction({ error: 'x' })).toBeUndefined();
  });

  it('pretty-prints JSON and leaves text alone', () => {
    expect(formatBody({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(formatBody('plain')).toBe('plain');
  });
});
