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
import { RunStarter } from './start-run.js';
import { rejectionOf } from '@ledgerflow/testing';

/** Same key + same payload -> the existing run; same key + another payload -> idempotency_key_reused, nothing appended. */

const exampleDir = fileURLToPath(new URL('../../../examples/claim-review/', import.meta.url));
const NOW = '2026-05-01T10:00:00.000Z';
const claim = JSON.parse(readFileSync(`${exampleDir}claims/CLM-2026-0001.json`, 'utf8')) as Record<string, unknown>;
const trigger = (payload: unknown, overrides: Partial<TriggerMessage> = {}): TriggerMessage => ({
  workflowId: 'claim-review',
  idempotencyKey: 'crm-evt-1',
  source: 'api',
  payload,
  ...overrides,
});

describe('RunStarter idempotency', () => {
  let definitions: DefinitionRegistry;
  let store: InMemoryEventStore;
  let starter: RunStarter;
  const runs = () => new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW));
  beforeAll(() => {
    definitions = loadDefinitions([`${exampleDir}workflows`]);
  });
  beforeEach(() => {
    store = new InMemoryEventStore();
    starter = new RunStarter(definitions, runs());
  });

  it('records the digest of the canonical payload in RunTriggered', async () => {
    await starter.start(trigger(claim));
    const [triggered] = await store.readAll();
    expect(triggered?.data).toMatchObject({
      trigger: { source: 'api', idempotencyKey: 'crm-evt-1', payloadDigest: inputDigestOf(claim) },
    });
    expect(inputDigestOf(claim)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('the same key and the same payload (keys in another order) answers the existing run', async () => {
    const first = await starter.start(trigger(claim));
    const reordered = Object.fromEntries(Object.entries(claim).reverse());
    await expect(starter.start(trigger(reordered))).resolves.toEqual({ runId: first.runId, created: false });
    await expect(new RunStarter(definitions, runs()).start(trigger(claim, { source: 'webhook' }))).resolves.toEqual({
      runId: first.runId,
      created: false,
    });
    expect(await store.readAll()).toHaveLength(2);
  });

  it('the same key with another payload is refused with idempotency_key_reused; nothing is appended', async () => {
    const first = await starter.start(trigger(claim));
    for (const other of [{ ...claim, amount: Number(claim.amount) + 1 }, { ...claim, extra: true }, null]) {
      const error = await rejectionOf(starter.start(trigger(other)));
      expect(error).toMatchObject({
        code: 'idempotency_key_reused',
        retryable: false,
        details: {
          field: 'idempotencyKey',
          idempotencyKey: 'crm-evt-1',
          workflowId: 'claim-review',
          runId: first.runId,
        },
      });
      expect(error.message).toContain('with a different payload');
    }
    expect(await store.readAll()).toHaveLength(2);
    expect((await store.readAll())[0]?.data).toMatchObject({ input: claim });
  });

  it('also when the run was started by another replica since this one last read it (the race is decided on append)', async () => {
    const stale = new RunStarter(definitions, runs());
    await stale.start(trigger(claim, { idempotencyKey: 'warm-up' })); // the replica has read the store before
    await starter.start(trigger(claim));
    await expect(rejectionOf(stale.start(trigger({ ...claim, amount: 9 })))).resolves.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });

  it('a run recorded before payloadDigest existed: any payload counts as a match (no digest to compare)', async () => {
    const runId = runIdFor('claim-review', 'legacy-key');
    const plan = {
      workflowId: 'claim-review',
      workflowVersion: '1.0.0',
      concurrency: 1,
      agents: { a: ['t.x'] },
      steps: [
        {
          id: 's',
          name: 's',
          tool: 't',
          action: 'x',
          agent: 'a',
          dependsOn: [],
          input: {},
          retry: { maxAttempts: 1, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 },
          timeoutMs: 1000,
          optional: false,
          policyTags: [],
        },
      ],
    } satisfies Plan;
    await store.append(
      runStreamId(runId),
      [
        {
          type: 'RunTriggered',
          data: {
            runId,
            workflowId: 'claim-review',
            workflowVersion: '1.0.0',
            trigger: { source: 'api', idempotencyKey: 'legacy-key' },
            input: claim,
          },
          metadata: {
            eventId: crypto.randomUUID(),
            runId,
            causationId: 'legacy-key',
            actor: { kind: 'service', id: 'planner' },
            occurredAt: NOW,
            schemaVersion: 1,
          },
        },
        {
          type: 'PlanCreated',
          data: { plan },
          metadata: {
            eventId: crypto.randomUUID(),
            runId,
            causationId: 'legacy-key',
            actor: { kind: 'service', id: 'planner' },
            occurredAt: NOW,
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await expect(starter.start(trigger({ ...claim, amount: 5 }, { idempotencyKey: 'legacy-key' }))).resolves.toEqual({
      runId,
      created: false,
    });
  });
});
