import type { NatsConnection } from '@nats-io/nats-core';
import { decodeJwt } from 'jose';
import { inputDigestOf } from '@ledgerflow/audit';
import { subjects, type PolicyEvaluation, type Reply } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { authHeader, runEventsWhen, startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';
import { callToolDirectly, recordedFor } from './grants.spec-util.js';

/**
 * The bus as a trust boundary for grants (docs/security.md, "The bus (NATS)" and "Grants"), against the full stack as OS
 * processes. Acting with the executor's own NATS credentials: the policy service grants only what the run's
 * events allow (not a step behind an undecided gate, not a capability the agent lacks, never the caller's
 * claims), and a real grant cannot be replayed under another idempotency key or with another input. Each
 * attempt is refused and leaves no trace: no event it could have caused, no side effect in the bench ledger.
 */
describe("grants trust only the run's events and cannot be replayed", () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-grants-trust-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows'],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('executor');
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('(a) no grant for a step behind an undecided definition gate, nor for the step after it; nothing recorded', async () => {
    const runId = await startRun('chaos-gated', { sleepMs: 0 }, 'trust-gate');
    const before = await runEventsWhen(store, runId, has('GateOpened', 'g2'), 'gate g2 to open');
    const input = { sleepMs: 0 };
    const gated = await evaluate({ runId, stepId: 'g2', attempt: 1, input, inputDigest: inputDigestOf(input) });
    expect(gated).toMatchObject({
      ok: true,
      value: { decision: { outcome: 'allow' }, withheld: { code: 'gate_not_approved' } },
    });
    expect(gated.ok && gated.value.grant).toBeFalsy();
    const after = await evaluate({ runId, stepId: 'g3', attempt: 1, input, inputDigest: inputDigestOf(input) });
    expect(after).toMatchObject({ ok: true, value: { withheld: { code: 'dependencies_not_done' } } });
    await expectNothingRecorded(runId, before, ['g1']);
  }, 40_000);

  it("(b) the facts are the plan's: a capability the agent lacks gets a deny and no grant; claimed agent, capabilities or tool are refused", async () => {
    const runId = await startRun('chaos-gated', { sleepMs: 0 }, 'trust-claims');
    const before = await runEventsWhen(store, runId, has('GateOpened', 'g2'), 'gate g2 to open');
    const input = { sleepMs: 0 };
    const claims = {
      agent: 'recorder',
      agentCapabilities: ['bench.record', 'bench.admin'],
      tool: 'bench',
      action: 'record',
      policyTags: [],
    };
    const claimed = await evaluate({
      runId,
      stepId: 'g2',
      attempt: 1,
      input,
      inputDigest: inputDigestOf(input),
      ...claims,
    });
    expect(claimed).toMatchObject({ ok: false, error: { code: 'request_invalid', retryable: false } });
    expect(
      await evaluate({ runId: 'no-such-run', stepId: 'g2', attempt: 1, input, inputDigest: inputDigestOf(input) }),
    ).toMatchObject({ ok: false, error: { code: 'run_not_found' } });
    expect(
      await evaluate({ runId, stepId: 'forged', attempt: 1, input, inputDigest: inputDigestOf(input) }),
    ).toMatchObject({ ok: false, error: { code: 'step_not_found' } });
    await expectNothingRecorded(runId, before, ['g1']);

    // `overreach`: step `write` asks agent `reader` (bench.noop only) for bench.record.
    const overreach = await startRun('overreach', {}, 'trust-overreach');
    const failed = await runEventsWhen(store, overreach, has('RunFailed'), 'the run to fail');
    const denied = await evaluate({
      runId: overreach,
      stepId: 'write',
      attempt: 1,
      input: { sleepMs: 0 },
      inputDigest: inputDigestOf({ sleepMs: 0 }),
    });
    expect(denied).toMatchObject({ ok: true, value: { decision: { outcome: 'deny' }, withheld: { code: 'denied' } } });
    expect(denied.ok && denied.value.decision.rationale).toContain('bench.record');
    expect(denied.ok && denied.value.grant).toBeFalsy();
    await expectNothingRecorded(overreach, failed, []);
  }, 40_000);

  it('(c, d) a real grant replayed with a new idempotency key or a new input is refused by the worker; nothing recorded', async () => {
    const input = { sleepMs: 2_500 };
    const runId = await startRun('recorded-chain', input, 'trust-replay');
    await runEventsWhen(store, runId, has('StepStarted', 'r1'), 'step r1 to start');
    // The executor's own question about the running attempt: a real grant bound to its key and input.
    const answer = await evaluate({ runId, stepId: 'r1', attempt: 1, input, inputDigest: inputDigestOf(input) });
    const grant = answer.ok ? answer.value.grant : undefined;
    expect(decodeJwt(grant as string)).toMatchObject({
      run: runId,
      step: 'r1',
      attempt: 1,
      key: `${runId}/r1/1`,
      digest: inputDigestOf(input),
    });

    const request = { runId, stepId: 'r1', attempt: 1, idempotencyKey: `${runId}/r1/1`, input };
    const newKey = await callToolDirectly(
      nc,
      'bench',
      'record',
      { ...request, idempotencyKey: `${runId}/r1/1-replay` },
      grant,
    );
    const newInput = await callToolDirectly(nc, 'bench', 'record', { ...request, input: { sleepMs: 0 } }, grant);
    expect(newKey).toMatchObject({
      errorCode: 'grant_invalid',
      reply: { ok: false, error: { code: 'grant_invalid', details: { reason: 'key_mismatch' } } },
    });
    expect(newInput).toMatchObject({
      errorCode: 'grant_invalid',
      reply: { ok: false, error: { code: 'grant_invalid', details: { reason: 'input_mismatch' } } },
    });

    const events = await runEventsWhen(
      store,
      runId,
      (all) => all.some((e) => e.type === 'RunCompleted' || e.type === 'RunFailed' || e.type === 'StepFailed'),
      'the run to complete or a step to fail',
    );
    expect(events.filter((e) => e.type === 'StepFailed')).toEqual([]);
    expect(events.filter((e) => e.type === 'StepStarted').map(stepOf)).toEqual(['r1', 'r2', 'r3', 'r4']);
    const { applied, calls } = recordedFor(stack.benchLedger, runId);
    expect(applied.map((line) => line.idempotencyKey)).toEqual(
      ['r1', 'r2', 'r3', 'r4'].map((step) => `${runId}/${step}/1`),
    );
    expect(calls.map((line) => line.idempotencyKey)).toEqual(
      ['r1', 'r2', 'r3', 'r4'].map((step) => `${runId}/${step}/1`),
    );
  }, 60_000);

  async function startRun(workflow: string, input: unknown, idempotencyKey: string): Promise<string> {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${workflow}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input, idempotencyKey }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { runId: string }).runId;
  }

  async function evaluate(body: Record<string, unknown>): Promise<Reply<PolicyEvaluation>> {
    const msg = await nc.request(subjects.policyEvaluate, JSON.stringify(body), { timeout: 10_000 });
    return msg.json<Reply<PolicyEvaluation>>();
  }

  /** After a pause for anything the refused requests could have caused: the same events, and only `ranSteps` in the ledger. */
  async function expectNothingRecorded(runId: string, before: StoredEvent[], ranSteps: string[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 750));
    const after = await store.readStream(`run-${runId}`);
    expect(after.map((e) => `${e.type} ${stepOf(e) ?? ''}`)).toEqual(before.map((e) => `${e.type} ${stepOf(e) ?? ''}`));
    const { applied, calls } = recordedFor(stack.benchLedger, runId);
    expect(applied.map((line) => line.stepId)).toEqual(ranSteps);
    expect(calls).toHaveLength(ranSteps.length);
  }
});

/** Whether `events` hold one of `type` (of step `stepId`, when given). */
const has =
  (type: string, stepId?: string) =>
  (events: StoredEvent[]): boolean =>
    events.some((e) => e.type === type && (stepId === undefined || stepOf(e) === stepId));

function stepOf(event: StoredEvent): string | undefined {
  return (event.data as { stepId?: string }).stepId;
}
