import { MAX_TIMER_DELAY_MS } from '@ledgerflow/domain';
import type { TimerApi } from './wake-timers.js';
import { WakeTimers } from './wake-timers.js';

/** Wake-ups past Node's timer limit (2^31 - 1 ms) are chained: never armed above the limit, never early. */

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-05-01T10:00:00.000Z');

/** A manual timer API and clock: `armed` lists the live timers; `fire()` moves the clock to the next one and runs it. */
function harness() {
  let now = T0;
  let nextId = 0;
  const live = new Map<number, { delayMs: number; dueMs: number; callback: () => void }>();
  const delays: number[] = [];
  const api: TimerApi = {
    set: (callback, delayMs) => {
      const id = ++nextId;
      live.set(id, { delayMs, dueMs: now + delayMs, callback });
      delays.push(delayMs);
      return id as unknown as NodeJS.Timeout;
    },
    clear: (timer) => void live.delete(timer as unknown as number),
  };
  const woken: { runId: string; at: number }[] = [];
  const timers = new WakeTimers(
    (runId) => woken.push({ runId, at: now }),
    () => new Date(now),
    api,
  );
  const fire = (): void => {
    const [id, next] = [...live.entries()].sort((a, b) => a[1].dueMs - b[1].dueMs)[0] ?? [];
    if (id === undefined || next === undefined) throw new Error('no timer armed');
    live.delete(id);
    now = next.dueMs;
    next.callback();
  };
  return { timers, woken, delays, live, fire, now: () => now };
}

describe('WakeTimers', () => {
  it('arms a 24d retry deadline as one timer and wakes the run at it', () => {
    const h = harness();
    h.timers.at('run-1', new Date(T0 + 24 * DAY_MS).toISOString());
    expect(h.delays).toEqual([24 * DAY_MS]);
    h.fire();
    expect(h.woken).toEqual([{ runId: 'run-1', at: T0 + 24 * DAY_MS }]);
  });

  it.each([25, 365])(
    'chains a %dd deadline: no timer above 2^31 - 1 ms, the run wakes at the deadline, not before',
    (days) => {
      const h = harness();
      h.timers.at('run-1', new Date(T0 + days * DAY_MS).toISOString());
      while (h.woken.length === 0) {
        expect(h.delays.at(-1)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
        h.fire();
        if (h.woken.length === 0) expect(h.now()).toBeLessThan(T0 + days * DAY_MS);
      }
      expect(h.woken).toEqual([{ runId: 'run-1', at: T0 + days * DAY_MS }]);
      expect(h.delays.length).toBe(Math.ceil((days * DAY_MS) / MAX_TIMER_DELAY_MS));
      expect(h.live.size).toBe(0);
    },
  );

  it('after(): a 25d delay is chained the same way; a new deadline replaces the chain; stop clears it', () => {
    const h = harness();
    h.timers.after('run-1', 25 * DAY_MS);
    expect(h.delays).toEqual([MAX_TIMER_DELAY_MS]);
    h.fire();
    expect(h.woken).toEqual([]);
    expect(h.delays.at(-1)).toBe(25 * DAY_MS - MAX_TIMER_DELAY_MS);
    h.timers.after('run-1', 1000);
    expect(h.live.size).toBe(1);
    h.fire();
    expect(h.woken).toEqual([{ runId: 'run-1', at: T0 + MAX_TIMER_DELAY_MS + 1000 }]);
    h.timers.at('run-2', new Date(T0 + 365 * DAY_MS).toISOString());
    h.timers.stop();
    expect(h.live.size).toBe(0);
  });

  it('wakes a run whose deadline has passed at once', () => {
    const h = harness();
    h.timers.at('run-1', new Date(T0 - 5000).toISOString());
    expect(h.delays).toEqual([0]);
  });
});
