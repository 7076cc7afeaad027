import { DomainError } from './errors.js';

describe('DomainError', () => {
  it('keeps its stable code and is not retryable', () => {
    const error = new DomainError('plan_cycle', 'cycle a -> b -> a');
    expect(error.toJSON()).toEqual({ code: 'plan_cycle', message: 'cycle a -> b -> a', retryable: false, details: {} });
    expect(error.name).toBe('DomainError');
  });
});
