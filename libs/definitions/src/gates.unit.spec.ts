import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { confidenceRequirementOf, escalationChainOf, gateRequirementOf, validatePlan } from '@ledgerflow/domain';
import { DefinitionError, buildPlan, parseDefinition } from './index.js';
import type { WorkflowDefinition } from './index.js';
import { fixtureDir, miniYaml, step } from './definition-fixtures.spec-util.js';

const gatesFile = join(fixtureDir('gates'), 'claim-payout.yaml');
const loadGates = (): WorkflowDefinition => parseDefinition(readFileSync(gatesFile, 'utf8'), gatesFile);

/** The DefinitionError `fn` throws (fails the test when it throws nothing or something else). */
function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error('expected a DefinitionError');
}

const issuesOf = (yaml: string): string[] =>
  definitionError(() => parseDefinition(yaml, 'gates.yaml')).errors.map((e) => `${e.path} ${e.rule}`);

describe('gates and confidence in a definition', () => {
  it('reads reviewer entries, an escalation chain with an SLA per level, and confidence thresholds', () => {
    const definition = loadGates();
    expect(definition.minConfidence).toBe(0.7);
    expect(definition.confidenceGate).toEqual({ reviewers: ['role:claims-reviewer'], slaSeconds: 7_200 });
    const payout = definition.steps[1];
    expect(payout?.gate).toEqual({
      reviewers: ['user:claims-lead', 'role:claims-lead'],
      slaSeconds: 14_400,
      escalation: [{ reviewers: ['claims-director'], slaSeconds: 7_200 }, { reviewers: ['role:cfo'] }],
    });
    expect(payout?.minConfidence).toBe(0.8);
    expect(payout?.confidenceGate).toEqual({ reviewers: ['team:claims-qa'], slaSeconds: 1_800 });
  });

  it('builds a plan that validatePlan accepts and the Run aggregate reads as written', () => {
    const definition = loadGates();
    const plan = buildPlan(definition);
    expect(() => validatePlan(plan)).not.toThrow();
    expect(plan.minConfidence).toBe(0.7);
    expect(plan.confidenceGate).toEqual(definition.confidenceGate);
    const [assess, payout] = plan.steps;
    if (assess === undefined || payout === undefined) throw new Error('two steps expected');
    expect(payout.gate).toEqual(definition.steps[1]?.gate);
    expect(payout.gate).not.toBe(definition.steps[1]?.gate);
    expect(payout.gate?.escalation?.[0]).not.toBe(definition.steps[1]?.gate?.escalation?.[0]);

    // Level 2 has no SLA of its own: it takes the gate's 4 h.
    expect(gateRequirementOf(payout, undefined).escalation).toEqual([
      { reviewers: ['claims-director'], slaSeconds: 7_200 },
      { reviewers: ['role:cfo'], slaSeconds: 14_400 },
    ]);
    // A step's own confidence gate wins; a step without one gets the workflow's.
    const review = { minConfidence: 0.7, basis: 'workflow' } as const;
    expect(confidenceRequirementOf(plan, payout, review, { cumulativeConfidence: 0.5 })).toMatchObject({
      reviewers: ['team:claims-qa'],
      slaSeconds: 1_800,
    });
    expect(confidenceRequirementOf(plan, assess, review, { cumulativeConfidence: 0.5 })).toMatchObject({
      reviewers: ['role:claims-reviewer'],
      slaSeconds: 7_200,
    });
  });

  it('leaves thresholds and confidence gates out when the file has none, and keeps a flat escalateTo one level', () => {
    const yaml = miniYaml({
      steps: [step('a', { gate: { reviewers: ['ann'], escalateTo: ['bo'] } }), step('b', { dependsOn: ['a'] })],
    });
    const definition = parseDefinition(yaml, 'plain.yaml');
    const plan = buildPlan(definition);
    for (const holder of [definition, plan, definition.steps[0], plan.steps[0]]) {
      expect(holder).not.toHaveProperty('minConfidence');
      expect(holder).not.toHaveProperty('confidenceGate');
    }
    expect(plan.steps[0]?.gate).toEqual({ reviewers: ['ann'], escalateTo: ['bo'] });
    expect(escalationChainOf(plan.steps[0]?.gate)).toEqual([{ reviewers: ['bo'] }]);
  });

  it('rounds SLAs up to whole seconds, per level too', () => {
    const gate = { reviewers: ['ann'], sla: '500ms', escalation: [{ reviewers: ['bo'], sla: 1_001 }] };
    const definition = parseDefinition(miniYaml({ steps: [step('a', { gate })] }), 'sla.yaml');
    expect(definition.steps[0]?.gate).toEqual({
      reviewers: ['ann'],
      slaSeconds: 1,
      escalation: [{ reviewers: ['bo'], slaSeconds: 2 }],
    });
  });

  it('parses the example of docs/definitions.md', () => {
    const doc = fileURLToPath(new URL('../../../docs/definitions.md', import.meta.url));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readFileSync(doc, 'utf8'))?.[1] ?? '';
    const definition = parseDefinition(yaml, doc);
    expect(definition.confidenceGate?.reviewers).toEqual(['role:claims-reviewer']);
    expect(buildPlan(definition).steps[1]?.gate?.escalation).toEqual([
      { reviewers: ['claims-director'], slaSeconds: 7_200 },
      { reviewers: ['role:cfo'] },
    ]);
  });

  it('accepts user:, role:, team: and bare entries wherever a gate names reviewers', () => {
    const entries = ['user:ann', 'role:claims-lead', 'team:claims-qa', 'bo'];
    const gate = { reviewers: entries, escalation: [{ reviewers: entries }] };
    const yaml = miniYaml({
      confidenceGate: gate,
      steps: [step('a', { gate, confidenceGate: { reviewers: entries, escalateTo: entries } })],
    });
    expect(buildPlan(parseDefinition(yaml, 'entries.yaml')).steps[0]?.confidenceGate?.escalateTo).toEqual(entries);
  });
});

