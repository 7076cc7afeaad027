import { EventTooLargeError } from '@ledgerflow/event-store';
import { toHttpError } from './http-error.filter.js';

describe('toHttpError: an event the store refuses as too large', () => {
  it('is 413 payload_too_large naming the event, its size and the limit, not retryable', () => {
    const { status, body } = toHttpError(new EventTooLargeError('run-1', 'RunTriggered', 0, 1_200_000, 983_040));
    expect(status).toBe(413);
    expect(body).toMatchObject({
      code: 'payload_too_large',
      retryable: false,
      details: { eventType: 'RunTriggered', size: 1_200_000, limit: 983_040 },
    });
    expect(body.message).toMatch(/RunTriggered .* 1200000 bytes .* limit is 983040 bytes/);
  });

  it('maps the same refusal forwarded by the planner as an error body', () => {
    const forwarded = {
      code: 'store_event_too_large',
      message: 'too large',
      retryable: false,
      details: { limit: 983_040 },
    };
    expect(toHttpError(forwarded)).toEqual({ status: 413, body: { ...forwarded, code: 'payload_too_large' } });
  });
});
