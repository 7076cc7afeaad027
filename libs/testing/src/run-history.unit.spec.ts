import type { EventMetadata } from '@ledgerflow/contracts';
import { aPlan, aStep } from './plan-fixtures.js';
import { Positions, RunHistoryBuilder } from './run-history.js';
import type { RunStreamStore } from './run-history.js';

type Appended = { type: string; data: unknown; metadata: EventMetadata; revision: number };

/** A stream store that keeps appends in memory and refuses an unexpected revision (libs/event-store imports this lib). */
function streamStore(): RunStreamStore<Appended> {
  const streams = new Map<string, Appended[]>();
  return {
    async append(streamId, events, { expectedRevision }) {
      const stream = streams.get(streamId) ?? [];
      if (expectedRevision !== (stream.length === 0 ? 'no_stream' : stream.length - 1))
        throw new Error(`expected revision ${expectedRevision}, stream at ${stream.length - 1}`);
      streams.set(streamId, [...stream, ...events.map((e, i) => ({ ...e, revision: stream.length + i }))]);
    },
    async readStream(streamId) {
      return streams.get(streamId) ?? [];
    },
  };
}

describe('RunHistoryBuilder', () => {
  const plan = aPlan([aStep('a')]);

  it('decides commands at the clock: revisions from 0, shared positions, data times and recordedAt from at()', () => {
    const positions = new Positions(10);
    const run = new RunHistoryBuilder('r1', { positions })
      .at('2026-05-01T10:00:00.000Z')
      .start(plan)
      .evaluate('a')
      .run('a')
      .at('2026-05-01T10:00:05.000Z')
      .succeed('a', 40);
    new RunHistoryBuilder('r2', { positions }).start(plan);
    expect(run.stored.map((e) => [e.type, e.revision, e.position, e.recordedAt])).toEqual([
      ['RunTriggered', 0, 10, '2026-05-01T10:00:00.000Z'],
      ['PlanCreated', 1, 11, '2026-05-01T10:00:00.000Z'],
      ['StepPolicyEvaluated', 2, 12, '2026-05-01T10:00:00.000Z'],
      ['StepStarted', 3, 13, '2026-05-01T10:00:00.000Z'],
      ['StepSucceeded', 4, 14, '2026-05-01T10:00:05.000Z'],
      ['RunCompleted', 5, 15, '2026-05-01T10:00:05.000Z'],
    ]);
    expect(run.stored[4]).toMatchObject({ data: { completedAt: '2026-05-01T10:00:05.000Z', durationMs: 40 } });
    expect(run.state.status).toBe('completed');
    expect(positions.next()).toBe(18); // r2's two events took 16 and 17
  });

  it('refuses a command the Run aggregate refuses (a step started before its run)', () => {
    expect(() => new RunHistoryBuilder('r1').run('a')).toThrow();
  });

  it('records given events a tick apart from a revision, with times built from the clock', () => {
    const run = new RunHistoryBuilder('r1', { start: 0, tickMs: 1000, fromRevision: 3 }).record([
      { type: 'RunPaused', data: { reason: 'ops' } },
      (at) => ({ type: 'RunFailed', data: { code: 'x', reason: 'x', failedAt: at } }),
    ]);
    expect(run.stored.map((e) => [e.revision, e.recordedAt, e.metadata.occurredAt])).toEqual([
      [3, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'],
      [4, '1970-01-01T00:00:01.000Z', '1970-01-01T00:00:01.000Z'],
    ]);
    expect(run.events[1]).toEqual({
      type: 'RunFailed',
      data: { code: 'x', reason: 'x', failedAt: '1970-01-01T00:00:01.000Z' },
    });
  });

  it('writes only the events not written yet, the first with the traceparent, and reads the stream back', async () => {
    const store = streamStore();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const run = new RunHistoryBuilder('r1').start(plan);
    await run.writeTo(store, traceparent);
    const stream = await run.evaluate('a').writeTo(store, traceparent);
    expect(stream.map((e) => [e.type, e.revision, e.metadata.traceparent])).toEqual([
      ['RunTriggered', 0, traceparent],
      ['PlanCreated', 1, undefined],
      ['StepPolicyEvaluated', 2, undefined],
    ]);
  });
});
