/**
 * `make bench-peer` (`make bench PEER=restate`): right after `make bench`, runs the Restate reference benchmark
 * (`../shared/peers/restate-bench/run.sh`, or `LEDGERFLOW_PEER_DIR`; it installs restate-server and its SDK from npm
 * into `.data/restate-bench` on first use) on the same machine and prints both side by side with ratios
 * (Ledgerflow / Restate: below 1 means Ledgerflow spends less or waits less, above 1 for steps/s means it does more).
 *
 * Ledgerflow's figures come from `.data/bench/results.json` (written by `make bench`); Restate's from its `restate.*`
 * lines (README beside run.sh): per-step p50 = e2e p50 of a 10-step invocation / 10, marginal = (e2e10 - e2e1) / 9,
 * steps/s and CPU per step with 20 concurrent clients (server + service, from /proc), RSS of server and service.
 * Exit code: the peer's (0 = it ran without failed invocations).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '@ledgerflow/testing';
import { ms } from './stats.js';

interface OurResults {
  readonly workflow: string;
  readonly steps: number;
  readonly inFlight: number;
  readonly perStepP50Ms: number;
  readonly runP50Ms: number;
  readonly stepsPerSecond: number;
  readonly cpuMsPerStepTotal: number;
  readonly servicesRssMiB: number;
}

const root = repoRoot();
const peerDir = resolve(process.env.LEDGERFLOW_PEER_DIR ?? join(root, '..', 'shared', 'peers', 'restate-bench'));
const resultsFile = join(root, '.data', 'bench', 'results.json');
if (!existsSync(join(peerDir, 'run.sh')))
  throw new Error(`no peer benchmark at ${peerDir} (run.sh): set LEDGERFLOW_PEER_DIR to the restate-bench folder`);
if (!existsSync(resultsFile)) throw new Error(`no ${resultsFile}: run \`make bench\` first (make bench-peer does)`);
const ours = JSON.parse(readFileSync(resultsFile, 'utf8')) as OurResults;

const work = join(root, '.data', 'restate-bench');
mkdirSync(work, { recursive: true });
process.stdout.write(`\nRestate reference (${peerDir}/run.sh, work dir ${work}) ...\n`);
const peer = spawnSync('bash', [join(peerDir, 'run.sh')], {
  env: { ...process.env, RESTATE_BENCH_WORK: work, CONC: String(ours.inFlight) },
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  timeout: 10 * 60_000,
});
const output = peer.stdout ?? '';
process.stdout.write(output);
const restate = new Map<string, number>();
for (const line of output.split('\n')) {
  const match = /^restate\.(\w+) (\S+)/.exec(line);
  if (match) restate.set(match[1], Number(match[2]));
}
const figure = (name: string): number => restate.get(name) ?? Number.NaN;
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '-');
const row = (label: string, a: number, b: number, digits = 3): string =>
  `${label.padEnd(34)} ${(Number.isFinite(a) ? a.toFixed(digits) : '-').padStart(10)} ${(Number.isFinite(b) ? b.toFixed(digits) : '-').padStart(10)} ${ratio(a, b).padStart(8)}`;
const lines = [
  '',
  `Side by side (same machine, same sitting; Ledgerflow ${ours.workflow}, ${ours.inFlight} in flight; Restate steps10, ${ours.inFlight} clients)`,
  `${''.padEnd(34)} ${'Ledgerflow'.padStart(10)} ${'Restate'.padStart(10)} ${'ratio'.padStart(8)}`,
  row('per-step p50 (ms)', ours.perStepP50Ms, figure('step_p50_ms')),
  row('per-step marginal p50 (ms)', ours.perStepP50Ms, figure('step_marginal_p50_ms')),
  row('10-step run p50 (ms)', ours.steps === 10 ? ours.runP50Ms : Number.NaN, figure('e2e10_p50_ms'), 1),
  row('durable steps/s', ours.stepsPerSecond, figure('tp_steps_per_s'), 0),
  row('CPU per durable step (ms)', ours.cpuMsPerStepTotal, figure('tp_cpu_ms_per_step')),
  row('resident memory (MiB)', ours.servicesRssMiB, figure('server_rss_mb') + figure('svc_rss_mb'), 0),
  `(Ledgerflow per-step = (step 10 done - step 1 done) / 9 of sequential runs; its RSS = the six services; CPU = every`,
  ` process of the stack incl. nats-server and the tool workers; Restate CPU = server + service; per-step ${ms(ours.perStepP50Ms)} ms)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = peer.status ?? 1;
