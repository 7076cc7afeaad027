/**
 * Process entry point of the claim-review tool workers: connects to `NATS_URL` (default
 * `nats://127.0.0.1:4222`), serves `documents.extract`, `policy_admin.check_coverage`, `fraud.screen` and
 * `billing.payout`, prints `ledgerflow:ready claim-review-workers` on stdout once subscribed, and on SIGTERM
 * or SIGINT stops the workers (in-flight calls finish), drains the connection and exits 0.
 *
 * Every call must carry a step-scoped grant (`lf-grant`, signed by the policy service) or is refused with
 * `grant_invalid` before its handler runs. `LEDGERFLOW_GRANT_VERIFY_KEY` (SPKI PEM of the policy service's
 * Ed25519 key) is therefore required: without it the process exits 78 at start, naming the variable, unless
 * `LEDGERFLOW_GRANT_VERIFY=off` (local experiments only; logs a warning).
 *
 * Not `runToolWorker`: its default dedupe keeps each reply, as sent, in the JetStream KV bucket replicas share, and
 * these replies carry a claimant's personal data, which must not rest outside the PII vault (pii.e2e.spec.ts reads
 * every file of the stack for it). Replies are remembered in this process only, so run one replica of this worker
 * (docs/security.md, "Out of scope (today)").
 *
 * NATS credentials: `NATS_NKEY_SEED_FILE` (or `NATS_NKEY_SEED`) and `NATS_TLS_*` (a malformed one: exit 78).
 * Environment: `NATS_URL`, `LEDGERFLOW_GRANT_VERIFY_KEY`, `LEDGERFLOW_GRANT_VERIFY`, `CLAIM_ATTACHMENTS_DIR`,
 * `CLAIM_POLICIES_FILE`, `CLAIM_FRAUD_OUTAGE_CLAIMS`, `CLAIM_BILLING_LEDGER` (see each tool).
 * Run: `node examples/claim-review/dist/workers.js`.
 */
import { connectNats, natsAuthFromEnv, type NatsClientAuth } from '@ledgerflow/messaging';
import { grantsFromEnv, startToolWorker, type GrantsOption } from '@ledgerflow/sdk';
import { claimReviewTools } from './tools/claim-review-tools.js';

const READY_LINE = 'ledgerflow:ready claim-review-workers';
/** Exit code of a configuration error (sysexits EX_CONFIG), as the services use. */
const EXIT_CONFIG = 78;

function natsAuthOrExit(): NatsClientAuth {
  try {
    return natsAuthFromEnv();
  } catch (error) {
    process.stderr.write(`claim-review-workers: ${(error as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

function grantsOrExit(): GrantsOption {
  try {
    return grantsFromEnv();
  } catch (error) {
    process.stderr.write(`claim-review-workers: ${(error as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

async function main(): Promise<void> {
  const grants = grantsOrExit();
  const servers = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const nc = await connectNats({
    servers,
    name: 'claim-review-workers',
    auth: natsAuthOrExit(),
    extra: { maxReconnectAttempts: 10 },
  });
  const worker = startToolWorker({ nc, tools: [...claimReviewTools()], name: 'claim-review-workers', grants });
  await nc.flush();
  process.stdout.write(`${READY_LINE}\n`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`claim-review-workers: ${signal}, stopping\n`);
    try {
      await worker.stop();
      await nc.drain();
      process.exit(0);
    } catch (error) {
      process.stderr.write(`claim-review-workers: stop failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
  void nc.closed().then((error) => {
    if (stopping) return;
    process.stderr.write(`claim-review-workers: NATS connection closed${error ? `: ${error.message}` : ''}\n`);
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`claim-review-workers: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
