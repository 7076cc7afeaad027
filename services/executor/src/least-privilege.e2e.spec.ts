import { existsSync, readFileSync } from 'node:fs';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { runEventsWhen, startBenchStack, authHeader } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * Least privilege end to end: in workflow `overreach`, agent `reader` may use only `bench.noop`; its second
 * step asks for `bench.record`. The policy service denies it, the run fails with `policy_denied`, and the
 * recording worker never runs (no call, no side effect).
 */
describe('an agent outside its declared capabilities', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let ledger: string;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-least-privilege-');
    ledger = stack.benchLedger;
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('is blocked by policy before any worker runs', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/overreach/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: {} }),
    });
    const { runId } = (await response.json()) as { runId: string };
    const events = await runEventsWhen(
      store,
      runId,
      (all) => all.some((e) => e.type === 'RunFailed'),
      'the run to fail',
      20_000,
    );
    const write = events.filter((e) => (e.data as { stepId?: string }).stepId === 'write');
    expect(write.map((e) => e.type)).toEqual(['StepPolicyEvaluated', 'StepBlocked', 'RunFailed']);
    const decision = (
      write[0].data as {
        decision: { outcome: string; rationale: string; rules: Array<{ result: string; pack: string }> };
      }
    ).decision;
    expect(decision.outcome).toBe('deny');
    expect(decision.rationale).toContain('bench.record');
    expect(decision.rules.some((rule) => rule.result === 'fail')).toBe(true);
    expect((write[1].data as { policies: string[] }).policies.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'StepStarted').map((e) => (e.data as { stepId: string }).stepId)).toEqual([
      'read',
    ]);
    expect(existsSync(`${ledger}.calls`) ? readFileSync(`${ledger}.calls`, 'utf8') : '').toBe('');
  }, 40_000);
});
