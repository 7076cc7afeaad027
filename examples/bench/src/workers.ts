/**
 * Tool workers of the benchmark and test workflows: `bench.noop`, `bench.record` and `bench.apply` (ledger at
 * `BENCH_LEDGER`, default `.data/bench-ledger.jsonl`), and the failure and recovery test tools `bench.flaky`,
 * `bench.token`, `bench.refresh_token`, `bench.invoice`, `bench.expand`, and `bench.secrets` (tools.ts). Prints
 * `ledgerflow:ready bench-workers` when subscribed.
 * Calls without a valid step-scoped grant are refused (`grant_invalid`): `LEDGERFLOW_GRANT_VERIFY_KEY` (SPKI
 * PEM) is required, else the process exits 78 naming it, unless `LEDGERFLOW_GRANT_VERIFY=off`.
 * NATS credentials: `NATS_NKEY_SEED_FILE` (or `NATS_NKEY_SEED`) and `NATS_TLS_*`; a malformed one: exit 78.
 */
import { runToolWorker } from '@ledgerflow/sdk';
import {
  applyTool,
  expandTool,
  flakyTool,
  invoiceTool,
  noopTool,
  recordTool,
  secretsTool,
  tokenTools,
} from './tools.js';

const ledger = process.env.BENCH_LEDGER ?? '.data/bench-ledger.jsonl';
await runToolWorker({
  name: 'bench-workers',
  tools: [
    noopTool,
    recordTool(ledger),
    applyTool(ledger),
    flakyTool,
    ...tokenTools(),
    invoiceTool,
    expandTool,
    secretsTool,
  ],
});
