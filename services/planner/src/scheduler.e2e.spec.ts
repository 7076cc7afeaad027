import { SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, eventually, startBenchStack } from '@ledgerflow/testing';
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
 * downtime; with `catchUp: none` the ticks of the downtime have no run. A schedule registered over the API ticks
 * with no restart and stops when a newer version drops it; a bad expression or time zone is refused with 422.
 */
describe('scheduled triggers end to end', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-schedules-', {
      definitionsDirs: ['services/planner/src/fixtures/schedules'],
    });
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
    await eventually(
      async () => ((await ticksOf('every-second-all')).length >= 3 ? true : undefined),
      20_000,
      'three scheduled runs',
    );
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

  it('PUT /v1/workflows: a bad schedule is refused naming the field and rule; a good one ticks with no restart, until a new version drops it', async () => {
    const put = async (document: Record<string, unknown>) => {
      const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${String(document.id)}`, {
        method: 'PUT',
        headers: { ...(await authHeader(stack)), 'content-type': 'application/json' },
        body: JSON.stringify(document),
      });
      const body = (await response.json()) as { error?: { code: string; details?: { field?: string; rule?: string } } };
      return [response.status, body.error?.code, body.error?.details?.field, body.error?.details?.rule];
    };
    const flow = (version: string, trigger: Record<string, unknown>) => ({
      id: 'api-scheduled',
      version,
      trigger,
      tools: { bench: ['noop'] },
      agents: { 'bench-agent': ['bench.noop'] },
      steps: [{ id: 'tick', tool: 'bench', action: 'noop', agent: 'bench-agent' }],
    });
    expect(await put(flow('1.0.0', { schedule: '61 * * * * *' }))).toEqual([
      422,
      'definition_invalid',
      '/trigger/schedule',
      'cron_expression',
    ]);
    expect(await put(flow('1.0.0', { schedule: '* * * * * *', timezone: 'Mars/Olympus' }))).toEqual([
      422,
      'definition_invalid',
      '/trigger/timezone',
      'iana_timezone',
    ]);

    expect((await put(flow('1.0.0', { schedule: '* * * * * *', catchUp: 'none' })))[0]).toBe(201);
    await eventually(
      async () => ((await ticksOf('api-scheduled')).length >= 2 ? true : undefined),
      15_000,
      'the API-registered schedule to tick',
    );

    expect((await put(flow('2.0.0', { type: 'bench.started' })))[0]).toBe(201);
    await sleep(2_500); // the scheduler compares with the catalog every second
    const stopped = (await ticksOf('api-scheduled')).length;
    await sleep(2_000);
    expect(await ticksOf('api-scheduled')).toHaveLength(stopped);
  }, 40_000);
});
