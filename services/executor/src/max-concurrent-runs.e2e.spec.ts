import { join } from 'node:path';
import { foldRunSlots } from '@ledgerflow/domain';
import type { RunSlotEvent } from '@ledgerflow/domain';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { authHeader, eventually, repoRoot, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';
import { runSlotsStreamId } from './run-slots.js';

const WORKFLOW = 'limited-runs';
const LIMIT = 2;
const RUNS = 5;
const ENDS = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);

/**
 * `maxConcurrentRuns: 2` over the real stack (fixtures/workflows/max-concurrent-runs): five runs started at once, each
 * one step that sleeps 600 ms. Checked from the stored events: never more than two runs between their `RunDequeued`
 * and their end (in commit order), dequeued in trigger order, every slot acquired once and released once; and over
 * HTTP, the waiting runs listed `queued`. The executor is killed (SIGKILL) once a freed slot was handed on, and
 * restarted: all five still complete, within the limit.
 */
describe('maxConcurrentRuns', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    const fixtures = join(repoRoot(), 'services/executor/src/fixtures/workflows/max-concurrent-runs');
    stack = await startBenchStack('ledgerflow-max-runs-', { definitionsDirs: [fixtures] });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const runEvents = async (): Promise<StoredEvent[]> =>
    (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).filter(
      (event) => event.metadata.runId !== undefined,
    );
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: await authHeader(stack) });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };

  it('runs at most two at once, in trigger order, queued meanwhile, across an executor SIGKILL', async () => {
    const runIds = await Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        startRunOverHttp(stack, WORKFLOW, { input: { sleepMs: 600 }, idempotencyKey: `limited-${i}` }),
      ),
    );
    const ours = new Set(runIds);

    // Sample the list while the runs go on: never more than two running, and the waiting ones queued.
    const samples: Array<Record<string, number>> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const listed = await get<Array<{ runId: string; status: string }>>(`/v1/runs?workflowId=${WORKFLOW}`);
        const counts: Record<string, number> = {};
        for (const run of listed.filter((r) => ours.has(r.runId))) counts[run.status] = (counts[run.status] ?? 0) + 1;
        samples.push(counts);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const triggerOrder = async (): Promise<string[]> =>
      (await runEvents())
        .filter((e) => e.type === 'RunTriggered' && ours.has(e.metadata.runId))
        .map((e) => e.metadata.runId);
    const lastTriggered = (await triggerOrder()).at(-1) as string;
    expect((await get<{ status: string }>(`/v1/runs/${lastTriggered}`)).status).toBe('queued');

    // Kill the executor once a slot freed by an ended run was handed on (a third run dequeued), then restart it.
    await eventually(
      async () =>
        (await runEvents()).filter((e) => e.type === 'RunDequeued' && ours.has(e.metadata.runId)).length >= 3
          ? true
          : undefined,
      20_000,
      'a third run dequeued',
    );
    stack.process('executor').kill('SIGKILL');
    await stack.process('executor').exited;
    const killedAt = (await runEvents()).at(-1)?.position ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.restart('executor');

    await eventually(
      async () => {
        const ended = (await runEvents()).filter((e) => ENDS.has(e.type) && ours.has(e.metadata.runId));
        return ended.length === RUNS ? true : undefined;
      },
      25_000,
      'all five runs ended',
    );
    sampling = false;
    await sampler;

    const events = (await runEvents()).filter((e) => ours.has(e.metadata.runId));
    expect(events.filter((e) => ENDS.has(e.type)).map((e) => e.type)).toEqual(Array(RUNS).fill('RunCompleted'));
    // Every run was queued at its start, then dequeued once, in trigger order.
    const triggered = await triggerOrder();
    expect(events.filter((e) => e.type === 'RunQueued').map((e) => e.metadata.runId)).toEqual(triggered);
    expect(events.filter((e) => e.type === 'RunDequeued').map((e) => e.metadata.runId)).toEqual(triggered);
    // In commit order, at most two runs between RunDequeued and their end; two did run side by side.
    let active = 0;
    let most = 0;
    for (const event of events) {
      if (event.type === 'RunDequeued') most = Math.max(most, ++active);
      if (ENDS.has(event.type)) active -= 1;
      if (event.type === 'StepStarted')
        expect(
          events.some(
            (e) => e.type === 'RunDequeued' && e.metadata.runId === event.metadata.runId && e.position < event.position,
          ),
        ).toBe(true);
    }
    expect(most).toBe(LIMIT);
    // The restarted executor handed slots on too (the kill came before the last two runs were dequeued).
    expect(events.filter((e) => e.type === 'RunDequeued' && e.position > killedAt).length).toBeGreaterThanOrEqual(1);

    // The semaphore: each run requested, acquired and released once; never more than two holders after any event.
    const slotEvents = await store.readStream(runSlotsStreamId(WORKFLOW));
    for (const type of ['RunSlotRequested', 'RunSlotAcquired', 'RunSlotReleased']) {
      expect(
        slotEvents
          .filter((e) => e.type === type)
          .map((e) => (e.data as { runId: string }).runId)
          .sort(),
      ).toEqual([...runIds].sort());
    }
    const holders = new Set<string>();
    for (const event of slotEvents) {
      const { runId } = event.data as { runId: string };
      if (event.type === 'RunSlotAcquired') holders.add(runId);
      if (event.type === 'RunSlotReleased') holders.delete(runId);
      expect(holders.size).toBeLessThanOrEqual(LIMIT);
    }
    expect(foldRunSlots(slotEvents as unknown as RunSlotEvent[])).toEqual(
      expect.objectContaining({ holders: [], waiters: [] }),
    );
    expect(
      slotEvents.filter((e) => e.type === 'RunSlotAcquired').map((e) => (e.data as { runId: string }).runId),
    ).toEqual(triggered);

    // Over HTTP: runs were seen queued while others ran, and never more than two running.
    expect(samples.some((counts) => (counts.queued ?? 0) > 0 && (counts.running ?? 0) > 0)).toBe(true);
    expect(Math.max(...samples.map((counts) => counts.running ?? 0))).toBeLessThanOrEqual(LIMIT);
  }, 60_000);
});
