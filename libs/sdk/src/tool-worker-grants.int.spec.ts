import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { GRANT_VERIFY_KEY_ENV, type ToolReply } from '@ledgerflow/contracts';
import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';
import {
  GRANTS_DISABLED_WARNING,
  MemoryIdempotencyStore,
  defineTool,
  startToolWorker,
  type ToolContext,
  type ToolLogger,
  type ToolWorker,
  type ToolWorkerOptions,
} from './index.js';
import { callTool, toolRequest } from './tool-worker.spec-util.js';
import { signTestGrant, testGrantKeys, type GrantScope } from './grant.spec-util.js';

let server: NatsServerHandle;
let nc: NatsConnection;
const workers: ToolWorker[] = [];
const keys = testGrantKeys();

/** A store that remembers which keys were read or written (to show refusals never reach it). */
class WatchedStore extends MemoryIdempotencyStore {
  readonly touched: string[] = [];
  override get(key: string): ToolReply | undefined {
    this.touched.push(`get ${key}`);
    return super.get(key);
  }
  override set(key: string, reply: ToolReply): void {
    this.touched.push(`set ${key}`);
    super.set(key, reply);
  }
}

/** A `billing.payout` worker counting handler runs and keeping each call's context. */
function payoutWorker(options: Partial<ToolWorkerOptions> = {}): { calls: ToolContext[]; store: WatchedStore } {
  const calls: ToolContext[] = [];
  const store = new WatchedStore();
  workers.push(
    startToolWorker({
      nc,
      dedupe: store,
      ...options,
      tools: [
        defineTool({
          tool: 'billing',
          action: 'payout',
          handler: (_input, ctx) => {
            calls.push(ctx);
            return { paid: calls.length };
          },
        }),
      ],
    }),
  );
  return { calls, store };
}

const scopeOf = (stepId: string, attempt = 1): GrantScope => ({
  run: 'run-1',
  step: stepId,
  attempt,
  tool: 'billing',
  action: 'payout',
  input: { amount: 5 },
});
const payout = (stepId: string, grant?: string, attempt = 1) =>
  callTool(
    nc,
    'billing',
    'payout',
    toolRequest(stepId, { amount: 5 }, attempt),
    grant === undefined ? {} : { 'lf-grant': grant },
  );

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

