import { DomainError } from './errors.js';
import type { DomainEvent } from './events.js';

/**
 * The concurrent-run semaphore of one workflow (`plan.maxConcurrentRuns`), as events of the stream
 * `runslots-<workflowId>`: a run asks for a slot, acquires one when it heads the queue and a slot is free, and
 * releases it when it ends. Appended with the expected revision the decision was made on, so two executors can
 * never both grant the last slot (docs/events.md, "Streams, revisions and positions": a conflict re-reads and re-decides). Pure, like
 * the Run aggregate: the executor (services/executor/src/run-slots.ts) does the reading and appending.
 */

/**
 * A queued run joins the queue. `position`: the global store position of its `RunQueued` event, the order of
 * the queue (first triggered, first served); `limit`: its plan's `maxConcurrentRuns`, checked when it heads the queue.
 */
export type RunSlotRequested = DomainEvent<'RunSlotRequested', { runId: string; position: number; limit: number }>;
/** The run at the head of the queue holds a slot (its run stream gets `RunDequeued` next). */
export type RunSlotAcquired = DomainEvent<'RunSlotAcquired', { runId: string }>;
/** The run ended (completed, failed, cancelled, timed out): its slot, or its place in the queue, is given back. */
export type RunSlotReleased = DomainEvent<'RunSlotReleased', { runId: string }>;

export type RunSlotEvent = RunSlotRequested | RunSlotAcquired | RunSlotReleased;

/** Every event type of a `runslots-` stream. */
export const RUN_SLOT_EVENT_TYPES: ReadonlySet<string> = new Set<RunSlotEvent['type']>([
  'RunSlotRequested',
  'RunSlotAcquired',
  'RunSlotReleased',
]);

export type RequestRunSlot = Readonly<{
  type: 'RequestRunSlot';
  data: Readonly<{ runId: string; position: number; limit: number }>;
}>;
export type AcquireRunSlot = Readonly<{ type: 'AcquireRunSlot'; data: Readonly<{ runId: string }> }>;
export type ReleaseRunSlot = Readonly<{ type: 'ReleaseRunSlot'; data: Readonly<{ runId: string }> }>;
export type RunSlotCommand = RequestRunSlot | AcquireRunSlot | ReleaseRunSlot;

/** A run in the queue: its `RunQueued` position and its limit. */
export interface RunSlotWaiter {
  readonly runId: string;
  readonly position: number;
  readonly limit: number;
}

/**
 * The fold of a `runslots-` stream. `holders`: runs holding a slot, in the order they acquired it; `waiters`: the
 * queue, ordered by `position`; `ended`: runs that released (never queued again); `horizon`: the highest
 * `position` ever requested (every `RunQueued` of the workflow at or before it has been requested).
 */
export interface RunSlotsState {
  readonly holders: readonly string[];
  readonly waiters: readonly RunSlotWaiter[];
  readonly ended: ReadonlySet<string>;
  readonly horizon: number;
}

/** Codes of the semaphore's refusals (not retryable: re-read the stream and decide again). */
export const RunSlotErrorCodes = {
  NOT_HEAD: 'RUN_SLOTS.NOT_HEAD',
  NO_FREE_SLOT: 'RUN_SLOTS.NO_FREE_SLOT',
} as const;

export function initialRunSlots(): RunSlotsState {
  return { holders: [], waiters: [], ended: new Set(), horizon: 0 };
}

function known(state: RunSlotsState, runId: string): boolean {
  return (
    state.holders.includes(runId) || state.ended.has(runId) || state.waiters.some((waiter) => waiter.runId === runId)
  );
}

/**
 * The state after `event`. Total: a request for a known run, an acquisition by a run that is not the head of the
 * queue or finds no free slot, a release of an unknown or ended run change nothing. The decider never records
 * those, and so even a stream written by hand folds to at most `limit` holders, served in queue order.
 */
