import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';
import {
  FileIdempotencyStore,
  ToolError,
  defineTool,
  result,
  startToolWorker,
  type ToolContext,
  type ToolWorker,
} from './index.js';
import { callTool, latch, toolRequest, unverified } from './tool-worker.spec-util.js';

let server: NatsServerHandle;
let nc: NatsConnection;
const workers: ToolWorker[] = [];
/** A worker without grant verification (switched off explicitly): grants are tool-worker-grants.int.spec.ts's subject. */
const start = (options: Parameters<typeof startToolWorker>[0]): ToolWorker => {
  const worker = startToolWorker(options.verifyGrant === undefined ? { ...unverified(), ...options } : options);
  workers.push(worker);
  return worker;
};

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  nc = await connect({ servers: server.url });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe('startToolWorker', () => {
  it('answers with the output, confidence and lineage, and passes the call context', async () => {
    const seen: ToolContext[] = [];
    start({
      nc,
      tools: [
        defineTool({
          tool: 'claims',
          action: 'assess',
          handler: (input: { amount: number }, ctx) => {
            seen.push(ctx);
            return result(
              { approved: input.amount * 0.9 },
              {
                confidence: 0.87,
                lineage: { source: 'claims-db', fresh: true },
                reasoning: 'policy limit 90%',
                alternatives: [{ approved: 80 }],
              },
            );
          },
        }),
        defineTool({ tool: 'claims', action: 'echo', handler: (input) => input }),
      ],
    });
    await nc.flush();
    const assessed = await callTool(nc, 'claims', 'assess', toolRequest('assess', { amount: 100 }, 2));
    expect(assessed.reply).toEqual({
      ok: true,
      value: {
        output: { approved: 90 },
        confidence: 0.87,
        lineage: { source: 'claims-db', fresh: true },
        reasoning: 'policy limit 90%',
        alternatives: [{ approved: 80 }],
      },
    });
    expect(assessed.errorCode).toBe('');
    expect(seen[0]).toMatchObject({ runId: 'run-1', stepId: 'assess', attempt: 2, idempotencyKey: 'run-1/assess/2' });
    await expect(callTool(nc, 'claims', 'echo', toolRequest('echo', [1, 'a']))).resolves.toMatchObject({
      reply: { ok: true, value: { output: [1, 'a'] } },
    });
  });

  it('runs the handler once for concurrent and later duplicates of a key', async () => {
    let runs = 0;
    const hold = latch();
    start({
      nc,
      tools: [
        defineTool({
          tool: 'billing',
          action: 'payout',
          handler: async () => {
            runs += 1;
            await hold.promise;
            return { payoutId: `p-${runs}` };
          },
        }),
      ],
    });
    await nc.flush();
    const request = toolRequest('pay', { amount: 10 });
    const concurrent = Promise.all([1, 2, 3].map(() => callTool(nc, 'billing', 'payout', request)));
    await new Promise((r) => setTimeout(r, 100));
    hold.open();
    const replies = await concurrent;
    expect(runs).toBe(1);
    for (const { reply } of replies) expect(reply).toEqual({ ok: true, value: { output: { payoutId: 'p-1' } } });
    const later = await callTool(nc, 'billing', 'payout', request);
    expect(later.reply).toEqual(replies[0]?.reply);
    await callTool(nc, 'billing', 'payout', toolRequest('pay', { amount: 10 }, 2));
    expect(runs).toBe(2);
  });

  it('still dedupes after a restart with a FileIdempotencyStore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-sdk-'));
    const path = join(dir, 'replies.jsonl');
    try {
      let runs = 0;
      const tool = defineTool({ tool: 'docs', action: 'extract', handler: () => ({ run: (runs += 1) }) });
      const firstStore = new FileIdempotencyStore(path);
      const first = startToolWorker({ ...unverified(), nc, tools: [tool], dedupe: firstStore });
      await nc.flush();
      const before = await callTool(nc, 'docs', 'extract', toolRequest('extract', {}));
      await first.stop();
      await firstStore.close();

      const secondStore = new FileIdempotencyStore(path);
      start({ nc, tools: [tool], dedupe: secondStore });
      await nc.flush();
      const after = await callTool(nc, 'docs', 'extract', toolRequest('extract', {}));
      expect(before.reply).toEqual({ ok: true, value: { output: { run: 1 } } });
      expect(after.reply).toEqual(before.reply);
      expect(runs).toBe(1);
      await secondStore.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects input and output that break their schemas, naming the field', async () => {
    let runs = 0;
    start({
      nc,
      tools: [
        defineTool({
          tool: 'billing',
          action: 'quote',
          inputSchema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0 } } },
          outputSchema: { type: 'object', required: ['price'], properties: { price: { type: 'number' } } },
          handler: (input: { amount: number }) => {
            runs += 1;
            return input.amount > 100 ? { price: 'high' } : { price: input.amount };
          },
        }),
      ],
    });
    await nc.flush();
    const badInput = await callTool(nc, 'billing', 'quote', toolRequest('quote', { amount: -1 }));
    expect(badInput.errorCode).toBe('tool_input_invalid');
    expect(badInput.reply).toMatchObject({
      ok: false,
      error: { code: 'tool_input_invalid', retryable: false, details: { field: '/amount', rule: 'minimum' } },
    });
    expect(badInput.reply.ok ? '' : badInput.reply.error.message).toContain(
      'billing.quote input is invalid: /amount must be >= 0 (minimum)',
    );
    const missing = await callTool(nc, 'billing', 'quote', toolRequest('quote2', {}));
    expect(missing.reply).toMatchObject({ ok: false, error: { details: { field: '/amount', rule: 'required' } } });
    expect(runs).toBe(0);
    const badOutput = await callTool(nc, 'billing', 'quote', toolRequest('quote3', { amount: 500 }));
    expect(badOutput.reply).toMatchObject({
      ok: false,
      error: { code: 'tool_output_invalid', details: { field: '/price', rule: 'type' } },
    });
  });

  it('keeps a ToolError code and retryable flag; other exceptions are tool_failed and retryable', async () => {
    start({
      nc,
      tools: [
        defineTool({
          tool: 'crm',
          action: 'lookup',
          handler: () => {
            throw new ToolError('claim_not_found', 'claim c-404 does not exist', { retryable: false });
          },
        }),
        defineTool({
          tool: 'crm',
          action: 'flaky',
          handler: () => {
            throw new ToolError('crm_busy', 'try later', { retryable: true });
          },
        }),
        defineTool({
          tool: 'crm',
          action: 'crash',
          handler: () => {
            throw new TypeError('boom');
          },
        }),
      ],
    });
    await nc.flush();
    const notFound = await callTool(nc, 'crm', 'lookup', toolRequest('lookup', {}));
    expect(notFound.reply).toEqual({
      ok: false,
      error: { code: 'claim_not_found', message: 'claim c-404 does not exist', retryable: false, details: {} },
    });
    expect(notFound.errorCode).toBe('claim_not_found');
    await expect(callTool(nc, 'crm', 'flaky', toolRequest('flaky', {}))).resolves.toMatchObject({
      reply: { error: { code: 'crm_busy', retryable: true } },
    });
    await expect(callTool(nc, 'crm', 'crash', toolRequest('crash', {}))).resolves.toMatchObject({
      reply: { ok: false, error: { code: 'tool_failed', retryable: true, message: 'crm.crash failed: boom' } },
    });
  });

  it('answers a malformed request with message_malformed', async () => {
    start({ nc, tools: [defineTool({ tool: 'crm', action: 'note', handler: () => 'ok' })] });
    await nc.flush();
    await expect(callTool(nc, 'crm', 'note', '{not json')).resolves.toMatchObject({ errorCode: 'message_malformed' });
    const noAttempt = await callTool(nc, 'crm', 'note', {
      runId: 'r',
      stepId: 's',
      idempotencyKey: 'r/s/1',
      input: {},
    });
    expect(noAttempt.reply).toMatchObject({
      ok: false,
      error: { code: 'message_malformed', details: { field: 'attempt' } },
    });
  });

  it('shares requests across a queue group: one handler run per request', async () => {
    const second = await connect({ servers: server.url });
    try {
      const runsBy = { a: 0, b: 0 };
      const tool = (who: 'a' | 'b') =>
        defineTool({
          tool: 'docs',
          action: 'classify',
          handler: () => {
            runsBy[who] += 1;
            return who;
          },
        });
      start({ nc, tools: [tool('a')], name: 'a' });
      start({ nc: second, tools: [tool('b')], name: 'b' });
      await Promise.all([nc.flush(), second.flush()]);
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) => callTool(nc, 'docs', 'classify', toolRequest(`s${i}`, {}))),
      );
      expect(replies.every(({ reply }) => reply.ok)).toBe(true);
      expect(runsBy.a + runsBy.b).toBe(40);
      expect(runsBy.a).toBeGreaterThan(0);
      expect(runsBy.b).toBeGreaterThan(0);
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
      await second.close();
    }
  });

  it('calls the grant hook with the lf-grant header and refuses when it throws', async () => {
    const grants: (string | undefined)[] = [];
    let runs = 0;
    start({
      nc,
      tools: [defineTool({ tool: 'billing', action: 'refund', handler: () => (runs += 1) })],
      verifyGrant: async (grant, request) => {
        grants.push(grant);
        if (grant !== `grant-for-${request.stepId}`) throw new Error('grant does not cover this step');
      },
    });
    await nc.flush();
    const refused = await callTool(nc, 'billing', 'refund', toolRequest('refund', {}), { 'lf-grant': 'stolen' });
    expect(refused.reply).toMatchObject({ ok: false, error: { code: 'grant_invalid', retryable: false } });
    const allowed = await callTool(nc, 'billing', 'refund', toolRequest('refund', {}), {
      'lf-grant': 'grant-for-refund',
    });
    expect(allowed.reply).toEqual({ ok: true, value: { output: 1 } });
    expect(grants).toEqual(['stolen', 'grant-for-refund']);
    expect(runs).toBe(1);
  });
});
