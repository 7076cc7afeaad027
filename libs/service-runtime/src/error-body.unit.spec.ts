import { DomainError, LedgerflowError, ValidationError } from '@ledgerflow/domain';
import { toErrorBody } from './error-body.js';

describe('toErrorBody', () => {
  it('keeps a LedgerflowError code, message, retryable flag and details', () => {
    expect(toErrorBody(new LedgerflowError('NATS.TIMEOUT', 'no answer within 2000 ms', true, { subject: 'lf.policy.evaluate' }))).toEqual({
      code: 'NATS.TIMEOUT', message: 'no answer within 2000 ms', retryable: true, details: { subject: 'lf.policy.evaluate' },
    });
  });

  it('keeps the subclasses: DomainError and ValidationError are not retryable', () => {
    expect(toErrorBody(new DomainError('RUN.REVIEWER_NOT_NAMED', 'mallory is not a reviewer'))).toEqual({
      code: 'RUN.REVIEWER_NOT_NAMED', message: 'mallory is not a reviewer', retryable: false, details: {},
    });
    expect(toErrorBody(new ValidationError('input_invalid', '/amount must be number', { field: '/amount' }))).toMatchObject({
      code: 'input_invalid', retryable: false, details: { field: '/amount' },
    });
  });

  it('passes an ErrorBody-shaped object through as it is', () => {
    const body = { code: 'workflow_unknown', message: 'workflow x is not defined', retryable: false, details: { workflowId: 'x' } };
    expect(toErrorBody(body)).toBe(body);
  });

  it('turns anything else into a retryable internal_error with its message', () => {
    expect(toErrorBody(new TypeError('cannot read properties of undefined'))).toEqual({ code: 'internal_error', message: 'cannot read properties of undefined', retryable: true });
    expect(toErrorBody('boom')).toEqual({ code: 'internal_error', message: 'boom', retryable: true });
    expect(toErrorBody(undefined)).toEqual({ code: 'internal_error', message: 'undefined', retryable: true });
  });

  it('does not take an object lacking the retryable flag for an error body', () => {
    expect(toErrorBody({ code: 'x', message: 'y' })).toMatchObject({ code: 'internal_error', retryable: true });
  });
});
