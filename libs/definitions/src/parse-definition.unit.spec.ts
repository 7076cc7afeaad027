import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefinitionError, buildPlan, parseDefinition } from './index.js';
import { fixtureDir, miniYaml, step } from './definition-fixtures.spec-util.js';

/** Runs `fn`, expecting a DefinitionError, and returns it. */
function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error('expected a DefinitionError');
}

describe('parseDefinition', () => {
  it('parses a valid file, filling defaults and converting durations', () => {
    const file = join(fixtureDir('valid'), 'claim-review-1.2.0.yaml');
    const definition = parseDefinition(readFileSync(file, 'utf8'), file);
    expect(definition).toMatchObject({
      id: 'claim-review',
      version: '1.2.0',
      title: 'Insurance claim review',
      source: file,
      concurrency: 2,
      maxSteps: 10,
    });
    expect(definition.policies).toEqual(['claims-payout@1.0.0']);
    const [extract, assess, payout] = definition.steps;
    expect(extract).toMatchObject({
      name: 'Extract documents',
      dependsOn: [],
      optional: false,
      timeoutMs: 30_000,
      policyTags: [],
      retry: { maxAttempts: 3, backoffMs: 200, multiplier: 2, maxBackoffMs: 5_000 },
    });
    expect(assess?.retry).toEqual({ maxAttempts: 1, backoffMs: 1_000, multiplier: 2, maxBackoffMs: 60_000 });
    expect(assess?.minConfidence).toBe(0.8);
    expect(payout).toMatchObject({
      timeoutMs: 300_000,
      gate: { reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: ['claims-director'] },
    });
  });

  it('builds the plan the Run aggregate validates', () => {
    const plan = buildPlan(parseDefinition(miniYaml(), 'mini.yaml'));
    expect(plan).toMatchObject({
      workflowId: 'mini',
      workflowVersion: '1.0.0',
      concurrency: 4,
      agents: { intake: ['docs.extract', 'docs.classify'] },
    });
    expect(plan.steps.map((s) => [s.id, s.dependsOn])).toEqual([
      ['a', []],
      ['b', ['a']],
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const file = join(fixtureDir('invalid'), 'syntax-error.yaml');
    const error = definitionError(() => parseDefinition(readFileSync(file, 'utf8'), file));
    expect(error.code).toBe('definition_invalid');
    expect(error.message.startsWith(`${file}: line `)).toBe(true);
    expect(error.errors[0]).toMatchObject({
      rule: 'yaml_syntax',
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(error.errors[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('reports every schema violation with its JSON pointer and rule', () => {
    const yaml = miniYaml({
      id: 'Bad Id',
      concurrency: 0,
      steps: [
        step('a', { timeout: '30 seconds', retry: { maxAttempts: 0 } }),
        { id: 'b', tool: 'docs', action: 'extract' },
      ],
      colour: 'blue',
    });
    const error = definitionError(() => parseDefinition(yaml, 'bad.yaml'));
    expect(error.code).toBe('definition_invalid');
    expect(error.message.startsWith('bad.yaml: ')).toBe(true);
    const found = error.errors.map((e) => `${e.path} ${e.rule}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '/id pattern',
        '/concurrency minimum',
        '/steps/0/timeout pattern',
        '/steps/0/retry/maxAttempts minimum',
        '/steps/1/agent required',
        '/colour additionalProperties',
      ]),
    );
    expect(error.message).toContain('/steps/0/timeout: must be a duration such as 200ms');
    expect(error.details.errors).toEqual(error.errors);
  });

  it('names a bad property name at its own pointer', () => {
    const error = definitionError(() => parseDefinition(miniYaml({ tools: { 'docs/v2': ['extract'] } }), 'names.yaml'));
    expect(error.errors).toEqual([
      {
        path: '/tools/docs~1v2',
        rule: 'propertyNames',
        message: expect.stringMatching(/^property name must match pattern/),
      },
    ]);
  });

  it('rejects an expression that does not parse and an embedded schema that does not compile', () => {
    const yaml = miniYaml({ inputSchema: { type: 'nonsense' }, steps: [step('a', { input: { x: '=input.(' } })] });
    const error = definitionError(() => parseDefinition(yaml, 'expr.yaml'));
    expect(error.code).toBe('definition_invalid');
    expect(error.errors.map((e) => `${e.path} ${e.rule}`)).toEqual([
      '/inputSchema json_schema',
      '/steps/0/input/x jsonata',
    ]);
  });

  it('rejects a tool or action the workflow does not declare', () => {
    const yaml = miniYaml({
      steps: [step('a', { tool: 'billing', action: 'payout' }), step('b', { action: 'delete' })],
    });
    const error = definitionError(() => parseDefinition(yaml, 'tools.yaml'));
    expect(error.code).toBe('definition_unknown_tool');
    expect(error.errors.map((e) => e.path)).toEqual(['/steps/0/tool', '/steps/1/action']);
    expect(error.message).toContain('tool "billing", which is not declared under tools');
    expect(error.message).toContain('docs.delete, but tools.docs declares only [extract, classify]');
  });

  it('rejects an agent the workflow does not declare', () => {
    const error = definitionError(() =>
      parseDefinition(miniYaml({ steps: [step('a', { agent: 'ghost' })] }), 'agents.yaml'),
    );
    expect(error.code).toBe('definition_unknown_agent');
    expect(error.errors).toEqual([expect.objectContaining({ path: '/steps/0/agent', rule: 'declared_agent' })]);
    expect(error.message).toMatch(/^agents\.yaml: .*agent "ghost"/);
  });

  it('reports a cycle with its path and the file name', () => {
    const file = join(fixtureDir('invalid'), 'cycle.yaml');
    const error = definitionError(() => parseDefinition(readFileSync(file, 'utf8'), file));
    expect(error.code).toBe('plan_cycle');
    expect(error.message.startsWith(`${file}: `)).toBe(true);
    expect(error.message).toContain('first -> third -> second -> first');
    expect(error.details.cycle).toEqual(['first', 'third', 'second', 'first']);
  });

  it('reports an unknown dependency at its pointer', () => {
    const error = definitionError(() =>
      parseDefinition(miniYaml({ steps: [step('a'), step('b', { dependsOn: ['a', 'zzz'] })] }), 'deps.yaml'),
    );
    expect(error.code).toBe('plan_unknown_dependency');
    expect(error.errors[0]).toMatchObject({ path: '/steps/1/dependsOn/1', rule: 'plan_unknown_dependency' });
    expect(error.message).toContain('"zzz"');
  });

  it('rejects 51 steps, and maxSteps above 50 or below the step count', () => {
    const many = Array.from({ length: 51 }, (_, i) => step(`s${i}`));
    const tooMany = definitionError(() => parseDefinition(miniYaml({ steps: many }), 'many.yaml'));
    expect(tooMany.code).toBe('workflow_depth_exceeded');
    expect(tooMany.message).toMatch(/^many\.yaml: .*51 steps.*50/);

    const highLimit = definitionError(() => parseDefinition(miniYaml({ maxSteps: 51 }), 'limit.yaml'));
    expect(highLimit.code).toBe('workflow_depth_exceeded');
    expect(highLimit.errors[0]).toMatchObject({ path: '/maxSteps', rule: 'max_steps_limit' });

    const overOwn = definitionError(() => parseDefinition(miniYaml({ maxSteps: 1 }), 'own.yaml'));
    expect(overOwn.code).toBe('workflow_depth_exceeded');
    expect(overOwn.message).toContain('2 steps exceed maxSteps 1');
  });

  it('reports a duplicate step id from the plan rules', () => {
    const error = definitionError(() => parseDefinition(miniYaml({ steps: [step('a'), step('a')] }), 'dup.yaml'));
    expect(error.code).toBe('plan_duplicate_step');
    expect(error.errors[0]?.path).toBe('/steps/1/id');
  });
});
