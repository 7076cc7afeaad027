import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { webhookSignatureHeaders } from '@ledgerflow/sdk';
import type { WebhookSigning } from '@ledgerflow/sdk';
import {
  benchWorkers,
  eventually,
  generateWebhookSecret,
  repoRoot,
  startNatsServer,
  startStack,
  tempDir,
  writeWebhookSecrets,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

/**
 * Webhook ingress end to end: the six services, nats-server and the bench workers as OS processes; the
 * gateway reads a secrets file giving `noop-chain` a Standard Webhooks secret and `recorded-chain` a
 * GitHub-style HMAC secret; `ops-token` has none. Refusals are asserted on the store (no event appended)
 * and on the bus (no start-run request reached the planner).
 */
describe('webhook signatures end to end', () => {
  const standard: WebhookSigning = { scheme: 'standard-webhooks', secret: generateWebhookSecret() };
  const github: WebhookSigning = { scheme: 'hmac-sha256', secret: 'github-style-shared-secret-0001' };
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let plannerRequests: Subscription;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-webhooks-e2e-');
    const { env } = await writeWebhookSecrets(dataDir, {
      'noop-chain': { scheme: 'standard-webhooks', secret: standard.secret },
      'recorded-chain': { scheme: 'hmac-sha256', secret: github.secret },
    });
    stack = await startStack({
      dataDir,
      env: { ...env, LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows' },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect();
    plannerRequests = nc.subscribe(subjects.plannerStartRun);
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const post = async (workflowId: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${stack.gatewayUrl}/v1/webhooks/${workflowId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    return {
      status: response.status,
      body: JSON.parse(text) as { runId?: string; created?: boolean; error?: { code: string; message: string } },
    };
  };
  // What a delivery records first is `RunTriggered`: count those (runs started by earlier cases keep appending other events).
  const eventCount = async () =>
    (await store.readAll({ maxCount: 1_000_000 })).filter((e) => e.type === 'RunTriggered').length;
  const body = JSON.stringify({ order: 'A-1', note: 'signed, not re-serialised' });
  const now = () => new Date();

  it('refuses bad, missing and stale signatures, a foreign secret and an unconfigured workflow, with 401 and nothing recorded', async () => {
    const before = await eventCount();
    const requestsBefore = plannerRequests.getReceived();
    const good = webhookSignatureHeaders(body, 'msg-refused', standard, now());
    const cases: Array<[string, string, Record<string, string>, string]> = [
      [
        'missing signature',
        'noop-chain',
        { 'webhook-id': 'msg-refused', 'webhook-timestamp': good['webhook-timestamp']! },
        'webhook_signature_missing',
      ],
      ['no signature headers at all', 'noop-chain', { 'Idempotency-Key': 'msg-refused' }, 'webhook_signature_missing'],
      [
        'bad signature',
        'noop-chain',
        { ...good, 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
        'webhook_signature_invalid',
      ],
      ['body changed after signing', 'noop-chain', good, 'webhook_signature_invalid'],
      [
        'stale timestamp',
        'noop-chain',
        webhookSignatureHeaders(body, 'msg-refused', standard, new Date(Date.now() - 10 * 60_000)),
        'webhook_timestamp_stale',
      ],
      [
        "another workflow's secret",
        'noop-chain',
        webhookSignatureHeaders(
          body,
          'msg-refused',
          { scheme: 'standard-webhooks', secret: generateWebhookSecret() },
          now(),
        ),
        'webhook_signature_invalid',
      ],
      [
        'HMAC under the wrong secret',
        'recorded-chain',
        webhookSignatureHeaders(body, 'd-refused', { ...github, secret: 'not-the-configured-secret' }),
        'webhook_signature_invalid',
      ],
      ['HMAC header missing', 'recorded-chain', { 'X-GitHub-Delivery': 'd-refused' }, 'webhook_signature_missing'],
      [
        'workflow without a secret',
        'ops-token',
        webhookSignatureHeaders(body, 'msg-refused', standard, now()),
        'webhook_not_configured',
      ],
    ];
    for (const [name, workflowId, headers, code] of cases) {
      const sent = name === 'body changed after signing' ? body.replace('A-1', 'A-2') : body;
      const response = await post(workflowId, sent, headers);
      expect({ name, status: response.status, code: response.body.error?.code }).toEqual({ name, status: 401, code });
    }
    const unconfigured = await post('ops-token', body, webhookSignatureHeaders(body, 'x', standard, now()));
    expect(unconfigured.body.error?.message).toContain('LEDGERFLOW_WEBHOOK_SECRETS_FILE');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await eventCount()).toBe(before);
    expect(plannerRequests.getReceived()).toBe(requestsBefore);
  }, 30_000);

  it('starts a run for a valid Standard Webhooks delivery; its replay makes no second run', async () => {
    const headers = webhookSignatureHeaders(body, 'msg-1', standard, now());
    const requestsBefore = plannerRequests.getReceived();
    const first = await post('noop-chain', body, headers);
    expect(first.status).toBe(202);
    await eventually(
      'the start-run request seen on the bus',
      () => plannerRequests.getReceived() > requestsBefore,
      5_000,
      50,
    );
    expect(first.body).toMatchObject({ created: true });
    const replay = await post('noop-chain', body, headers);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ runId: first.body.runId, created: false });
    const underNewKey = await post('noop-chain', body, { ...headers, 'Idempotency-Key': 'fresh-key' });
    expect(underNewKey.status).toBe(400);
    expect(underNewKey.body.error?.code).toBe('webhook_idempotency_key_mismatch');
    const triggers = (await store.readAll({ streamPrefix: 'run-', maxCount: 1_000_000 })).filter(
      (e) => e.type === 'RunTriggered',
    );
    expect(triggers.map((e) => e.streamId)).toEqual([`run-${first.body.runId}`]);
    expect(triggers[0]?.data).toMatchObject({
      workflowId: 'noop-chain',
      trigger: { source: 'webhook', idempotencyKey: 'msg-1' },
      input: JSON.parse(body),
    });
  }, 30_000);

  it('starts a run for a valid GitHub-style HMAC delivery, keyed by X-GitHub-Delivery', async () => {
    const headers = webhookSignatureHeaders(body, 'delivery-1', github);
    const first = await post('recorded-chain', body, headers);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ created: true });
    const again = await post('recorded-chain', body, headers);
    expect(again.body).toMatchObject({ runId: first.body.runId, created: false });
  }, 30_000);

  it('keeps the body limit and the parser errors: 413, 400, and 415 for a body that is not JSON', async () => {
    const before = await eventCount();
    const large = JSON.stringify({ blob: 'x'.repeat(300 * 1024) });
    const tooLarge = await post('noop-chain', large, webhookSignatureHeaders(large, 'msg-big', standard, now()));
    expect([tooLarge.status, tooLarge.body.error?.code]).toEqual([413, 'payload_too_large']);
    const malformed = await post(
      'noop-chain',
      '{"order":',
      webhookSignatureHeaders('{"order":', 'msg-bad', standard, now()),
    );
    expect([malformed.status, malformed.body.error?.code]).toEqual([400, 'message_malformed']);
    const text = await fetch(`${stack.gatewayUrl}/v1/webhooks/noop-chain`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...webhookSignatureHeaders('hi', 'msg-text', standard, now()) },
      body: 'hi',
    });
    expect(text.status).toBe(415);
    expect(await eventCount()).toBe(before);
  }, 30_000);

  it('stops the gateway with exit code 78 naming the file when the secrets file is malformed', async () => {
    const dir = await tempDir('ledgerflow-webhooks-bad-');
    const file = join(dir, 'secrets.yaml');
    await writeFile(file, 'noop-chain: { scheme: standard-webhooks, secret: whsec_c2hvcnQ= }\n');
    const nats = await startNatsServer({ storeDir: join(dir, 'jetstream') });
    try {
      const { code, stderr } = await runGateway({
        NATS_URL: nats.url,
        LEDGERFLOW_STORE: 'sqlite',
        LEDGERFLOW_SQLITE_PATH: join(dir, 'ledgerflow.db'),
        LEDGERFLOW_AUTH_SECRET: stack.authSecret,
        LEDGERFLOW_GATEWAY_PORT: '0',
        LEDGERFLOW_WEBHOOK_SECRETS_FILE: file,
      });
      expect(code).toBe(78);
      expect(stderr).toContain(
        `webhook_secrets_invalid: LEDGERFLOW_WEBHOOK_SECRETS_FILE=${file}: /noop-chain/secret: must be whsec_`,
      );
    } finally {
      await nats.stop();
    }
  }, 30_000);
});

function runGateway(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'services/gateway/dist/main.js')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
