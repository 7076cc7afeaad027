import { LedgerflowError } from '@ledgerflow/domain';
import { ROOT_CONTEXT, context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { requestJson } from './request-json.js';
import { serveJson, type JsonServer } from './serve-json.js';

interface Sum {
  a: number;
  b: number;
}

describe('requestJson / serveJson', () => {
  let nats: NatsFixture;
  const servers: JsonServer[] = [];
  const serve = (...args: Parameters<typeof serveJson<Sum, unknown>>): JsonServer => {
    const s = serveJson<Sum, unknown>(...args);
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    nats = await startNatsFixture();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await nats.stop();
    context.disable();
    propagation.disable();
  });

  it('returns the handler value', async () => {
    serve(nats.nc, { subject: 't.sum', queue: 'sum', handler: async (req) => ({ total: req.a + req.b }) });
    await expect(requestJson(nats.nc, 't.sum', { a: 2, b: 3 }, { timeoutMs: 2000 })).resolves.toEqual({ total: 5 });
  });

  it('rethrows a LedgerflowError from the handler with its code, message, retryable flag and details', async () => {
    serve(nats.nc, {
      subject: 't.deny',
      handler: async () => {
        throw new LedgerflowError('RUN.GATE_ALREADY_DECIDED', 'gate g1 was decided already', false, { gateId: 'g1' });
      },
    });
    const err = await requestJson(nats.nc, 't.deny', { a: 1, b: 1 }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err).toMatchObject({ code: 'RUN.GATE_ALREADY_DECIDED', message: 'gate g1 was decided already', retryable: false, details: { gateId: 'g1' } });
  });

  it('maps any other handler error to internal_error, retryable, keeping its message, with the lf-error-code header', async () => {
    serve(nats.nc, {
      subject: 't.crash',
      handler: async () => {
        throw new TypeError('cannot read x of undefined');
      },
    });
    const err = await requestJson(nats.nc, 't.crash', { a: 1, b: 1 }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'internal_error', message: 'cannot read x of undefined', retryable: true });
    const raw = await nats.nc.request('t.crash', '{}', { timeout: 2000 });
    expect(raw.headers?.get('lf-error-code')).toBe('internal_error');
  });

  it('throws NATS.TIMEOUT (retryable) when no reply comes in time', async () => {
    serve(nats.nc, { subject: 't.slow', handler: () => new Promise((r) => setTimeout(() => r('late'), 500)) });
    const started = Date.now();
    const err = await requestJson(nats.nc, 't.slow', {}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err).toMatchObject({ code: 'NATS.TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(450);
  });

  it('throws NATS.NO_RESPONDERS (retryable) when nobody serves the subject', async () => {
    const err = await requestJson(nats.nc, 't.nobody', {}, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect(err).toMatchObject({ code: 'NATS.NO_RESPONDERS', retryable: true });
  });

  it('answers a body that is not JSON with message_malformed, without calling the handler', async () => {
    let calls = 0;
    serve(nats.nc, { subject: 't.strict', handler: async () => (calls++, 'ok') });
    const raw = await nats.nc.request('t.strict', 'not json {', { timeout: 2000 });
    const reply = raw.json<{ ok: boolean; error: { code: string; retryable: boolean; message: string } }>();
    expect(reply.ok).toBe(false);
    expect(reply.error).toMatchObject({ code: 'message_malformed', retryable: false });
    expect(reply.error.message).toMatch(/t\.strict/);
    expect(raw.headers?.get('lf-error-code')).toBe('message_malformed');
    expect(calls).toBe(0);
  });

  it('runs the handler in the caller trace context and passes extra headers', async () => {
    serve(nats.nc, {
      subject: 't.trace',
      handler: async (_req, msg) => ({
        traceId: trace.getSpanContext(context.active())?.traceId,
        runId: msg.headers?.get('lf-run-id'),
      }),
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const caller = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
    const result = await context.with(caller, () =>
      requestJson<{ traceId?: string; runId?: string }>(nats.nc, 't.trace', {}, { timeoutMs: 2000, headers: { 'lf-run-id': 'r1' } }),
    );
    expect(result).toEqual({ traceId, runId: 'r1' });
  });

  it('handles several requests at once', async () => {
    let running = 0;
    let peak = 0;
    serve(nats.nc, {
      subject: 't.concurrent',
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 100));
        running--;
        return 'done';
      },
    });
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 5 }, () => requestJson(nats.nc, 't.concurrent', {}, { timeoutMs: 2000 })));
    expect(replies).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(peak).toBe(5);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('stop() waits for in-flight handlers to reply, then takes no more requests', async () => {
    const server = serveJson<Sum, number>(nats.nc, {
      subject: 't.drain',
      handler: async (req) => {
        await new Promise((r) => setTimeout(r, 150));
        return req.a;
      },
    });
    await nats.nc.flush();
    const pending = requestJson(nats.nc, 't.drain', { a: 7, b: 0 }, { timeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 30));
    await server.stop();
    await expect(pending).resolves.toBe(7);
    await expect(requestJson(nats.nc, 't.drain', { a: 1, b: 0 }, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'NATS.NO_RESPONDERS' });
  });
});
