import type { Reply } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { extractTraceContext } from '@ledgerflow/telemetry';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { ROOT_CONTEXT, context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { decodeJson, encodeJson } from './reply-envelope.js';
import { requestJson } from './request-json.js';

describe('requestJson', () => {
  let nats: NatsFixture;
  const subs: Subscription[] = [];
  /** Answers each request on `subject` with the envelope `answer` gives (the services' transports send these). */
  const respondOn = (
    subject: string,
    answer: (request: unknown, msg: Msg) => Reply<unknown> | Promise<Reply<unknown>>,
  ): void => {
    subs.push(
      nats.nc.subscribe(subject, {
        callback: (_err, msg) => {
          void Promise.resolve(answer(decodeJson(msg.data), msg)).then((reply) => msg.respond(encodeJson(reply)));
        },
      }),
    );
  };

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    nats = await startNatsFixture();
  });
  afterAll(async () => {
    for (const sub of subs) sub.unsubscribe();
    await nats.stop();
    context.disable();
  });

  it('returns the reply value', async () => {
    respondOn('t.sum', (req) => ({
      ok: true,
      value: { total: (req as { a: number; b: number }).a + (req as { a: number; b: number }).b },
    }));
    await expect(requestJson(nats.nc, 't.sum', { a: 2, b: 3 }, { timeoutMs: 2000 })).resolves.toEqual({ total: 5 });
  });

  it('throws a LedgerflowError with the error reply code, message, retryable flag and details', async () => {
    respondOn('t.deny', () => ({
      ok: false,
      error: {
        code: 'run_gate_already_decided',
        message: 'gate g1 was decided already',
        retryable: false,
        details: { gateId: 'g1' },
      },
    }));
    const err = await requestJson(nats.nc, 't.deny', {}, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err).toMatchObject({
      code: 'run_gate_already_decided',
      message: 'gate g1 was decided already',
      retryable: false,
      details: { gateId: 'g1' },
    });
  });

  it('throws nats_reply_malformed when the reply is not an envelope', async () => {
    subs.push(
      nats.nc.subscribe('t.bare', {
        callback: (_err, msg) => {
          msg.respond(encodeJson({ total: 5 }));
        },
      }),
    );
    await expect(requestJson(nats.nc, 't.bare', {}, { timeoutMs: 2000 })).rejects.toMatchObject({
      code: 'nats_reply_malformed',
      retryable: false,
    });
  });

  it('throws nats_timeout (retryable) when no reply comes in time', async () => {
    respondOn('t.slow', () => new Promise((r) => setTimeout(() => r({ ok: true, value: 'late' }), 500)));
    const started = Date.now();
    const err = await requestJson(nats.nc, 't.slow', {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err).toMatchObject({ code: 'nats_timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(450);
  });

  it('throws nats_no_responders (retryable) when nobody serves the subject', async () => {
    const err = await requestJson(nats.nc, 't.nobody', {}, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err).toMatchObject({ code: 'nats_no_responders', retryable: true });
  });

  it('carries the caller trace context and the extra headers', async () => {
    respondOn('t.trace', (_req, msg) => ({
      ok: true,
      value: {
        traceId: trace.getSpanContext(extractTraceContext(msg.headers))?.traceId,
        runId: msg.headers?.get('lf-run-id'),
      },
    }));
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const caller = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    const result = await context.with(caller, () =>
      requestJson<{ traceId?: string; runId?: string }>(
        nats.nc,
        't.trace',
        {},
        { timeoutMs: 2000, headers: { 'lf-run-id': 'r1' } },
      ),
    );
    expect(result).toEqual({ traceId, runId: 'r1' });
  });
});
