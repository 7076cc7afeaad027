import { headers as natsHeaders } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, eventually, startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * Idempotency conflicts over the real stack (docs/operations.md, "Idempotency"): the same key with another body is
 * refused (HTTP 422 `idempotency_key_reused`; on JetStream, published on `lf.trigger-rejected.<workflowId>`) and
 * records nothing; the same key with the same body answers the existing run.
 */
describe('idempotency key reuse end to end', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-idempotency-');
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('publisher');
  }, 90_000);

  afterAll(async () => {
    await nc?.drain();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const runTriggers = async () =>
    (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).filter((e) => e.type === 'RunTriggered');
  const start = async (key: string, body: unknown) => {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, ...(await authHeader(stack)) },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        runId?: string;
        created?: boolean;
        error?: { code: string; message: string; retryable: boolean };
      },
    };
  };

  it('HTTP: same key + same body -> 202 the same run; same key + another body -> 422 and nothing recorded', async () => {
    const first = await start('order-77', { input: { order: 77, lines: [1, 2] } });
    expect([first.status, first.body.created]).toEqual([202, true]);
    const again = await start('order-77', { input: { lines: [1, 2], order: 77 } }); // same canonical body
    expect(again).toMatchObject({ status: 202, body: { runId: first.body.runId, created: false } });

    const before = await store.readAll({ maxCount: 100_000 });
    const reused = await start('order-77', { input: { order: 78, lines: [1, 2] } });
    expect([reused.status, reused.body.error?.code, reused.body.error?.retryable]).toEqual([
      422,
      'idempotency_key_reused',
      false,
    ]);
    expect(reused.body.error?.message).toContain('different payload');
    const after = await store.readAll({ maxCount: 100_000 });
    const triggered = after.filter(
      (e) =>
        e.type === 'RunTriggered' &&
        (e.data as { trigger: { idempotencyKey: string } }).trigger.idempotencyKey === 'order-77',
    );
    expect(triggered).toHaveLength(1);
    expect(triggered[0]?.data).toMatchObject({ input: { order: 77 } });
    // Nothing new in the refused run's stream (the first run's own progress may append elsewhere meanwhile).
    const stream = (events: typeof after) =>
      events.filter(
        (e) => e.streamId === `run-${first.body.runId}` && (e.type === 'RunTriggered' || e.type === 'PlanCreated'),
      );
    expect(stream(after)).toEqual(stream(before));
  }, 60_000);

  it('JetStream: a repeat of a key with another body is published on lf.trigger-rejected with the code', async () => {
    const js = jetstream(nc);
    const rejected: Array<{ idempotencyKey: string; error: { code: string } }> = [];
    nc.subscribe('lf.trigger-rejected.noop-chain', { callback: (_e, m) => void rejected.push(m.json()) });
    await nc.flush();
    const keyed = () => {
      const hdrs = natsHeaders();
      hdrs.set('lf-idempotency-key', 'crm-evt-9');
      return hdrs;
    };
    await js.publish('lf.trigger.noop-chain', JSON.stringify({ order: 9 }), { msgID: 'crm-evt-9-a', headers: keyed() });
    await eventually(
      async () =>
        (await runTriggers()).some(
          (e) => (e.data as { trigger: { idempotencyKey: string } }).trigger.idempotencyKey === 'crm-evt-9',
        )
          ? true
          : undefined,
      15_000,
      'the first trigger to start a run',
    );
    await js.publish('lf.trigger.noop-chain', JSON.stringify({ order: 9 }), { msgID: 'crm-evt-9-b', headers: keyed() });
    await js.publish('lf.trigger.noop-chain', JSON.stringify({ order: 10 }), {
      msgID: 'crm-evt-9-c',
      headers: keyed(),
    });
    await eventually(
      async () => (rejected.length > 0 ? true : undefined),
      15_000,
      'the mismatching repeat to be rejected',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rejected.map((r) => [r.idempotencyKey, r.error.code])).toEqual([['crm-evt-9', 'idempotency_key_reused']]);
    const triggered = (await runTriggers()).filter(
      (e) => (e.data as { trigger: { idempotencyKey: string } }).trigger.idempotencyKey === 'crm-evt-9',
    );
    expect(triggered).toHaveLength(1);
    expect(triggered[0]?.data).toMatchObject({ input: { order: 9 }, trigger: { source: 'nats' } });
  }, 60_000);
});
