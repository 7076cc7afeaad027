/**
 * Process entry point of the goal-triage tool workers (`runToolWorker` of @ledgerflow/sdk): connects to `NATS_URL`
 * (default `nats://127.0.0.1:4222`), serves `support.classify`, `crm.lookup_account`, `support.draft_reply` and
 * `billing.refund`, announces them with their schemas and cost hints in the tool catalog (KV bucket `LF_TOOLS`, which
 * the catalog generator plans from: docs/planning.md), prints `ledgerflow:ready goal-triage-workers` once subscribed
 * and announced, and on SIGTERM or SIGINT finishes the calls in progress and exits 0.
 *
 * Every call must carry a step-scoped grant (`lf-grant`): `LEDGERFLOW_GRANT_VERIFY_KEY` (SPKI PEM of the policy
 * service's Ed25519 key) is required, else the process exits 78 naming it, unless `LEDGERFLOW_GRANT_VERIFY=off`.
 * Replies are remembered in the KV bucket `LF_DEDUPE_goal-triage-workers` (they hold no personal data: the draft
 * never quotes the ticket). NATS credentials: `NATS_NKEY_SEED_FILE` (or `NATS_NKEY_SEED`) and `NATS_TLS_*`.
 * Environment: `NATS_URL`, `LEDGERFLOW_GRANT_VERIFY_KEY`, `LEDGERFLOW_GRANT_VERIFY`, `TRIAGE_ACCOUNTS_FILE`,
 * `TRIAGE_REFUNDS_FILE` (see each tool).
 * Run: `node examples/goal-triage/dist/workers.js`.
 */
import { runToolWorker } from '@ledgerflow/sdk';
import { goalTriageTools } from './tools/goal-triage-tools.js';

await runToolWorker({ name: 'goal-triage-workers', tools: [...goalTriageTools()] });
