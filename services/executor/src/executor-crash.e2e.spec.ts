import { readFileSync } from 'node:fs';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { authHeader, eventually, runEventsWhen, startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

const RUNS = 6;
const STEPS = ['r1', 'r2', 'r3', 'r4'];

function lines(path: string): Array<Record<string, string | number>> {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

/**
 * Kills the executor with SIGKILL while runs are in flight (steps running, tool calls outstanding),
 * restarts it, and checks from the store and the tool's ledger that every run completes, every step
 * started once, and each tool side effect was applied exactly once, re-dispatched calls reusing the
 * original idempotency key.
 */
describe('executor killed mid-run', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let ledger: string;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-crash-e2e-');
    ledger = stack.benchLedger;
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('completes every run with each side effect applied once', async () => {
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const response = await fetch(`${stack.gatewayUrl}/v1/workflows/recorded-chain/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
        body: JSON.stringify({ input: { sleepMs: 250 }, idempotencyKey: `crash-${i}` }),
      });
      expect(response.status).toBe(202);
      runIds.push(((await response.json()) as { runId: string }).runId);
    }
    const started = async () =>
      (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).filter((e) => e.type === 'StepStarted').length;
    await eventually('a step started in every run', async () => (await started()) >= RUNS, 60_000, 20);

    stack.process('executor').kill('SIGKILL');
    await stack.process('executor').exited;
    const startedAtKill = await started();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await stack.restart('executor');

    const eventsOf = (runId: string): Promise<StoredEvent[]> => store.readStream(`run-${runId}`);
    for (const runId of runIds) {
      await runEventsWhen(
        store,
        runId,
        (events) => events.some((e) => e.type === 'RunCompleted'),
        'the run to complete after the executor restart',
        40_000,
      );
    }
    expect(startedAtKill).toBeLessThan(RUNS * STEPS.length);

    const applied = lines(ledger);
    const calls = lines(`${ledger}.calls`);
    for (const runId of runIds) {
      const events = await eventsOf(runId);
      const starts = events
        .filter((e) => e.type === 'StepStarted')
        .map((e) => e.data as { stepId: string; idempotencyKey: string });
      expect(starts.map((s) => s.stepId)).toEqual(STEPS);
      for (const start of starts) {
        expect(applied.filter((line) => line.idempotencyKey === start.idempotencyKey)).toHaveLength(1);
        const keysForStep = new Set(
          calls
            .filter((c) => String(c.idempotencyKey).startsWith(`${runId}/${start.stepId}/`))
            .map((c) => c.idempotencyKey),
        );
        expect([...keysForStep]).toEqual([start.idempotencyKey]);
      }
    }
    expect(applied).toHaveLength(RUNS * STEPS.length);
  }, 90_000);
});
