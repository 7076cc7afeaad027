import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { GateApprover, reviewerToken } from './chaos-approver.spec-util.js';
import { ledgerProblems, planSteps, readLedger, runProblems } from './chaos-checks.spec-util.js';
import { chaosPlan, describePlan, seedFromEnv, servicesFromEnv } from './chaos-plan.spec-util.js';

/** Default seed; any other with `LEDGERFLOW_CHAOS_SEED=<n>`. */
const SEED = seedFromEnv(20261122);
const RUNS = { 'recorded-chain': 50, 'chaos-gated': 10 } as const;
/** Tool sleep per step, ms: long enough that kills often land while a step runs, short enough for CI. */
const SLEEP_MS = [100, 300] as const;
const KILLS = 18;
const SETTLE_MS = 60_000;
const ENDED = new Set(['RunCompleted', 'RunFailed', 'RunCancelled', 'RunPaused']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Snapshot {
  /** Trigger idempotency key -> run id. */
  readonly runOfKey: Map<string, string>;
  /** Run id -> its events in revision order. */
  readonly events: Map<string, StoredEvent[]>;
}

/**
 * Crash safety under chaos: nats-server, the six services and the bench workers as OS processes. Over a
 * seeded schedule, one service at a time (planner, executor, policy, approval, memory or gateway) is killed
 * with SIGKILL while runs are in flight, then restarted. Runs are triggered over JetStream
 * (`lf.trigger.<workflow>`, message id = key), so a trigger survives any service's death; `chaos-gated` runs
 * wait at a gate the test approves through the gateway meanwhile. At the end every run must have completed,
 * each step started once and after its dependencies, each gated step after its single GateDecided, each
 * side effect be in the ledger exactly once, and memory's statistics count every run once.
 */
describe('chaos: services killed with SIGKILL at random points of runs', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let ledger: string;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-chaos-e2e-');
    ledger = join(dataDir, 'ledger.jsonl');
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows,services/executor/src/fixtures/workflows' },
      extras: [{ name: 'bench-workers', script: 'examples/bench/dist/workers.js', readyLine: /^ledgerflow:ready bench-workers$/, env: { BENCH_LEDGER: ledger } }],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await connect({ servers: stack.natsUrl, name: 'chaos-e2e' });
  }, 60_000);

  afterAll(async () => {
    await nc?.drain();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const snapshot = async (): Promise<Snapshot> => {
    const runOfKey = new Map<string, string>();
    const events = new Map<string, StoredEvent[]>();
    for (const event of await store.readAll({ streamPrefix: 'run-', maxCount: 1_000_000 })) {
      const runId = event.streamId.slice('run-'.length);
      events.set(runId, [...(events.get(runId) ?? []), event]);
      if (event.type === 'RunTriggered') runOfKey.set(String((event.data as { trigger: { idempotencyKey: string } }).trigger.idempotencyKey), runId);
    }
    for (const list of events.values()) list.sort((a, b) => a.revision - b.revision);
    return { runOfKey, events };
  };

  it('completes every run, applies each side effect once and skips no gate', async () => {
    const plan = chaosPlan(SEED, { runs: RUNS, kills: KILLS, sleepMs: SLEEP_MS, services: servicesFromEnv() });
    process.stderr.write(`${describePlan(plan)}\n`);
    const js = jetstream(nc);
    const approver = new GateApprover(stack, await reviewerToken(stack, 'chaos-lead'));
    const approveAfter = new Map(plan.runs.map((run) => [run.key, run.approveAfterMs]));

    let approving = true;
    const approvals = (async () => {
      while (approving) {
        const { runOfKey, events } = await snapshot();
        const open = new Map<string, number>();
        const decided = new Set<string>();
        for (const [key, runId] of runOfKey) {
          for (const event of events.get(runId) ?? []) {
            const gateId = String((event.data as { gateId?: string }).gateId);
            if (event.type === 'GateOpened') open.set(gateId, approveAfter.get(key) ?? 0);
            if (event.type === 'GateDecided') decided.add(gateId);
          }
        }
        approver.tick(open, decided);
        await sleep(100);
      }
    })();

    const published = new Map<string, number>();
    const publishing: Array<Promise<unknown>> = [];
    const killLog: string[] = [];
    let killsDuringSteps = 0;
    for (const [i, kill] of plan.kills.entries()) {
      for (const run of plan.runs.filter((r) => r.slot === i)) {
        publishing.push(sleep(run.offsetMs).then(async () => {
          await js.publish(`lf.trigger.${run.workflowId}`, JSON.stringify({ sleepMs: run.sleepMs }), { msgID: run.key });
          published.set(run.key, Date.now());
        }));
      }
      await sleep(kill.gapMs);
      const started = Date.now();
      stack.process(kill.service).kill('SIGKILL');
      await stack.process(kill.service).exited;
      const atKill = await snapshot();
      const running = [...atKill.events.values()].reduce((n, events) => n + runningSteps(events), 0);
      const inFlight = [...published.keys()].filter((key) => !ENDED.has(lastType(atKill, key))).length;
      if (running > 0) killsDuringSteps += 1;
      await sleep(kill.downMs);
      await stack.restart(kill.service);
      killLog.push(`#${i} ${kill.service}: ${inFlight} runs in flight, ${running} steps running at the kill; back in ${Date.now() - started} ms`);
    }
    await Promise.all(publishing);
    process.stderr.write(`chaos seed ${SEED} kills (${killsDuringSteps} of ${plan.kills.length} while steps ran):\n  ${killLog.join('\n  ')}\n`);

    const settleStart = Date.now();
    const deadline = settleStart + SETTLE_MS;
    let last = await snapshot();
    while (Date.now() < deadline && !plan.runs.every((run) => ENDED.has(lastType(last, run.key)))) {
      await sleep(200);
      last = await snapshot();
    }
    process.stderr.write(`chaos seed ${SEED}: runs settled ${Date.now() - settleStart} ms after the last restart; slowest: ${slowest(last, published)}\n`);
    approving = false;
    await approvals;
    await approver.idle();
    const refused = new Map<string, number>();
    for (const a of approver.attempts.filter((x) => x.status !== 201)) {
      const why = a.error ?? `${String(a.status)} ${a.code ?? ''}`.trim();
      refused.set(why, (refused.get(why) ?? 0) + 1);
    }
    process.stderr.write(`chaos seed ${SEED}: ${approver.attempts.length} gate decision requests; refused or failed: ${JSON.stringify(Object.fromEntries(refused))}\n`);

    const problems: string[] = [];
    const runs = new Map<string, StoredEvent[]>();
    for (const run of plan.runs) {
      const runId = last.runOfKey.get(run.key);
      if (!runId) {
        problems.push(`trigger ${run.key} (${run.workflowId}) made no run: the run was lost`);
        continue;
      }
      runs.set(runId, last.events.get(runId) ?? []);
      problems.push(...runProblems(runId, runs.get(runId) ?? []));
    }
    if (last.events.size !== plan.runs.length) problems.push(`${last.events.size} run streams for ${plan.runs.length} triggers`);
    problems.push(...ledgerProblems(runs, readLedger(ledger), readLedger(`${ledger}.calls`)));
    problems.push(...(await memoryProblems(stack, runs)));
    expect({ seed: SEED, problems }).toEqual({ seed: SEED, problems: [] });
    // The schedule must have hit runs mid-step, or the test proved nothing.
    expect(killsDuringSteps).toBeGreaterThan(0);
  }, 170_000);
});

