import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { join } from 'node:path';
import { DLQ_STREAM } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { benchWorkers, mulberry32, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { GateApprover, reviewerToken } from './chaos-approver.spec-util.js';
import { ledgerProblems, memoryProblems, readLedger, runProblems } from './chaos-checks.spec-util.js';
import { seedFromEnv } from './chaos-plan.spec-util.js';
import { SETTLED, lastType, snapshot } from './chaos-snapshot.spec-util.js';

/** Default seed; any other with `LEDGERFLOW_CHAOS_SEED=<n>`. */
const SEED = seedFromEnv(20261206);
/**
 * Runs in all (`CHAOS_RUNS`, default 40): one in seven is `chaos-gated` (a gate), the rest `recorded-chain`; plus one
 * `recorded-chain` run of 2 s steps started before each executor kill.
 */
const RUNS = Number(process.env['CHAOS_RUNS'] ?? 40);
/** Kill slots, each 1-2.5 s after the previous restart: every process is killed at least once, one slot restarts nats-server. */
const KILLS = Math.max(14, Math.ceil(RUNS / 5));
const SETTLE_MS = 60_000;
const REPLICAS = { planner: 2, executor: 2, policy: 2, approval: 2, gateway: 2 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replicas under chaos: two of every service but memory (a singleton: docs/architecture.md), two processes of the
 * tool worker sharing its dedupe bucket, nats-server with JetStream, all OS processes. A seeded schedule SIGKILLs a
 * random process every 1-2.5 s (an executor with steps in flight among them) and restarts it, and restarts
 * nats-server once half-way, while runs are triggered over JetStream and the gated ones approved through a gateway.
 * At the end: every trigger made one run and every run completed; each step attempt started once, each gate opened
 * and decided once; each side effect is in the ledger exactly once; an attempt was reclaimed only from an executor
 * that had been killed; memory counts each run once; nothing was dead-lettered.
 */
describe('replicas: two of each service, random SIGKILLs and a nats-server restart', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let ledger: string;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-replicas-e2e-');
    ledger = join(dataDir, 'ledger.jsonl');
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows,services/executor/src/fixtures/workflows' },
      replicas: REPLICAS,
      extras: [{ ...benchWorkers(ledger), replicas: 2 }],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('publisher');
  }, 120_000);

  afterAll(async () => {
    await nc?.drain().catch(() => undefined);
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('completes every run once, applies each effect once and reclaims only from dead executors', async () => {
    const rng = mulberry32(SEED);
    const between = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
    const runs = Array.from({ length: RUNS }, (_, i) => ({
      key: `replicas-${SEED}-${i}`,
      workflowId: i % 7 === 3 ? 'chaos-gated' : 'recorded-chain',
      sleepMs: between(50, 250),
      slot: between(0, KILLS - 1),
      offsetMs: between(0, 1500),
    }));
    const victims = stack.processNames().filter((name) => name !== 'memory');
    // Shuffled rounds: each round kills every process once, in a seeded order.
    const schedule: string[] = [];
    while (schedule.length < KILLS) {
      const round = [...victims];
      for (let i = round.length - 1; i > 0; i--) {
        const j = between(0, i);
        [round[i], round[j]] = [round[j]!, round[i]!];
      }
      schedule.push(...round);
    }
    process.stderr.write(
      `replicas seed ${SEED} (rerun: LEDGERFLOW_CHAOS_SEED=${SEED}): ${RUNS} runs, ${KILLS} kills among ${victims.join(' ')}\n`,
    );

    const approver = new GateApprover(stack, await reviewerToken(stack, 'chaos-lead'));
    const stopApproving = approver.watch(store);

    const js = jetstream(nc);
    const publishing: Array<Promise<void>> = [];
    const killedExecutors = new Map<number, number>(); // pid -> when it was killed
    let ownedAtKill = 0; // executor kills that landed while it ran steps
    const log: string[] = [];
    try {
      for (let slot = 0; slot < KILLS; slot++) {
        for (const run of runs.filter((r) => r.slot === slot)) {
          publishing.push(sleep(run.offsetMs).then(() => publishUntilStored(js, run.workflowId, run.sleepMs, run.key)));
        }
        await sleep(between(1000, 2500));
        if (slot === Math.floor(KILLS / 2)) {
          await stack.restartNats();
          log.push(`#${slot} nats-server restarted`);
          continue;
        }
        let victim = schedule[slot]!;
        let owned = 0;
        if (victim.startsWith('executor')) {
          // Kill an executor while it runs a step (whichever replica does first, up to 15 s of waiting), so its attempts
          // must be handed over. A run of 2 s steps started now keeps a step in flight whatever the schedule's timing
          // (the short steps alone once left none running at either executor kill, on a loaded machine).
          const hold = {
            key: `replicas-${SEED}-hold-${slot}`,
            workflowId: 'recorded-chain',
            sleepMs: 2_000,
            slot,
            offsetMs: 0,
          };
          runs.push(hold);
          publishing.push(publishUntilStored(js, hold.workflowId, hold.sleepMs, hold.key));
          const until = Date.now() + 15_000;
          for (;;) {
            const snap = await snapshot(store);
            const busiest = victims
              .filter((name) => name.startsWith('executor'))
              .map((name) => ({ name, owned: ownedRunning(snap, stack.process(name).pid) }))
              .sort((a, b) => b.owned - a.owned)[0]!;
            if (busiest.owned > 0 || Date.now() >= until) {
              ({ name: victim, owned } = busiest.owned > 0 ? busiest : { name: victim, owned: 0 });
              break;
            }
            await sleep(20);
          }
          if (owned > 0) ownedAtKill += 1;
          killedExecutors.set(stack.process(victim).pid, Date.now());
        }
        const child = stack.process(victim);
        child.kill('SIGKILL');
        await child.exited;
        await sleep(between(0, 500));
        await stack.restart(victim);
        log.push(
          `#${slot} ${victim} killed${victim.startsWith('executor') ? ` running ${owned} step(s)` : ''} and restarted`,
        );
      }
      await Promise.all(publishing);
      const settleStart = Date.now();
      let last = await snapshot(store);
      while (Date.now() < settleStart + SETTLE_MS && !runs.every((run) => SETTLED.has(lastType(last, run.key)))) {
        await sleep(250);
        last = await snapshot(store);
      }
      process.stderr.write(
        `replicas seed ${SEED}:\n  ${log.join('\n  ')}\n  settled ${Date.now() - settleStart} ms after the last restart\n`,
      );
    } finally {
      await stopApproving();
      await Promise.allSettled(publishing);
    }

    const last = await snapshot(store);
    const problems: string[] = [];
    const histories = new Map<string, readonly StoredEvent[]>();
    for (const run of runs) {
      const runId = last.runOfKey.get(run.key);
      if (!runId) {
        problems.push(`trigger ${run.key} (${run.workflowId}) made no run`);
        continue;
      }
      const events = last.events.get(runId) ?? [];
      histories.set(runId, events);
      problems.push(...runProblems(runId, events));
      problems.push(...reclaimProblems(runId, events, killedExecutors));
    }
    problems.push(...ledgerProblems(histories, readLedger(ledger), readLedger(`${ledger}.calls`)));
    problems.push(...(await memoryProblems(stack, histories)));
    const admin = await stack.connect('admin');
    const jsm = await jetstreamManager(admin);
    const dlq = await jsm.streams.info(DLQ_STREAM);
    for (let seq = dlq.state.first_seq; dlq.state.messages > 0 && seq <= dlq.state.last_seq; seq++) {
      const letter = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
      const h = (name: string) => letter?.header.get(name) ?? '?';
      problems.push(
        `dead letter #${seq} of ${h('lf-dlq-consumer')} (${h('lf-dlq-subject')}, ${h('lf-dlq-deliveries')} deliveries): ${h('lf-error-code')} ${h('lf-error-message')}`,
      );
    }
    await admin.close();
    const reclaimed = [...histories.values()].flat().filter((e) => e.type === 'StepReclaimed').length;
    process.stderr.write(
      `replicas seed ${SEED}: ${histories.size} runs, ${reclaimed} attempts reclaimed from killed executors, ${dlq.state.messages} dead letters\n`,
    );
    if (ownedAtKill > 0 && reclaimed === 0)
      problems.push(`${ownedAtKill} executor kill(s) landed while it ran steps, yet no attempt was reclaimed`);
    expect(ownedAtKill).toBeGreaterThan(0); // else the schedule proved nothing about handover
    expect({ seed: SEED, problems }).toEqual({ seed: SEED, problems: [] });
  }, 400_000);
});

/** Publishes a trigger until JetStream acknowledges it (nats-server may be restarting); the key dedupes repeats. */
async function publishUntilStored(
  js: ReturnType<typeof jetstream>,
  workflowId: string,
  sleepMs: number,
  key: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await js.publish(`lf.trigger.${workflowId}`, JSON.stringify({ sleepMs }), { msgID: key, timeout: 5000 });
      return;
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(500);
    }
  }
}

