import { validateBody } from '@ledgerflow/service-runtime';
import { DecideGateDto } from './decide-gate.dto.js';

const valid = { gateId: 'run-1.payout', token: 'header.payload.signature', outcome: 'approve' };

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

  it('refuses a body that names its own reviewer: the reviewer comes from the token only', () => {
    expect(refusedFields({ ...valid, reviewer: { kind: 'human', id: 'claims-lead' } })).toEqual(['reviewer']);
  });

  it('refuses an empty or oversized token', () => {
    expect(refusedFields({ ...valid, token: '' })).toEqual(['token']);
    expect(refusedFields({ ...valid, token: 'x'.repeat(16_385) })).toEqual(['token']);
  });

  it('refuses a gate id that is not <runId>.<stepId>, and an unknown outcome', () => {
    expect(refusedFields({ ...valid, gateId: 'payout', outcome: 'maybe' })).toEqual(['gateId', 'outcome']);
  });

  it('refuses a decision without a token, naming the field', () => {
    const { token: _absent, ...withoutToken } = valid;
    expect(refusedFields(withoutToken)).toContain('token');
  });
});
