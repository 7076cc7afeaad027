import fc from 'fast-check';
import { validateBody } from '@ledgerflow/service-runtime';
import { OpenGatesDto } from './open-gates.dto.js';

function refusal(body: unknown): { code: string; fields: string[] } | undefined {
  try {
    validateBody(OpenGatesDto, body);
    return undefined;
  } catch (error) {
    const { code, details } = error as { code: string; details?: { violations?: Array<{ field: string }> } };
    return { code, fields: [...new Set((details?.violations ?? []).map((v) => v.field))] };
  }
}

describe('OpenGatesDto (lf.approval.open-gates body)', () => {
  it('accepts a run id and nothing else', () => {
    expect(refusal({ runId: '7b4c9f7e-1d2a-5b3c-9e8f-0a1b2c3d4e5f' })).toBeUndefined();
    expect(refusal({ runId: 'r1', gates: ['payout'] })).toEqual({ code: 'request_invalid', fields: ['gates'] });
  });

  it('refuses a missing, empty, oversized or odd run id, naming the field', () => {
    for (const runId of [undefined, '', 'x'.repeat(201), 'run id with spaces', '../etc', 42, { $gt: '' }]) {
      expect(refusal({ runId })).toEqual({ code: 'request_invalid', fields: ['runId'] });
    }
  });

  it('answers any JSON body with acceptance or request_invalid, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ runId: fc.jsonValue() }),
          fc.record({ runId: fc.string({ unit: 'binary' }) }),
        ),
        (body) => {
          const refused = refusal(body);
          if (refused) expect(refused.code).toBe('request_invalid');
          else expect(typeof (body as { runId: unknown }).runId).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });
});
