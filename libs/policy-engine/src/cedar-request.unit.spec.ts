import { cedarRequestOf, interpolate, messageValuesOf } from './cedar-request.js';
import { payoutRequest } from './policy-engine.spec-util.js';

describe('cedarRequestOf', () => {
  it('builds Agent, Tool and System entities and the step context', () => {
    const request = cedarRequestOf(
      payoutRequest({
        input: { amount: 4_820.5, count: 3, covered: true, payee: 'Ann', attempt: 9, nested: { x: 1 } },
      }),
    );
    expect(request.principal).toEqual({ type: 'Agent', id: 'payout-agent' });
    expect(request.action).toEqual({ type: 'Tool::Action', id: 'billing.payout' });
    expect(request.resource).toEqual({ type: 'System', id: 'billing' });
    expect(request.entities[0]).toEqual({
      uid: { type: 'Agent', id: 'payout-agent' },
      attrs: { capabilities: ['billing.payout'] },
      parents: [],
    });
    expect(request.context).toEqual({
      runId: 'run-1',
      workflowId: 'claim-review',
      stepId: 'payout',
      attempt: 1,
      tool: 'billing',
      action: 'payout',
      capability: 'billing.payout',
      tags: ['payout'],
      learnedRecovery: false,
      learnedRule: '',
      amount: 4_821,
      count: 3,
      covered: true,
      exact: {
        amount: { __extn: { fn: 'decimal', arg: '4820.5000' } },
        count: { __extn: { fn: 'decimal', arg: '3.0000' } },
      },
    });
  });

  it('leaves out numbers Cedar cannot hold and non-object inputs', () => {
    expect(cedarRequestOf(payoutRequest({ input: { big: 2 ** 60 } })).context).not.toHaveProperty('big');
    expect(cedarRequestOf(payoutRequest({ input: [1, 2] })).context['exact']).toEqual({});
  });
});

describe('messages', () => {
  it('fills placeholders with en-US numbers and reports missing names', () => {
    const values = messageValuesOf(payoutRequest({ input: { amount: 1_250_000.25 } }));
    expect(interpolate('{agent}: {amount} of {capability}', values)).toEqual({
      text: 'payout-agent: 1,250,000.25 of billing.payout',
      missing: [],
    });
    expect(interpolate('{nope} {amount}', values).missing).toEqual(['nope']);
  });
});
