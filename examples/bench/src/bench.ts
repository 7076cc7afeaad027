/**
 * `make bench`: runs the 10-step no-op workflow through the real services (each its own OS process) and
 * prints per-step orchestration overhead beside the raw floor measured in the same run: one NATS
 * request/reply round trip and one SQLite commit (WAL, synchronous=FULL). Then durable steps per second
 * with 20 runs in flight, and each process's resident memory afterwards.
 *
 * Per-step overhead of a run = (completion of step 10 - completion of step 1) / 9, from the run's events:
 * each step's cycle is a policy decision over NATS, one commit (StepPolicyEvaluated + StepStarted), the
 * tool call over NATS, and one commit (StepSucceeded). Environment: BENCH_RUNS (sequential runs, default
 * 30), BENCH_THROUGHPUT_RUNS (default 200), BENCH_IN_FLIGHT (default 20), BENCH_STEPS (10, the default, or 50:
 * the `noop-chain-50` workflow), BENCH_NODE_ARGS (extra `node` arguments for every process, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_DATA_DIR (where the stack's files go; default `.data/bench`, emptied first),
 * BENCH_LAYOUT (`processes`, the default: each service its own OS process; `single`: the six in one Node process,
 * `services`, as `ledgerflow start --single-process`, whose CPU and RSS are then printed as one process).
 *
 * CPU per durable step: each process's CPU time (user + system, children included, from /proc/<pid>/stat) over the
 * throughput phase, divided by the steps completed in it; the bench client (this process: HTTP starts, completion
 * watch) is printed apart and not in the total, as the peer's client is not in its figure. The figures are also
 * written to `.data/bench/results.json` for `make bench-peer`.
 */
import { join, resolve } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { EventStore } from '@ledgerflow/event-store';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { benchWorkers, devToken, repoRoot, startStack } from '@ledgerflow/testing';
import { foldBench } from './fold-bench.js';
import { natsRoundTrip, policyEvaluate, sqliteCommit, transportFloor } from './floors.js';
import { cpuPerUnit, cpuSnapshot } from './cpu.js';
import { ms, percentile, residentMiB } from './stats.js';

const SEQUENTIAL_RUNS = Number(process.env.BENCH_RUNS ?? 30);
const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 200);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 20);
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const WORKFLOWS: Record<number, string> = { 10: 'noop-chain', 50: 'noop-chain-50' };
const WORKFLOW = WORKFLOWS[STEPS];
if (!WORKFLOW)
  throw new Error(`BENCH_STEPS must be 10 or 50 (a workflow of that many no-op steps), not ${process.env.BENCH_STEPS}`);
const LAYOUT = process.env.BENCH_LAYOUT ?? 'processes';
if (LAYOUT !== 'processes' && LAYOUT !== 'single')
  throw new Error(`BENCH_LAYOUT must be processes or single, not ${LAYOUT}`);
const SERVICES =
  LAYOUT === 'single' ? ['services'] : ['planner', 'policy', 'approval', 'memory', 'executor', 'gateway'];
const PROCESSES = ['nats-server', ...SERVICES, 'bench-workers'];

