import type { NatsConnection } from '@nats-io/nats-core';
import type { Upcasters } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { createLogger } from '@ledgerflow/telemetry';
import { rejectionOf } from '@ledgerflow/testing';
import { Subscriptions } from './subscriptions.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import type { WebhookSender } from './webhook-sender.js';
import { runEventAt, workflowRenamed } from './upcast.spec-util.js';

/** The relayed copy of a stored event, as the durable consumer hands it over (no headers: the body is read). */
const relayed = (stored: StoredEvent): ConsumedMessage => ({
  subject: `lf.evt.run.r1.${stored.type}`,
  data: new TextEncoder().encode(JSON.stringify(stored)),
  json: <T>() => structuredClone(stored) as T,
  headers: undefined,
  deliveryCount: 1,
  streamSequence: stored.position,
});

describe('WebhookDispatcher: the workflow of a run read from its RunTriggered in its current shape', () => {
  let store: InMemoryEventStore;
  const dispatcher = (upcasters?: Upcasters) =>
    new WebhookDispatcher({
      nc: undefined as unknown as NatsConnection, // handle() publishes nothing
      store,
      subscriptions: new Subscriptions(store),
      deliveries: new WebhookDeliveries(store),
      sender: { enqueue: () => undefined } as unknown as WebhookSender,
      logger: createLogger('gateway', { level: 'error' }),
      watchIntervalMs: 60_000,
      ...(upcasters ? { upcasters } : {}),
    });
  const scheduled = async () =>
    (await store.readAll({ streamPrefix: 'webhookdelivery-' })).map((e) => (e.data as { eventId: string }).eventId);

  beforeEach(async () => {
    store = new InMemoryEventStore();
    await new Subscriptions(store).create(
      { url: 'https://hooks.example.com/claims', eventTypes: ['StepStarted'], workflowId: 'claims' },
      { kind: 'human', id: 'ops', scopes: ['admin'] },
    );
  });

  it('schedules a delivery of a run whose RunTriggered was written at v1, after a v2 change of its shape', async () => {
    await store.append(
      'run-r1',
      [
        runEventAt('RunTriggered', { runId: 'r1', workflow: 'claims' }, 1, 'e1'),
        runEventAt('StepStarted', { stepId: 'a' }, 1, 'e2'),
      ],
      { expectedRevision: 'no_stream' },
    );
    const [, started] = await store.readStream('run-r1');
    await dispatcher(workflowRenamed).handle(relayed(started!));
    expect(await scheduled()).toEqual(['e2']);
  });

  it('refuses a run whose RunTriggered is newer than it reads: nothing scheduled, the handler throws (redelivered)', async () => {
    await store.append(
      'run-r1',
      [
        runEventAt('RunTriggered', { runId: 'r1', workflowId: 'claims' }, 2, 'e1'),
        runEventAt('StepStarted', { stepId: 'a' }, 1, 'e2'),
      ],
      { expectedRevision: 'no_stream' },
    );
    const [, started] = await store.readStream('run-r1');
    const error = await rejectionOf(dispatcher().handle(relayed(started!)));
    expect(error).toMatchObject({
      code: 'event_version_unsupported',
      retryable: true,
      details: { type: 'RunTriggered', schemaVersion: 2, currentVersion: 1 },
    });
    expect(await scheduled()).toEqual([]);
  });
});
