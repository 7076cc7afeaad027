import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { evolve, initialState } from '@ledgerflow/domain';
import type { RunEvent, RunStatus } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { eventually, repoRoot } from '@ledgerflow/testing';
import { runUpdateOf, sseComment, sseMessage, sseRetry } from './stream-sse.js';
import { afterRevisionOf, eventTypesOf, resumePositionOf, workflowIdOf } from './stream-query.js';
import { RunFactsCache, runStatusAfter } from './stream-status.js';
import { StreamHub } from './stream-hub.js';

const parse = (text: string, chunk = text.length) => {
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  let retry: number | undefined;
  const parser = createParser({
    onEvent: (m) => messages.push(m),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => (retry = ms),
  });
  for (let i = 0; i < text.length; i += chunk) parser.feed(text.slice(i, i + chunk));
  return { messages, comments, retry };
};

const stored = (type: string, revision: number, position: number, data: Record<string, unknown> = {}): StoredEvent =>
  ({
    type,
    data,
    revision,
    position,
    streamId: 'run-r1',
    recordedAt: '2026-05-01T10:00:00.000Z',
    metadata: {
      eventId: `e${position}`,
      runId: 'r1',
      causationId: 'c',
      actor: { kind: 'service', id: 'test' },
      occurredAt: '2026-05-01T10:00:00.000Z',
      schemaVersion: 1,
    },
  }) as unknown as StoredEvent;

describe('SSE framing', () => {
  it('frames an update as id = position, event = type, data = the update as JSON, read back by an SSE parser in any chunking', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 1, max: 50 }),
        (stepId, position, chunk) => {
          const update = runUpdateOf(
            stored('StepStarted', 3, position, { stepId, attempt: 2, input: { x: 1 } }),
            'r1',
            'running',
          );
          const text = sseRetry(1000) + sseComment('heartbeat') + sseMessage(update) + sseComment('line\nbreak');
          const read = parse(text, chunk);
          expect(read.messages).toEqual([{ id: String(position), event: 'StepStarted', data: JSON.stringify(update) }]);
          expect(JSON.parse(read.messages[0]!.data)).toEqual({
            type: 'StepStarted',
            runId: 'r1',
            stepId,
            attempt: 2,
            status: 'running',
            revision: 3,
            position,
            occurredAt: '2026-05-01T10:00:00.000Z',
          });
          expect([read.comments.map((c) => c.trim()), read.retry]).toEqual([['heartbeat', 'line break'], 1000]);
        },
      ),
    );
  });
});

describe('stream query parameters', () => {
  it('resumes from Last-Event-ID before ?lastEventId, and refuses what is not an integer >= 0 naming the field', () => {
    expect([
      resumePositionOf(undefined, undefined),
      resumePositionOf('12', '3'),
      resumePositionOf(undefined, '3'),
      resumePositionOf('', '0'),
    ]).toEqual([undefined, 12, 3, 0]);
    expect(() => resumePositionOf('-1', undefined)).toThrow(
      expect.objectContaining({
        code: 'request_invalid',
        details: expect.objectContaining({ field: 'Last-Event-ID', in: 'header' }),
      }),
    );
    for (const bad of ['1.5', 'abc', '1e3', '-0', '9999999999999999']) {
      expect(() => resumePositionOf(undefined, bad)).toThrow(
        expect.objectContaining({ details: expect.objectContaining({ field: 'lastEventId' }) }),
      );
    }
  });

  it('takes comma-separated run event types and a workflow id, naming the field of a bad one', () => {
    expect([...(eventTypesOf('RunCompleted, StepFailed') ?? [])]).toEqual(['RunCompleted', 'StepFailed']);
    expect(eventTypesOf(undefined)).toBeUndefined();
    expect(() => eventTypesOf('RunCompleted,Oops')).toThrow('unknown type "Oops"');
    expect(() => eventTypesOf('')).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'types' }) }),
    );
    expect(workflowIdOf('claim-review')).toBe('claim-review');
    expect(() => workflowIdOf('Claim Review')).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'workflowId' }) }),
    );
  });

  it('takes after as an integer >= -1', () => {
    expect([afterRevisionOf(undefined), afterRevisionOf('-1'), afterRevisionOf('7')]).toEqual([undefined, -1, 7]);
    for (const bad of ['-2', 'x', '', '1.0'])
      expect(() => afterRevisionOf(bad)).toThrow(
        expect.objectContaining({ details: expect.objectContaining({ field: 'after' }) }),
      );
  });
});

