/**
 * Process entry point of the claim-review tool workers, run by the SDK's `runToolWorker` as any tool worker is:
 * connects to `NATS_URL` (default `nats://127.0.0.1:4222`), serves `documents.extract`,
 * `policy_admin.check_coverage`, `fraud.screen` and `billing.payout`, remembers replies in the KV bucket its replicas
 * share (`LF_DEDUPE_claim-review-workers`), exports a span per call into the step's trace when the `OTEL_*` variables
 * ask, prints `ledgerflow:ready claim-review-workers` on stdout once subscribed, and on SIGTERM or SIGINT stops the
 * workers (in-flight calls finish), drains the connection and exits 0.
 *
 * Every call must carry a step-scoped grant (`lf-grant`, signed by the policy service) or is refused with
 * `grant_invalid` before its handler runs. `LEDGERFLOW_GRANT_VERIFY_KEY` (SPKI PEM of the policy service's
 * Ed25519 key) is therefore required: without it the process exits 78 at start, naming the variable, unless
 * `LEDGERFLOW_GRANT_VERIFY=off` (local experiments only; logs a warning).
 *
 * NATS credentials: `NATS_NKEY_SEED_FILE` (or `NATS_NKEY_SEED`) and `NATS_TLS_*` (a malformed one: exit 78).
 * Environment: `NATS_URL`, `LEDGERFLOW_GRANT_VERIFY_KEY`, `LEDGERFLOW_GRANT_VERIFY`, `CLAIM_ATTACHMENTS_DIR`,
 * `CLAIM_POLICIES_FILE`, `CLAIM_FRAUD_OUTAGE_CLAIMS`, `CLAIM_BILLING_LEDGER` (see each tool).
 * Run: `node examples/claim-review/dist/workers.js`.
 */
import { runToolWorker } from '@ledgerflow/sdk';
import { claimReviewTools } from './tools/claim-review-tools.js';

runToolWorker({ name: 'claim-review-workers', tools: [...claimReviewTools()] }).catch((error: unknown) => {
  process.stderr.write(`claim-review-workers: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
