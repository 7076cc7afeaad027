import { formFieldsOf, inputOf, issuesByField } from './schema-form.js';

describe('the start-run form of an inputSchema', () => {
  const schema = {
    type: 'object',
    required: ['claimId', 'amount'],
    properties: {
      claimId: { type: 'string', title: 'Claim id', description: 'CLM-yyyy-nnnn' },
      amount: { type: 'number' },
      count: { type: 'integer', minimum: 1 },
      urgent: { type: 'boolean' },
      currency: { enum: ['EUR', 'USD'] },
      'a/b': { type: 'object' },
    },
  };

  it('maps each top-level property to a field of its kind', () => {
    expect(formFieldsOf(schema).map(({ name, kind, required, pointer }) => [name, kind, required, pointer])).toEqual([
      ['claimId', 'text', true, '/claimId'],
      ['amount', 'number', true, '/amount'],
      ['count', 'integer', false, '/count'],
      ['urgent', 'boolean', false, '/urgent'],
      ['currency', 'choice', false, '/currency'],
      ['a/b', 'json', false, '/a~1b'],
    ]);
    expect(formFieldsOf(schema)[0]).toMatchObject({ label: 'Claim id', description: 'CLM-yyyy-nnnn' });
    expect(formFieldsOf(schema)[4]?.options).toEqual(['"EUR"', '"USD"']);
  });

  it('is one JSON field for a schema without properties (true, or {type: object})', () => {
    for (const open of [true, { type: 'object' }, undefined])
      expect(formFieldsOf(open)).toEqual([
        { name: '', label: 'Input (JSON)', kind: 'json', required: true, pointer: '' },
      ]);
    expect(inputOf(formFieldsOf(true), { '': ' ' })).toEqual({ input: {} });
    expect(inputOf(formFieldsOf(true), { '': '{"sleepMs": 5}' })).toEqual({ input: { sleepMs: 5 } });
    expect(inputOf(formFieldsOf(true), { '': '{' })).toEqual({ errors: { '': expect.stringMatching(/^not JSON/) } });
  });

  it('makes the input from the typed text, leaving empty fields out for the gateway to name', () => {
    const fields = formFieldsOf(schema);
    expect(
      inputOf(fields, {
        claimId: 'CLM-1',
        amount: '12.5',
        count: '',
        urgent: 'true',
        currency: '"EUR"',
        'a/b': '{"x":1}',
      }),
    ).toEqual({
      input: { claimId: 'CLM-1', amount: 12.5, urgent: true, currency: 'EUR', 'a/b': { x: 1 } },
    });
    expect(inputOf(fields, { amount: 'lots', 'a/b': '{' })).toEqual({
      errors: { amount: 'not a number', 'a/b': expect.stringMatching(/^not JSON/) },
    });
  });

  it("places the gateway's issues next to their fields, the rest under the form", () => {
    const issues = [
      { path: '/count', rule: 'minimum', message: 'must be >= 1' },
      { path: '/a~1b/x', rule: 'type', message: 'must be string' },
      { path: '', rule: 'type', message: 'must be object' },
    ];
    expect(issuesByField(formFieldsOf(schema), issues)).toEqual({
      count: ['must be >= 1 (minimum)'],
      'a/b': ['must be string (type)'],
      '': ['must be object (type)'],
    });
  });
});
