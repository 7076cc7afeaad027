/**
 * How long the supervisor waits before starting a process that exited on its own again. The delay doubles
 * with each consecutive failure, up to a ceiling, and the count starts over once a process has stayed up
 * long enough (the scheme of Erlang/OTP supervisors and systemd's `RestartSec` with a burst window).
 */
export interface BackoffPolicy {
  /** Delay before the first restart after a healthy run, in milliseconds; default 500. */
  readonly initialDelayMs: number;
  /** Longest delay, in milliseconds; default 30000. */
  readonly maxDelayMs: number;
  /** Multiplier per consecutive failure; default 2. */
  readonly factor: number;
  /** A process that ran at least this long (ms) before exiting restarts after `initialDelayMs` again; default 60000. */
  readonly resetAfterMs: number;
}

/** 0.5 s doubling to 30 s; reset after 60 s up. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  resetAfterMs: 60_000,
};

/**
 * The delay before restart number `consecutiveFailures` (1 for the first failure since the process last
 * stayed up `resetAfterMs`): `initialDelayMs * factor^(consecutiveFailures - 1)`, at most `maxDelayMs`.
 * @throws RangeError when `consecutiveFailures` is not a positive integer.
 * @example restartDelayMs(DEFAULT_BACKOFF, 3) // 2000
 */
export function restartDelayMs(policy: BackoffPolicy, consecutiveFailures: number): number {
  if (!Number.isInteger(consecutiveFailures) || consecutiveFailures < 1) {
    throw new RangeError(`consecutiveFailures must be a positive integer, got ${consecutiveFailures}`);
  }
  const delay = policy.initialDelayMs * policy.factor ** (consecutiveFailures - 1);
  return Math.min(policy.maxDelayMs, delay);
}

/**
 * The consecutive failure count after an exit: 1 when the process had been up at least `resetAfterMs`
 * (milliseconds), else one more than before.
 */
export function nextFailureCount(policy: BackoffPolicy, previous: number, uptimeMs: number): number {
  return uptimeMs >= policy.resetAfterMs ? 1 : previous + 1;
}
