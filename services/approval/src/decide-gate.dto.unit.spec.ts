import { validateBody } from '@ledgerflow/service-runtime';
import { DecideGateDto } from './decide-gate.dto.js';

const valid = { gateId: 'run-1.payout', reviewer: { kind: 'human', id: 'claims-lead' }, outcome: 'approve' };

function refusedFields(body: unknown): string[] {
  try {
    validateBody(DecideGateDto, body);
  } catch (error) {
    const { code, details } = error as { code: string; details: { violations?: Array<{ field: string }> } };
    expect(code).toBe('request_invalid');
    return (details.violations ?? []).map((v) => v.field);
  }
  throw new Error('expected the body to be refused');
}

describe('DecideGateDto (lf.approval.decide-gate body)', () => {
  it('accepts a decision with an optional comment', () => {
    expect(validateBody(DecideGateDto, { ...valid, comment: 'ok' })).toMatchObject({ ...valid, comment: 'ok' });
  });

  it('names the nested reviewer fields it refuses', () => {
    expect(refusedFields({ ...valid, reviewer: { kind: 'robot', id: '' } })).toEqual(['reviewer.kind', 'reviewer.id']);
  });

  it('refuses a gate id that is not <runId>.<stepId>, and an unknown outcome', () => {
    expect(refusedFields({ ...valid, gateId: 'payout', outcome: 'maybe' })).toEqual(['gateId', 'outcome']);
  });

  it('refuses a decision without a reviewer, naming the field', () => {
    const { reviewer: _absent, ...withoutReviewer } = valid;
    expect(refusedFields(withoutReviewer)).toContain('reviewer');
  });
});
