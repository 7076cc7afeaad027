import { SqliteEventStore } from '@ledgerflow/event-store';
import { devToken, eventually, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * The policy service away while a step needs its grant (`chaos-gated`: g2 is dispatched right after its gate is
 * approved, and the executor asks the policy service for a fresh grant then). The executor retries on its 1 s timer,
 * not in a tight loop, and the run completes once the policy service is back.
 */
describe('policy service away when a step needs its grant', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-policy-outage-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows'],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('retries the dispatch about once a second while it is down, then completes the run', async () => {
    const runId = await startRunOverHttp(stack, 'chaos-gated', {
      input: { sleepMs: 0 },
      idempotencyKey: 'policy-outage',
    });
    await eventually(
      async () => ((await store.readStream(`run-${runId}`)).some((e) => e.type === 'GateOpened') ? true : undefined),
      30_000,
      'the gate to open',
    );
    await stack.process('policy').stop();

    const lead = await devToken(stack, { sub: 'chaos-lead', scopes: ['gates:decide'] });
    const decided = await fetch(`${stack.gatewayUrl}/v1/gates/${runId}.g2/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lead}` },
      body: JSON.stringify({ outcome: 'approve' }),
    });
    expect(decided.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const failures = stack
      .process('executor')
      .output()
      .split('\n')
      .filter((line) => line.includes('recording a step outcome failed'));
    // One attempt when the gate was decided, then one per 1 s retry: a handful, not hundreds.
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.length).toBeLessThanOrEqual(6);

    await stack.restart('policy');
    const events = await eventually(
      async () => {
        const all = await store.readStream(`run-${runId}`);
        return all.some((e) => e.type === 'RunCompleted') ? all : undefined;
      },
      30_000,
      'the run to complete after the policy service is back',
    );
    expect(events.filter((e) => e.type === 'StepSucceeded').map((e) => (e.data as { stepId: string }).stepId)).toEqual([
      'g1',
      'g2',
      'g3',
    ]);
  }, 90_000);
});
