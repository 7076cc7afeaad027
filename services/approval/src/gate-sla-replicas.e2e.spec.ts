import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { LEASES_BUCKET } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { DEFAULT_LEASE_POLL_MS, DEFAULT_LEASE_TTL_MS } from '@ledgerflow/messaging';
import { benchWorkers, replicaNames, startStack } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { eventually, http } from './approval-e2e.spec-util.js';
import { APPROVAL_LEASE_KEY } from './gate-events.consumer.js';

/**
 * The longest a gate waits past the later of its deadline and the death of the approval replica timing it: the
 * lease `approval` expires (10 s TTL), a standby takes it at its next poll (1 s), scans the store and escalates at
 * once. The margin covers the scan, the append and a loaded 2-core machine.
 */
const TAKEOVER_BOUND_MS = DEFAULT_LEASE_TTL_MS + DEFAULT_LEASE_POLL_MS + 4_000;

/**
 * Gate SLAs with two approval replicas, each its own OS process, on nats-server and one SQLite file: the replica
 * that received `GateOpened` and armed the gate's timer is SIGKILLed before the deadline, and the other one
 * escalates the gate (once) within {@link TAKEOVER_BOUND_MS} of the kill; then the lease holder is killed before a
 * gate opens, so the gate opens (through the survivor) while no replica times gates, and is still escalated once.
 */
describe('gate SLA with two approval replicas', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  const approvals = replicaNames('approval', 2);

  const events = (runId: string): Promise<StoredEvent[]> => store.readStream(`run-${runId}`);
  const eventOf = async (runId: string, type: string) => (await events(runId)).find((e) => e.type === type);

  beforeAll(async () => {
    stack = await startStack({
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: 'services/approval/src/fixtures/workflows,examples/bench/workflows',
        LEDGERFLOW_LOG_LEVEL: 'info', // approval's "gate SLA timed" and "gate escalated" lines name the replica
      },
      replicas: { approval: 2 },
      extras: [benchWorkers()],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('escalates a gate whose timing replica was killed, from the other replica, once', async () => {
    const started = await http(stack, 'POST', '/v1/workflows/gate-sla-replicas/runs', {
      input: {},
      idempotencyKey: 'replicas-sla-1',
    });
    expect(started.status).toBe(202);
    const runId = String(started.body.runId);
    const opened = await eventually(() => eventOf(runId, 'GateOpened'), 30_000, 'GateOpened');
    const { gateId, dueAt } = opened.data as { gateId: string; dueAt: string };

    const timing = await eventually(
      async () =>
        approvals.find((name) =>
          stack
            .process(name)
            .output()
            .split('\n')
            .some((line) => line.includes('gate SLA timed') && line.includes(runId)),
        ),
      10_000,
      'the approval replica that received GateOpened to time the gate',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${approvals.map((n) => `${n}:\n${stack.process(n).output()}`).join('\n')}`);
    });
    const other = approvals.find((name) => name !== timing)!;
    expect(
      stack
        .process(other)
        .output()
        .split('\n')
        .some((line) => line.includes('gate SLA timed') && line.includes(runId)),
    ).toBe(false); // the standby (it may have opened the gate: any replica answers that) does not time it
    expect(Date.now()).toBeLessThan(Date.parse(dueAt) - 1000); // killed well before the deadline
    stack.process(timing).kill('SIGKILL');
    await stack.process(timing).exited;
    const killedAt = Date.now();

    const escalated = await eventually(
      () => eventOf(runId, 'GateEscalated'),
      TAKEOVER_BOUND_MS + 2_000,
      'GateEscalated from the surviving replica',
    );
    const escalatedAt = Date.parse(escalated.metadata.occurredAt);
    expect(escalated.data).toEqual({ gateId, level: 1, reviewers: ['second-reviewer'] });
    expect(escalatedAt).toBeGreaterThanOrEqual(Date.parse(dueAt)); // never early
    expect(escalatedAt - killedAt).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    await eventually(
      'the surviving replica to log the escalation',
      () =>
        stack
          .process(other)
          .output()
          .split('\n')
          .some((line) => line.includes('gate escalated') && line.includes(runId)),
      5_000,
    );

    // Once per level, even after the killed replica is back (it stands by, or takes the lease and scans again).
    await stack.restart(timing);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await events(runId)).filter((e) => e.type === 'GateEscalated')).toHaveLength(1);
  }, 90_000);

  it('escalates a gate opened while the lease holder was dead, once the survivor takes the lease', async () => {
    const nc = await stack.connect();
    const entry = await (await new Kvm(jetstream(nc)).open(LEASES_BUCKET)).get(APPROVAL_LEASE_KEY);
    await nc.close();
    const { holder } = entry!.json<{ holder: string }>(); // `<host>/<pid>/<uuid>` (libs/messaging, Lease)
    const holderPid = Number(holder.split('/')[1]);
    const holding = approvals.find((name) => stack.process(name).pid === holderPid);
    expect(holding).toBeDefined();
    stack.process(holding!).kill('SIGKILL');
    await stack.process(holding!).exited;
    const killedAt = Date.now();

    const started = await http(stack, 'POST', '/v1/workflows/gate-sla-replicas/runs', {
      input: {},
      idempotencyKey: 'replicas-sla-2',
    });
    expect(started.status).toBe(202);
    const runId = String(started.body.runId);
    const opened = await eventually(() => eventOf(runId, 'GateOpened'), 30_000, 'GateOpened from the survivor');
    const { gateId, dueAt } = opened.data as { gateId: string; dueAt: string };
    // Opened before the survivor could have taken the lease: the lease outlives its dead holder by its TTL.
    expect(Date.parse(opened.metadata.occurredAt) - killedAt).toBeLessThan(DEFAULT_LEASE_TTL_MS);

    const escalated = await eventually(
      () => eventOf(runId, 'GateEscalated'),
      Math.max(Date.parse(dueAt), killedAt) - Date.now() + TAKEOVER_BOUND_MS + 2_000,
      'GateEscalated once the surviving replica holds the lease',
    );
    const escalatedAt = Date.parse(escalated.metadata.occurredAt);
    expect(escalated.data).toEqual({ gateId, level: 1, reviewers: ['second-reviewer'] });
    expect(escalatedAt).toBeGreaterThanOrEqual(Date.parse(dueAt)); // never early
    expect(escalatedAt - Math.max(Date.parse(dueAt), killedAt)).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);

    await stack.restart(holding!);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await events(runId)).filter((e) => e.type === 'GateEscalated')).toHaveLength(1);
  }, 90_000);
});
