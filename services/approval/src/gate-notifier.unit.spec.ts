import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@ledgerflow/telemetry';
import { GateNotifier } from './gate-notifier.js';
import type { GateNotification } from './gate-notifier.js';

const notification: GateNotification = {
  event: 'GateOpened',
  gateId: 'run-1.payout',
  runId: 'run-1',
  stepId: 'payout',
  reviewers: ['role:claims-lead'],
  reason: 'payout above 50,000',
  dueAt: '2026-05-01T14:00:00.000Z',
  level: 0,
  link: 'http://gw/v1/gates/run-1.payout',
};

function recordingLogger(): Logger & { errors: Array<{ msg: string; fields?: Record<string, unknown> }> } {
  const errors: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const ignore = () => undefined;
  return {
    errors,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (msg: string, fields?: Record<string, unknown>) => void errors.push({ msg, fields }),
  } as unknown as Logger & { errors: typeof errors };
}

describe('GateNotifier', () => {
  let server: Server;
  let url: string;
  let answers: number[];
  const received: Array<{ body: unknown; key: string | undefined }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({ body: JSON.parse(body), key: request.headers['idempotency-key'] as string | undefined });
        response.statusCode = answers.shift() ?? 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/gates`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('POSTs the notification as JSON with an idempotency key, retrying failures with doubling backoff', async () => {
    answers = [503, 500, 204];
    const delays: number[] = [];
    const notifier = new GateNotifier(
      { url, maxAttempts: 5, backoffMs: 100, timeoutMs: 2000, sleep: async (ms) => void delays.push(ms) },
      recordingLogger(),
    );
    await expect(notifier.notify(notification)).resolves.toBe(true);
    expect(received).toHaveLength(3);
    expect(received[2]).toEqual({ body: notification, key: 'run-1.payout/0' });
    expect(delays).toEqual([100, 200]);
  });

  it('gives up after maxAttempts, logs it, and never throws', async () => {
    answers = [500, 500, 500, 500];
    const logger = recordingLogger();
    const notifier = new GateNotifier({ url, maxAttempts: 3, backoffMs: 1, timeoutMs: 2000 }, logger);
    await expect(notifier.notify(notification)).resolves.toBe(false);
    expect(received).toHaveLength(3);
    expect(logger.errors).toEqual([
      {
        msg: 'gate notification given up',
        fields: expect.objectContaining({ gateId: 'run-1.payout', attempts: 3, error: 'HTTP 500' }),
      },
    ]);
  });

  it('survives an unreachable endpoint, and does nothing when no URL is configured', async () => {
    const logger = recordingLogger();
    const unreachable = new GateNotifier(
      { url: 'http://127.0.0.1:1/hook', maxAttempts: 2, backoffMs: 1, timeoutMs: 500 },
      logger,
    );
    await expect(unreachable.notify(notification)).resolves.toBe(false);
    expect(logger.errors).toHaveLength(1);
    const off = new GateNotifier({ maxAttempts: 3, backoffMs: 1, timeoutMs: 500 }, logger);
    expect(off.enabled).toBe(false);
    await expect(off.notify(notification)).resolves.toBe(false);
  });
});