export function evolveRunSlots(state: RunSlotsState, event: RunSlotEvent): RunSlotsState {
  const { runId } = event.data;
  switch (event.type) {
    case 'RunSlotRequested': {
      if (known(state, runId)) return state;
      const waiter: RunSlotWaiter = { runId, position: event.data.position, limit: event.data.limit };
      const at = state.waiters.findIndex((other) => other.position > waiter.position);
      const waiters =
        at < 0 ? [...state.waiters, waiter] : [...state.waiters.slice(0, at), waiter, ...state.waiters.slice(at)];
      return { ...state, waiters, horizon: Math.max(state.horizon, waiter.position) };
    }
    case 'RunSlotAcquired':
      // Only what the decider can record counts: the head of the queue, with a slot free for it.
      if (nextRunSlotGrant(state)?.runId !== runId) return state;
      return { ...state, waiters: state.waiters.slice(1), holders: [...state.holders, runId] };
    case 'RunSlotReleased': {
      if (!known(state, runId) || state.ended.has(runId)) return state;
      const ended = new Set(state.ended).add(runId);
      return {
        ...state,
        ended,
        holders: state.holders.filter((id) => id !== runId),
        waiters: state.waiters.filter((waiter) => waiter.runId !== runId),
      };
    }
    default: {
      const _exhaustive: never = event;
      void _exhaustive;
      return state;
    }
  }
}

export function foldRunSlots(events: Iterable<RunSlotEvent>, from: RunSlotsState = initialRunSlots()): RunSlotsState {
  let state = from;
  for (const event of events) state = evolveRunSlots(state, event);
  return state;
}

/** The head of the queue when a slot is free for it (holders < its limit), else undefined. */
export function nextRunSlotGrant(state: RunSlotsState): RunSlotWaiter | undefined {
  const head = state.waiters[0];
  return head !== undefined && state.holders.length < head.limit ? head : undefined;
}

/**
 * The semaphore's decider.
 * - `RequestRunSlot` -> `RunSlotRequested`; [] when the run is already queued, holds a slot or has ended (idempotent).
 * - `AcquireRunSlot` -> `RunSlotAcquired` for the head of the queue while fewer than its `limit` runs hold a slot;
 *   [] when the run already holds one.
 * - `ReleaseRunSlot` -> `RunSlotReleased` for a holder or a waiter; [] otherwise (idempotent).
 * @throws DomainError RUN_SLOTS.NOT_HEAD (another run is ahead in the queue, or the run is not queued),
 *   RUN_SLOTS.NO_FREE_SLOT (`limit` runs hold a slot); details `{runId}` (+ `{holders, limit}`).
 * @example decideRunSlots({ type: 'AcquireRunSlot', data: { runId } }, foldRunSlots(history))
 */
export function decideRunSlots(command: RunSlotCommand, state: RunSlotsState): RunSlotEvent[] {
  const { runId } = command.data;
  switch (command.type) {
    case 'RequestRunSlot':
      return known(state, runId)
        ? []
        : [{ type: 'RunSlotRequested', data: { runId, position: command.data.position, limit: command.data.limit } }];
    case 'AcquireRunSlot': {
      if (state.holders.includes(runId)) return [];
      const head = state.waiters[0];
      if (head?.runId !== runId)
        throw new DomainError(RunSlotErrorCodes.NOT_HEAD, `run ${runId} is not at the head of the queue`, {
          runId,
          head: head?.runId,
        });
      if (state.holders.length >= head.limit) {
        throw new DomainError(
          RunSlotErrorCodes.NO_FREE_SLOT,
          `${state.holders.length} of ${head.limit} slots are held`,
          { runId, holders: state.holders.length, limit: head.limit },
        );
      }
      return [{ type: 'RunSlotAcquired', data: { runId } }];
    }
    case 'ReleaseRunSlot':
      return known(state, runId) && !state.ended.has(runId) ? [{ type: 'RunSlotReleased', data: { runId } }] : [];
    default: {
      const unhandled: never = command;
      throw new TypeError(`unknown command type ${(unhandled as { type?: unknown }).type as string}`);
    }
  }
}
