import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { benchWorkers, eventually, mulberry32, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { GateApprover, reviewerToken } from './chaos-approver.spec-util.js';
import { ledgerProblems, memoryProblems, readLedger, runProblems } from './chaos-checks.spec-util.js';
import { POISON, deadLetterProblems, poisonConsumers, poisonDeadLetterId } from './chaos-dead-letters.spec-util.js';
import { seedFromEnv } from './chaos-plan.spec-util.js';
import { SETTLED, lastType, snapshot } from './chaos-snapshot.spec-util.js';

/** Default seed; any other with `LEDGERFLOW_CHAOS_SEED=<n>`. */
const SEED = seedFromEnv(20261206);
/**
 * Runs in all (`CHAOS_RUNS`, default 40: bounded for `make test`, see the figures below): one in seven is
 * `chaos-gated` (a gate), one in four of the others `chaos-retry` (examples/bench/workflows: steps retried after
 * their reply was lost), the rest `recorded-chain`; plus one `recorded-chain` run of 2 s steps started before each
 * executor kill.
 */
const RUNS = Number(process.env['CHAOS_RUNS'] ?? 40);
const workflowOf = (i: number): string =>
  i % 7 === 3 ? 'chaos-gated' : i % 4 === 1 ? 'chaos-retry' : 'recorded-chain';
/** `chaos-retry`'s steps whose first n attempts fail (its `failAttempts`), each retried. */
const RETRIED = { t2: 1, t3: 2 } as const;
/** Messages the poison durable dead-letters (chaos-dead-letters.spec-util.ts), spread over the schedule like the runs. */
const POISONS = Math.max(6, Math.ceil(RUNS / 10));
/**
 * Kill slots, each 1-2.5 s after the previous restart: one restarts nats-server, the others go through the 14
 * processes but memory in shuffled rounds (an executor slot may take the other executor, the one running a step).
 */
const KILLS = Math.max(15, Math.ceil(RUNS / 5));
const SETTLE_MS = 60_000;
/** A kill slot takes up to about 20 s on a loaded machine (15 s of them waiting for an executor running a step). */
const TEST_TIMEOUT_MS = 300_000 + KILLS * 20_000;
const REPLICAS = { planner: 2, executor: 2, policy: 2, approval: 2, gateway: 2 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replicas under chaos: two of every service but memory (a singleton: docs/architecture.md), two processes of the
 * tool worker sharing its dedupe bucket, two of a test durable that dead-letters every message it gets, nats-server
 * with JetStream, all OS processes. A seeded schedule SIGKILLs a random process every 1-2.5 s (an executor with steps
 * in flight among them) and restarts it, and restarts nats-server once half-way, while runs are triggered over
 * JetStream, the gated ones approved through a gateway, and poison messages published for the test durable.
 * At the end: every trigger made one run and every run completed; each step attempt started once, each gate opened
 * and decided once; each retried step failed retryably on exactly its planned attempts, each retry started after its
 * StepRetryScheduled; each side effect is in the ledger exactly once (by idempotency key, and by effect key for the
 * retried ones, whose effect applied before their failure); an attempt was reclaimed only from an executor that had
 * been killed; memory counts each run and failed attempt once; each poison message is in LF_DLQ exactly once
 * (`dlq-<stream>-<durable>-<seq>`) and nothing else was dead-lettered.
 *
 * Size, on a 2-core machine shared with other test runs (load average 5-20): the default 40 runs (15 kill slots)
 * took 131-141 s (195-203 s with the stack's start); `CHAOS_RUNS=100` (20 slots) 195 s (264 s), over the ~120 s
 * `make test` affords; `CHAOS_RUNS=300` (60 slots, 192 retries, 30 dead letters) 307 s (339 s). The test's
 * timeout grows with the kill slots.
 */
describe('replicas: two of each service, random SIGKILLs and a nats-server restart', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let admin: NatsConnection;
  let ledger: string;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-replicas-e2e-');
    ledger = join(dataDir, 'ledger.jsonl');
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows,services/executor/src/fixtures/workflows' },
      replicas: REPLICAS,
      extras: [{ ...benchWorkers(ledger), replicas: 2 }, poisonConsumers(dataDir, 2)],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('publisher');
    admin = await stack.connect('admin');
  }, 120_000);

  afterAll(async () => {
    await nc?.drain().catch(() => undefined);
    await admin?.drain().catch(() => undefined);
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it(
    'completes every run once, applies each effect once, dead-letters each poison once',
    async () => {
      const started = Date.now();
      const rng = mulberry32(SEED);
      const between = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
      const runs = Array.from({ length: RUNS }, (_, i) => ({
        key: `replicas-${SEED}-${i}`,
        workflowId: workflowOf(i),
        sleepMs: between(50, 250),
        slot: between(0, KILLS - 1),
        offsetMs: between(0, 1500),
      }));
      const poisons = Array.from({ length: POISONS }, (_, i) => ({
        key: `replicas-${SEED}-poison-${i}`,
        subject: `${POISON.subject}.${i}`,
        slot: between(0, KILLS - 1),
        offsetMs: between(0, 1500),
      }));
      const victims = stack.processNames().filter((name) => name !== 'memory');
      // Shuffled rounds: each round kills every process once, in a seeded order.
      const schedule: string[] = [];
      while (schedule.length < KILLS - 1) {
        const round = [...victims];
        for (let i = round.length - 1; i > 0; i--) {
          const j = between(0, i);
          [round[i], round[j]] = [round[j]!, round[i]!];
        }
        schedule.push(...round);
      }
      process.stderr.write(
        `replicas seed ${SEED} (rerun: LEDGERFLOW_CHAOS_SEED=${SEED}): ${RUNS} runs, ${POISONS} poison messages, ${KILLS} kills among ${victims.join(' ')}\n`,
      );

      const approver = new GateApprover(stack, await reviewerToken(stack, 'chaos-lead'));
      const stopApproving = approver.watch(store);

      const js = jetstream(nc);
      const jsAdmin = jetstream(admin);
      const jsm = await jetstreamManager(admin);
      const publishing: Array<Promise<unknown>> = [];
      const deadLetterIds: string[] = []; // of the poison messages stored
      const killedExecutors = new Map<number, number>(); // pid -> when it was killed
      let ownedAtKill = 0; // executor kills that landed while it ran steps
      const log: string[] = [];
      const trigger = (run: { workflowId: string; sleepMs: number; key: string }) =>
        publishUntilStored(js, `lf.trigger.${run.workflowId}`, { sleepMs: run.sleepMs }, run.key);
      try {
        for (let slot = 0, next = 0; slot < KILLS; slot++) {
          for (const run of runs.filter((r) => r.slot === slot))
            publishing.push(sleep(run.offsetMs).then(() => trigger(run)));
          for (const poison of poisons.filter((p) => p.slot === slot)) {
            const stored = sleep(poison.offsetMs).then(() =>
              publishUntilStored(jsAdmin, poison.subject, {}, poison.key),
            );
            publishing.push(stored.then((seq) => deadLetterIds.push(poisonDeadLetterId(seq))));
          }
          await sleep(between(1000, 2500));
          if (slot === Math.floor(KILLS / 2)) {
            await stack.restartNats();
            log.push(`#${slot} nats-server restarted`);
            continue;
          }
          let victim = schedule[next++]!;
          let owned = 0;
          if (victim.startsWith('executor')) {
            // Kill an executor while it runs a step (the scheduled one when it does, else the other; up to 15 s of
            // waiting), so its attempts must be handed over. A run of 2 s steps started now keeps a step in flight whatever the schedule's timing
            // (the short steps alone once left none running at either executor kill, on a loaded machine).
            const hold = { key: `replicas-${SEED}-hold-${slot}`, workflowId: 'recorded-chain', sleepMs: 2_000, slot };
            runs.push({ ...hold, offsetMs: 0 });
            publishing.push(trigger(hold));
            const executors = [victim, ...victims.filter((name) => name.startsWith('executor') && name !== victim)];
            const running = await eventually(
              async () => {
                const snap = await snapshot(store);
                return executors
                  .map((name) => ({ name, owned: ownedRunning(snap, stack.process(name).pid) }))
                  .find((executor) => executor.owned > 0);
              },
              15_000,
              'an executor running a step',
              20,
            ).catch(() => undefined); // none: the scheduled executor is killed idle
            if (running) {
              ({ name: victim, owned } = running);
              ownedAtKill += 1;
            }
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
        await eventually(
          'every run to settle and every poison message to be dead-lettered',
          async () => {
            const snap = await snapshot(store);
            if (!runs.every((run) => SETTLED.has(lastType(snap, run.key)))) return false;
            const dlq = await deadLetterProblems(jsm, deadLetterIds).catch((error: Error) => [error.message]);
            return dlq.length === 0;
          },
          SETTLE_MS,
          250,
        ).catch(() => undefined); // what has not settled is reported below
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
      const retryRuns: string[] = [];
      for (const run of runs) {
        const runId = last.runOfKey.get(run.key);
        if (!runId) {
          problems.push(`trigger ${run.key} (${run.workflowId}) made no run`);
          continue;
        }
        const events = last.events.get(runId) ?? [];
        histories.set(runId, events);
        if (run.workflowId === 'chaos-retry') retryRuns.push(runId);
        problems.push(...runProblems(runId, events, run.workflowId === 'chaos-retry' ? RETRIED : {}));
        problems.push(...reclaimProblems(runId, events, killedExecutors));
      }
      const applied = readLedger(ledger);
      problems.push(...ledgerProblems(histories, applied, readLedger(`${ledger}.calls`)));
      problems.push(
        ...effectKeyProblems(
          retryRuns,
          applied.flatMap((line) => line.effectKey ?? []),
        ),
      );
      problems.push(...(await memoryProblems(stack, histories)));
      problems.push(...(await deadLetterProblems(jsm, deadLetterIds)));
      const all = [...histories.values()].flat();
      const count = (type: string) => all.filter((e) => e.type === type).length;
      process.stderr.write(
        `replicas seed ${SEED}: ${histories.size} runs (${retryRuns.length} chaos-retry), ${count('GateDecided')} gates decided, ` +
          `${count('StepRetryScheduled')} retries, ${count('StepReclaimed')} attempts reclaimed from killed executors, ` +
          `${deadLetterIds.length} dead letters; ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      if (ownedAtKill > 0 && count('StepReclaimed') === 0)
        problems.push(`${ownedAtKill} executor kill(s) landed while it ran steps, yet no attempt was reclaimed`);
      expect(ownedAtKill).toBeGreaterThan(0); // else the schedule proved nothing about handover
      expect(count('StepRetryScheduled')).toBeGreaterThan(0); // else nothing was retried after its effect applied
      expect({ seed: SEED, problems }).toEqual({ seed: SEED, problems: [] });
    },
    TEST_TIMEOUT_MS,
  );
});

/**
 * Publishes `body` on `subject` until JetStream acknowledges it (nats-server may be restarting); `key` (the message
 * id) dedupes repeats. Resolves to the message's stream sequence (a repeat's acknowledgement gives the first's).
 */
async function publishUntilStored(
  js: ReturnType<typeof jetstream>,
  subject: string,
  body: unknown,
  key: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await js.publish(subject, JSON.stringify(body), { msgID: key, timeout: 5000 })).seq;
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(500);
    }
  }
}

/** Each retried step's effect key (`<runId>/<stepId>` of {@link RETRIED}) is in the ledger once; no other is. */
function effectKeyProblems(retryRuns: readonly string[], effectKeys: readonly string[]): string[] {
  const expected = retryRuns.flatMap((runId) => Object.keys(RETRIED).map((stepId) => `${runId}/${stepId}`));
  const problems = expected
    .map((key) => ({ key, times: effectKeys.filter((k) => k === key).length }))
    .filter(({ times }) => times !== 1)
    .map(({ key, times }) => `effect key ${key}: applied ${times} times, not once`);
  for (const key of effectKeys.filter((k) => !expected.includes(k))) problems.push(`unexpected effect key ${key}`);
  return problems;
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
