import { headers } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as lfHeaders } from '@ledgerflow/contracts';
import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { RunEvent, Upcasters } from '@ledgerflow/domain';
import { aPlan, aStep } from '@ledgerflow/domain/testing';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { RunRepository } from '@ledgerflow/service-runtime';
import { createLogger } from '@ledgerflow/telemetry';
import { RunHistoryBuilder, rejectionOf, renamedField } from '@ledgerflow/testing';
import { AdaptiveConsumer } from './adaptive.consumer.js';
import { AdaptiveSteps } from './adaptive-steps.js';

/** Suppose `StepSucceeded` v1 named the step `step`, and v2 (the shape read here) renamed it `stepId`. */
const renamed = RUN_EVENT_UPCASTERS.with(renamedField('StepSucceeded', 'step', 'stepId'));

/** The relayed outcome's headers (the consumer takes headers only and reads the event from the store). */
const relayed = (revision: number): ConsumedMessage => {
  const h = headers();
  h.set(lfHeaders.runId, 'r1');
  h.set(lfHeaders.streamRevision, String(revision));
  return {
    subject: 'lf.evt.run.r1.StepSucceeded',
    data: new Uint8Array(),
    json: () => ({}) as never,
    headers: h,
    deliveryCount: 1,
    streamSequence: 1,
  };
};

describe('AdaptiveConsumer: the step outcome read in its current shape', () => {
  let store: InMemoryEventStore;
  /** A consumer and the flow it hands outcomes to; only the planner's handling of non-adaptive runs is reached. */
  const consumerOver = (upcasters: Upcasters) => {
    const runs = new RunRepository(store, { kind: 'service', id: 'planner' }).upcastWith(upcasters);
    const unused = undefined as never;
    const adaptive = new AdaptiveSteps(runs, unused, unused, unused, unused);
    const logger = createLogger('planner', { level: 'error' });
    const consumer = new AdaptiveConsumer(undefined as unknown as NatsConnection, adaptive, store, logger, runs);
    return { adaptive, handle: (m: ConsumedMessage) => (consumer as unknown as Handler).handle(m) };
  };
  interface Handler {
    handle(message: ConsumedMessage): Promise<void>;
  }
  /** A running run (of no adaptive goal) whose step `a` succeeded: `StepSucceeded` recorded at `schemaVersion`. */
  const succeeded = async (data: object, schemaVersion: number): Promise<number> => {
    const run = new RunHistoryBuilder('r1')
      .start(aPlan([aStep('a'), aStep('b', { dependsOn: ['a'] })]))
      .evaluate('a')
      .run('a')
      .record({ type: 'StepSucceeded', data } as unknown as RunEvent);
    const outcome = run.stored[run.stored.length - 1]!;
    run.stored[run.stored.length - 1] = { ...outcome, metadata: { ...outcome.metadata, schemaVersion } };
    await run.writeTo(store);
    return outcome.revision;
  };
  const outcomeData = { attempt: 1, output: { ok: true }, durationMs: 5, completedAt: '2026-05-01T10:00:00.000Z' };

  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  it('hands a v1 outcome to the flow after a v2 change of its shape (the run is then known not adaptive)', async () => {
    const revision = await succeeded({ ...outcomeData, step: 'a' }, 1);
    const { adaptive, handle } = consumerOver(renamed);
    await handle(relayed(revision));
    expect(adaptive.isSettled('r1')).toBe(true);
  });

  it('refuses an outcome newer than it reads, handing nothing on (the handler throws: nak)', async () => {
    const revision = await succeeded({ ...outcomeData, stepId: 'a' }, 2);
    const { adaptive, handle } = consumerOver(RUN_EVENT_UPCASTERS);
    const error = await rejectionOf(handle(relayed(revision)));
    expect(error).toMatchObject({
      code: 'event_version_unsupported',
      details: { type: 'StepSucceeded', schemaVersion: 2, currentVersion: 1 },
    });
    expect(adaptive.isSettled('r1')).toBe(false);
  });
});
