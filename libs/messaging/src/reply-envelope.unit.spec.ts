import { DomainError, LedgerflowError, ValidationError } from '@ledgerflow/domain';
import { decodeJson, encodeJson, errorFromBody, isReply, toErrorBody } from './reply-envelope.js';

describe('reply envelope', () => {
  it('keeps a LedgerflowError code, message, retryable flag and non-empty details', () => {
    expect(
      toErrorBody(new ValidationError('plan_cycle', 'steps a -> b -> a form a cycle', { field: 'steps' })),
    ).toEqual({
      code: 'plan_cycle',
      message: 'steps a -> b -> a form a cycle',
      retryable: false,
      details: { field: 'steps' },
    });
    expect(toErrorBody(new LedgerflowError('store_concurrency', 'conflict', true))).toEqual({
      code: 'store_concurrency',
      message: 'conflict',
      retryable: true,
    });
  });

  it('turns any other thrown value into internal_error, retryable, with its message', () => {
    expect(toErrorBody(new RangeError('index 9 out of range'))).toEqual({
      code: 'internal_error',
      message: 'index 9 out of range',
      retryable: true,
    });
    expect(toErrorBody('boom')).toEqual({ code: 'internal_error', message: 'boom', retryable: true });
    expect(toErrorBody(undefined)).toEqual({ code: 'internal_error', message: 'undefined', retryable: true });
    expect(toErrorBody(new Error(''))).toEqual({
      code: 'internal_error',
      message: 'handler failed without a message',
      retryable: true,
    });
  });

  it('keeps DomainError and ValidationError codes, not retryable, and leaves out empty details', () => {
    expect(toErrorBody(new DomainError('run_reviewer_not_named', 'mallory is not a reviewer'))).toStrictEqual({
      code: 'run_reviewer_not_named',
      message: 'mallory is not a reviewer',
      retryable: false,
    });
    expect(
      toErrorBody(
        new LedgerflowError('nats_timeout', 'no answer within 2000 ms', true, { subject: 'lf.policy.evaluate' }),
      ),
    ).toStrictEqual({
      code: 'nats_timeout',
      message: 'no answer within 2000 ms',
      retryable: true,
      details: { subject: 'lf.policy.evaluate' },
    });
  });

  it('copies an ErrorBody-shaped value into a plain body with only the wire fields', () => {
    const body = {
      code: 'workflow_unknown',
      message: 'workflow x is not defined',
      retryable: false,
      details: { workflowId: 'x' },
      stack: 'at ...',
    };
    const copied = toErrorBody(body);
    expect(copied).toStrictEqual({
      code: 'workflow_unknown',
      message: 'workflow x is not defined',
      retryable: false,
      details: { workflowId: 'x' },
    });
    expect(copied).not.toBe(body);
    const coded = Object.assign(new Error('tool crm.lookup failed'), { code: 'tool_failed', retryable: true });
    expect(JSON.parse(JSON.stringify(toErrorBody(coded)))).toEqual({
      code: 'tool_failed',
      message: 'tool crm.lookup failed',
      retryable: true,
    });
  });

  it('does not take an object lacking the retryable flag for an error body', () => {
    expect(toErrorBody({ code: 'x', message: 'y' })).toMatchObject({ code: 'internal_error', retryable: true });
  });

  it('round-trips an error body to a LedgerflowError', () => {
    const err = errorFromBody({
      code: 'policy_denied',
      message: 'payout over 50,000',
      retryable: false,
      details: { limit: 50_000 },
    });
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err.toJSON()).toEqual({
      code: 'policy_denied',
      message: 'payout over 50,000',
      retryable: false,
      details: { limit: 50_000 },
    });
  });

  it('reads the dotted code of a service not yet upgraded as its snake_case name', () => {
    const err = errorFromBody({ code: 'RUN.NOT_RUNNING', message: 'run r1 is completed', retryable: false });
    expect(err.code).toBe('run_not_running');
    expect(errorFromBody({ code: 'tool_refused', message: 'no', retryable: false }).code).toBe('tool_refused');
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
