import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { SERVICE_NAMES, startOtlpReceiver, startStack, tempDir } from '@ledgerflow/testing';
import type { OtlpReceiver, Stack } from '@ledgerflow/testing';
import { eventually, http, reviewerToken, sampleClaims } from './e2e-support.spec-util.js';

/** Every file under `dir` (the event store, its WAL, JetStream's store, memory, the vault), but not `except`. */
function filesUnder(dir: string, except: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === except || path.startsWith(`${except}.`)) return [];
    return statSync(path).isDirectory() ? filesUnder(path, except) : [path];
  });
}

/**
 * Privacy obligations end to end: after the sample claims ran (names and emails in the run input, names
 * and addresses in the extracted documents), no claimant's name or email is found in the event store's
 * files, JetStream's store, memory's projection, the vault, the exported spans, or any process's log.
 * Only the billing ledger (the enterprise system's own data, written by its tool) may hold them.
 */
describe('PII never leaves unmasked', () => {
  let stack: Stack;
  let receiver: OtlpReceiver;
  let ledgerPath: string;
  const claims = sampleClaims();
  const secrets = claims.flatMap((claim) => {
    const claimant = claim.claimant as { name: string; email: string };
    return [claimant.name, claimant.email];
  });

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const dataDir = await tempDir('ledgerflow-pii-e2e-');
    ledgerPath = join(dataDir, 'billing-ledger.jsonl');
    stack = await startStack({
      dataDir,
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LEDGERFLOW_LOG_LEVEL: 'debug',
      },
      extras: [
        {
          name: 'claim-review-workers',
          script: 'examples/claim-review/dist/workers.js',
          readyLine: /^ledgerflow:ready claim-review-workers$/,
          env: { CLAIM_BILLING_LEDGER: ledgerPath },
        },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver?.stop();
  }, 30_000);

  it('keeps names and emails out of the store, spans and logs', async () => {
    const runIds: string[] = [];
    for (const claim of claims) {
      const started = await http(stack, 'POST', '/v1/workflows/claim-review/runs', {
        input: claim,
        idempotencyKey: claim.claimId,
      });
      expect(started.status).toBe(202);
      runIds.push(String(started.body?.runId));
    }
    const lead = `Bearer ${await reviewerToken(stack, 'claims-lead')}`;
    const gate = await eventually(
      async () => {
        const gates = (await http(stack, 'GET', '/v1/gates?status=open')).body as unknown as Array<{ gateId: string }>;
        return gates[0];
      },
      30_000,
      'the payout gate',
    );
    expect(
      (await http(stack, 'POST', `/v1/gates/${gate.gateId}/decision`, { outcome: 'approve' }, { authorization: lead }))
        .status,
    ).toBe(200);

    const store = await SqliteEventStore.open(stack.sqlitePath);
    try {
      for (const runId of runIds) {
        await eventually(
          async () => {
            const events = await store.readStream(`run-${runId}`);
            return events.some((e) => ['RunCompleted', 'RunFailed'].includes(e.type)) ? true : undefined;
          },
          30_000,
          `run ${runId} to end`,
        );
      }
      const events = await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 });
      expect(/pii_path_/.test(JSON.stringify(events))).toBe(true);
      expect(events.filter((e) => e.type === 'RunCompleted')).toHaveLength(5);
    } finally {
      await store.close();
    }
    const paid = readFileSync(ledgerPath, 'utf8');
    expect(paid).toContain((claims[0].claimant as { name: string }).name);

    await new Promise((resolve) => setTimeout(resolve, 500));
    const spans = JSON.stringify(receiver.spans());
    const logs = [...SERVICE_NAMES, 'claim-review-workers'].map((name) => stack.process(name).output()).join('\n');
    expect(receiver.spans().length).toBeGreaterThan(20);
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      for (const file of filesUnder(stack.dataDir, ledgerPath)) {
        const content = readFileSync(file).toString('latin1');
        expect({ file, found: content.includes(secret) }).toEqual({ file, found: false });
      }
      expect({ secret, inSpans: spans.includes(secret) }).toEqual({ secret, inSpans: false });
      expect({ secret, inLogs: logs.includes(secret) }).toEqual({ secret, inLogs: false });
    }
  }, 90_000);
});
