/**
 * Tool workers of the benchmark and test workflows: `bench.noop`, `bench.record` (ledger at
 * `BENCH_LEDGER`, default `.data/bench-ledger.jsonl`), and the failure and recovery test tools `bench.flaky`,
 * `bench.token`, `bench.refresh_token`, `bench.invoice`, `bench.expand`, and `bench.secrets` (tools.ts). Prints
 * `ledgerflow:ready bench-workers` when subscribed.
 * Calls without a valid step-scoped grant are refused (`grant_invalid`): `LEDGERFLOW_GRANT_VERIFY_KEY` (SPKI
 * PEM) is required, else the process exits 78 naming it, unless `LEDGERFLOW_GRANT_VERIFY=off`.
 * NATS credentials: `NATS_NKEY_SEED_FILE` (or `NATS_NKEY_SEED`) and `NATS_TLS_*`; a malformed one: exit 78.
 */
import type { NatsClientAuth } from '@ledgerflow/messaging';
import { grantsFromEnv, startToolWorker, type GrantsOption } from '@ledgerflow/sdk';
import { expandTool, flakyTool, invoiceTool, noopTool, recordTool, secretsTool, tokenTools } from './tools.js';

// Loaded lazily, as floors.ts does (one way of importing the library per project).
const { connectNats, natsAuthFromEnv } = await import('@ledgerflow/messaging');
let grants: GrantsOption;
let auth: NatsClientAuth;
try {
  grants = grantsFromEnv();
  auth = natsAuthFromEnv();
} catch (error) {
  process.stderr.write(`bench-workers: ${(error as Error).message}\n`);
  process.exit(78);
}
const nc = await connectNats({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench-workers', auth });
const worker = startToolWorker({ nc, name: 'bench-workers', grants, tools: [
  noopTool, recordTool(process.env.BENCH_LEDGER ?? '.data/bench-ledger.jsonl'), flakyTool, ...tokenTools(), invoiceTool, expandTool, secretsTool,
] });
await nc.flush();
process.stdout.write('ledgerflow:ready bench-workers\n');

const stop = async () => {
  await worker.stop();
  await nc.drain();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
