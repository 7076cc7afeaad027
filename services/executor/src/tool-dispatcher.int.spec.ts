import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { callTool, resendIntervalMs } from './tool-dispatcher.js';

const request = { runId: 'run-1', stepId: 's1', attempt: 1, idempotencyKey: 'run-1/s1/1', input: { n: 1 } };

describe('callTool (a real nats-server): a worker briefly absent costs no attempt', () => {
  let server: NatsServerHandle;
  let executor: NatsConnection;
  let worker: NatsConnection;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
    executor = await connect({ servers: server.url });
    worker = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await executor.close();
    await worker.close();
    await server.stop();
  });

  it('waits for a worker that subscribes within the step timeout, and gets its reply', async () => {
    const calls: string[] = [];
    const outcome = callTool(executor, { tool: 'late', action: 'echo', timeoutMs: 5_000, request });
    await new Promise((resolve) => setTimeout(resolve, 700)); // several "no responders" meanwhile
    worker.subscribe('lf.tool.late.echo', {
      callback: (_error, msg) => {
        calls.push(msg.headers?.get('lf-idempotency-key') ?? '');
        msg.respond(
          JSON.stringify({
            ok: true,
            value: {
              runId: 'run-1',
              stepId: 's1',
              attempt: 1,
              idempotencyKey: 'run-1/s1/1',
              output: { n: 1 },
              durationMs: 1,
            },
          }),
        );
      },
    });
    await worker.flush();
    const result = await outcome;
    expect(result).toMatchObject({ ok: true, result: { output: { n: 1 } } });
    expect(result.durationMs).toBeGreaterThanOrEqual(700);
    expect(calls).toEqual(['run-1/s1/1']);
  });

  it('sends the call again while no reply comes: a worker that died mid-call is replaced by a live one', async () => {
    const reply = JSON.stringify({
      ok: true,
      value: {
        runId: 'run-1',
        stepId: 's1',
        attempt: 1,
        idempotencyKey: 'run-1/s1/1',
        output: { n: 2 },
        durationMs: 1,
      },
    });
    const keys: string[] = [];
    const dying = worker.subscribe('lf.tool.dying.echo', {
      callback: () => {
        dying.unsubscribe(); // takes the call and dies without answering
      },
    });
    await worker.flush();
    const outcome = callTool(executor, { tool: 'dying', action: 'echo', timeoutMs: 6_000, request });
    await new Promise((resolve) => setTimeout(resolve, 200));
    worker.subscribe('lf.tool.dying.echo', {
      callback: (_error, msg) => {
        keys.push(msg.headers?.get('lf-idempotency-key') ?? '');
        msg.respond(reply);
      },
    });
    await worker.flush();
    const result = await outcome;
    expect(result).toMatchObject({ ok: true, result: { output: { n: 2 } } });
    expect(result.durationMs).toBeGreaterThanOrEqual(resendIntervalMs(6_000) - 50);
    expect(result.durationMs).toBeLessThan(6_000);
    expect(keys[0]).toBe('run-1/s1/1');
  });

  it('is tool_unavailable (retryable) once the timeout passed with no worker, not before', async () => {
    const started = Date.now();
    const result = await callTool(executor, { tool: 'absent', action: 'echo', timeoutMs: 1_500, request });
    expect(result).toMatchObject({ ok: false, error: { code: 'tool_unavailable', retryable: true } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
