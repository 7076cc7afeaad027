import { DEFAULT_BACKOFF, nextFailureCount, restartDelayMs } from './backoff.js';

describe('restart backoff', () => {
  it('doubles from 0.5 s and stops at 30 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => restartDelayMs(DEFAULT_BACKOFF, n));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('counts failures again from one after the process stayed up 60 s', () => {
    expect(nextFailureCount(DEFAULT_BACKOFF, 5, 59_999)).toBe(6);
    expect(nextFailureCount(DEFAULT_BACKOFF, 5, 60_000)).toBe(1);
  });

  it('refuses a failure count below one', () => {
    expect(() => restartDelayMs(DEFAULT_BACKOFF, 0)).toThrow(RangeError);
  });
});