/** Attempts running (started or reclaimed, not yet recorded) under the executor process `pid` (ids `<host>:<pid>`). */
function ownedRunning(snap: Awaited<ReturnType<typeof snapshot>>, pid: number): number {
  let owned = 0;
  for (const events of snap.events.values()) {
    const holder = new Map<string, string>();
    for (const event of events) {
      const data = event.data as { stepId?: string; attempt?: number; executor?: string };
      const key = `${data.stepId}#${data.attempt}`;
      if ((event.type === 'StepStarted' || event.type === 'StepReclaimed') && data.executor)
        holder.set(key, data.executor);
      if (event.type === 'StepSucceeded' || event.type === 'StepFailed') holder.delete(key);
    }
    owned += [...holder.values()].filter((id) => id.endsWith(`:${pid}`)).length;
  }
  return owned;
}

/** Every `StepReclaimed` took an attempt from an executor process killed before it (`<host>:<pid>` ids). */
function reclaimProblems(runId: string, events: readonly StoredEvent[], killed: ReadonlyMap<number, number>): string[] {
  const problems: string[] = [];
  for (const event of events.filter((e) => e.type === 'StepReclaimed')) {
    const data = event.data as { stepId: string; previousExecutor?: string };
    const pid = Number(data.previousExecutor?.split(':').at(-1));
    const killedAt = killed.get(pid);
    if (killedAt === undefined || killedAt > Date.parse(event.recordedAt)) {
      problems.push(
        `run ${runId} step ${data.stepId}: reclaimed at revision ${event.revision} from ${data.previousExecutor ?? 'nobody'}, an executor that was not killed before`,
      );
    }
  }
  return problems;
}
