import { approval, planOf, claimRun, step } from './run-script.spec-util.js';
import { gateContext } from './gate-context.js';

const t = (s: number) => new Date(Date.UTC(2026, 4, 1, 10, 0, s)).toISOString();

describe('gateContext', () => {
  const plan = planOf('claim-review', [
    step('extract'),
    step('assess', { dependsOn: ['extract'] }),
    step('side'),
    step('payout', { dependsOn: ['assess'], tool: 'billing', action: 'payout', agent: 'payer' }),
  ]);

  it('gives the gate, its upstream steps with outputs, the pending action and the rules that required it', () => {
    const run = claimRun('r1')
      .at(t(0))
      .start(plan)
      .at(t(1))
      .evaluate('extract')
      .at(t(1))
      .run('extract')
      .at(t(2))
      .succeed('extract', 10)
      .at(t(3))
      .evaluate('assess')
      .at(t(3))
      .run('assess')
      .at(t(4))
      .succeed('assess', 10)
      .at(t(5))
      .evaluate('payout', approval(['role:claims-lead'], 3600));
    const view = gateContext(run.state, run.gateId('payout'));
    expect(view?.gate).toMatchObject({
      gateId: run.gateId('payout'),
      status: 'open',
      source: 'policy',
      reviewers: ['role:claims-lead'],
    });
    expect(view?.run).toEqual({ runId: 'r1', workflowId: 'claim-review', workflowVersion: '1.0.0', status: 'running' });
    expect(view?.upstream.map((s) => [s.stepId, s.status])).toEqual([
      ['extract', 'succeeded'],
      ['assess', 'succeeded'],
    ]);
    expect(view?.upstream[1]).toHaveProperty('output');
    expect(view?.pending).toMatchObject({
      stepId: 'payout',
      tool: 'billing',
      action: 'payout',
      agent: 'payer',
      status: 'awaiting_approval',
      attempt: 1,
    });
    expect(view?.rules).toEqual([
      { rule: 'payout-approval', pack: 'claims-payout@1.0.0', result: 'enforced', message: 'payout above 50,000' },
    ]);
    expect(view?.policy).toEqual({
      outcome: 'require_approval',
      rationale: 'payout above 50,000',
      auditId: 'aud-approval',
    });
    expect(view).not.toHaveProperty('exception');
  });

  it('is undefined for a gate the run does not hold', () => {
    const run = claimRun('r2').at(t(0)).start(plan);
    expect(gateContext(run.state, run.gateId('payout'))).toBeUndefined();
  });
});
