import { EventVersionError, RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { RunEvent } from '@ledgerflow/domain';
import { EMPTY_HISTORY, appended, attemptsOf } from './run-events.js';
import { events, records, step } from './run-history.spec-util.js';

/**
 * Changes of shape as a test registers them (docs/events.md, "Versions and upcasting"): suppose `RunTriggered` v1
 * named the definition's version `version` (v2: `workflowVersion`, which the fold reads), and `StepSucceeded` v1
 * recorded `durationSeconds` (v2: `durationMs`, which the step panel shows).
 */
const v2 = RUN_EVENT_UPCASTERS.with(
  {
    type: 'RunTriggered',
    fromVersion: 1,
    upcast: (data) => {
      const { version, ...rest } = data as { version: string };
      return { ...rest, workflowVersion: version };
    },
  },
  {
    type: 'StepSucceeded',
    fromVersion: 1,
    upcast: (data) => {
      const { durationSeconds, ...rest } = data as { durationSeconds: number };
      return { ...rest, durationMs: durationSeconds * 1000 };
    },
  },
);

/** `event` as a release that knew only v1 stored it: `rename` maps a v2 field to its v1 name and value. */
function atV1(event: RunEvent, rename: (data: Record<string, unknown>) => Record<string, unknown>): RunEvent {
  return { ...event, data: rename({ ...(event.data as unknown as Record<string, unknown>) }) } as unknown as RunEvent;
}

describe('the console reads stored events in their current shape', () => {
  const [triggered, planned] = events.started([step('read')]);
  const storedV1 = records([
    atV1(triggered, ({ workflowVersion, ...rest }) => ({ ...rest, version: workflowVersion })),
    planned,
    events.evaluated('read'),
    events.ran('read'),
    atV1(events.succeeded('read'), ({ durationMs, ...rest }) => ({
      ...rest,
      durationSeconds: Number(durationMs) / 1000,
    })),
  ]);

  it('folds and shows stored v1 events after a v2 change of their types', () => {
    const history = appended(EMPTY_HISTORY, storedV1, v2);
    expect(history.state).toMatchObject({ workflowId: 'claims', workflowVersion: '1.0.0' });
    expect(history.state.steps['read']).toMatchObject({ status: 'succeeded' });
    expect(attemptsOf(history.events, 'read')).toEqual([
      { attempt: 1, startedAt: expect.any(String), outcome: 'succeeded', durationMs: 12 },
    ]);
    expect(history.events[0]).toMatchObject({ data: { workflowVersion: '1.0.0' }, metadata: { schemaVersion: 2 } });
    expect(storedV1[0].data).toMatchObject({ version: '1.0.0' }); // what the gateway served is left as it was
  });

  it('shows an error code stored in its earlier dotted spelling as the snake_case code', () => {
    const failed = events.failed('read');
    const stored = records([
      ...events.started([step('read')]),
      events.evaluated('read'),
      events.ran('read'),
      atV1(failed, (data) => ({ ...data, error: { ...(data.error as object), code: 'NATS.REQUEST_FAILED' } })),
    ]);
    const history = appended(EMPTY_HISTORY, stored);
    expect(history.state.steps['read']?.error).toMatchObject({ code: 'nats_request_failed' });
    expect(attemptsOf(history.events, 'read')).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        error: { code: 'nats_request_failed', message: 'CRM unavailable' },
      }),
    ]);
  });

  it('refuses an event newer than the console reads', () => {
    const newer = records([events.started([step('read')])[0]]).map((r) => ({
      ...r,
      metadata: { ...r.metadata, schemaVersion: 2 },
    }));
    expect(() => appended(EMPTY_HISTORY, newer)).toThrow(EventVersionError);
  });
});
