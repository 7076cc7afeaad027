import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { percentile } from './stats.js';
import { inputDigestOf } from '@ledgerflow/audit';

export interface Floor {
  readonly p50: number;
  readonly p99: number;
}

/** Median and p99 round trip (ms) of a core NATS request to an echo responder in this process. */
export async function natsRoundTrip(nc: NatsConnection, count = 2000): Promise<Floor> {
  const subject = `bench.floor.${randomUUID()}`;
  const sub = nc.subscribe(subject, { callback: (_error, message) => { message.respond(message.data); } });
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
        [{ type: 'FloorMeasured', data: { i }, metadata: { eventId: randomUUID(), runId: 'floor', causationId: 'bench', actor: { kind: 'system', id: 'bench' }, occurredAt: new Date().toISOString(), schemaVersion: 1 } }],
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
export async function policyEvaluate(nc: NatsConnection, runId: string, count = 2000): Promise<Floor & { perSecond: number }> {
  const { requestJson } = await import('@ledgerflow/messaging');
  const input = { n: 1 };
  const request = { runId, stepId: 's01', attempt: 1, input, inputDigest: inputDigestOf(input) };
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count + 200; i++) {
    const t = performance.now();
    await requestJson(nc, 'lf.policy.evaluate', request, { timeoutMs: 5000 });
    if (i >= 200) samples.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), perSecond: (count + 200) / seconds };
}
