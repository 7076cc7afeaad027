import fc from 'fast-check';
import { MAX_MEMORY_SCOPE_TAGS, MEMORY_SCOPE_TAG_PATTERN, validatePlan } from '@ledgerflow/domain';
import { DefinitionError, buildPlan, parseDefinition } from './index.js';
import { miniYaml } from './definition-fixtures.spec-util.js';

function issuesOf(memoryScope: unknown): DefinitionError['errors'] {
  try {
    parseDefinition(miniYaml({ memoryScope }), 'mini.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return (error as DefinitionError).errors;
  }
  throw new Error('expected a DefinitionError');
}

const tag = fc.stringMatching(MEMORY_SCOPE_TAG_PATTERN);

describe('memoryScope', () => {
  it('travels into the plan sorted (absent when not declared)', () => {
    const plan = buildPlan(parseDefinition(miniYaml({ memoryScope: ['high-value', 'claims'] }), 'mini.yaml'));
    expect(plan.memoryScope).toEqual(['claims', 'high-value']);
    expect(() => validatePlan(plan)).not.toThrow();
    expect(buildPlan(parseDefinition(miniYaml(), 'mini.yaml'))).not.toHaveProperty('memoryScope');
  });

  it('any list of up to 16 unique tags parses, and the plan holds the same tags sorted, which the domain accepts', () => {
    fc.assert(
      fc.property(fc.uniqueArray(tag, { minLength: 1, maxLength: MAX_MEMORY_SCOPE_TAGS }), (tags) => {
        const plan = buildPlan(parseDefinition(miniYaml({ memoryScope: tags }), 'mini.yaml'));
        expect(plan.memoryScope).toEqual([...tags].sort());
        validatePlan(plan);
      }),
    );
  });

  it('refuses a tag outside the pattern, naming its pointer', () => {
    const bad = fc.string({ maxLength: 70 }).filter((s) => !MEMORY_SCOPE_TAG_PATTERN.test(s));
    fc.assert(
      fc.property(fc.uniqueArray(tag, { maxLength: 5 }), bad, (good, wrong) => {
        const issues = issuesOf([...good, wrong]);
        expect(issues).toContainEqual({
          path: `/memoryScope/${good.length}`,
          rule: 'pattern',
          message: 'must be a memory scope tag: a lower-case letter, then up to 62 lower-case letters, digits or "-"',
        });
      }),
    );
  });

  it.each([
    [['claims', 'claims'], '/memoryScope', 'uniqueItems'],
    [Array.from({ length: 17 }, (_, i) => `t${i}`), '/memoryScope', 'maxItems'],
    [[], '/memoryScope', 'minItems'],
    ['claims', '/memoryScope', 'type'],
    [['Claims'], '/memoryScope/0', 'pattern'],
    [['a'.repeat(64)], '/memoryScope/0', 'pattern'],
  ])('refuses %j at %s (%s)', (memoryScope, path, rule) => {
    expect(issuesOf(memoryScope)).toEqual([expect.objectContaining({ path, rule })]);
  });
});
