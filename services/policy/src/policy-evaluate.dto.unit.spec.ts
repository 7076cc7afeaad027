import { validateBody } from '@ledgerflow/service-runtime';
import { PolicyEvaluateDto } from './policy-evaluate.dto.js';
import { payoutRequest } from './policy.spec-util.js';

describe('PolicyEvaluateDto (the body of lf.policy.evaluate)', () => {
  it('accepts the attempt, its input and the input digest', () => {
    expect(validateBody(PolicyEvaluateDto, payoutRequest(10))).toMatchObject({ runId: 'run-7', stepId: 'payout', attempt: 1 });
  });

  it.each([
    ['an agent', { agent: 'payout-agent' }],
    ['capabilities', { agentCapabilities: ['billing.payout'] }],
    ['a tool and action', { tool: 'billing', action: 'payout' }],
    ['policy tags', { policyTags: [] }],
    ['a workflow', { workflowId: 'claim-review' }],
  ])('refuses a body claiming %s (request_invalid): those facts come from the run', (_label, claim) => {
    expect(() => validateBody(PolicyEvaluateDto, { ...payoutRequest(10), ...claim })).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('refuses a missing or malformed input digest', () => {
    const { inputDigest: _omitted, ...withoutDigest } = payoutRequest(10);
    expect(() => validateBody(PolicyEvaluateDto, withoutDigest)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
    expect(() => validateBody(PolicyEvaluateDto, { ...payoutRequest(10), inputDigest: 'md5:abc' })).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });
});