describe('startToolWorker with grants', () => {
  it('runs the handler for a valid grant and hands it the verified claims', async () => {
    const { calls } = payoutWorker({ grants: { publicKey: keys.publicKeyPem } });
    await nc.flush();
    const grant = await signTestGrant(keys.privateKey, scopeOf('pay'), { claims: { jti: 'audit-1', sub: 'payer' } });
    const { reply, errorCode } = await payout('pay', grant);
    expect(reply).toEqual({ ok: true, value: { output: { paid: 1 } } });
    expect(errorCode).toBe('');
    expect(calls[0]?.grant).toMatchObject({
      jti: 'audit-1',
      sub: 'payer',
      run: 'run-1',
      step: 'pay',
      attempt: 1,
      tool: 'billing',
      action: 'payout',
    });
  });

  it('refuses missing, expired, forged and out-of-scope grants with grant_invalid before the handler', async () => {
    const { calls, store } = payoutWorker({ grants: { publicKey: keys.publicKey } });
    await nc.flush();
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string | undefined, string]> = [
      ['missing', undefined, 'missing'],
      [
        'expired',
        await signTestGrant(keys.privateKey, scopeOf('pay'), { issuedAt: now - 900, ttlSeconds: 300 }),
        'expired',
      ],
      ['forged', await signTestGrant(testGrantKeys().privateKey, scopeOf('pay')), 'bad_signature'],
      ['other action', await signTestGrant(keys.privateKey, { ...scopeOf('pay'), action: 'refund' }), 'wrong_audience'],
      ['other tool', await signTestGrant(keys.privateKey, { ...scopeOf('pay'), tool: 'crm' }), 'wrong_audience'],
      ['other run', await signTestGrant(keys.privateKey, { ...scopeOf('pay'), run: 'run-2' }), 'out_of_scope'],
      ['other step', await signTestGrant(keys.privateKey, scopeOf('refund')), 'out_of_scope'],
      ['other attempt', await signTestGrant(keys.privateKey, scopeOf('pay', 2)), 'out_of_scope'],
    ];
    for (const [label, grant, reason] of cases) {
      const { reply, errorCode } = await payout('pay', grant);
      expect({ label, errorCode, reply }).toMatchObject({
        label,
        errorCode: 'grant_invalid',
        reply: { ok: false, error: { code: 'grant_invalid', retryable: false, details: { reason } } },
      });
    }
    expect(calls).toHaveLength(0);
    expect(store.touched).toEqual([]);
  });

  it('lets a valid call run after a refused one with the same idempotency key', async () => {
    const { calls, store } = payoutWorker({ grants: { publicKey: keys.publicKeyPem } });
    await nc.flush();
    const refused = await payout('pay', await signTestGrant(testGrantKeys().privateKey, scopeOf('pay')));
    expect(refused.errorCode).toBe('grant_invalid');
    const valid = await payout('pay', await signTestGrant(keys.privateKey, scopeOf('pay')));
    expect(valid.reply).toEqual({ ok: true, value: { output: { paid: 1 } } });
    expect(calls).toHaveLength(1);
    expect(store.touched).toEqual(['get billing.payout/run-1/pay/1', 'set billing.payout/run-1/pay/1']);
  });

  it('verifies by default when LEDGERFLOW_GRANT_VERIFY_KEY is set, unless grants are disabled', async () => {
    const previous = process.env[GRANT_VERIFY_KEY_ENV];
    process.env[GRANT_VERIFY_KEY_ENV] = keys.publicKeyPem;
    try {
      const verifying = payoutWorker();
      await nc.flush();
      await expect(payout('pay')).resolves.toMatchObject({
        errorCode: 'grant_invalid',
        reply: { error: { details: { reason: 'missing' } } },
      });
      await expect(payout('pay', await signTestGrant(keys.privateKey, scopeOf('pay')))).resolves.toMatchObject({
        reply: { ok: true },
      });
      expect(verifying.calls).toHaveLength(1);
      await Promise.all(workers.splice(0).map((w) => w.stop()));

      const warnings: string[] = [];
      const logger: ToolLogger = {
        info: () => undefined,
        error: () => undefined,
        warn: (message) => warnings.push(message),
      };
      const open = [payoutWorker({ grants: 'disabled', logger }), payoutWorker({ grants: 'disabled', logger })];
      await nc.flush();
      const results = await Promise.all(['a', 'b'].map((step) => payout(step)));
      expect(results.map((r) => r.reply.ok)).toEqual([true, true]);
      expect(open.flatMap((w) => w.calls).map((ctx) => [ctx.stepId, ctx.grant])).toEqual(
        expect.arrayContaining([
          ['a', undefined],
          ['b', undefined],
        ]),
      );
      // No JetStream on this server: the catalog announcement's warnings are tool-catalog.int.spec.ts's subject.
      expect(warnings.filter((w) => !w.startsWith('tool catalog'))).toEqual([
        GRANTS_DISABLED_WARNING,
        GRANTS_DISABLED_WARNING,
      ]);
    } finally {
      if (previous === undefined) delete process.env[GRANT_VERIFY_KEY_ENV];
      else process.env[GRANT_VERIFY_KEY_ENV] = previous;
    }
  });

  it('refuses to start with both a verifyGrant hook and grants, or with a bad key', () => {
    const tools = [defineTool({ tool: 'billing', action: 'payout', handler: () => 1 })];
    expect(() =>
      startToolWorker({ nc, tools, grants: { publicKey: keys.publicKeyPem }, verifyGrant: async () => undefined }),
    ).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => startToolWorker({ nc, tools, grants: { publicKey: 'not a key' } })).toThrow(
      expect.objectContaining({ code: 'grant_key_invalid' }),
    );
  });
});
