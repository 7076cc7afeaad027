import { MAX_TIMER_DELAY_MS } from '@ledgerflow/domain';

/** A pending {@link timerAt}: `clear()` cancels it (idempotent). */
export interface TickTimer {
  clear(): void;
}

/**
 * Calls `fn` once at wall-clock time `at` (at once when `at` has passed). A Node.js timer holds at most
 * {@link MAX_TIMER_DELAY_MS} (2^31 - 1 ms, about 24.8 days; a longer delay fires after 1 ms), so a later time is
 * reached by a chain of timers, each re-reading the clock: a monthly or yearly schedule waits correctly.
 */
export function timerAt(at: Date, fn: () => void): TickTimer {
  let timer: NodeJS.Timeout | undefined;
  const wait = (): void => {
    const delay = at.getTime() - Date.now();
    timer = delay > MAX_TIMER_DELAY_MS ? setTimeout(wait, MAX_TIMER_DELAY_MS) : setTimeout(fn, Math.max(0, delay));
  };
  wait();
  return { clear: () => clearTimeout(timer) };
}