const root = repoRoot();
const dataDir = process.env.BENCH_DATA_DIR ? resolve(process.env.BENCH_DATA_DIR) : join(root, '.data', 'bench');
rmSync(dataDir, { recursive: true, force: true });
const stack = await startStack({
  layout: LAYOUT,
  dataDir,
  // The anchor publisher at its production interval (10 s; the test stack anchors every 500 ms so tests see anchors soon).
  env: {
    LEDGERFLOW_DEFINITIONS_DIR: 'examples/claim-review/workflows,examples/bench/workflows',
    LEDGERFLOW_ANCHOR_INTERVAL_MS: '10000',
  },
  nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
  extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
});
// As `admin`: the bench measures a NATS echo floor on its own subject and calls the policy service directly.
const nc = await stack.connect('admin');
const store = await SqliteEventStore.open(stack.sqlitePath);
// The bench starts and reads runs as a caller with those two scopes (every request is authenticated).
const client = new LedgerflowClient({
  baseUrl: stack.gatewayUrl,
  token: await devToken(stack, { sub: 'bench', scopes: ['runs:start', 'runs:read'], expiresIn: '2h' }),
});
try {
  const completions = watchCompletions(nc);
  const run = async (key: string) => {
    const { runId } = await client.startRun(WORKFLOW, {}, { idempotencyKey: key });
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

  const pids = new Map<string, number>(
    PROCESSES.map((name) => [name, name === 'nats-server' ? stack.natsPid : stack.process(name).pid]),
  );
  pids.set('bench client', process.pid);
  const cpuBefore = await cpuSnapshot(pids);
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < THROUGHPUT_RUNS) await run(`throughput-${next++}`);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPerUnit(cpuBefore, await cpuSnapshot(pids), THROUGHPUT_RUNS * STEPS);
  const cpuTotal = PROCESSES.reduce((sum, name) => sum + (cpu.get(name) ?? Number.NaN), 0);
  const stepsPerSecond = (THROUGHPUT_RUNS * STEPS) / seconds;
  const rss = new Map<string, number>();
  for (const name of PROCESSES) rss.set(name, await residentMiB(pids.get(name) ?? -1));
  const servicesRss = SERVICES.reduce((sum, name) => sum + (rss.get(name) ?? 0), 0);
  // After the throughput phase, on the same nats-server: the messaging alone, for the CPU figures above to be read against.
  const transport = await transportFloor(() => stack.connect('admin'), stack.natsPid, 10_000, IN_FLIGHT);

  const floor = nats.p50 + sqlite.p50;
  const lines = [
    `Ledgerflow bench (${SEQUENTIAL_RUNS} sequential runs of ${STEPS} no-op steps, workflow ${WORKFLOW}; times in ms)${LAYOUT === 'single' ? '; the six services in one process' : ''}`,
    `raw floor      NATS request/reply  p50 ${ms(nats.p50)}  p99 ${ms(nats.p99)}`,
    `raw floor      SQLite commit FULL  p50 ${ms(sqlite.p50)}  p99 ${ms(sqlite.p99)}`,
    `policy         lf.policy.evaluate  p50 ${ms(policy.p50)}  p99 ${ms(policy.p99)}  (${policy.perSecond.toFixed(0)} decisions/s, one client; decision only, no grant signed)`,
    `per step       overhead            p50 ${ms(percentile(perStep, 0.5))}  p99 ${ms(percentile(perStep, 0.99))}`,
    `ratio          per-step p50 / (NATS p50 + SQLite p50) = ${(percentile(perStep, 0.5) / floor).toFixed(2)}`,
    `per run        trigger->completed  p50 ${ms(percentile(endToEnd, 0.5))}  p99 ${ms(percentile(endToEnd, 0.99))} (client-observed, includes the relay hop)`,
    `throughput     ${THROUGHPUT_RUNS} runs, ${IN_FLIGHT} in flight: ${stepsPerSecond.toFixed(0)} durable steps/s (${(THROUGHPUT_RUNS / seconds).toFixed(1)} runs/s)`,
    ...PROCESSES.map((name) => `cpu/step       ${name.padEnd(14)} ${ms(cpu.get(name) ?? Number.NaN)} ms`),
    `cpu/step       total          ${ms(cpuTotal)} ms (user + system over the throughput phase / steps completed; bench client apart: ${ms(cpu.get('bench client') ?? Number.NaN)} ms)`,
    `raw floor      transport      ${ms(transport.clientMs + transport.natsMs)} ms CPU/step (nats-server ${ms(transport.natsMs)} + clients ${ms(transport.clientMs)}; no logic: 2 request/replies + 3 JetStream publishes read by one consumer, ${IN_FLIGHT} in flight, ${transport.stepsPerSecond.toFixed(0)} steps/s)`,
    ...PROCESSES.map((name) => `memory         ${name.padEnd(14)} RSS ${(rss.get(name) ?? Number.NaN).toFixed(0)} MiB`),
    `memory         six services   RSS ${servicesRss.toFixed(0)} MiB${LAYOUT === 'single' ? ' (one process)' : ''}`,
  ];
  const fold = await foldBench();
  lines.push(...fold.lines);
  process.stdout.write(`${lines.join('\n')}\n`);
  const results = {
    layout: LAYOUT,
    workflow: WORKFLOW,
    steps: STEPS,
    inFlight: IN_FLIGHT,
    throughputRuns: THROUGHPUT_RUNS,
    natsP50Ms: nats.p50,
    sqliteP50Ms: sqlite.p50,
    perStepP50Ms: percentile(perStep, 0.5),
    perStepP99Ms: percentile(perStep, 0.99),
    runP50Ms: percentile(endToEnd, 0.5),
    stepsPerSecond,
    cpuMsPerStep: Object.fromEntries(cpu),
    cpuMsPerStepTotal: cpuTotal,
    transportFloorCpuMsPerStep: transport.clientMs + transport.natsMs,
    transportFloorNatsMsPerStep: transport.natsMs,
    transportFloorStepsPerSecond: transport.stepsPerSecond,
    rssMiB: Object.fromEntries(rss),
    servicesRssMiB: servicesRss,
    foldP50Ms: fold.p50Ms,
  };
  writeFileSync(join(dataDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await nc.drain();
  await store.close();
  await stack.stop();
}

/** Resolves when the relayed `RunCompleted` of a run is seen (core subscription on the JetStream subjects). */
function watchCompletions(connection: NatsConnection) {
  const done = new Set<string>();
  const waiting = new Map<string, () => void>();
  connection.subscribe(subjects.event('run', '*', 'RunCompleted'), {
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
