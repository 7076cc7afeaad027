/**
 * `make bench`: runs the 10-step no-op workflow through the real services (each its own OS process) and
 * prints per-step orchestration overhead beside the raw floor measured in the same run: one NATS
 * request/reply round trip and one SQLite commit (WAL, synchronous=FULL). Then durable steps per second
 * with 20 runs in flight, and each process's resident memory afterwards.
 *
 * Per-step overhead of a run = (completion of step 10 - completion of step 1) / 9, from the run's events:
 * each step's cycle is a policy decision over NATS, one commit (StepPolicyEvaluated + StepStarted), the
 * tool call over NATS, and one commit (StepSucceeded). Environment: BENCH_RUNS (sequential runs, default
 * 30), BENCH_THROUGHPUT_RUNS (default 200), BENCH_IN_FLIGHT (default 20), BENCH_NODE_ARGS (extra `node`
 * arguments for every process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/nats-core';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { EventStore } from '@ledgerflow/event-store';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { benchWorkers, devToken, repoRoot, startStack } from '@ledgerflow/testing';
import { foldBench } from './fold-bench.js';
import { natsRoundTrip, policyEvaluate, sqliteCommit } from './floors.js';
import { ms, percentile, residentMiB } from './stats.js';

const SEQUENTIAL_RUNS = Number(process.env.BENCH_RUNS ?? 30);
const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 200);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 20);
const STEPS = 10;

const root = repoRoot();
const dataDir = join(root, '.data', 'bench');
rmSync(dataDir, { recursive: true, force: true });
const stack = await startStack({
  dataDir,
  env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/claim-review/workflows,examples/bench/workflows' },
  nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
  extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
});
// As `admin`: the bench measures a NATS echo floor on its own subject and calls the policy service directly.
const nc = await stack.connect('admin');
const store = await SqliteEventStore.open(stack.sqlitePath);
// The bench starts and reads runs as a caller with those two scopes (every request is authenticated).
const client = new LedgerflowClient({ baseUrl: stack.gatewayUrl, token: await devToken(stack, { sub: 'bench', scopes: ['runs:start', 'runs:read'], expiresIn: '2h' }) });
try {
  const completions = watchCompletions(nc);
  const run = async (key: string) => {
    const { runId } = await client.startRun('noop-chain', {}, { idempotencyKey: key });
    await completions.wait(runId);
    return runId;
  };
  await run('warm-up-1');
  const warmed = await run('warm-up-2');

  const nats = await natsRoundTrip(nc);
  const sqlite = await sqliteCommit();
  const policy = await policyEvaluate(nc, warmed);

  const perStep: number[] = [];
  const endToEnd: number[] = [];
  for (let i = 0; i < SEQUENTIAL_RUNS; i++) {
    const started = performance.now();
    const runId = await run(`sequential-${i}`);
    endToEnd.push(performance.now() - started);
    perStep.push(await perStepOverhead(store, runId));
  }

  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < THROUGHPUT_RUNS) await run(`throughput-${next++}`);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - started) / 1000;

  const floor = nats.p50 + sqlite.p50;
  const lines = [
    `Ledgerflow bench (${SEQUENTIAL_RUNS} sequential runs of ${STEPS} no-op steps; times in ms)`,
    `raw floor      NATS request/reply  p50 ${ms(nats.p50)}  p99 ${ms(nats.p99)}`,
    `raw floor      SQLite commit FULL  p50 ${ms(sqlite.p50)}  p99 ${ms(sqlite.p99)}`,
    `policy         lf.policy.evaluate  p50 ${ms(policy.p50)}  p99 ${ms(policy.p99)}  (${policy.perSecond.toFixed(0)} decisions/s, one client; decision only, no grant signed)`,
    `per step       overhead            p50 ${ms(percentile(perStep, 0.5))}  p99 ${ms(percentile(perStep, 0.99))}`,
    `ratio          per-step p50 / (NATS p50 + SQLite p50) = ${(percentile(perStep, 0.5) / floor).toFixed(2)}`,
    `per run        trigger->completed  p50 ${ms(percentile(endToEnd, 0.5))}  p99 ${ms(percentile(endToEnd, 0.99))} (client-observed, includes the relay hop)`,
    `throughput     ${THROUGHPUT_RUNS} runs, ${IN_FLIGHT} in flight: ${((THROUGHPUT_RUNS * STEPS) / seconds).toFixed(0)} durable steps/s (${(THROUGHPUT_RUNS / seconds).toFixed(1)} runs/s)`,
  ];
  for (const name of ['planner', 'policy', 'approval', 'memory', 'executor', 'gateway', 'bench-workers']) {
    lines.push(`memory         ${name.padEnd(14)} RSS ${(await residentMiB(stack.process(name).pid)).toFixed(0)} MiB`);
  }
  lines.push(...(await foldBench()));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await nc.drain();
  await store.close();
  await stack.stop();
}

/** Resolves when the relayed `RunCompleted` of a run is seen (core subscription on the JetStream subjects). */
function watchCompletions(connection: NatsConnection) {
  const done = new Set<string>();
  const waiting = new Map<string, () => void>();
  connection.subscribe('lf.evt.run.*.RunCompleted', {
    callback: (_error, message) => {
      const runId = message.subject.split('.')[3]?.slice('run-'.length);
      if (!runId) return;
      done.add(runId);
      waiting.get(runId)?.();
    },
  });
  return {
    wait(runId: string): Promise<void> {
      if (done.has(runId)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`run ${runId} did not complete within 60 s`)), 60_000);
        waiting.set(runId, () => {
          clearTimeout(timer);
          waiting.delete(runId);
          resolve();
        });
      });
    },
  };
}

async function perStepOverhead(eventStore: EventStore, runId: string): Promise<number> {
  const events = await eventStore.readStream(`run-${runId}`);
  const completed = events
    .filter((e) => e.type === 'StepSucceeded')
    .map((e) => Date.parse((e.data as { completedAt: string }).completedAt));
  return (completed[completed.length - 1] - completed[0]) / (completed.length - 1);
}
