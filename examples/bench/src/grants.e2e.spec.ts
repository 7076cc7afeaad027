import type { NatsConnection } from '@nats-io/nats-core';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, runEventsWhen, startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';
import { callToolDirectly, recordedFor, signGrant, signingKey, type GrantScope } from './grants.spec-util.js';

const STEPS = ['r1', 'r2', 'r3', 'r4'];

/**
 * Step-scoped grants end to end (docs/policies.md, "Grants"): the policy service signs a grant per
 * allowed step attempt, the executor sends it in `lf-grant`, and the bench workers verify it before running
 * `bench.record`. A run's every side effect carries the grant of its own decision; a call made directly on
 * `lf.tool.bench.record` without a valid grant is refused with `grant_invalid` and records nothing.
 */
describe('step-scoped grants', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let ledger: string;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-grants-e2e-');
    ledger = stack.benchLedger;
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('executor');
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('completes a recorded-chain run whose every side effect carries the grant of its policy decision', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/recorded-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: { sleepMs: 0 }, idempotencyKey: 'grants-e2e-1' }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const events = await runEventsWhen(
      store,
      runId,
      (all) => all.some((e) => e.type === 'RunCompleted' || e.type === 'RunFailed' || e.type === 'StepFailed'),
      'the run to complete or a step to fail',
      20_000,
    );
    const failures = events.filter((e) => e.type === 'StepFailed').map((e) => JSON.stringify(e.data));
    expect({ failures, last: events.at(-1)?.type }).toEqual({ failures: [], last: 'RunCompleted' });

    const { applied } = recordedFor(ledger, runId);
    expect(applied.map((line) => line.stepId)).toEqual(STEPS);
    for (const line of applied) {
      const decision = events.find(
        (e) => e.type === 'StepPolicyEvaluated' && (e.data as { stepId: string }).stepId === line.stepId,
      );
      const decided = (decision?.data as { decision: { outcome: string; auditId: string } }).decision;
      expect(decided.outcome).toBe('allow');
      expect(line.grant).toEqual({ jti: decided.auditId, sub: 'recorder', exp: expect.any(Number) });
      expect((line.grant as { exp: number }).exp * 1000).toBeGreaterThan(
        Date.parse(decision?.metadata.occurredAt ?? ''),
      );
    }
  }, 40_000);

  it('refuses direct calls with no grant, an expired, a forged or an out-of-scope grant, recording nothing', async () => {
    const runId = 'direct-3f0c';
    const scope: GrantScope = {
      run: runId,
      step: 'r1',
      attempt: 1,
      tool: 'bench',
      action: 'record',
      input: { sleepMs: 0 },
    };
    const request = { runId, stepId: 'r1', attempt: 1, idempotencyKey: `${runId}/r1/1`, input: { sleepMs: 0 } };
    const stackKey = signingKey(stack.grantKeys.privateKeyPem);
    const now = Math.floor(Date.now() / 1000);
    const attempts: Array<[string, string | undefined, string]> = [
      ['no grant', undefined, 'missing'],
      ['expired', await signGrant(stackKey, scope, { issuedAt: now - 900, ttlSeconds: 300 }), 'expired'],
      ['forged', await signGrant(signingKey(), scope), 'bad_signature'],
      ['another run', await signGrant(stackKey, { ...scope, run: 'another-run' }), 'out_of_scope'],
    ];
    for (const [label, grant, reason] of attempts) {
      const { reply, errorCode } = await callToolDirectly(nc, 'bench', 'record', request, grant);
      expect({ label, errorCode, reply }).toMatchObject({
        label,
        errorCode: 'grant_invalid',
        reply: { ok: false, error: { code: 'grant_invalid', retryable: false, details: { reason } } },
      });
    }
    expect(recordedFor(ledger, runId)).toEqual({ applied: [], calls: [] });

    // Control: the same call with a grant in scope signed by the stack's key runs, once, despite the refusals.
    const valid = await callToolDirectly(nc, 'bench', 'record', request, await signGrant(stackKey, scope));
    expect(valid.reply).toEqual({ ok: true, value: { output: { recorded: true } } });
    expect(recordedFor(ledger, runId).applied).toEqual([
      expect.objectContaining({ idempotencyKey: `${runId}/r1/1`, grant: expect.objectContaining({ sub: 'recorder' }) }),
    ]);
  }, 30_000);
});
