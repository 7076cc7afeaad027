import fc from 'fast-check';
import type { RecommendationProposed } from '@ledgerflow/contracts';
import { readDefinitionSource } from '@ledgerflow/definitions';
import { changedDefinition, nextPatchVersion } from './definition-change.js';

const document = {
  id: 'wf',
  version: '1.2.3',
  tools: { erp: ['fetch', 'post'] },
  agents: { main: ['erp.fetch', 'erp.post'] },
  steps: [
    { id: 'fetch_invoice', tool: 'erp', action: 'fetch', agent: 'main', input: { id: '=input.id' } },
    { id: 'post', tool: 'erp', action: 'post', agent: 'main', dependsOn: ['fetch_invoice'], input: { x: 1 } },
  ],
};
const recommendation = (proposal: RecommendationProposed['proposal']): RecommendationProposed => ({
  recommendationId: 'wf.raise_step_timeout.0123456789ab',
  workflowId: 'wf',
  scope: [],
  kind: 'raise_step_timeout',
  summary: 's',
  evidence: { runs: 1, occurrences: 1, from: 'a', to: 'b', exampleRunIds: [] },
  projectedEffect: {},
  proposal,
  proposedAt: '2026-05-01T00:00:00.000Z',
});
/** The changed document loads as a definition (the planner's registration checks). */
const loads = (changed: unknown) => readDefinitionSource(JSON.stringify(changed), 'workflows/wf').definition;

describe('changedDefinition: a new patch version carrying the change, valid as the planner checks it', () => {
  it('raises a step timeout and sets a step threshold', () => {
    const timeout = changedDefinition(document, recommendation({ stepId: 'post', timeoutMs: 14_000 }));
    expect(loads(timeout)).toMatchObject({ version: '1.2.4', steps: [{ timeoutMs: 30_000 }, { timeoutMs: 14_000 }] });
    const threshold = changedDefinition(document, recommendation({ stepId: 'post', minConfidence: 0.7 }));
    expect(loads(threshold).steps[1]?.minConfidence).toBe(0.7);
    expect(document.version).toBe('1.2.3');
  });

  it("inserts an optional pre-validation step with the target's dependencies and input, declared for its agent", () => {
    const changed = changedDefinition(
      document,
      recommendation({
        beforeStepId: 'post',
        step: { id: 'validate_post', tool: 'erp', action: 'validate', agent: 'main' },
      }),
    );
    const definition = loads(changed);
    expect(definition.steps.map((step) => [step.id, step.dependsOn, step.optional])).toEqual([
      ['fetch_invoice', [], false],
      ['validate_post', ['fetch_invoice'], true],
      ['post', ['fetch_invoice', 'validate_post'], false],
    ]);
    expect(definition.steps[1]?.input).toEqual({ x: 1 });
    expect(definition.tools['erp']).toContain('validate');
    expect(definition.agents['main']).toContain('erp.validate');
  });

  it('refuses a step the latest version no longer has, and a recovery rule (no definition change)', () => {
    expect(() => changedDefinition(document, recommendation({ stepId: 'gone', timeoutMs: 1000 }))).toThrow(
      expect.objectContaining({ code: 'recommendation_step_unknown' }),
    );
    expect(() =>
      changedDefinition(
        document,
        recommendation({ rule: { id: 'learned-1', on: { step: 'post', code: 'x' }, steps: [] } }),
      ),
    ).toThrow(expect.objectContaining({ code: 'recommendation_not_applicable' }));
  });

  it('bumps the patch number of any version and drops a pre-release', () => {
    expect(nextPatchVersion('2.0.0-rc.1+build.5')).toBe('2.0.1');
    fc.assert(
      fc.property(fc.nat(999), fc.nat(999), fc.nat(999), (major, minor, patch) => {
        expect(nextPatchVersion(`${major}.${minor}.${patch}`)).toBe(`${major}.${minor}.${patch + 1}`);
      }),
    );
  });
});
