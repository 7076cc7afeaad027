import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { eventually, repoRoot, spawnProcess, startStack, withPlannerAlone } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

const claim = {
  claimId: 'CLM-2026-0101',
  policyNumber: 'POL-HOME-100001',
  amount: 100,
  currency: 'EUR',
  incidentDate: '2026-10-01',
  description: 'A test claim',
  attachments: ['claim-0001-form.pdf'],
  claimant: { name: 'Ada Lovelace', email: 'ada@example.com', country: 'GB' },
};

/** Triggers arriving on JetStream (`lf.trigger.<workflowId>`): one run per message id; rejected ones are published. */
describe('planner over JetStream triggers', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let store: SqliteEventStore;

  beforeAll(async () => {
    stack = await startStack();
    nc = await stack.connect('publisher');
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await nc?.drain();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const runTriggers = async () =>
    (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).filter((e) => e.type === 'RunTriggered');

  it('starts one run per idempotency key and publishes rejected triggers with their error', async () => {
    const js = jetstream(nc);
    const rejected: Array<{ idempotencyKey: string; error: { code: string; message: string } }> = [];
    nc.subscribe('lf.trigger-rejected.claim-review', {
      callback: (_e, m) => {
        rejected.push(m.json());
      },
    });
    await nc.flush();

    await js.publish('lf.trigger.claim-review', JSON.stringify(claim), { msgID: 'crm-event-1' });
    await js.publish('lf.trigger.claim-review', JSON.stringify(claim), { msgID: 'crm-event-1' });
    const hdrs = natsHeaders();
    hdrs.set('lf-idempotency-key', 'crm-event-1');
    await js.publish('lf.trigger.claim-review', JSON.stringify(claim), {
      msgID: 'crm-event-1-redelivered',
      headers: hdrs,
    });
    await js.publish('lf.trigger.claim-review', '{"claimId": ', { msgID: 'crm-event-2' });
    await js.publish('lf.trigger.claim-review', JSON.stringify({ ...claim, amount: 'lots' }), { msgID: 'crm-event-3' });

    await eventually(
      'two rejected triggers and a run triggered',
      async () => rejected.length >= 2 && (await runTriggers()).length >= 1,
      15_000,
      50,
    );
    // A second run for the same idempotency key would be recorded within this pause.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const triggered = await runTriggers();
    expect(triggered).toHaveLength(1);
    expect(triggered[0].data).toMatchObject({
      workflowId: 'claim-review',
      trigger: { source: 'nats', idempotencyKey: 'crm-event-1' },
    });
    expect(rejected.map((r) => [r.idempotencyKey, r.error.code]).sort()).toEqual([
      ['crm-event-2', 'message_malformed'],
      ['crm-event-3', 'input_invalid'],
    ]);
    expect(rejected.find((r) => r.error.code === 'input_invalid')?.error.message).toContain('/amount');
  }, 30_000);
});

describe('planner start-up', () => {
  it('refuses to start on an invalid definition, naming the file and the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-bad-defs-'));
    writeFileSync(
      join(dir, 'cyclic.yaml'),
      [
        'id: cyclic',
        'version: 1.0.0',
        'title: Cyclic',
        'trigger: { type: test }',
        'inputSchema: { type: object }',
        'tools: { t: [a] }',
        'agents: { x: [t.a] }',
        'steps:',
        '  - { id: one, name: one, tool: t, action: a, agent: x, dependsOn: [two], input: {} }',
        '  - { id: two, name: two, tool: t, action: a, agent: x, dependsOn: [one], input: {} }',
      ].join('\n'),
    );
    await withPlannerAlone(dir, async (planner) => {
      expect(await planner.exited).toBe(78);
      expect(planner.output()).toContain('refused to start: plan_cycle');
      expect(planner.output()).toContain(join(dir, 'cyclic.yaml'));
    });
  }, 30_000);

  it('refuses to start with a malformed variable, naming it', async () => {
    const planner = await spawnProcess({
      name: 'planner',
      command: process.execPath,
      args: [join(repoRoot(), 'services/planner/dist/main.js')],
      cwd: repoRoot(),
      env: { NATS_URL: 'not a url', LEDGERFLOW_STORE: 'postgres' },
    });
    expect(await planner.exited).toBe(78);
    expect(planner.output()).toContain('NATS_URL');
    expect(planner.output()).toContain('LEDGERFLOW_STORE');
    expect(planner.output()).toContain('LEDGERFLOW_PII_KEY');
  }, 30_000);
});
