import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { webhookSignatureHeaders } from '@ledgerflow/sdk';
import { generateWebhookSecret, startStack, tempDir, writeWebhookSecrets } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { readLedger } from './tools/billing-ledger.js';
import { eventually, http, reviewerToken, sampleClaims } from './e2e-support.spec-util.js';

/**
 * The claim-review workflow end to end: nats-server, the six services and the claim-review tool workers,
 * each a separate OS process; every sample claim started through the HTTP API; assertions on the events
 * in the SQLite store and on the billing ledger (the tool side effect).
 */
describe('claim-review end to end', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let ledgerPath: string;
  const runIds = new Map<string, string>();
  const claims = sampleClaims();
  const webhookSecret = generateWebhookSecret();
  const signed = (body: string, id: string) =>
    webhookSignatureHeaders(body, id, { scheme: 'standard-webhooks', secret: webhookSecret });

  const eventsOf = (claimId: string): Promise<StoredEvent[]> => store.readStream(`run-${runIds.get(claimId)}`);
  const types = (events: readonly StoredEvent[], stepId?: string) =>
    events.filter((e) => !stepId || (e.data as { stepId?: string }).stepId === stepId).map((e) => e.type);
  const ended = async (claimId: string) => {
    const events = await eventsOf(claimId);
    return events.some((e) => ['RunCompleted', 'RunFailed', 'RunCancelled'].includes(e.type)) ? events : undefined;
  };

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-claims-e2e-');
    ledgerPath = join(dataDir, 'billing-ledger.jsonl');
    const webhooks = await writeWebhookSecrets(dataDir, {
      'claim-review': { scheme: 'standard-webhooks', secret: webhookSecret },
    });
    stack = await startStack({
      dataDir,
      env: webhooks.env,
      extras: [
        {
          name: 'claim-review-workers',
          script: 'examples/claim-review/dist/workers.js',
          readyLine: /^ledgerflow:ready claim-review-workers$/,
          env: { CLAIM_FRAUD_OUTAGE_CLAIMS: 'CLM-2026-0006', CLAIM_BILLING_LEDGER: ledgerPath },
        },
      ],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('starts one run per claim; the same idempotency key never makes a second run', async () => {
    for (const claim of claims) {
      const response = await http(stack, 'POST', '/v1/workflows/claim-review/runs', {
        input: claim,
        idempotencyKey: claim.claimId,
      });
      expect(response.status).toBe(202);
      expect(response.body?.created).toBe(true);
      runIds.set(claim.claimId, String(response.body?.runId));
    }
    const delivery = JSON.stringify(claims[0]);
    const again = await http(stack, 'POST', '/v1/webhooks/claim-review', delivery, signed(delivery, 'webhook-1'));
    const repeat = await http(stack, 'POST', '/v1/webhooks/claim-review', delivery, signed(delivery, 'webhook-1'));
    expect(again.status).toBe(202);
    expect(repeat.body).toEqual({ ...again.body, created: false });
    const retried = await http(stack, 'POST', '/v1/workflows/claim-review/runs', {
      input: claims[1],
      idempotencyKey: claims[1].claimId,
    });
    expect(retried.body).toMatchObject({ runId: runIds.get(claims[1].claimId), created: false });
    runIds.set('webhook-1', String(again.body?.runId));
  }, 30_000);

  it('holds the over-50,000 payout at a gate that only a named reviewer can open', async () => {
    const runId = runIds.get('CLM-2026-0004');
    const gate = await eventually(
      async () => {
        const response = await http(stack, 'GET', '/v1/gates?status=open');
        return (response.body as unknown as Array<{ gateId: string; runId: string; reviewers: string[] }>).find(
          (g) => g.runId === runId,
        );
      },
      30_000,
      'the payout gate',
    );
    expect(gate.reviewers).toEqual(['claims-lead']);
    expect(types(await eventsOf('CLM-2026-0004'), 'payout')).not.toContain('StepStarted');

    const stranger = await http(
      stack,
      'POST',
      `/v1/gates/${gate.gateId}/decision`,
      { outcome: 'approve' },
      { authorization: `Bearer ${await reviewerToken(stack, 'intern')}` },
    );
    expect(stranger.status).toBe(403);
    expect(stranger.body?.error?.code).toBe('run_reviewer_not_named');
    const anonymous = await http(
      stack,
      'POST',
      `/v1/gates/${gate.gateId}/decision`,
      { outcome: 'approve' },
      { authorization: '' },
    );
    expect(anonymous.status).toBe(401);

    const lead = `Bearer ${await reviewerToken(stack, 'claims-lead')}`;
    const approved = await http(
      stack,
      'POST',
      `/v1/gates/${gate.gateId}/decision`,
      { outcome: 'approve', comment: 'reviewed' },
      { authorization: lead },
    );
    expect(approved.status).toBe(200);
    const twice = await http(
      stack,
      'POST',
      `/v1/gates/${gate.gateId}/decision`,
      { outcome: 'reject' },
      { authorization: lead },
    );
    expect(twice.status).toBe(409);
    expect(twice.body?.error?.code).toBe('run_gate_already_decided');
  }, 40_000);

  it('ends every run as its claim expects, recorded as events', async () => {
    for (const claimId of runIds.keys()) await eventually(() => ended(claimId), 30_000, `run of ${claimId} to end`);

    for (const claimId of [
      'CLM-2026-0001',
      'CLM-2026-0002',
      'CLM-2026-0003',
      'CLM-2026-0004',
      'CLM-2026-0006',
      'webhook-1',
    ]) {
      const events = await eventsOf(claimId);
      expect(events[events.length - 1].type).toBe('RunCompleted');
      expect(types(events).slice(0, 2)).toEqual(['RunTriggered', 'PlanCreated']);
    }
    const gated = await eventsOf('CLM-2026-0004');
    expect(types(gated, 'payout')).toEqual([
      'StepPolicyEvaluated',
      'GateOpened',
      'GateDecided',
      'StepStarted',
      'StepSucceeded',
    ]);
    expect(gated.find((e) => e.type === 'GateDecided')?.data).toMatchObject({
      outcome: 'approved',
      reviewer: 'claims-lead',
    });

    const denied = await eventsOf('CLM-2026-0005');
    expect(types(denied, 'payout')).toEqual(['StepPolicyEvaluated', 'StepBlocked', 'RunFailed']);
    expect(denied[denied.length - 1]).toMatchObject({ type: 'RunFailed', data: { code: 'policy_denied' } });
    const decision = denied.find(
      (e) => e.type === 'StepPolicyEvaluated' && (e.data as { stepId: string }).stepId === 'payout',
    );
    expect(decision?.data).toMatchObject({ decision: { outcome: 'deny' } });
    expect(JSON.stringify(decision?.data)).toContain('above the limit of 1,000,000');

    const retried = await eventsOf('CLM-2026-0006');
    expect(types(retried, 'fraud_screen')).toEqual([
      'StepPolicyEvaluated',
      'StepStarted',
      'StepFailed',
      'StepRetryScheduled',
      'StepPolicyEvaluated',
      'StepStarted',
      'StepSucceeded',
    ]);
    expect(retried.find((e) => e.type === 'StepFailed')?.data).toMatchObject({
      attempt: 1,
      error: { code: 'fraud_service_unavailable', retryable: true },
    });
  }, 60_000);

  it('checks policy before every step starts and pays each paid claim exactly once', async () => {
    for (const claimId of runIds.keys()) {
      const events = await eventsOf(claimId);
      for (const started of events.filter((e) => e.type === 'StepStarted')) {
        const { stepId, attempt } = started.data as { stepId: string; attempt: number };
        const evaluated = events.findIndex(
          (e) =>
            e.type === 'StepPolicyEvaluated' &&
            (e.data as { stepId: string; attempt: number }).stepId === stepId &&
            (e.data as { attempt: number }).attempt === attempt,
        );
        expect(evaluated).toBeGreaterThanOrEqual(0);
        expect(evaluated).toBeLessThan(events.indexOf(started));
      }
    }
    const ledger = await readLedger(ledgerPath);
    const paidRuns = ledger.map((line) => line.runId).sort();
    const expected = ['CLM-2026-0001', 'CLM-2026-0002', 'CLM-2026-0003', 'CLM-2026-0004', 'CLM-2026-0006', 'webhook-1']
      .map((c) => runIds.get(c))
      .sort();
    expect(paidRuns).toEqual(expected);
  }, 20_000);

  it('serves the trace and per-step statistics learned by memory', async () => {
    const trace = await http(stack, 'GET', `/v1/runs/${runIds.get('CLM-2026-0006')}/trace`);
    expect(trace.body).toMatchObject({ status: 'completed' });
    const steps = trace.body?.steps as Array<{
      step: string;
      tool: string;
      action: string;
      status: string;
      attempts: number;
      duration_ms: number;
      policy: string;
    }>;
    expect(steps.map((s) => [s.step, s.tool, s.action, s.status, s.policy])).toEqual([
      ['extract_documents', 'documents', 'extract', 'succeeded', 'allow'],
      ['check_coverage', 'policy_admin', 'check_coverage', 'succeeded', 'allow'],
      ['fraud_screen', 'fraud', 'screen', 'succeeded', 'allow'],
      ['payout', 'billing', 'payout', 'succeeded', 'allow'],
    ]);
    expect(steps[2].attempts).toBe(2);
    expect(Number(trace.body?.total_duration_ms)).toBeGreaterThan(0);

    const stats = await eventually(
      async () => {
        const response = await http(stack, 'GET', '/v1/workflows/claim-review/stats');
        const rows = response.body as unknown as Array<{
          stepId: string;
          runs: number;
          succeeded: number;
          failed: number;
          successRate: number;
        }>;
        const extract = rows?.find((r) => r.stepId === 'extract_documents');
        // Memory folds events concurrently, in any order: wait until it has seen every attempt of fraud_screen too.
        const screened = rows?.find((r) => r.stepId === 'fraud_screen');
        return extract?.runs === runIds.size &&
          screened !== undefined &&
          screened.succeeded + screened.failed === runIds.size + 1
          ? rows
          : undefined;
      },
      20_000,
      'memory to see every run',
    );
    const fraud = stats.find((r) => r.stepId === 'fraud_screen');
    expect(fraud).toMatchObject({ failed: 1 });
    expect(fraud?.successRate).toBeCloseTo(runIds.size / (runIds.size + 1), 5);
  }, 30_000);

  it('serves its OpenAPI document', async () => {
    const document = await http(stack, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    const paths = Object.keys((document.body as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/workflows/{workflowId}/runs',
        '/v1/webhooks/{workflowId}',
        '/v1/runs',
        '/v1/runs/{runId}',
        '/v1/runs/{runId}/events',
        '/v1/runs/{runId}/trace',
        '/v1/gates/{gateId}/decision',
      ]),
    );
  });

  it('rejects bad triggers with a clear error and appends nothing', async () => {
    const before = (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).length;
    const malformed = await http(stack, 'POST', '/v1/workflows/claim-review/runs', '{"input": {', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body?.error?.code).toBe('message_malformed');
    const invalid = await http(stack, 'POST', '/v1/workflows/claim-review/runs', {
      input: { ...claims[0], amount: -5, claimId: 'CLM-X' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body?.error?.code).toBe('input_invalid');
    expect(invalid.body?.error?.message).toContain('/amount');
    expect(invalid.body?.error?.message).toContain('/claimId');
    const unknown = await http(stack, 'POST', '/v1/workflows/no-such-flow/runs', { input: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body?.error?.code).toBe('workflow_unknown');
    const unsigned = await http(stack, 'POST', '/v1/webhooks/claim-review', claims[0], {
      'Idempotency-Key': 'webhook-2',
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body?.error?.code).toBe('webhook_signature_missing');
    const after = (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).length;
    expect(after).toBe(before);
  }, 20_000);
});
