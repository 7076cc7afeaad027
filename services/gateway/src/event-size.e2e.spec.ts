import { DEFAULT_MAX_EVENT_BYTES, SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, eventually, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * Size is bounded end to end (docs/operations.md, "Limits"): a 259 KB run input made of e-mail addresses is
 * under the gateway's and planner's body limits, but the privacy detectors replace each address by a longer
 * token (`pii_email_<22 chars>`), so its `RunTriggered` would be about 1.2 MB stored, over NATS's 1 MiB
 * `max_payload`. The store refuses it at append and the gateway answers 413; nothing is stored, and a run
 * started after it completes (the relay has nothing it cannot carry).
 */
describe('a run input that tokenization grows past the event size limit', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-event-size-');
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('is refused with 413 payload_too_large naming the limit, and a canary run still completes', async () => {
    const addresses: string[] = [];
    for (let i = 0, bytes = 0; bytes < 259_000; i++) {
      addresses.push(`${'abcdefghijklmnopqrstuvwxyz'[i % 26]}@x.io`); // 6 bytes, a 32-byte token each
      bytes += addresses.at(-1)!.length + 1;
    }
    const body = JSON.stringify({ input: { contacts: addresses.join(' ') }, idempotencyKey: 'pii-flood' });
    expect(body.length).toBeGreaterThan(259_000);
    expect(body.length).toBeLessThan(262_144);

    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body,
    });
    const answer = (await response.json()) as {
      error: { code: string; message: string; retryable: boolean; details: Record<string, unknown> };
    };
    expect([response.status, answer.error.code, answer.error.retryable]).toEqual([413, 'payload_too_large', false]);
    expect(answer.error.message).toContain(`the limit is ${DEFAULT_MAX_EVENT_BYTES} bytes`);
    expect(answer.error.details).toMatchObject({ eventType: 'RunTriggered', limit: DEFAULT_MAX_EVENT_BYTES });
    expect(answer.error.details['size']).toBeGreaterThan(1_000_000);
    expect((await store.readAll({ maxCount: 100_000 })).filter((e) => e.type === 'RunTriggered')).toEqual([]);

    const canary = await startRunOverHttp(stack, 'noop-chain', { input: { canary: true }, idempotencyKey: 'canary' });
    const status = await eventually(
      async () => {
        const run = (await (
          await fetch(`${stack.gatewayUrl}/v1/runs/${canary}`, { headers: await authHeader(stack) })
        ).json()) as { status?: string };
        return run.status === 'completed' || run.status === 'failed' ? run.status : undefined;
      },
      30_000,
      'the canary run to end',
    );
    expect(status).toBe('completed');
  }, 90_000);
});