/** Steps of a run started and not yet recorded as succeeded or failed. */
function runningSteps(events: readonly StoredEvent[]): number {
  const stepId = (e: StoredEvent) => (e.data as { stepId: string }).stepId;
  const done = new Set(events.filter((e) => e.type === 'StepSucceeded' || e.type === 'StepFailed').map(stepId));
  return events.filter((e) => e.type === 'StepStarted' && !done.has(stepId(e))).length;
}

/** The three runs that took longest from publish to end, with the publish -> RunTriggered part, in ms. */
function slowest(snapshot: Snapshot, published: ReadonlyMap<string, number>): string {
  const rows = [...published].map(([key, at]) => {
    const events = snapshot.events.get(snapshot.runOfKey.get(key) ?? '') ?? [];
    const time = (type: string) => Date.parse(events.find((e) => e.type === type)?.recordedAt ?? '') - at;
    return { key, triggered: time('RunTriggered'), ended: Date.parse(events.at(-1)?.recordedAt ?? '') - at };
  });
  return rows.sort((a, b) => (b.ended || Infinity) - (a.ended || Infinity)).slice(0, 3).map((r) => `${r.key} triggered +${r.triggered} ended +${r.ended}`).join('; ');
}

function lastType(snapshot: Snapshot, key: string): string {
  const runId = snapshot.runOfKey.get(key);
  return (runId && snapshot.events.get(runId)?.at(-1)?.type) || 'none';
}

/**
 * Memory's statistics (through the gateway, `GET /v1/workflows/{id}/stats`) must count each run's step once:
 * per workflow and step, `runs` and `succeeded` equal to the completed runs, `failed` 0. Memory folds
 * asynchronously, so this polls for up to 20 s before reporting the last figures.
 */
async function memoryProblems(stack: Stack, runs: ReadonlyMap<string, readonly StoredEvent[]>): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const events of runs.values()) {
    const workflowId = String((events[0]?.data as { workflowId?: string } | undefined)?.workflowId);
    for (const step of planSteps(events)) expected.set(`${workflowId}/${step.id}`, (expected.get(`${workflowId}/${step.id}`) ?? 0) + 1);
  }
  const workflows = [...new Set([...expected.keys()].map((k) => k.split('/')[0]))];
  let problems: string[] = [];
  for (const deadline = Date.now() + 20_000; ; await sleep(250)) {
    problems = [];
    for (const workflowId of workflows) {
      const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${workflowId}/stats`);
      const stats = response.ok ? ((await response.json()) as Array<{ stepId: string; runs: number; succeeded: number; failed: number }>) : [];
      for (const [key, count] of expected) {
        if (!key.startsWith(`${workflowId}/`)) continue;
        const row = stats.find((s) => `${workflowId}/${s.stepId}` === key);
        if (row?.runs !== count || row.succeeded !== count || row.failed !== 0) {
          problems.push(`memory ${key}: runs ${row?.runs ?? 'none'}, succeeded ${row?.succeeded ?? 'none'}, failed ${row?.failed ?? 'none'}; expected ${count}, ${count}, 0 (HTTP ${response.status})`);
        }
      }
    }
    if (problems.length === 0 || Date.now() > deadline) return problems;
  }
}
