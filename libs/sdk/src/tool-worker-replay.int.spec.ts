import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { GRANT_VERIFY_KEY_ENV } from '@ledgerflow/contracts';
import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';
import {
  GRANT_VERIFY_SWITCH_ENV,
  MemoryIdempotencyStore,
  UNVERIFIED_CALLS_METRIC,
  defineTool,
  startToolWorker,
  type ToolWorker,
  type ToolWorkerOptions,
} from './index.js';
import { callTool, keptLogger } from './tool-worker.spec-util.js';
import { signTestGrant, testGrantKeys, type GrantScope } from './grant.spec-util.js';

/**
 * Grants cannot be replayed (docs/security.md, "Grants"): a worker on a real nats-server refuses a
 * valid grant sent with another idempotency key or another input before its handler and its dedupe store;
 * it refuses to start without a verify key; switched off, it counts every unverified call.
 */
let server: NatsServerHandle;
let nc: NatsConnection;
const workers: ToolWorker[] = [];
const keys = testGrantKeys();

/** A `billing.payout` worker whose side effects (one per handler run) and dedupe store the test reads. */
function payoutWorker(options: Partial<ToolWorkerOptions> = {}): { paid: unknown[]; store: MemoryIdempotencyStore } {
  const paid: unknown[] = [];
  const store = new MemoryIdempotencyStore();
  workers.push(
    startToolWorker({
      nc,
      dedupe: store,
      grants: { publicKey: keys.publicKeyPem },
      ...options,
      tools: [
        defineTool({
          tool: 'billing',
          action: 'payout',
          handler: (input: unknown) => {
            paid.push(input);
            return { paid: paid.length };
          },
        }),
      ],
    }),
  );
  return { paid, store };
}

const input = { amount: 5, iban: 'DE89370400440532013000' };
const scope: GrantScope = { run: 'run-1', step: 'pay', attempt: 1, tool: 'billing', action: 'payout', input };
const body = (overrides: Record<string, unknown> = {}) => ({
  runId: 'run-1',
  stepId: 'pay',
  attempt: 1,
  idempotencyKey: 'run-1/pay/1',
  input: scope.input,
  ...overrides,
});
const send = (grant: string, request: Record<string, unknown>, keyHeader = String(request.idempotencyKey)) =>
  callTool(nc, 'billing', 'payout', request, { 'lf-grant': grant, 'lf-idempotency-key': keyHeader });

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  nc = await connect({ servers: server.url });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe('a valid grant replayed', () => {
  it('runs once for its key and input; a second call with the same key is deduplicated, not run again', async () => {
    const { paid, store } = payoutWorker();
    await nc.flush();
    const grant = await signTestGrant(keys.privateKey, scope);
    const first = await send(grant, body());
    const again = await send(grant, body());
    expect([first.reply, again.reply]).toEqual([
      { ok: true, value: { output: { paid: 1 } } },
      { ok: true, value: { output: { paid: 1 } } },
    ]);
    expect(paid).toEqual([scope.input]);
    expect(store.snapshot().map(([key]) => key)).toEqual(['billing.payout/run-1/pay/1']);
  });

  it('with a new idempotency key (body, or header only) is refused: key_mismatch, nothing run, nothing stored', async () => {
    const { paid, store } = payoutWorker();
    await nc.flush();
    const grant = await signTestGrant(keys.privateKey, scope);
    const newKey = await send(grant, body({ idempotencyKey: 'run-1/pay/1-replay' }));
    const headerOnly = await send(grant, body(), 'run-1/pay/2');
    for (const { reply, errorCode } of [newKey, headerOnly]) {
      expect({ errorCode, reply }).toMatchObject({
        errorCode: 'grant_invalid',
        reply: { ok: false, error: { code: 'grant_invalid', retryable: false, details: { reason: 'key_mismatch' } } },
      });
    }
    expect(paid).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('with a new input is refused: input_mismatch, nothing run, nothing stored, the input never echoed', async () => {
    const { paid, store } = payoutWorker();
    await nc.flush();
    const grant = await signTestGrant(keys.privateKey, scope);
    const { reply, errorCode } = await send(grant, body({ input: { ...input, amount: 5_000_000 } }));
    expect({ errorCode, reply }).toMatchObject({
      errorCode: 'grant_invalid',
      reply: { ok: false, error: { details: { reason: 'input_mismatch' } } },
    });
    expect(JSON.stringify(reply)).not.toContain('DE89370400440532013000');
    expect(paid).toEqual([]);
    expect(store.size).toBe(0);
    // The same grant with its own key and input still runs: a refusal does not poison the key.
    await expect(send(grant, body())).resolves.toMatchObject({ reply: { ok: true } });
    expect(paid).toHaveLength(1);
  });
});

describe('fail closed', () => {
  const saved = { key: process.env[GRANT_VERIFY_KEY_ENV], off: process.env[GRANT_VERIFY_SWITCH_ENV] };
  const restore = (name: string, value: string | undefined) =>
    value === undefined ? delete process.env[name] : (process.env[name] = value);
  beforeEach(() => {
    delete process.env[GRANT_VERIFY_KEY_ENV];
    delete process.env[GRANT_VERIFY_SWITCH_ENV];
  });
  afterAll(() => {
    restore(GRANT_VERIFY_KEY_ENV, saved.key);
    restore(GRANT_VERIFY_SWITCH_ENV, saved.off);
  });

  it('a worker without a verify key refuses to start, naming LEDGERFLOW_GRANT_VERIFY_KEY; nothing subscribes', async () => {
    const tools = [defineTool({ tool: 'billing', action: 'refund', handler: () => 'ran' })];
    expect(() => startToolWorker({ nc, tools })).toThrow(
      expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining(GRANT_VERIFY_KEY_ENV) }),
    );
    await expect(callTool(nc, 'billing', 'refund', body())).rejects.toThrow(/503|no responders/i);
  });

  it('switched off (LEDGERFLOW_GRANT_VERIFY=off) it serves, warns at start and counts every call by tool and action', async () => {
    const reader = new (class extends MetricReader {
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    })();
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    try {
      process.env[GRANT_VERIFY_SWITCH_ENV] = 'off';
      const logger = keptLogger();
      const { paid } = payoutWorker({ grants: undefined, logger });
      await nc.flush();
      await send('', body());
      await send('', body({ idempotencyKey: 'run-1/pay/1-again' }));
      expect(paid).toHaveLength(2);
      // No JetStream on this server: the catalog announcement's warning is tool-catalog.int.spec.ts's subject.
      const warnings = logger.lines.filter((line) => line.level === 'warn' && !line.message.startsWith('tool catalog'));
      expect(warnings).toHaveLength(1);
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .find((m) => m.descriptor.name === UNVERIFIED_CALLS_METRIC);
      expect(metric?.descriptor.unit).toBe('{call}');
      expect(metric?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
        [{ tool: 'billing', action: 'payout' }, 2],
      ]);
    } finally {
      metrics.disable();
      await provider.shutdown();
    }
  });
});
