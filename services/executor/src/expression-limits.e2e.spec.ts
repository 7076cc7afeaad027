import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import {
  authHeader,
  eventually,
  repoRoot,
  startBenchStack,
  startRunOverHttp,
  withPlannerAlone,
} from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * Step input expressions at their limits over the real stack (fixture workflow `expr-limits`): a failing
 * cast, a loop past the time limit and a too-deep recursion each fail the step with
 * `input_expression_failed` (the loop retried once, by the step's retry policy), the run pauses, and a
 * canary run still completes; a backtracking pattern runs in linear time; a pattern RE2 cannot run and a
 * 25-day step timeout are refused at load.
 */
describe('step input expressions at their limits', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  const fixtures = join(repoRoot(), 'services/executor/src/fixtures/workflows');

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-expr-limits-', { definitionsDirs: [join(fixtures, 'expressions')] });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const settled = (runId: string): Promise<StoredEvent[]> =>
    eventually(
      async () => {
        const events = await store.readStream(`run-${runId}`);
        return events.some((e) => ['RunPaused', 'RunCompleted', 'RunFailed'].includes(e.type)) ? events : undefined;
      },
      30_000,
      `run ${runId} to settle`,
    );

  const canaryMs = async (): Promise<number> => {
    const started = Date.now();
    const events = await settled(await startRunOverHttp(stack, 'noop-chain', { input: {} }));
    expect(events.at(-1)?.type).toBe('RunCompleted');
    return Date.now() - started;
  };

  it.each([
    ['cast', 'Unable to cast value to a number', [false]],
    ['loop', 'Evaluation timeout after 1000 milliseconds', [true, true]],
    ['deep', 'limit: 500 nested evaluation frames', [false]],
  ])(
    '%s: the step fails with input_expression_failed and the executor stays healthy',
    async (which, cause, retryables) => {
      const runId = await startRunOverHttp(stack, 'expr-limits', { input: { case: which, word: 'abc' } });
      const events = await settled(runId);
      const failures = events
        .filter((e) => e.type === 'StepFailed')
        .map((e) => e.data as { attempt: number; error: { code: string; message: string; retryable: boolean } });
      expect(failures.map((f) => f.error.retryable)).toEqual(retryables);
      for (const failure of failures) {
        expect(failure.error.code).toBe('input_expression_failed');
        expect(failure.error.message).toMatch(/^step compute input \/value: expression ".*" failed: /);
        expect(failure.error.message).toContain(cause);
      }
      expect(events.some((e) => e.type === 'StepStarted')).toBe(false);
      expect(events.at(-1)).toMatchObject({ type: 'RunPaused', data: { reason: 'step_failed', stepId: 'compute' } });
      await canaryMs();
    },
    60_000,
  );

  it('a backtracking pattern in an expression and in the inputSchema runs in linear time', async () => {
    const baseline = await canaryMs();
    const evil = `${'a'.repeat(40)}!`;
    const refused = await fetch(`${stack.gatewayUrl}/v1/workflows/expr-limits/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: { case: 'regex', word: evil, text: evil } }),
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('/text');
    const runId = await startRunOverHttp(stack, 'expr-limits', { input: { case: 'regex', word: evil } });
    const [canary, events] = await Promise.all([canaryMs(), settled(runId)]);
    expect(events.at(-1)?.type).toBe('RunCompleted');
    expect(events.find((e) => e.type === 'StepStarted')?.data).toMatchObject({ input: { value: false } });
    expect(canary).toBeLessThan(Math.max(3 * baseline, 3_000));
  }, 60_000);
});

describe('a pattern the linear-time engine cannot run', () => {
  it('is refused at load: the planner stops with exit 78 naming the file and the field', async () => {
    const dir = join(repoRoot(), 'services/executor/src/fixtures/workflows/bad-pattern');
    await withPlannerAlone(dir, async (planner) => {
      expect(await planner.exited).toBe(78);
      expect(planner.output()).toContain(join(dir, 'bad-pattern.yaml'));
      expect(planner.output()).toContain('/inputSchema/properties/code/pattern');
      expect(planner.output()).toContain('linear-time engine (RE2)');
    });
  }, 30_000);
});

describe('a step timeout past the longest timer', () => {
  it('is refused at load: the planner stops with exit 78 naming the file, the field and the limit', async () => {
    const dir = join(repoRoot(), 'services/executor/src/fixtures/workflows/long-timeout');
    await withPlannerAlone(dir, async (planner) => {
      expect(await planner.exited).toBe(78);
      expect(planner.output()).toContain(join(dir, 'long-timeout.yaml'));
      expect(planner.output()).toContain(
        '/steps/0/timeout: "25d" (2160000000 ms) is longer than the limit of 2147483647 ms (24.86 days)',
      );
    });
  }, 30_000);
});
