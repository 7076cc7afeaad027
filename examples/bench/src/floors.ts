import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JsMsg } from '@nats-io/jetstream';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { percentile } from './stats.js';
import { cpuMillis } from './cpu.js';
import { inputDigestOf } from '@ledgerflow/audit';
import { subjects } from '@ledgerflow/contracts';

export interface Floor {
  readonly p50: number;
  readonly p99: number;
}

/** Median and p99 round trip (ms) of a core NATS request to an echo responder in this process. */
export async function natsRoundTrip(nc: NatsConnection, count = 2000): Promise<Floor> {
  const subject = `bench.floor.${randomUUID()}`;
  const sub = nc.subscribe(subject, {
    callback: (_error, message) => {
      message.respond(message.data);
    },
  });
  const payload = new TextEncoder().encode('{"ping":true}');
  const samples: number[] = [];
  for (let i = 0; i < count + 200; i++) {
    const started = performance.now();
    await nc.request(subject, payload, { timeout: 5000 });
    if (i >= 200) samples.push(performance.now() - started);
  }
  sub.unsubscribe();
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/** Median and p99 (ms) of appending one event to SQLite (WAL, synchronous=FULL) with an expected revision. */
export async function sqliteCommit(count = 1000): Promise<Floor> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-floor-'));
  const store = await SqliteEventStore.open(join(dir, 'floor.db'), { synchronous: 'FULL' });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count + 100; i++) {
      const started = performance.now();
      await store.append(
        'floor-1',
        [
          {
            type: 'FloorMeasured',
            data: { i },
            metadata: {
              eventId: randomUUID(),
              runId: 'floor',
              causationId: 'bench',
              actor: { kind: 'system', id: 'bench' },
              occurredAt: new Date().toISOString(),
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: i === 0 ? 'no_stream' : i - 1 },
      );
      if (i >= 100) samples.push(performance.now() - started);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

/**
 * Median and p99 (ms) of `lf.policy.evaluate` over NATS, sequential requests from one client, about step `s01` of
 * `runId` (a completed `noop-chain` run): the policy service loads the run (cached), decides with every pack and
 * answers the decision; no grant is signed because the run has ended (`withheld`), so grant signing (about
 * 0.09 ms) is not in this figure. The client must hold the executor's rights on `lf.policy.evaluate`.
 */
export async function policyEvaluate(
  nc: NatsConnection,
  runId: string,
  count = 2000,
): Promise<Floor & { perSecond: number }> {
  const { requestJson } = await import('@ledgerflow/messaging');
  const input = { n: 1 };
  const request = { runId, stepId: 's01', attempt: 1, input, inputDigest: inputDigestOf(input) };
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count + 200; i++) {
    const t = performance.now();
    await requestJson(nc, subjects.policyEvaluate, request, { timeoutMs: 5000 });
    if (i >= 200) samples.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), perSecond: (count + 200) / seconds };
}

/** What {@link transportFloor} measured: CPU per step of the bench process and of nats-server, and steps per second. */
export interface TransportFloor {
  /** CPU milliseconds per step in this process (driver, responder and consumer together; `process.cpuUsage`). */
  readonly clientMs: number;
  /** CPU milliseconds per step in nats-server (`/proc/<pid>/stat`, resolution 10 ms over the whole phase). */
  readonly natsMs: number;
  readonly stepsPerSecond: number;
}

/**
 * The CPU the stack's messaging alone costs per durable step, with no logic: `inFlight` lanes of `steps` steps in
 * all, each step two core request/replies (as the executor asks the policy service and the tool worker) and three
 * JetStream publishes with their acks (a step's three events as the relay publishes them: `StepPolicyEvaluated`,
 * `StepStarted`, `StepSucceeded`, ~1.3 KB each like the bench's events), read by one pull consumer in batches of
 * up to 256 acked with one ack (the cheapest way memory could read them). Three connections stand for the three
 * parties; they run in this process, so the client figure is their sum. Uses a stream of its own (`BENCH_FLOOR`,
 * subjects `bench.floor.evt.>`, file storage as `LF_EVENTS`), deleted afterwards.
 * The figure is a lower bound for the stack's CPU per step: every service adds its own work on top of it.
 */
export async function transportFloor(
  connect: () => Promise<NatsConnection>,
  natsPid: number,
  steps = 10_000,
  inFlight = 20,
): Promise<TransportFloor> {
  const [driver, responder, reader] = await Promise.all([connect(), connect(), connect()]);
  const jsm = await jetstreamManager(driver);
  const stream = 'BENCH_FLOOR';
  const prefix = `bench.floor.${randomUUID()}`;
  await jsm.streams.add({ name: stream, subjects: ['bench.floor.evt.>'], storage: StorageType.File });
  const encoder = new TextEncoder();
  const request = encoder.encode(
    JSON.stringify({
      runId: `run-${randomUUID()}`,
      stepId: 's01',
      attempt: 1,
      input: { n: 1 },
      inputDigest: 'f'.repeat(64),
      grant: 'g'.repeat(420),
    }),
  );
  const event = encoder.encode(
    JSON.stringify({
      type: 'StepSucceeded',
      data: { stepId: 's01', attempt: 1, output: { n: 1 } },
      metadata: { pad: 'm'.repeat(1100) },
    }),
  );
  for (const subject of [`${prefix}.policy`, `${prefix}.tool`]) {
    responder.subscribe(subject, {
      callback: (_error, message) => {
        message.respond(message.data);
      },
    });
  }
  await responder.flush();
  await jsm.consumers.add(stream, { durable_name: 'floor', ack_policy: AckPolicy.All, max_ack_pending: 20_000 });
  const consumer = await jetstream(reader).consumers.get(stream, 'floor');
  const total = steps + 500;
  let read = 0;
  const reading = (async () => {
    while (read < total * 3) {
      const batch = await consumer.fetch({ max_messages: 256, expires: 1000 });
      let last: JsMsg | undefined;
      for await (const message of batch) {
        JSON.parse(new TextDecoder().decode(message.data));
        last = message;
        read += 1;
      }
      last?.ack();
    }
  })();
  const js = jetstream(driver);
  const step = async (n: number) => {
    await driver.request(`${prefix}.policy`, request, { timeout: 5000 });
    await driver.request(`${prefix}.tool`, request, { timeout: 5000 });
    await Promise.all([0, 1, 2].map((i) => js.publish(`bench.floor.evt.${n}.${i}`, event, { msgID: `${n}-${i}` })));
  };
  let next = 0;
  const runLanes = async (until: number) => {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < until) await step(next++);
      }),
    );
  };
  try {
    await runLanes(500); // warm-up
    const natsBefore = await cpuMillis(natsPid);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    await runLanes(total);
    await reading;
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    const natsMs = (await cpuMillis(natsPid)) - natsBefore;
    return {
      clientMs: (client.user + client.system) / 1000 / steps,
      natsMs: natsMs / steps,
      stepsPerSecond: steps / seconds,
    };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await Promise.all([driver, responder, reader].map((connection) => connection.drain().catch(() => undefined)));
  }
}
