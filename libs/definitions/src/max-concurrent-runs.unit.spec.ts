import { DefinitionError, buildPlan, parseDefinition } from './index.js';
import { miniYaml } from './definition-fixtures.spec-util.js';

describe('maxConcurrentRuns', () => {
  it('travels from the definition into the plan (absent: no limit)', () => {
    expect(buildPlan(parseDefinition(miniYaml({ maxConcurrentRuns: 2 }), 'mini.yaml')).maxConcurrentRuns).toBe(2);
    expect(buildPlan(parseDefinition(miniYaml(), 'mini.yaml'))).not.toHaveProperty('maxConcurrentRuns');
  });

  it.each([
    [0, 'minimum'],
    [10_001, 'maximum'],
    [1.5, 'type'],
    ['2', 'type'],
  ])('refuses %p at /maxConcurrentRuns (%s)', (value, rule) => {
    let caught: unknown;
    try {
      parseDefinition(miniYaml({ maxConcurrentRuns: value }), 'mini.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DefinitionError);
    expect((caught as DefinitionError).errors).toEqual([expect.objectContaining({ path: '/maxConcurrentRuns', rule })]);
  });
});
