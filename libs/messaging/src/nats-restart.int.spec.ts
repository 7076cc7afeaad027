import { EVENTS_STREAM } from '@ledgerflow/contracts';
import { InMemoryCheckpointStore, InMemoryEventStore, type NewEvent, type StoredEvent } from '@ledgerflow/event-store';
import { removeDir, startNatsServer, tempDir } from '@ledgerflow/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from './connect.js';
import { startDurableConsumer } from './durable-consumer.js';
import { startEventRelay } from './event-relay.js';
import { eventually, sleep, testEvent } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

let counter = 0;
const newEvent = (runId: string): NewEvent => testEvent(runId, { n: ++counter }, 'StepSucceeded');

/** nats-server stopped and started again on the same port and JetStream store dir while events flow. */
describe('relay and durable consumer across a nats-server restart', () => {
  it('every appended event is stored once in LF_EVENTS and handled by the consumer, which ends with nothing pending', async () => {
    const storeDir = await tempDir('lf-nats-restart-');
    let server = await startNatsServer({ storeDir });
    const reconnect = { reconnectTimeWait: 100, reconnectJitter: 0 };
    const relayNc = await connectNats({ servers: server.url, name: 'relay', extra: reconnect });
    const consumerNc = await connectNats({ servers: server.url, name: 'consumer', extra: reconnect });
    const store = new InMemoryEventStore();
    const handled = new Map<string, number>();
    const errors: unknown[] = [];
    try {
      await ensureStreams(relayNc);
      const relay = await startEventRelay({
        nc: relayNc,
        store,
        checkpoints: new InMemoryCheckpointStore(),
        publishTimeoutMs: 500,
        retry: { initialMs: 20, maxMs: 200 },
      });
      const consumer = await startDurableConsumer(consumerNc, {
        stream: EVENTS_STREAM,
        durable: 'restart-test',
        filterSubjects: ['lf.evt.run.>'],
        ackWaitMs: 2_000,
        onError: (err) => errors.push(err),
        handler: async (m) => {
          const id = m.json<StoredEvent>().metadata.eventId;
          handled.set(id, (handled.get(id) ?? 0) + 1);
        },
      });
      let appending = true;
      const appender = (async () => {
        for (let i = 0; appending; i++) {
          await store.append(`run-${i % 4}`, [newEvent(`${i % 4}`)], { expectedRevision: 'any' });
          await sleep(2);
        }
      })();
      try {
        await eventually('flowing', () => handled.size > 100);
        await server.stop(); // appends go on while the server is down
        await sleep(500);
        server = await startNatsServer({ storeDir, port: server.port });
        await sleep(500);
      } finally {
        appending = false;
        await appender;
      }
      const events = await store.readAll({ maxCount: 100_000 });
      await eventually('relayed', () => relay.position === events.at(-1)?.position, 20_000);
      await eventually('handled', () => handled.size === events.length, 20_000);
      const jsm = await jetstreamManager(relayNc);
      await eventually(
        'acked',
        async () => (await jsm.consumers.info(EVENTS_STREAM, 'restart-test')).num_ack_pending === 0,
        10_000,
      );
      await relay.stop();
      await consumer.stop();

      expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(events.length);
      expect([...handled.keys()].sort()).toEqual(events.map((e) => e.metadata.eventId).sort());
      const info = await jsm.consumers.info(EVENTS_STREAM, 'restart-test');
      expect(info.num_pending).toBe(0);
      // At-least-once: a delivery whose ack the restart swallowed comes again (handlers are idempotent); none is lost.
      const twice = [...handled.values()].filter((n) => n > 1).length;
      expect(twice).toBeLessThanOrEqual(info.num_redelivered);
    } finally {
      await relayNc.close();
      await consumerNc.close();
      await server.stop();
      await store.close();
      await removeDir(storeDir);
    }
  });
});
