import fc from 'fast-check';
import { stringify } from 'yaml';
import { GoldenSetError, parseGoldenSet, parseJsonPath, valueAt } from './golden-set.js';

const valid = `
goldenSet: claims
workflow: claim-review
cases:
  - id: CLM-2026-0001
    input: { claimId: CLM-2026-0001, amount: 4820.5 }
    expect:
      final:
        status: { exact: completed }
      steps:
        payout:
          amount: { number: 4820.5, tolerance: 0.01 }
          $: { jsonata: "paymentId != ''" }
          documents[0].kind: { exact: pdf }
`;

const errorOf = (text: string): GoldenSetError => {
  try {
    parseGoldenSet(text);
  } catch (error) {
    if (error instanceof GoldenSetError) return error;
    throw error;
  }
  throw new Error('parsed');
};

describe('parseGoldenSet', () => {
  it('reads cases, matchers with parsed paths, and a digest of the canonical JSON', () => {
    const set = parseGoldenSet(valid);
    expect(set.goldenSet).toBe('claims');
    expect(set.workflow).toBe('claim-review');
    expect(set.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const [first] = set.cases;
    expect(first?.final).toEqual([{ path: 'status', segments: ['status'], matcher: { exact: 'completed' } }]);
    expect(first?.steps.get('payout')?.map((m) => m.segments)).toEqual([['amount'], [], ['documents', 0, 'kind']]);
    // The same set written differently (JSON, keys reordered) has the same digest.
    const reordered = JSON.stringify({ cases: [{ expect: {}, id: 'x', input: 1 }], workflow: 'w', goldenSet: 'g' });
    const original = JSON.stringify({ goldenSet: 'g', workflow: 'w', cases: [{ id: 'x', input: 1, expect: {} }] });
    expect(parseGoldenSet(reordered).digest).toBe(parseGoldenSet(original).digest);
  });

  it.each([
    ['goldenSet: [', /^line 1, column \d+: not YAML/],
    ['- 1', /^not a golden set|must be object/],
    ['goldenSet: g\nworkflow: w\ncases: []', /^cases: must NOT have fewer than 1 items/],
    ['goldenSet: g\nworkflow: W!\ncases: [{id: a, input: {}, expect: {}}]', /^workflow: must match pattern/],
    ['goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}}]', /^cases\[0\]: missing field "expect"/],
    [
      'goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}, expect: {nope: 1}}]',
      /^cases\[0\].expect: unknown field "nope"/,
    ],
    [
      'goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}, expect: {steps: {s: {x: {close: 1}}}}}]',
      /^cases\[0\].expect.steps.s.x: a matcher is/,
    ],
    [
      'goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}, expect: {steps: {s: {x: {number: 1, tolerance: -1}}}}}]',
      /^cases\[0\].expect.steps.s.x/,
    ],
    [
      'goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}, expect: {}}, {id: a, input: {}, expect: {}}]',
      /^cases\[1\].id: duplicate case id "a"/,
    ],
    [
      'goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}, expect: {final: {"a..b": {exact: 1}}}}]',
      /^cases\[0\].expect.final\["a..b"\]: expected a property name/,
    ],
    [
      'goldenSet: g\nworkflow: w\ncases: [{id: a, input: {}, expect: {final: {status: {jsonata: "$ ="}}}}]',
      /^cases\[0\].expect.final\["status"\].jsonata: does not parse/,
    ],
  ])('names where a bad set goes wrong: %j', (text, message) => {
    expect(errorOf(text).message).toMatch(message);
  });

  it('throws nothing but GoldenSetError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseGoldenSet(text);
        } catch (error) {
          expect(error).toBeInstanceOf(GoldenSetError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but GoldenSetError on arbitrary YAML values, and near-valid sets', () => {
    const matcher = fc.oneof(
      fc.record({ exact: fc.jsonValue() }),
      fc.record({ jsonata: fc.string({ maxLength: 20 }) }),
      fc.record({ number: fc.double(), tolerance: fc.double() }),
      fc.jsonValue(),
    );
    const set = fc.record(
      {
        goldenSet: fc.oneof(fc.string({ maxLength: 5 }), fc.jsonValue()),
        workflow: fc.oneof(fc.constant('claim-review'), fc.string({ maxLength: 5 })),
        cases: fc.array(
          fc.record(
            {
              id: fc.oneof(fc.constantFrom('a', 'b'), fc.jsonValue()),
              input: fc.jsonValue(),
              expect: fc.record(
                {
                  final: fc.dictionary(fc.string({ maxLength: 8 }), matcher, { maxKeys: 3 }),
                  steps: fc.dictionary(
                    fc.string({ maxLength: 8 }),
                    fc.dictionary(fc.string({ maxLength: 8 }), matcher, { maxKeys: 3 }),
                    { maxKeys: 3 },
                  ),
                },
                { requiredKeys: [] },
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), set), fc.boolean(), (value, asJson) => {
        try {
          parseGoldenSet(asJson ? (JSON.stringify(value) ?? 'null') : stringify(value));
        } catch (error) {
          expect(error).toBeInstanceOf(GoldenSetError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('paths', () => {
  it('parses dotted names, indexes and quoted names', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('')).toEqual([]);
    expect(parseJsonPath('a.b[2].c')).toEqual(['a', 'b', 2, 'c']);
    expect(parseJsonPath('$.a["odd key"][0]')).toEqual(['a', 'odd key', 0]);
    expect(parseJsonPath('$[1]')).toEqual([1]);
  });

  it('round-trips any path of names and indexes, and throws only GoldenSetError', () => {
    const segment = fc.oneof(fc.nat({ max: 1000 }), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (segments) => {
        const path = `$${segments.map((s) => (typeof s === 'number' ? `[${s}]` : `[${JSON.stringify(s)}]`)).join('')}`;
        expect(parseJsonPath(path)).toEqual(segments);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (path) => {
        try {
          parseJsonPath(path);
        } catch (error) {
          expect(error).toBeInstanceOf(GoldenSetError);
        }
      }),
    );
  });

  it('finds values, and says when a segment is missing', () => {
    const value = { a: [{ b: 1 }], n: null };
    expect(valueAt(value, ['a', 0, 'b'])).toEqual({ found: true, value: 1 });
    expect(valueAt(value, ['n'])).toEqual({ found: true, value: null });
    expect(valueAt(value, ['a', 1])).toEqual({ found: false });
    expect(valueAt(value, ['constructor'])).toEqual({ found: false });
  });
});
