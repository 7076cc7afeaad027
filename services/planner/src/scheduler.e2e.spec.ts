import { SqliteEventStore } from '@ledgerflow/event-store';
import { eventually, startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Triggered {
  readonly workflowId: string;
  readonly trigger: { readonly source: string; readonly idempotencyKey: string };
  readonly input: { readonly scheduledAt?: string };
}

/**
 * Schedules over the real stack (docs/definitions.md, "Schedules"): two workflows tick every second
 * (services/planner/src/fixtures/schedules), and the planner is killed with SIGKILL and restarted in the middle.
 * Asserted on the stored `RunTriggered` events: every tick has exactly one run (its key `schedule:<tick>`, its input
 * `scheduledAt` the same tick); with `catchUp: all` the ticks form an unbroken second-by-second sequence across the
 * downtime; with `catchUp: none` the ticks of the downtime have no run.
 */
describe('scheduled triggers end to end', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-schedules-', { definitionsDirs: ['services/planner/src/fixtures/schedules'] });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const scheduled = async (workflowId: string): Promise<Triggered[]> =>
    (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 }))
      .filter((e) => e.type === 'RunTriggered')
      .map((e) => e.data as Triggered)
      .filter((d) => d.workflowId === workflowId && d.trigger.source === 'schedule');

  /** Tick times (ms) of a workflow's scheduled runs, ascending, after checking one run per key and key = input. */
  const ticksOf = async (workflowId: string): Promise<number[]> => {
    const runs = await scheduled(workflowId);
    const keys = runs.map((r) => r.trigger.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length); // no tick has two runs
    for (const run of runs) expect(run.trigger.idempotencyKey).toBe(`schedule:${run.input.scheduledAt}`);
    return keys.map((key) => Date.parse(key.slice('schedule:'.length))).sort((a, b) => a - b);
  };

  it('one run per tick across a planner SIGKILL; catchUp all starts the missed ticks, none skips them', async () => {
    await eventually(async () => ((await ticksOf('every-second-all')).length >= 3 ? true : undefined), 20_000, 'three scheduled runs');
    const killedAt = Date.now();
    stack.process('planner').kill('SIGKILL');
    await sleep(3_000);
    const restartedAt = Date.now();
    await stack.restart('planner');
    const ticking = async (): Promise<true | undefined> =>
      (await ticksOf('every-second-none')).filter((t) => t >= restartedAt).length >= 2 ? true : undefined;
    await eventually(ticking, 20_000, 'two scheduled runs after the restart');

    // The dead planner can have started no tick after killedAt + 1 s; the new one was spawned at restartedAt.
    const downtime = (t: number): boolean => t > killedAt + 1_000 && t < restartedAt;
    const all = await ticksOf('every-second-all');
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.slice(1).map((t, i) => t - (all[i] as number))).toEqual(all.slice(1).map(() => 1_000)); // no tick missing
    expect(all.filter(downtime).length).toBeGreaterThanOrEqual(1);
    expect(all.at(-1)).toBeGreaterThan(restartedAt); // ticking again after the restart

    const none = await ticksOf('every-second-none');
    expect(none.filter(downtime)).toEqual([]);
    expect(none.filter((t) => t <= killedAt).length).toBeGreaterThanOrEqual(2);
    expect(none.filter((t) => t >= restartedAt).length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
