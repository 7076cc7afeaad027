/**
 * Tool workers of the benchmark and test workflows: `bench.noop` and `bench.record` (ledger at
 * `BENCH_LEDGER`, default `.data/bench-ledger.jsonl`). Prints `ledgerflow:ready bench-workers` when subscribed.
 */
import { connect } from '@nats-io/transport-node';
import { startToolWorker } from '@ledgerflow/sdk';
import { noopTool, recordTool } from './tools.js';

const nc = await connect({ servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','), name: 'bench-workers' });
const worker = startToolWorker({ nc, name: 'bench-workers', tools: [noopTool, recordTool(process.env.BENCH_LEDGER ?? '.data/bench-ledger.jsonl')] });
await nc.flush();
process.stdout.write('ledgerflow:ready bench-workers\n');

const stop = async () => {
  await worker.stop();
  await nc.drain();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
