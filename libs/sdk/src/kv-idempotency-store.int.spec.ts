import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ToolReply } from '@ledgerflow/contracts';
import { startNatsServer } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import fc from 'fast-check';
import { KvIdempotencyStore, kvKeyOf } from './kv-idempotency-store.js';
import { defineTool } from './tool.types.js';
import { startToolWorker } from './tool-worker.js';
import type { ToolWorker } from './tool-worker.js';
import { callTool, toolRequest, unverified } from './tool-worker.spec-util.js';

const reply = (n: number): ToolReply =>
  ({
    ok: true,
    value: { runId: 'run-1', stepId: 's', attempt: 1, idempotencyKey: `k${n}`, output: { n }, durationMs: 1 },
  }) as unknown as ToolReply;

describe('KvIdempotencyStore (NATS KV on a real nats-server, shared by replicas)', () => {
  let server: NatsServerHandle;
  const connections: NatsConnection[] = [];
  const open = async (worker = 'dedupe-spec', claimStaleMs?: number) => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return {
      nc,
      store: await KvIdempotencyStore.open(nc, { worker, ...(claimStaleMs === undefined ? {} : { claimStaleMs }) }),
    };
  };
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
  });
  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await server.stop();
  });

  it('remembers a reply under any key (dots, spaces, unicode, slashes) and tells keys apart', async () => {
    const { store } = await open();
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }), fc.integer(), async (key, n) => {
        await store.set(`t.a/${key}`, reply(n));
        expect(await store.get(`t.a/${key}`)).toEqual(reply(n));
      }),
      { numRuns: 40 },
    );
    expect(await store.get('t.a/never-set')).toBeUndefined();
    expect(kvKeyOf('bench.record/run-1/s01/1')).toBe('bench=2erecord/run-1/s01/1');
    expect(new Set(['a.b', 'a=2eb', 'a b'].map(kvKeyOf)).size).toBe(3);
  });

  it('of two replicas beginning one key at once, one runs it and the other gets its reply', async () => {
    const [a, b] = [await open(), await open()];
    const key = 'tool.x/run-9/s/1';
    const settled: Array<ToolReply | undefined> = [];
    const begins = [a.store.begin(key), b.store.begin(key)].map((p) =>
      p.then((r) => {
        settled.push(r);
        return r;
      }),
    );
    await Promise.race(begins);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toEqual([undefined]); // one holds the claim; the other waits for its reply
    await a.store.set(key, reply(7));
    const results = await Promise.all(begins);
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.filter((r) => r !== undefined)).toEqual([reply(7)]);
  });

  it('renews its claim while it runs; takes over a claim not renewed for claimStaleMs (its worker died mid-call)', async () => {
    const holder = (await open('dedupe-stale', 200)).store;
    const key = 'tool.x/run-3/s/1';
    expect(await holder.begin(key)).toBeUndefined();
    const waiter = (await open('dedupe-stale', 200)).store;
    const waiting = waiter.begin(key);
    await new Promise((resolve) => setTimeout(resolve, 600)); // three stale periods: the holder's renewals keep it
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    const diedAt = Date.now();
    await holder.close(); // no more renewals, as when its process dies
    expect(await waiting).toBeUndefined(); // the waiter now holds the claim
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(100);
  });

  it('takes its own claim back at once (a claim whose acknowledgement was lost)', async () => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    const first = await KvIdempotencyStore.open(nc, { worker: 'dedupe-own', claimant: 'replica-a' });
    expect(await first.begin('tool.x/run-4/s/1')).toBeUndefined();
    await first.close();
    const again = await KvIdempotencyStore.open(nc, { worker: 'dedupe-own', claimant: 'replica-a' });
    const started = Date.now();
    expect(await again.begin('tool.x/run-4/s/1')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    await again.close();
  });

  it('two worker replicas sharing the bucket run a handler once for concurrent calls with one key', async () => {
    let calls = 0;
    const tool = defineTool({
      tool: 'dedupe',
      action: 'count',
      handler: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { calls };
      },
    });
    const workers: ToolWorker[] = [];
    const served = [0, 0];
    for (const i of [0, 1]) {
      const { nc, store } = await open('dedupe-workers');
      // Counts what reaches each replica's store (the queue group spreads 40 calls over both: all on one is 2^-39).
      const counted = {
        get: (k: string) => store.get(k),
        set: (k: string, r: ToolReply) => store.set(k, r),
        begin: (k: string) => ((served[i]! += 1), store.begin(k)),
      };
      workers.push(startToolWorker({ nc, name: `replica-${i}`, tools: [tool], dedupe: counted, ...unverified() }));
      await nc.flush();
    }
    const client = (await open()).nc;
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => callTool(client, 'dedupe', 'count', toolRequest('count', {}))),
    );
    expect(served.every((n) => n > 0)).toBe(true);
    expect(calls).toBe(1);
    expect(new Set(replies.map((r) => JSON.stringify(r.reply)))).toEqual(new Set([JSON.stringify(replies[0]!.reply)]));
    await Promise.all(workers.map((w) => w.stop()));
  });
});
