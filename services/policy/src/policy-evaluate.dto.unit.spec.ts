import { validateBody } from '@ledgerflow/service-runtime';
import { PolicyEvaluateDto, policyEvaluateRequestOf } from './policy-evaluate.dto.js';
import { payoutRequest } from './policy.spec-util.js';

describe('PolicyEvaluateDto (the body of lf.policy.evaluate)', () => {
  it('accepts the attempt, its input and the input digest', () => {
    expect(validateBody(PolicyEvaluateDto, payoutRequest(10))).toMatchObject({
      runId: 'run-7',
      stepId: 'payout',
      attempt: 1,
    });
  });

  it.each([
    ['an agent', { agent: 'payout-agent' }],
    ['capabilities', { agentCapabilities: ['billing.payout'] }],
    ['a tool and action', { tool: 'billing', action: 'payout' }],
    ['policy tags', { policyTags: [] }],
    ['a workflow', { workflowId: 'claim-review' }],
  ])('refuses a body claiming %s (request_invalid): those facts come from the run', (_label, claim) => {
    expect(() => validateBody(PolicyEvaluateDto, { ...payoutRequest(10), ...claim })).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
  });

  it('refuses a missing or malformed input digest', () => {
    const { inputDigest: _omitted, ...withoutDigest } = payoutRequest(10);
    expect(() => validateBody(PolicyEvaluateDto, withoutDigest)).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
    expect(() => validateBody(PolicyEvaluateDto, { ...payoutRequest(10), inputDigest: 'md5:abc' })).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
  });

  it("policyEvaluateRequestOf: the body as it is when every rule holds, else exactly validateBody's error", () => {
    const good = payoutRequest(10);
    expect(policyEvaluateRequestOf(good)).toBe(good);
    expect(policyEvaluateRequestOf({ ...good, input: undefined })).toMatchObject({ runId: 'run-7' });
    const deep = JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) as unknown;
    const { inputDigest: _omitted, ...withoutDigest } = good;
    const bad: unknown[] = [
      null,
      [],
      'text',
      {},
      withoutDigest,
      { ...good, agent: 'payout-agent' },
      { ...good, runId: '' },
      { ...good, stepId: 7 },
      { ...good, attempt: 0 },
      { ...good, attempt: 1.5 },
      { ...good, attempt: '1' },
      { ...good, inputDigest: `sha256:${'AB'.repeat(32)}` },
      { ...good, input: deep },
      JSON.parse('{"__proto__":{"x":1},"runId":"r","stepId":"s","attempt":1,"inputDigest":"x"}'),
    ];
    for (const body of bad) {
      const error = (fn: () => unknown) => {
        try {
          fn();
          return undefined;
        } catch (e) {
          return e;
        }
      };
      const expected = error(() => validateBody(PolicyEvaluateDto, body));
      expect(expected).toBeDefined();
      expect(error(() => policyEvaluateRequestOf(body))).toEqual(expected);
    }
  });
});
