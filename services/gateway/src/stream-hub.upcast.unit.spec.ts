import type { LedgerflowError } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { NewEvent } from '@ledgerflow/event-store';
import { eventually, renamedField } from '@ledgerflow/testing';
import { StreamHub } from './stream-hub.js';
import type { RunUpdate } from './stream-sse.js';
import type { RunFacts } from './stream-status.js';
import { RunFactsCache } from './stream-status.js';
import { runEventAt, workflowRenamed } from './upcast.spec-util.js';

/**
 * Besides the rename of `RunTriggered.workflow` (upcast.spec-util.ts), suppose `StepStarted` v1 named the step `step`
 * and v2 renamed it `stepId`.
 */
const renamed = workflowRenamed.with(renamedField('StepStarted', 'step', 'stepId'));
/** A run triggered, its step started and the run paused, all written at v1 by a release that knew only v1. */
const atV1: readonly NewEvent[] = [
  runEventAt('RunTriggered', { runId: 'r1', workflow: 'claims', workflowVersion: '1.0.0' }, 1, 'e1'),
  runEventAt('StepStarted', { step: 'a', attempt: 1 }, 1, 'e2'),
  runEventAt('RunPaused', { reason: 'operator' }, 1, 'e3'),
];

const listener = () => {
  const offered: Array<{ update: RunUpdate; facts: RunFacts }> = [];
  const aborted: string[] = [];
  return {
    offered,
    aborted,
    offer: (update: RunUpdate, facts: RunFacts) => void offered.push({ update, facts }),
    abort: (reason: string) => void aborted.push(reason),
  };
};
const until = (what: string, holds: () => boolean) => eventually(what, holds, 2_000, 10);

describe('StreamHub: stored events upcast before their updates are made', () => {
  let store: InMemoryEventStore;
  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  it('streams a v1 run after a v2 change of its shape: the workflow filter and the step id read the v2 fields', async () => {
    await store.append('run-r1', atV1, { expectedRevision: 'no_stream' });
    const hub = new StreamHub(store, 10, 50, () => 0, renamed);
    const read = [];
    for await (const { update, facts } of hub.history({ workflowId: 'claims' }, 0))
      read.push([update.type, update.stepId, update.status, facts.workflowId]);
    expect(read).toEqual([
      ['RunTriggered', undefined, 'running', 'claims'],
      ['StepStarted', 'a', 'running', 'claims'],
      ['RunPaused', undefined, 'paused', 'claims'],
    ]);
  });

  it('folds a run first seen mid-stream from its v1 events', async () => {
    await store.append('run-r1', atV1, { expectedRevision: 'no_stream' });
    const [, , paused] = await store.readStream('run-r1');
    const facts = await new RunFactsCache(store, 10, renamed).after('r1', paused!);
    expect(facts).toEqual({ revision: 2, status: 'paused', workflowId: 'claims' });
  });

  it('offers live v1 events to a workflow stream with their v2 fields', async () => {
    const hub = new StreamHub(store, 10, 50, () => 0, renamed);
    const claims = listener();
    await hub.listen(claims);
    await store.append('run-r1', atV1.slice(0, 2), { expectedRevision: 'no_stream' });
    await until('both updates offered', () => claims.offered.length === 2);
    expect(claims.offered.map(({ update, facts }) => [update.type, update.stepId, facts.workflowId])).toEqual([
      ['RunTriggered', undefined, 'claims'],
      ['StepStarted', 'a', 'claims'],
    ]);
    await hub.close();
  });

  it('refuses an event newer than it reads: the catch-up throws, the live reader ends its streams naming why', async () => {
    await store.append('run-r1', [atV1[0]!, runEventAt('StepStarted', { stepId: 'a', attempt: 1 }, 2, 'e2')], {
      expectedRevision: 'no_stream',
    });
    const hub = new StreamHub(store, 10, 50);
    const sent: string[] = [];
    let refused: LedgerflowError | undefined;
    try {
      for await (const { update } of hub.history({ runId: 'r1' }, -1)) sent.push(update.type);
    } catch (error) {
      refused = error as LedgerflowError;
    }
    expect(sent).toEqual(['RunTriggered']);
    expect(refused).toMatchObject({
      code: 'event_version_unsupported',
      details: { type: 'StepStarted', schemaVersion: 2, currentVersion: 1 },
    });

    const watching = listener();
    await hub.listen(watching);
    await store.append('run-r1', [runEventAt('StepStarted', { stepId: 'b', attempt: 1 }, 2, 'e3')], {
      expectedRevision: 1,
    });
    await until('the stream ended', () => watching.aborted.length === 1);
    expect(watching.offered).toEqual([]);
    expect(watching.aborted[0]).toContain(
      'event_version_unsupported: a stored StepStarted event has schemaVersion 2; this release reads StepStarted up to version 1',
    );
    // The next stream starts the reader again, from the head: later events flow.
    const next = listener();
    await hub.listen(next);
    await store.append('run-r2', [runEventAt('RunTriggered', { runId: 'r2', workflowId: 'w' }, 1, 'e4')], {
      expectedRevision: 'no_stream',
    });
    await until('the later event offered', () => next.offered.length === 1);
    expect(next.offered[0]!.facts.workflowId).toBe('w');
    await hub.close();
  });
});
