import { auditIdOf } from './audit-id.js';

describe('auditIdOf', () => {
  const facts = {
    runId: 'run-1',
    stepId: 'payout',
    attempt: 2,
    agent: 'agent:claims-bot',
    capability: { tool: 'billing', action: 'payout' },
    input: { amount: 75000, currency: 'EUR', tags: ['b', 'a'], nested: { z: 1, a: [1, { y: 2, x: null }] } },
    policyTags: [],
  };

  it('is the id recorded before canonicalJson had one owner (ids in stored StepPolicyEvaluated events stay valid)', () => {
    expect(auditIdOf(facts as never, 'sha256:abc')).toBe('aud-3a8268e3eaf12d420c9d6c6e0abf40b2');
  });

  it('does not depend on the order of object members', () => {
    const { runId, stepId, attempt, agent, capability } = facts;
    const input = { nested: { a: [1, { x: null, y: 2 }], z: 1 }, tags: ['b', 'a'], currency: 'EUR', amount: 75000 };
    const reordered = { policyTags: [], input, capability, agent, attempt, stepId, runId };
    expect(auditIdOf(reordered as never, 'sha256:abc')).toBe(auditIdOf(facts as never, 'sha256:abc'));
  });
});
