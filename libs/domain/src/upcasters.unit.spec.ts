import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { aPlan, aStep, ev } from './run-fixtures.spec-util.js';
import { EventVersionError, RUN_EVENT_UPCASTERS, Upcasters, currentDataOf } from './upcasters.js';
import type { UpcasterRegistration } from './upcasters.js';

const a = aStep('a');
const LATER = '2026-05-01T10:05:00.000Z';
const stored = (event: RunEvent, schemaVersion: number | undefined, occurredAt = LATER) => ({
  ...event,
  metadata: { eventId: 'e1', occurredAt, ...(schemaVersion === undefined ? {} : { schemaVersion }) },
});

/**
 * A change of shape as a test registers it: suppose `StepSucceeded` v1 had no `completedAt` and v2 (the shape `evolve`
 * reads) added it. v1 events take it from when they were decided, `metadata.occurredAt` (docs/events.md).
 */
const completedAtAdded: UpcasterRegistration = {
  type: 'StepSucceeded',
  fromVersion: 1,
  upcast: (data, metadata) => ({ ...(data as object), completedAt: metadata['occurredAt'] }),
};
const v2 = RUN_EVENT_UPCASTERS.with(completedAtAdded);

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Upcasters', () => {
  it('folds a stored v1 event after a v2 change of its type as if it had been written at v2', () => {
    const { completedAt: _dropped, ...v1Data } = ev.succeeded('a').data as { completedAt: string };
    const v1 = stored({ type: 'StepSucceeded', data: v1Data } as RunEvent, 1);
    const upcast = v2.upcast(v1);
    expect(upcast).toEqual({
      type: 'StepSucceeded',
      data: { ...v1Data, completedAt: LATER },
      metadata: { ...v1.metadata, schemaVersion: 2 },
    });
    const state = foldRun([...ev.started(aPlan([a])), ...ev.running(a), upcast as unknown as RunEvent]);
    expect(state.steps['a']).toMatchObject({ status: 'succeeded', output: { ok: 'a' }, completedAt: LATER });
    // The stored event is never changed; one without a schemaVersion is version 1.
    expect(v1.metadata.schemaVersion).toBe(1);
    expect(v2.upcast(stored({ type: 'StepSucceeded', data: v1Data } as RunEvent, undefined)).data).toEqual({
      ...v1Data,
      completedAt: LATER,
    });
  });

  it('leaves an event at the current version as it is, and writes the current version', () => {
    const current = stored(ev.succeeded('a'), 2);
    expect(v2.upcast(current)).toBe(current);
    expect(v2.currentVersion('StepSucceeded')).toBe(2);
    expect(v2.currentVersion('RunTriggered')).toBe(1);
    expect(RUN_EVENT_UPCASTERS.currentVersion('StepSucceeded')).toBe(1);
  });

  it('chains upcasters from the stored version to the current one', () => {
    const v3 = v2.with({
      type: 'StepSucceeded',
      fromVersion: 2,
      upcast: (data) => ({ ...(data as object), costCents: 0 }),
    });
    const { completedAt: _dropped, ...v1Data } = ev.succeeded('a').data as { completedAt: string };
    expect(v3.upcast(stored({ type: 'StepSucceeded', data: v1Data } as RunEvent, 1)).data).toEqual({
      ...v1Data,
      completedAt: LATER,
      costCents: 0,
    });
    expect(v3.upcast(stored(ev.succeeded('a'), 2)).data).toEqual({ ...ev.succeeded('a').data, costCents: 0 });
  });

  it('refuses a version newer than this code knows, naming the type and the versions', () => {
    const newer = stored(ev.succeeded('a'), 2);
    expect(() => RUN_EVENT_UPCASTERS.upcast(newer)).toThrow(EventVersionError);
    expect(() => RUN_EVENT_UPCASTERS.upcast(newer)).toThrow(
      'a stored StepSucceeded event has schemaVersion 2; this release reads StepSucceeded up to version 1',
    );
    expect(thrown(() => v2.upcast(stored(ev.succeeded('a'), 3)))).toMatchObject({
      code: 'event_version_unsupported',
      retryable: true,
      details: { type: 'StepSucceeded', schemaVersion: 3, currentVersion: 2 },
    });
  });

  it('refuses a schemaVersion that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, '1']) {
      expect(() =>
        RUN_EVENT_UPCASTERS.upcast({ type: 'RunTriggered', data: {}, metadata: { schemaVersion: bad } }),
      ).toThrow(EventVersionError);
    }
  });

  it('passes an event of a type it does not know through unchanged, whatever its version', () => {
    const other = { type: 'WorkflowVersionRegistered', data: { workflowId: 'w' }, metadata: { schemaVersion: 7 } };
    expect(RUN_EVENT_UPCASTERS.upcast(other)).toBe(other);
  });

  it('refuses a chain that does not start at version 1 or has a gap', () => {
    expect(() => new Upcasters([{ ...completedAtAdded, fromVersion: 2 }])).toThrow(
      'upcaster of StepSucceeded from version 2: expected version 1',
    );
    expect(() => v2.with(completedAtAdded)).toThrow('expected version 2');
  });
});

describe('currentDataOf', () => {
  /** Suppose `RunQueued` v1 named the limit `limit` and v2 (the shape read here) renamed it `maxConcurrentRuns`. */
  const renamed = RUN_EVENT_UPCASTERS.with({
    type: 'RunQueued',
    fromVersion: 1,
    upcast: (data) => {
      const { limit, ...rest } = data as { limit: number };
      return { ...rest, maxConcurrentRuns: limit };
    },
  });
  const queuedAtV1 = { type: 'RunQueued', data: { workflowId: 'w', limit: 2 }, metadata: { schemaVersion: 1 } };

  it('reads a stored v1 event of the type asked for in its current shape', () => {
    expect(currentDataOf(queuedAtV1, 'RunQueued', renamed)).toEqual({ workflowId: 'w', maxConcurrentRuns: 2 });
    const noData = { type: 'RunQueued', data: null, metadata: { schemaVersion: 2 } };
    expect(currentDataOf(noData, 'RunQueued', renamed)).toEqual({});
  });

  it('reads nothing of an event of another type, whatever its version', () => {
    const newer = { type: 'StepSucceeded', data: { stepId: 'a' }, metadata: { schemaVersion: 9 } };
    expect(currentDataOf(newer, 'RunQueued')).toBeUndefined();
  });

  it('refuses an event of the type asked for that is newer than the registry reads', () => {
    const atV2 = { type: 'RunQueued', data: { workflowId: 'w', maxConcurrentRuns: 2 }, metadata: { schemaVersion: 2 } };
    expect(currentDataOf(atV2, 'RunQueued', renamed)?.maxConcurrentRuns).toBe(2);
    expect(thrown(() => currentDataOf(atV2, 'RunQueued'))).toMatchObject({
      code: 'event_version_unsupported',
      details: { type: 'RunQueued', schemaVersion: 2, currentVersion: 1 },
    });
  });
});
