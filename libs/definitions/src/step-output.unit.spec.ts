import { buildPlan, describeOutputIssues, parseDefinition, stepOutputIssues } from './index.js';
import { miniYaml, step } from './definition-fixtures.spec-util.js';

const schema = {
  type: 'object',
  required: ['total'],
  properties: { total: { type: 'number', minimum: 0 }, code: { type: 'string', pattern: '^[A-Z]{3}$' } },
};

describe('stepOutputIssues', () => {
  it('accepts an output that conforms', () => {
    expect(stepOutputIssues(schema, { total: 12, code: 'EUR' })).toEqual([]);
  });

  it('names the JSON pointer and the rule of each failure', () => {
    const issues = stepOutputIssues(schema, { total: 'twelve', code: 'euro' });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/total', rule: 'type' }),
        expect.objectContaining({ path: '/code', rule: 'pattern' }),
      ]),
    );
    expect(describeOutputIssues(issues)).toContain('/total must be number (type)');
  });

  it('names a missing property itself and the whole output as /', () => {
    expect(stepOutputIssues(schema, {})).toEqual([expect.objectContaining({ path: '/total', rule: 'required' })]);
    expect(describeOutputIssues(stepOutputIssues(schema, 'text'))).toBe('/ must be object (type)');
  });
});

describe('buildPlan and outputSchema', () => {
  it('carries the step outputSchema into the plan', () => {
    const definition = parseDefinition(miniYaml({ steps: [step('a', { outputSchema: schema })] }), 'mini.yaml');
    expect(buildPlan(definition).steps[0]?.outputSchema).toEqual(schema);
  });
});
