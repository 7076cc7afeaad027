import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';
import { GateApprover, reviewerToken } from './chaos-approver.spec-util.js';
import { ledgerProblems, memoryProblems, readLedger, runProblems } from './chaos-checks.spec-util.js';
import { chaosPlan, describePlan, seedFromEnv, servicesFromEnv } from './chaos-plan.spec-util.js';
import type { ChaosPlan } from './chaos-plan.spec-util.js';
import { SETTLED, lastType, runningSteps, slowest, snapshot } from './chaos-snapshot.spec-util.js';
import type { Snapshot } from './chaos-snapshot.spec-util.js';

/** Default seed; any other with `LEDGERFLOW_CHAOS_SEED=<n>` (and `LEDGERFLOW_CHAOS_SERVICES=a,b` to narrow the kills). */
const SEED = seedFromEnv(20261122);
const RUNS = { 'recorded-chain': 50, 'chaos-gated': 10 } as const;
const KILLS = 18;
/** Tool sleep per step, ms: long enough that kills often land while a step runs, short enough for CI. */
const SLEEP_MS = [100, 300] as const;
/**
 * How long runs may take to settle after the last restart. A JetStream message delivered to a process that
 * was then killed comes back only after the consumer's ack wait (30 s, libs/messaging), so this is above it.
 */
const SETTLE_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Crash safety under chaos: nats-server, the six services and the bench workers as OS processes. Over a
 * seeded schedule (chaos-plan.spec-util.ts), one service at a time (planner, executor, policy, approval,
 * memory or gateway) is killed with SIGKILL while runs are in flight, then restarted. Runs are triggered
 * over JetStream (`lf.trigger.<workflow>`, message id = key), so a trigger survives any service's death;
 * `chaos-gated` runs (fixtures/workflows) wait at a gate the test approves through the gateway meanwhile.
 * At the end: every trigger made one run and every run completed; each step started once, after its
 * dependencies succeeded; each gated step after its single approving GateDecided; each side effect is in
 * the tool's ledger exactly once, under its StepStarted's key, and no tool call used another key or came
 * before its gate's decision; memory's statistics count every run once.
 */
describe('chaos: services killed with SIGKILL at random points of runs', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let ledger: string;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-chaos-e2e-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows'],
    });
    ledger = stack.benchLedger;
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('publisher');
  }, 60_000);

  afterAll(async () => {
    await nc?.drain();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('completes every run, applies each side effect once and skips no gate', async () => {
    const plan = chaosPlan(SEED, { runs: RUNS, kills: KILLS, sleepMs: SLEEP_MS, services: servicesFromEnv() });
    process.stderr.write(`${describePlan(plan)}\n`);
    const approver = new GateApprover(stack, await reviewerToken(stack, 'chaos-lead'));
    const approveAfter = new Map(plan.runs.map((run) => [run.key, run.approveAfterMs]));
    const stopApproving = approver.watch(store, (key) => approveAfter.get(key) ?? 0);

    const published = new Map<string, number>();
    const publishing: Array<Promise<void>> = [];
    let last = await snapshot(store);
    try {
      await unleash(plan, published, publishing);
      await Promise.all(publishing);
      const settleStart = Date.now();
      last = await snapshot(store);
      const settled = (snap: Snapshot) => plan.runs.every((run) => SETTLED.has(lastType(snap, run.key)));
      while (Date.now() < settleStart + SETTLE_MS && !settled(last)) {
        await sleep(200);
        last = await snapshot(store);
      }
      process.stderr.write(
        `chaos seed ${SEED}: runs settled ${Date.now() - settleStart} ms after the last restart; slowest: ${slowest(last, published)}\n`,
      );
    } finally {
      await stopApproving();
      await Promise.allSettled(publishing);
    }
    process.stderr.write(`chaos seed ${SEED}: ${approver.summary()}\n`);

    const problems: string[] = [];
    const runs = new Map<string, readonly StoredEvent[]>();
    for (const run of plan.runs) {
      const runId = last.runOfKey.get(run.key);
      if (!runId) {
        problems.push(`trigger ${run.key} (${run.workflowId}) made no run: the run was lost`);
        continue;
      }
      runs.set(runId, last.events.get(runId) ?? []);
      problems.push(...runProblems(runId, runs.get(runId) ?? []));
    }
    if (last.events.size !== plan.runs.length)
      problems.push(`${last.events.size} run streams for ${plan.runs.length} triggers`);
    problems.push(...ledgerProblems(runs, readLedger(ledger), readLedger(`${ledger}.calls`)));
    problems.push(...(await memoryProblems(stack, runs)));
    expect({ seed: SEED, problems }).toEqual({ seed: SEED, problems: [] });
  }, 170_000);

  /**
   * Runs the kill schedule: per kill, schedules its triggers (each `offsetMs` into the cycle), waits `gapMs`,
   * SIGKILLs the service, waits `downMs`, restarts it and waits until it is ready. Asserts that kills did
   * land while steps were running (else the schedule proved nothing).
   */
  async function unleash(
    plan: ChaosPlan,
    published: Map<string, number>,
    publishing: Array<Promise<void>>,
  ): Promise<void> {
    const js = jetstream(nc);
    const log: string[] = [];
    let duringSteps = 0;
    for (const [i, kill] of plan.kills.entries()) {
      for (const run of plan.runs.filter((r) => r.slot === i)) {
        publishing.push(
          sleep(run.offsetMs).then(async () => {
            published.set(run.key, Date.now());
            await js.publish(`lf.trigger.${run.workflowId}`, JSON.stringify({ sleepMs: run.sleepMs }), {
              msgID: run.key,
            });
          }),
        );
      }
      await sleep(kill.gapMs);
      const killedAt = Date.now();
      stack.process(kill.service).kill('SIGKILL');
      await stack.process(kill.service).exited;
      const atKill = await snapshot(store);
      const running = runningSteps(atKill);
      const inFlight = [...published.keys()].filter((key) => !SETTLED.has(lastType(atKill, key))).length;
      if (running > 0) duringSteps += 1;
      await sleep(kill.downMs);
      await stack.restart(kill.service);
      log.push(
        `#${i} ${kill.service}: ${inFlight} runs in flight, ${running} steps running at the kill; back in ${Date.now() - killedAt} ms`,
      );
    }
    process.stderr.write(
      `chaos seed ${SEED} kills (${duringSteps} of ${plan.kills.length} while steps ran):\n  ${log.join('\n  ')}\n`,
    );
    expect(duringSteps).toBeGreaterThan(0);
  }
});
