import { DefinitionError } from './definition.errors.js';
import { buildPlan, parseDefinition } from './index.js';
import { miniYaml, step } from './definition-fixtures.spec-util.js';

const issuesOf = (yaml: string) => {
  try {
    parseDefinition(yaml, 'mini.yaml');
  } catch (error) {
    if (error instanceof DefinitionError) return { code: error.code, issues: error.errors };
    throw error;
  }
  throw new Error('accepted');
};

describe('when conditions', () => {
  it('travel into the plan', () => {
    const definition = parseDefinition(
      miniYaml({ steps: [step('a'), step('b', { dependsOn: ['a'], when: 'input.amount > 100' })] }),
      'mini.yaml',
    );
    expect(buildPlan(definition).steps[1]?.when).toBe('input.amount > 100');
  });

  it('are checked at load: JSONata that does not parse is named at /steps/<i>/when', () => {
    expect(issuesOf(miniYaml({ steps: [step('a', { when: 'input.amount >' })] }))).toMatchObject({
      code: 'definition_invalid',
      issues: [{ path: '/steps/0/when', rule: 'jsonata' }],
    });
  });
});

describe('run timeout', () => {
  it('is parsed like a step timeout and carried in the plan as timeoutMs', () => {
    expect(buildPlan(parseDefinition(miniYaml({ timeout: '5m' }), 'mini.yaml')).timeoutMs).toBe(300_000);
  });

  it('has the step timeout limit (the longest timer)', () => {
    expect(issuesOf(miniYaml({ timeout: '25d' }))).toMatchObject({
      code: 'duration_too_long',
      issues: [{ path: '/timeout', rule: 'duration_too_long' }],
    });
    expect(issuesOf(miniYaml({ timeout: 'soon' }))).toMatchObject({ issues: [{ path: '/timeout', rule: 'pattern' }] });
  });
});

describe('external steps', () => {
  const review = {
    id: 'review',
    kind: 'external',
    agent: 'intake',
    reviewers: ['role:claims-lead'],
    dependsOn: ['a'],
    outputSchema: { type: 'object' },
  };

  it('need no tool: the plan step is external/task with its reviewers', () => {
    const plan = buildPlan(parseDefinition(miniYaml({ steps: [step('a'), review] }), 'mini.yaml'));
    expect(plan.steps[1]).toMatchObject({
      id: 'review',
      kind: 'external',
      tool: 'external',
      action: 'task',
      reviewers: ['role:claims-lead'],
      outputSchema: { type: 'object' },
    });
    expect(plan.steps[0]?.kind).toBeUndefined();
  });

  it('must name reviewers, and take no tool; a tool step takes no reviewers', () => {
    const noReviewers = { ...review, reviewers: undefined };
    expect(issuesOf(miniYaml({ steps: [step('a'), noReviewers] })).issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/steps/1/reviewers', rule: 'required' })]),
    );
    expect(issuesOf(miniYaml({ steps: [step('a'), { ...review, tool: 'docs' }] })).issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/steps/1/tool' })]),
    );
    expect(issuesOf(miniYaml({ steps: [step('a', { reviewers: ['dana'] })] })).issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/steps/0/reviewers' })]),
    );
  });
});
