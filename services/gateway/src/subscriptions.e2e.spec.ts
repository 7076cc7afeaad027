import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { Webhook } from 'standardwebhooks';
import { SqliteEventStore } from '@ledgerflow/event-store';
import {
  authHeader,
  benchWorkers,
  devToken,
  eventually,
  startRunOverHttp,
  startStack,
  tempDir,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { Subscriptions } from './subscriptions.js';
import { WEBHOOKS_DURABLE } from './webhook-dispatcher.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Outbound webhooks over the real stack: a local receiver gets signed deliveries (checked with the Standard
 * Webhooks library), a flaky receiver is retried until it answers 2xx, a dead one is dead-lettered after the last
 * attempt, and a receiver that never answers does not slow runs. Retry delays are shortened by configuration.
 */
describe('outbound webhooks', () => {
  let stack: Stack;
  let receiver: Server;
  let base: string;
  let store: SqliteEventStore;
  const received: Received[] = [];
  let flakyCalls = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (path === '/slow') return; // never answers: the attempt times out
        if (path === '/dead') return void response.writeHead(503).end();
        if (path === '/flaky' && ++flakyCalls === 1) return void response.writeHead(500).end();
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const dataDir = await tempDir('ledgerflow-subscriptions-');
    stack = await startStack({
      dataDir,
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows',
        LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
        LEDGERFLOW_WEBHOOK_RETRY_DELAYS_MS: '200,200',
        LEDGERFLOW_WEBHOOK_TIMEOUT_MS: '1000',
        LEDGERFLOW_WEBHOOK_WATCH_MS: '200',
      },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  }, 30_000);

  const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        ...(headers ?? (await authHeader(stack))),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & {
        error?: { code?: string; message?: string };
      },
    };
  };
  const subscribe = async (path: string, eventTypes: string[], workflowId?: string) => {
    const created = await call('POST', '/v1/subscriptions', {
      url: `${base}${path}`,
      eventTypes,
      ...(workflowId ? { workflowId } : {}),
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; secret: string };
  };
  const deliveriesOf = async (id: string) =>
    (await call('GET', `/v1/subscriptions/${id}/deliveries`)).body as unknown as Array<Record<string, unknown>>;
  const runEnded = (runId: string) =>
    eventually(
      async () => {
        const events = await store.readStream(`run-${runId}`);
        return events.some((e) => e.type === 'RunCompleted') ? events : undefined;
      },
      30_000,
      `run ${runId} completed`,
    );

  it('delivers signed run events, once each, while dead and silent receivers slow no run', async () => {
    const ok = await subscribe('/ok', ['RunCompleted', 'StepSucceeded'], 'noop-chain');
    const other = await subscribe('/other-workflow', ['RunCompleted'], 'recorded-chain');
    const dead = await subscribe('/dead', ['RunCompleted']);
    await subscribe('/slow', ['*']);

    const started = Date.now();
    const runs = await Promise.all(
      ['a', 'b', 'c'].map((key) =>
        startRunOverHttp(stack, 'noop-chain', { input: {}, idempotencyKey: `webhooks-${key}` }),
      ),
    );
    const stored = await Promise.all(runs.map(runEnded));
    // Every receiver attempt may take up to the 1 s time limit; the runs do not wait for any of them.
    expect(Date.now() - started).toBeLessThan(15_000);

    const expected = stored.flatMap((events) =>
      events.filter((e) => e.type === 'RunCompleted' || e.type === 'StepSucceeded'),
    );
    const okDeliveries = await eventually(
      async () => {
        const got = received.filter((r) => r.path === '/ok');
        return got.length >= expected.length ? got : undefined;
      },
      20_000,
      'every RunCompleted and StepSucceeded delivered',
    );
    const webhook = new Webhook(ok.secret);
    const payloads = okDeliveries.map(
      (r) =>
        webhook.verify(r.body, r.headers as Record<string, string>) as {
          type: string;
          data: { eventId: string; runId: string };
        },
    );
    expect(payloads.map((p) => p.data.eventId).sort()).toEqual(expected.map((e) => e.metadata.eventId).sort());
    expect(new Set(okDeliveries.map((r) => r.headers['webhook-id'])).size).toBe(okDeliveries.length);
    expect(() =>
      new Webhook(dead.secret).verify(okDeliveries[0]!.body, okDeliveries[0]!.headers as Record<string, string>),
    ).toThrow();
    expect(received.filter((r) => r.path === '/other-workflow')).toEqual([]);
    expect(await deliveriesOf(other.id)).toEqual([]);

    // The dead receiver: three attempts (the first and two retries 200 ms apart), then dead-lettered.
    const deadLettered = await eventually(
      async () => {
        const list = await deliveriesOf(dead.id);
        return list.length === 3 && list.every((d) => d.status === 'dead_lettered') ? list : undefined;
      },
      20_000,
      'dead receiver dead-lettered',
    );
    expect(deadLettered.map((d) => [d.attempts, d.lastStatus, d.lastError])).toEqual(
      Array(3).fill([3, 503, 'HTTP 503']),
    );
    expect(received.filter((r) => r.path === '/dead')).toHaveLength(9);
  }, 90_000);

  it('retries a failed delivery until the receiver answers 2xx', async () => {
    const flaky = await subscribe('/flaky', ['RunCompleted'], 'noop-chain');
    const runId = await startRunOverHttp(stack, 'noop-chain', { input: {}, idempotencyKey: 'webhooks-flaky' });
    await runEnded(runId);
    const [delivery] = await eventually(
      async () => {
        const list = await deliveriesOf(flaky.id);
        return list[0]?.status === 'delivered' ? list : undefined;
      },
      20_000,
      'flaky receiver delivered',
    );
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatus: 204,
      runId,
      eventType: 'RunCompleted',
      deliveryId: expect.stringMatching(/^msg_/),
    });
    expect(received.filter((r) => r.path === '/flaky').map((r) => r.headers['webhook-id'])).toEqual([
      delivery?.deliveryId,
      delivery?.deliveryId,
    ]);
  }, 60_000);

  it('delivers the events committed while the gateway was down once it is back (the durable consumer resumes)', async () => {
    const later = await subscribe('/later', ['RunCompleted'], 'noop-chain');
    await stack.process('gateway').stop();
    const nc = await stack.connect('publisher');
    try {
      const headers = natsHeaders();
      headers.set('lf-idempotency-key', 'webhooks-while-down');
      await jetstream(nc).publish('lf.trigger.noop-chain', JSON.stringify({}), {
        msgID: 'webhooks-while-down',
        headers,
      });
    } finally {
      await nc.close();
    }
    const run = await eventually(
      async () => {
        const completed = (await store.readAll({ fromPosition: 0, streamPrefix: 'run-' })).filter(
          (e) => e.type === 'RunCompleted',
        );
        const triggers = (await store.readAll({ fromPosition: 0, streamPrefix: 'run-' })).filter(
          (e) =>
            e.type === 'RunTriggered' &&
            (e.data as { trigger: { idempotencyKey: string } }).trigger.idempotencyKey === 'webhooks-while-down',
        );
        return triggers[0] && completed.some((e) => e.metadata.runId === triggers[0]?.metadata.runId)
          ? triggers[0].metadata.runId
          : undefined;
      },
      30_000,
      'the run started over NATS to complete',
    );
    expect(received.filter((r) => r.path === '/later')).toEqual([]);
    await stack.restart('gateway');
    const [delivery] = await eventually(
      async () => {
        const list = await deliveriesOf(later.id);
        return list[0]?.status === 'delivered' ? list : undefined;
      },
      20_000,
      'the backlog delivered after the restart',
    );
    expect(delivery).toMatchObject({ runId: run, eventType: 'RunCompleted', attempts: 1 });
    expect(received.filter((r) => r.path === '/later')).toHaveLength(1);
  }, 90_000);

  it('lists, shows and deletes subscriptions without their secrets; refuses bad input with the field and rule', async () => {
    const made = await subscribe('/ok', ['RunFailed']);
    const listed = (await call('GET', '/v1/subscriptions')).body as unknown as Array<Record<string, unknown>>;
    expect(listed.find((s) => s.id === made.id)).toMatchObject({ url: `${base}/ok`, eventTypes: ['RunFailed'] });
    expect(listed.every((s) => !('secret' in s))).toBe(true);

    const bad = [
      [{ url: 'ftp://example.com/x', eventTypes: ['RunCompleted'] }, 400, 'url must use http or https, not ftp'],
      [
        { url: 'https://user:pw@example.com/x', eventTypes: ['RunCompleted'] },
        400,
        'url must not carry a user name or password',
      ],
      [
        { url: 'https://example.com/x', eventTypes: ['RunExploded'] },
        400,
        'each event type must be * or a run event type',
      ],
      [{ url: 'https://example.com/x', eventTypes: ['RunCompleted'], secret: 'hunter2' }, 400, 'secret must be whsec_'],
      [{ url: 'https://example.com/x', eventTypes: [], extra: 1 }, 400, 'eventTypes'],
    ] as const;
    for (const [body, status, message] of bad) {
      const answer = await call('POST', '/v1/subscriptions', body);
      expect([answer.status, answer.body.error?.message]).toEqual([status, expect.stringContaining(message)]);
    }
    const reader = { authorization: `Bearer ${await devToken(stack, { sub: 'viewer', scopes: ['runs:read'] })}` };
    expect(
      (await call('POST', '/v1/subscriptions', { url: 'https://example.com/x', eventTypes: ['RunCompleted'] }, reader))
        .status,
    ).toBe(403);
    expect((await call('GET', '/v1/subscriptions/0123456789abcdef')).body.error?.code).toBe('subscription_not_found');
    expect((await call('GET', '/v1/subscriptions/not-an-id')).status).toBe(400);

    expect((await call('DELETE', `/v1/subscriptions/${made.id}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/subscriptions/${made.id}`)).status).toBe(204);
    expect((await call('GET', `/v1/subscriptions/${made.id}`)).status).toBe(404);
    expect((await call('GET', `/v1/subscriptions/${made.id}/deliveries`)).body).toEqual([]);
    expect((await call('GET', `/v1/subscriptions/${made.id}/deliveries?limit=0`)).status).toBe(400);
    const events = await store.readStream(`subscription-${made.id}`);
    expect(events.map((e) => e.type)).toEqual(['SubscriptionCreated', 'SubscriptionDeleted']);
  }, 60_000);

  it('pulls no run event while no subscription is live, and delivers what follows one made on another replica', async () => {
    for (const s of (await call('GET', '/v1/subscriptions')).body as unknown as Array<{ id: string }>) {
      expect((await call('DELETE', `/v1/subscriptions/${s.id}`)).status).toBe(204);
    }
    const nc = await stack.connect();
    try {
      const jsm = await jetstreamManager(nc);
      const consumer = () => jsm.consumers.info('LF_EVENTS', WEBHOOKS_DURABLE);
      // Paused: the run's events wait in the durable, none is handed out.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const before = (await consumer()).num_pending;
      const unseen = await startRunOverHttp(stack, 'noop-chain', { input: {}, idempotencyKey: 'webhooks-paused' });
      await runEnded(unseen);
      await eventually(
        async () => ((await consumer()).num_pending > before ? true : undefined),
        10_000,
        'the run events waiting in the durable',
      );
      expect((await consumer()).num_ack_pending).toBe(0);

      // Another replica's subscription (written to the store by this test, as a replica would): noticed within the watch interval.
      const elsewhere = await new Subscriptions(store).create(
        { url: `${base}/elsewhere`, eventTypes: ['RunCompleted'], workflowId: 'noop-chain' },
        { kind: 'human', id: 'other-replica', scopes: ['admin'] },
      );
      const runId = await startRunOverHttp(stack, 'noop-chain', {
        input: {},
        idempotencyKey: 'webhooks-after-replica-subscription',
      });
      await runEnded(runId);
      const [delivery] = await eventually(
        async () => {
          const list = await deliveriesOf(elsewhere.id);
          return list[0]?.status === 'delivered' ? list : undefined;
        },
        20_000,
        'the run after the subscription delivered',
      );
      expect(delivery).toMatchObject({ runId, eventType: 'RunCompleted' });
      // The backlog is consumed (acked), and nothing of the run before the subscription is sent.
      await eventually(
        async () => ((await consumer()).num_pending === 0 ? true : undefined),
        20_000,
        'the backlog consumed',
      );
      expect((await deliveriesOf(elsewhere.id)).map((d) => d.runId)).toEqual([runId]);
      expect(received.filter((r) => r.path === '/elsewhere')).toHaveLength(1);
    } finally {
      await nc.close();
    }
  }, 90_000);
});
