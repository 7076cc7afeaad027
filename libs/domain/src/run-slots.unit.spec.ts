import fc from 'fast-check';
import { DomainError } from './errors.js';
import {
  decideRunSlots,
  evolveRunSlots,
  foldRunSlots,
  initialRunSlots,
  nextRunSlotGrant,
  RunSlotErrorCodes,
} from './run-slots.js';
import type { RunSlotCommand, RunSlotEvent, RunSlotsState } from './run-slots.js';

const LIMIT = 2;
const RUNS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];
/** A run's queue position: its index (so r0 was triggered first), as the `RunQueued` positions would be. */
const positionOf = (runId: string): number => RUNS.indexOf(runId) + 1;

const request = (runId: string): RunSlotCommand => ({
  type: 'RequestRunSlot',
  data: { runId, position: positionOf(runId), limit: LIMIT },
});
const acquire = (runId: string): RunSlotCommand => ({ type: 'AcquireRunSlot', data: { runId } });
const release = (runId: string): RunSlotCommand => ({ type: 'ReleaseRunSlot', data: { runId } });

/**
 * Checks a history by reading its events only (no fold): at most LIMIT holders at any point, and each acquisition is
 * by the earliest-triggered run among those requested and not yet served or released.
 */
function checkHistory(
  history: readonly RunSlotEvent[],
  counted: (event: RunSlotEvent, before: RunSlotsState) => boolean,
): void {
  const holders = new Set<string>();
  const waiting = new Set<string>();
  let state = initialRunSlots();
  for (const event of history) {
    const effective = counted(event, state);
    state = evolveRunSlots(state, event);
    if (!effective) continue;
    const { runId } = event.data;
    if (event.type === 'RunSlotRequested') waiting.add(runId);
    if (event.type === 'RunSlotAcquired') {
      const first = [...waiting].sort((x, y) => positionOf(x) - positionOf(y))[0];
      expect(runId).toBe(first);
      waiting.delete(runId);
      holders.add(runId);
    }
    if (event.type === 'RunSlotReleased') {
      holders.delete(runId);
      waiting.delete(runId);
    }
    expect(holders.size).toBeLessThanOrEqual(LIMIT);
    expect(new Set(state.holders)).toEqual(holders);
  }
}

const commandArbitrary = fc
  .tuple(fc.constantFrom('request', 'acquire', 'release'), fc.constantFrom(...RUNS))
  .map(([kind, runId]) => {
    if (kind === 'request') return request(runId);
    return kind === 'acquire' ? acquire(runId) : release(runId);
  });

describe('run slot semaphore', () => {
  it('serves the queue in trigger order, not request order, within the limit', () => {
    const history = [request('r2'), request('r0'), request('r1')].flatMap((command) =>
      decideRunSlots(command, initialRunSlots()),
    );
    const state = foldRunSlots(history);
    expect(state.waiters.map((waiter) => waiter.runId)).toEqual(['r0', 'r1', 'r2']);
    expect(nextRunSlotGrant(state)?.runId).toBe('r0');
    const two = foldRunSlots([...decideRunSlots(acquire('r0'), state)], state);
    const full = foldRunSlots(decideRunSlots(acquire('r1'), two), two);
    expect(full.holders).toEqual(['r0', 'r1']);
    expect(nextRunSlotGrant(full)).toBeUndefined();
    expect(() => decideRunSlots(acquire('r2'), full)).toThrow(
      expect.objectContaining({ code: RunSlotErrorCodes.NO_FREE_SLOT }),
    );
    const freed = foldRunSlots(decideRunSlots(release('r0'), full), full);
    expect(decideRunSlots(acquire('r2'), freed)).toEqual([{ type: 'RunSlotAcquired', data: { runId: 'r2' } }]);
  });

  it('is idempotent: a second request, acquisition or release records nothing; an ended run never queues again', () => {
    const state = foldRunSlots([
      ...decideRunSlots(request('r0'), initialRunSlots()),
      { type: 'RunSlotAcquired', data: { runId: 'r0' } },
    ]);
    expect(decideRunSlots(request('r0'), state)).toEqual([]);
    expect(decideRunSlots(acquire('r0'), state)).toEqual([]);
    const ended = foldRunSlots(decideRunSlots(release('r0'), state), state);
    expect(decideRunSlots(release('r0'), ended)).toEqual([]);
    expect(decideRunSlots(request('r0'), ended)).toEqual([]);
    expect(ended).toEqual(expect.objectContaining({ holders: [], waiters: [], horizon: 1 }));
  });

  it('refuses to serve a run out of turn: RUN_SLOTS.NOT_HEAD', () => {
    const state = foldRunSlots(
      [request('r0'), request('r1')].flatMap((command) => decideRunSlots(command, initialRunSlots())),
    );
    expect(() => decideRunSlots(acquire('r1'), state)).toThrow(
      expect.objectContaining({ code: RunSlotErrorCodes.NOT_HEAD, details: expect.objectContaining({ head: 'r0' }) }),
    );
  });

  it('any interleaving of decided requests, acquisitions and releases keeps holders <= limit, in FIFO order', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => {
        let state = initialRunSlots();
        const history: RunSlotEvent[] = [];
        for (const command of commands) {
          let events: RunSlotEvent[];
          try {
            events = decideRunSlots(command, state);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            continue;
          }
          history.push(...events);
          state = foldRunSlots(events, state);
        }
        checkHistory(history, () => true);
      }),
      { numRuns: 300 },
    );
  });

  it('any stream of raw events (as if appended by hand) folds within the limit, in FIFO order', () => {
    const eventArbitrary = fc
      .tuple(fc.constantFrom('RunSlotRequested', 'RunSlotAcquired', 'RunSlotReleased'), fc.constantFrom(...RUNS))
      .map(([type, runId]): RunSlotEvent =>
        type === 'RunSlotRequested'
          ? { type, data: { runId, position: positionOf(runId), limit: LIMIT } }
          : { type: type as 'RunSlotAcquired' | 'RunSlotReleased', data: { runId } },
      );
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 60 }), (history) => {
        // The oracle counts what the fold accepted: an event changes the state exactly when the decider would have recorded it.
        checkHistory(history, (event, before) => evolveRunSlots(before, event) !== before);
      }),
      { numRuns: 300 },
    );
  });
});
