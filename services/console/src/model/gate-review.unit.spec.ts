import type { Plan } from '@ledgerflow/domain';
import { formatDuration, parseRevision, reviewerStanding, revisionTemplate, slaOf } from './gate-review.js';
import type { SignedInIdentity } from './jwt-claims.js';
import { step } from './run-history.spec-util.js';

describe('a gate as the inbox shows it', () => {
  const now = Date.parse('2026-05-04T10:00:00.000Z');

  it('counts down to dueAt, and says by how much a gate is overdue', () => {
    expect(formatDuration(4 * 3600_000 - 1000)).toBe('3 h 59 min 59 s');
    expect(formatDuration(90_061_000)).toBe('1 d 1 h 1 min 1 s');
    expect(slaOf('2026-05-04T14:00:00.000Z', now)).toEqual({ overdue: false, text: 'due in 4 h 0 min 0 s' });
    expect(slaOf('2026-05-04T09:57:55.000Z', now)).toEqual({ overdue: true, text: 'overdue by 2 min 5 s' });
    expect(slaOf(undefined, now)).toBeUndefined();
  });

  it('starts a redirect from the gated step again under a new id, removing its dependants, direct or not', () => {
    const plan = {
      workflowId: 'claims',
      workflowVersion: '1.0.0',
      concurrency: 2,
      agents: {},
      steps: [
        step('check'),
        step('pay', ['check']),
        step('notify', ['pay']),
        step('archive', ['notify']),
        step('report', ['check']),
      ],
    } as Plan;
    const draft = revisionTemplate(plan, 'pay');
    expect(draft.removeStepIds).toEqual(['notify', 'archive']);
    expect(draft.addSteps).toEqual([
      expect.objectContaining({
        id: 'pay_revised',
        dependsOn: ['check'],
        tool: plan.steps[1]?.tool,
        action: plan.steps[1]?.action,
        agent: plan.steps[1]?.agent,
      }),
    ]);
    expect(revisionTemplate(undefined, 'pay')).toEqual({ addSteps: [], removeStepIds: [] });
  });

  it('sends only a JSON object with both arrays, leaving what the steps may be to the API', () => {
    expect(parseRevision('{"addSteps": [{"id": "x"}], "removeStepIds": []}')).toEqual({
      revision: { addSteps: [{ id: 'x' }], removeStepIds: [] },
    });
    expect(parseRevision('{"addSteps": [')).toEqual({ error: expect.stringMatching(/^The revision is not JSON: /) });
    expect(parseRevision('[]')).toEqual({ error: expect.stringContaining('must be a JSON object') });
    expect(parseRevision('{"addSteps": []}')).toEqual({ error: expect.stringContaining('"removeStepIds"') });
  });

  it('says whether a gate names the signed-in person, and why not', () => {
    const person = (subject: string, roles: string[] = [], teams: string[] = []): SignedInIdentity => ({
      kind: 'jwt',
      subject,
      scopes: ['gates:decide'],
      roles,
      teams,
      service: false,
    });
    expect(reviewerStanding(['claims-lead', 'role:claims-lead'], person('bo', ['claims-lead']))).toEqual({
      named: true,
      why: 'This gate names you as role:claims-lead.',
    });
    expect(reviewerStanding(['team:payments'], person('ann', [], ['payments'])).named).toBe(true);
    expect(reviewerStanding(['role:claims-lead'], person('intern', ['adjuster']))).toEqual({
      named: false,
      why: 'Not yours to decide: this gate names role:claims-lead, and you are user intern; roles adjuster; no teams.',
    });
  });
});
