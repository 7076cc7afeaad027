/**
 * Process entry point of the claim-review tool workers: connects to `NATS_URL` (default
 * `nats://127.0.0.1:4222`), serves `documents.extract`, `policy_admin.check_coverage`, `fraud.screen` and
 * `billing.payout`, prints `ledgerflow:ready claim-review-workers` on stdout once subscribed, and on SIGTERM
 * or SIGINT stops the workers (in-flight calls finish), drains the connection and exits 0.
 *
 * Environment: `NATS_URL`, `CLAIM_ATTACHMENTS_DIR`, `CLAIM_POLICIES_FILE`, `CLAIM_FRAUD_OUTAGE_CLAIMS`,
 * `CLAIM_BILLING_LEDGER` (see each tool). Run: `node examples/claim-review/dist/workers.js`.
 */
import { connect } from '@nats-io/transport-node';
import { startToolWorker } from '@ledgerflow/sdk';
import { claimReviewTools } from './tools/claim-review-tools.js';

const READY_LINE = 'ledgerflow:ready claim-review-workers';

async function main(): Promise<void> {
  const servers = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const nc = await connect({ servers, name: 'claim-review-workers' });
  const worker = startToolWorker({ nc, tools: [...claimReviewTools()], name: 'claim-review-workers' });
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
