import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inputDigestOf } from '@ledgerflow/audit';
import { runStreamId } from '@ledgerflow/contracts';
import type { TriggerMessage } from '@ledgerflow/contracts';
import { loadDefinitions } from '@ledgerflow/definitions';
import type { DefinitionRegistry } from '@ledgerflow/definitions';
import type { Plan } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { runIdFor } from '@ledgerflow/contracts';
import { MAX_TRIGGER_PAYLOAD_BYTES, RunStarter } from './start-run.js';
import { rejectionOf } from '@ledgerflow/testing';

const exampleDir = fileURLToPath(new URL('../../../examples/claim-review/', import.meta.url));
const claim = JSON.parse(readFileSync(`${exampleDir}claims/CLM-2026-0001.json`, 'utf8')) as Record<string, unknown>;
const NOW = '2026-05-01T10:00:00.000Z';

const trigger = (overrides: Partial<TriggerMessage> = {}): TriggerMessage => ({
  workflowId: 'claim-review',
  idempotencyKey: 'crm-CLM-2026-0001',
  source: 'api',
  payload: claim,
  ...overrides,
});

describe('RunStarter', () => {
  let definitions: DefinitionRegistry;
  let store: InMemoryEventStore;
  let starter: RunStarter;
  beforeAll(() => {
    definitions = loadDefinitions([`${exampleDir}workflows`]);
  });
  beforeEach(() => {
    store = new InMemoryEventStore();
    starter = new RunStarter(
      definitions,
      new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW)),
    );
  });

  it('appends exactly RunTriggered and PlanCreated to run-<runId>', async () => {
    const result = await starter.start(trigger());
    const runId = runIdFor('claim-review', 'crm-CLM-2026-0001');
    expect(result).toEqual({ runId, created: true });

    const all = await store.readAll();
    expect(all.map((e) => [e.streamId, e.revision, e.type])).toEqual([
      [runStreamId(runId), 0, 'RunTriggered'],
      [runStreamId(runId), 1, 'PlanCreated'],
    ]);
    expect(all[0]?.data).toEqual({
      runId,
      workflowId: 'claim-review',
      workflowVersion: '1.0.0',
      trigger: { source: 'api', idempotencyKey: 'crm-CLM-2026-0001', payloadDigest: inputDigestOf(claim) },
      input: claim,
    });
    const plan = (all[1]?.data as { plan: Plan }).plan;
    expect(plan.steps.map((s) => s.id)).toEqual(['extract_documents', 'check_coverage', 'fraud_screen', 'payout']);
    expect(plan).toMatchObject({ workflowId: 'claim-review', workflowVersion: '1.0.0', concurrency: 2 });
    expect(all[0]?.metadata).toMatchObject({
      runId,
      causationId: 'crm-CLM-2026-0001',
      actor: { kind: 'service', id: 'planner' },
      occurredAt: NOW,
      schemaVersion: 1,
    });
  });

  it('records the caller as the actor of both events, by the planner (a trigger with no caller: the planner)', async () => {
    await starter.start(trigger(), { kind: 'service', id: 'svc:crm:0123456789abcdef' });
    const all = await store.readAll();
    expect(all.map((e) => e.metadata.actor)).toEqual(
      Array(2).fill({ kind: 'service', id: 'svc:crm:0123456789abcdef', via: 'planner' }),
    );
  });

  it('the same idempotency key twice gives created: false and appends nothing', async () => {
    const first = await starter.start(trigger());
    const second = await starter.start(trigger({ source: 'nats' }));
    expect(second).toEqual({ runId: first.runId, created: false });
    expect(await store.readAll()).toHaveLength(2);
  });

  it('another planner replica with its own repository also finds the run already there', async () => {
    const first = await starter.start(trigger());
    const replica = new RunStarter(
      definitions,
      new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW)),
    );
    expect(await replica.start(trigger())).toEqual({ runId: first.runId, created: false });
    expect(await store.readAll()).toHaveLength(2);
  });

  it('another idempotency key starts another run', async () => {
    const first = await starter.start(trigger());
    const second = await starter.start(trigger({ idempotencyKey: 'crm-CLM-2026-0001-resubmitted' }));
    expect(second.created).toBe(true);
    expect(second.runId).not.toBe(first.runId);
    expect(await store.readAll()).toHaveLength(4);
  });

  it('refuses input failing the inputSchema with input_invalid, naming the field, and appends nothing', async () => {
    const { claimId: _dropped, ...withoutClaimId } = claim;
    const error = await rejectionOf(starter.start(trigger({ payload: { ...withoutClaimId, amount: 'a lot' } })));
    expect(error.code).toBe('input_invalid');
    expect(error.message).toContain('claimId');
    expect(error.message).toContain('/amount');
    expect(await store.readAll()).toEqual([]);
  });

  it('refuses an unknown workflow with workflow_unknown and appends nothing', async () => {
    const error = await rejectionOf(starter.start(trigger({ workflowId: 'no-such-workflow' })));
    expect(error.code).toBe('workflow_unknown');
    expect(error.message).toContain('no-such-workflow');
    expect(await store.readAll()).toEqual([]);
  });

  it('refuses a payload over 256 KiB with payload_too_large naming the limit, and appends nothing', async () => {
    const payload = { ...claim, description: 'x'.repeat(MAX_TRIGGER_PAYLOAD_BYTES) };
    const error = await rejectionOf(starter.start(trigger({ payload })));
    expect(MAX_TRIGGER_PAYLOAD_BYTES).toBe(256 * 1024);
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toContain(`the limit is ${MAX_TRIGGER_PAYLOAD_BYTES} bytes`);
    expect(error.details).toMatchObject({ field: 'payload', limit: MAX_TRIGGER_PAYLOAD_BYTES });
    expect(await store.readAll()).toEqual([]);
  });

  it('checks the size before anything else: an oversized payload for an unknown workflow is payload_too_large', async () => {
    const error = await rejectionOf(
      starter.start(trigger({ workflowId: 'no-such-workflow', payload: 'y'.repeat(MAX_TRIGGER_PAYLOAD_BYTES + 1) })),
    );
    expect(error.code).toBe('payload_too_large');
  });
});