describe('gate and confidence errors', () => {
  it('names each malformed reviewer entry at its pointer, saying what is wrong', () => {
    const yaml = miniYaml({
      confidenceGate: { reviewers: ['group:x'] },
      steps: [
        step('a', {
          gate: { reviewers: ['ann', 'user:'], escalation: [{ reviewers: ['role:cfo'] }, { reviewers: ['team:'] }] },
        }),
        step('b', { gate: { reviewers: ['bo'], escalateTo: [':x'] }, confidenceGate: { reviewers: ['user: ann'] } }),
      ],
    });
    const error = definitionError(() => parseDefinition(yaml, 'reviewers.yaml'));
    expect(error.code).toBe('definition_invalid');
    expect(error.errors.map((e) => `${e.path} ${e.rule}`)).toEqual([
      '/confidenceGate/reviewers/0 reviewer_entry',
      '/steps/0/gate/reviewers/1 reviewer_entry',
      '/steps/0/gate/escalation/1/reviewers/0 reviewer_entry',
      '/steps/1/gate/escalateTo/0 reviewer_entry',
      '/steps/1/confidenceGate/reviewers/0 reviewer_entry',
    ]);
    expect(error.message).toContain(
      '/confidenceGate/reviewers/0: "group:x" has an unknown prefix "group": a reviewer is user:<id>, role:<role>, team:<team> or a bare id',
    );
    expect(error.message).toContain('/steps/0/gate/reviewers/1: "user:" names no user id');
    expect(error.message).toContain('"team:" names no team');
    expect(error.message).toContain('":x" has an empty prefix');
    expect(error.message).toContain('"user: ann" has whitespace around its name');
  });

  it('refuses escalateTo and escalation on the same gate', () => {
    const gate = { reviewers: ['ann'], escalateTo: ['bo'], escalation: [{ reviewers: ['cy'] }] };
    const error = definitionError(() => parseDefinition(miniYaml({ steps: [step('a', { gate })] }), 'both.yaml'));
    expect(error.code).toBe('definition_invalid');
    expect(error.errors).toEqual([
      { path: '/steps/0/gate/escalateTo', rule: 'escalation_exclusive', message: expect.stringContaining('keep one') },
    ]);
  });

  it('checks the shape of escalation levels, confidence gates and thresholds with the schema', () => {
    const yaml = miniYaml({
      minConfidence: 1.5,
      confidenceGate: { reviewers: [] },
      steps: [
        step('a', { minConfidence: -0.1, gate: { reviewers: ['ann'], escalation: [] } }),
        step('b', {
          gate: {
            reviewers: ['ann'],
            escalation: [{ sla: '1h' }, { reviewers: ['bo'], sla: '2 hours', escalateTo: ['cy'] }],
          },
        }),
        step('c', { confidenceGate: { sla: '1h' } }),
      ],
    });
    expect(issuesOf(yaml)).toEqual(
      expect.arrayContaining([
        '/minConfidence maximum',
        '/confidenceGate/reviewers minItems',
        '/steps/0/minConfidence minimum',
        '/steps/0/gate/escalation minItems',
        '/steps/1/gate/escalation/0/reviewers required',
        '/steps/1/gate/escalation/1/sla pattern',
        '/steps/1/gate/escalation/1/escalateTo additionalProperties',
        '/steps/2/confidenceGate/reviewers required',
      ]),
    );
  });

  it('reports `user: ann` unquoted in a flow list (a YAML mapping) as not a string', () => {
    const yaml = miniYaml({ steps: [step('a')] }).replace(
      'agent: intake',
      'agent: intake\n    gate: { reviewers: [user: ann] }',
    );
    expect(issuesOf(yaml)).toContain('/steps/0/gate/reviewers/0 type');
  });
});