interface CorpusFile {
  readonly events: Array<{ type: string; revision: number; data: unknown }>;
}

describe('run status of an update', () => {
  const dir = join(repoRoot(), 'libs/domain/src/fixtures/corpus');
  const corpus = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => [name, JSON.parse(readFileSync(join(dir, name), 'utf8')) as CorpusFile] as const);

  it('agrees with the domain fold after every event of every recorded history', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    for (const [name, file] of corpus) {
      let state = initialState();
      let status: RunStatus = 'none';
      for (const event of file.events) {
        state = evolve(state, event as unknown as RunEvent);
        status = runStatusAfter(status, event.type);
        expect([name, event.revision, status]).toEqual([name, event.revision, state.status]);
      }
    }
  });

  it('folds a run first seen mid-stream from its start, and follows it after', async () => {
    const store = new InMemoryEventStore();
    const [, history] = corpus.find(([name]) => name === 'pause-resume.json')!;
    await store.append(
      'run-r1',
      history.events.map((e, i) => ({ type: e.type, data: e.data, metadata: stored(e.type, i, i).metadata })),
      { expectedRevision: 'no_stream' },
    );
    const events = await store.readStream('run-r1');
    const cache = new RunFactsCache(store);
    const paused = events.findIndex((e) => e.type === 'RunPaused');
    expect(await cache.after('r1', events[paused]!)).toMatchObject({
      status: 'paused',
      revision: paused,
      workflowId: (history.events[0]!.data as { workflowId: string }).workflowId,
    });
    expect((await cache.after('r1', events[paused + 1]!)).status).toBe(
      runStatusAfter('paused', events[paused + 1]!.type),
    );
    expect((await cache.after('r1', events[events.length - 1]!)).status).toBe('completed');
  });
});

describe('StreamHub shared reader', () => {
  const runEvent = (runId: string, type: string) => ({
    type,
    data: type === 'RunTriggered' ? { workflowId: 'w' } : {},
    metadata: {
      eventId: `${runId}-${type}`,
      runId,
      causationId: 'c',
      actor: { kind: 'service' as const, id: 'test' },
      occurredAt: '2026-05-01T10:00:00.000Z',
      schemaVersion: 1,
    },
  });
  const listener = () => {
    const offered: number[] = [];
    return {
      offered,
      offer: (update: { position: number }) => void offered.push(update.position),
      abort: () => undefined,
    };
  };

  it('reads only while a stream is open (and idleMs after), then starts again from the head', async () => {
    const store = new InMemoryEventStore();
    const hub = new StreamHub(store, 10, 50);
    await store.append('run-a', [runEvent('a', 'RunTriggered')], { expectedRevision: 'no_stream' });
    const first = listener();
    expect(await hub.listen(first)).toBe(1);
    await store.append('run-a', [runEvent('a', 'StepStarted')], { expectedRevision: 0 });
    await eventually('the first listener offered one update', () => first.offered.length === 1);
    hub.unlisten(first);
    expect(hub.reading).toBe(true);
    await eventually('the hub idle', () => !hub.reading);

    // Committed while nobody listens: not read by the hub (a stream's own catch-up reads it).
    await store.append('run-a', [runEvent('a', 'StepSucceeded')], { expectedRevision: 1 });
    const second = listener();
    expect(await hub.listen(second)).toBe(3);
    await store.append('run-a', [runEvent('a', 'RunCompleted')], { expectedRevision: 2 });
    await eventually('the second listener offered one update', () => second.offered.length === 1);
    expect([first.offered, second.offered]).toEqual([[2], [4]]);
    await hub.close();
    expect(hub.reading).toBe(false);
  });
});
