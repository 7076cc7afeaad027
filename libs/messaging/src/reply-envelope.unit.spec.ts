import { LedgerflowError, ValidationError } from '@ledgerflow/domain';
import { decodeJson, encodeJson, errorFromBody, isReply, toErrorBody } from './reply-envelope.js';

describe('reply envelope', () => {
  it('keeps a LedgerflowError code, message, retryable flag and non-empty details', () => {
    expect(toErrorBody(new ValidationError('plan_cycle', 'steps a -> b -> a form a cycle', { field: 'steps' }))).toEqual({
      code: 'plan_cycle',
      message: 'steps a -> b -> a form a cycle',
      retryable: false,
      details: { field: 'steps' },
    });
    expect(toErrorBody(new LedgerflowError('STORE.CONCURRENCY', 'conflict', true))).toEqual({ code: 'STORE.CONCURRENCY', message: 'conflict', retryable: true });
  });

  it('turns any other thrown value into internal_error, retryable', () => {
    expect(toErrorBody(new RangeError('index 9 out of range'))).toEqual({ code: 'internal_error', message: 'index 9 out of range', retryable: true });
    expect(toErrorBody('boom')).toEqual({ code: 'internal_error', message: 'boom', retryable: true });
  });

  it('round-trips an error body to a LedgerflowError', () => {
    const err = errorFromBody({ code: 'POLICY.DENIED', message: 'payout over 50,000', retryable: false, details: { limit: 50_000 } });
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err.toJSON()).toEqual({ code: 'POLICY.DENIED', message: 'payout over 50,000', retryable: false, details: { limit: 50_000 } });
  });

  it('recognises only well-formed envelopes', () => {
    expect(isReply({ ok: true, value: null })).toBe(true);
    expect(isReply({ ok: false, error: { code: 'x', message: 'y', retryable: false } })).toBe(true);
    expect(isReply({ ok: true })).toBe(false);
    expect(isReply({ ok: false, error: { code: 'x' } })).toBe(false);
    expect(isReply([1])).toBe(false);
  });

  it('encodes undefined as null and rejects a non-JSON body', () => {
    expect(decodeJson(encodeJson(undefined))).toBeNull();
    expect(() => decodeJson(new TextEncoder().encode('{'))).toThrow(SyntaxError);
    expect(() => decodeJson(new Uint8Array())).toThrow(SyntaxError);
  });
});
