/**
 * `make soak`: Ledgerflow under steady load for a while, started by `ledgerflow start` (so the supervisor
 * restarts a service that dies). Keeps `SOAK_CONCURRENCY` (default 10) runs of the 10-step no-op workflow in
 * flight for `SOAK_SECONDS` (default 600), and prints every `SOAK_WINDOW_SECONDS` (default 30): runs
 * completed in the window, runs/s, failures and stalls so far, each process's resident memory (VmRSS from
 * /proc/<pid>/status, MiB) and restarts. Ends with a summary; exit code 1 when any run failed or stalled
 * (not done within `SOAK_STALL_SECONDS`, default 120). A restart is reported (the runs must survive it) but
 * does not fail the soak by itself. Data under `.data/soak`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { repoRoot } from '@ledgerflow/testing';
import { RunDriver, type DriverCounts } from './soak-driver.js';
import { startSupervisedLedgerflow, type SupervisedLedgerflow } from './soak-stack.js';
import { residentMiB } from './stats.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 10);
const WINDOW_SECONDS = Number(process.env.SOAK_WINDOW_SECONDS ?? 30);
const STALL_SECONDS = Number(process.env.SOAK_STALL_SECONDS ?? 120);

/** Resident MiB and restarts of every supervised process now. */
async function processFigures(lf: SupervisedLedgerflow): Promise<Map<string, { rss: number; restarts: number }>> {
  const figures = new Map<string, { rss: number; restarts: number }>();
  for (const p of lf.processes())
    figures.set(p.name, { rss: p.pid === null ? Number.NaN : await residentMiB(p.pid), restarts: p.restarts });
  return figures;
}

function windowLine(
  elapsedS: number,
  windowS: number,
  before: DriverCounts,
  now: DriverCounts,
  figures: Map<string, { rss: number; restarts: number }>,
): string {
  const done = now.completed - before.completed;
  const processes = [...figures]
    .map(([name, f]) => `${name} ${f.rss.toFixed(0)}${f.restarts ? ` (restarts ${f.restarts})` : ''}`)
    .join(', ');
  return (
    `[${String(Math.round(elapsedS)).padStart(4)} s] completed ${String(done).padStart(5)}  ${(done / windowS).toFixed(1).padStart(6)} runs/s  ` +
    `failed ${now.failed}  stalled ${now.stalled}  in flight ${now.inFlight}  RSS MiB: ${processes}`
  );
}

const dataDir = join(repoRoot(), '.data', 'soak');
rmSync(dataDir, { recursive: true, force: true });
const lf = await startSupervisedLedgerflow(dataDir);
const nc = await lf.connectAdmin();
let exitCode = 1;
try {
  const client = new LedgerflowClient({
    baseUrl: lf.gatewayUrl,
    token: await lf.token({ sub: 'soak', scopes: ['runs:start', 'runs:read'], expiresIn: `${SECONDS + 3600}s` }),
  });
  const driver = new RunDriver({
    client,
    nc,
    workflowId: 'noop-chain',
    concurrency: CONCURRENCY,
    stallAfterMs: STALL_SECONDS * 1000,
    keyPrefix: `soak-${Date.now()}`,
    onProblem: (line) => process.stdout.write(`problem: ${line}\n`),
  });
  const first = await processFigures(lf);
  process.stdout.write(
    `Ledgerflow soak: ${CONCURRENCY} runs of noop-chain (10 steps) in flight for ${SECONDS} s, a line every ${WINDOW_SECONDS} s (data: ${dataDir})\n`,
  );
  const started = performance.now();
  driver.start();
  let previous = driver.snapshot();
  const rates: number[] = [];
  let figures = first;
  while ((performance.now() - started) / 1000 < SECONDS) {
    const windowStart = performance.now();
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(WINDOW_SECONDS, SECONDS - (windowStart - started) / 1000) * 1000),
    );
    const now = driver.snapshot();
    const windowS = (performance.now() - windowStart) / 1000;
    figures = await processFigures(lf);
    rates.push((now.completed - previous.completed) / windowS);
    process.stdout.write(`${windowLine((performance.now() - started) / 1000, windowS, previous, now, figures)}\n`);
    previous = now;
  }
  const final = await driver.finish();
  const seconds = (performance.now() - started) / 1000;
  const restarts = [...figures].filter(([, f]) => f.restarts > 0);
  const lines = [
    '',
    `Soak summary (${seconds.toFixed(0)} s, ${CONCURRENCY} in flight)`,
    `runs       started ${final.started}, completed ${final.completed}, failed ${final.failed}, stalled ${final.stalled}`,
    `throughput ${(final.completed / seconds).toFixed(1)} runs/s overall (${((final.completed * 10) / seconds).toFixed(0)} steps/s); per window min ${Math.min(...rates).toFixed(1)}, max ${Math.max(...rates).toFixed(1)}`,
    ...[...figures].map(
      ([name, f]) =>
        `memory     ${name.padEnd(14)} RSS ${(first.get(name)?.rss ?? Number.NaN).toFixed(0)} -> ${f.rss.toFixed(0)} MiB  restarts ${f.restarts}`,
    ),
    `restarts   ${restarts.length === 0 ? 'none' : restarts.map(([name, f]) => `${name} ${f.restarts} (see ${dataDir}/logs/supervisor.log)`).join(', ')}`,
    final.failed + final.stalled === 0
      ? 'result     OK: no run failed or stalled'
      : `result     FAILED: ${final.failed} failed, ${final.stalled} stalled`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  exitCode = final.failed + final.stalled === 0 ? 0 : 1;
} finally {
  await nc.close();
  await lf.stop();
}
process.exit(exitCode);
