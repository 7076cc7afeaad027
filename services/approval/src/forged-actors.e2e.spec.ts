import type { NatsConnection } from '@nats-io/nats-core';
import { SignJWT } from 'jose';
import { runIdFor, subjects } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { requestJson } from '@ledgerflow/messaging';
import { devToken, eventually, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * A message is a request, not a fact (docs/security.md, "Humans over the bus"): a decision or an operator
 * command sent straight to `lf.approval.decide-gate` / `lf.planner.run-command` (here with the gateway's own
 * NATS credentials, the only ones allowed to publish them) names no reviewer or operator of its own; the
 * services take the human from the forwarded token, which they verify. A `chaos-gated` run waits at its gate
 * (g2, reviewer chaos-lead) throughout; every forgery is refused and nothing is appended to the run.
 */
describe('forged reviewers and operators over NATS', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let runId: string;
  let gateId: string;

  const events = (): Promise<StoredEvent[]> => store.readStream(`run-${runId}`);
  const send = (subject: string, body: unknown) =>
    requestJson<Record<string, unknown>>(nc, subject, body, { timeoutMs: 10_000 });
  async function refusal(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof LedgerflowError) return error.code;
      throw error;
    }
    return 'accepted';
  }

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-forged-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows'],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('gateway');
    runId = await startRunOverHttp(stack, 'chaos-gated', { input: { sleepMs: 0 }, idempotencyKey: 'forged-actors' });
    gateId = `${runId}.g2`;
    await eventually(
      async () => ((await events()).some((e) => e.type === 'GateOpened') ? true : undefined),
      30_000,
      'the gate to open',
    );
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const forgedToken = (sub: string, scope: string) =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer(stack.authIssuer)
      .setAudience(stack.authAudience)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('not-the-stack-key-but-long-enough-to-sign'));

  it('refuses decisions that name their own reviewer or carry a token that does not prove one', async () => {
    const before = (await events()).length;
    const decide = (fields: Record<string, unknown>) =>
      refusal(send(subjects.approvalDecideGate, { gateId, outcome: 'approve', ...fields }));
    expect(await decide({ reviewer: { kind: 'human', id: 'chaos-lead' } })).toBe('request_invalid');
    expect(await decide({ token: await forgedToken('chaos-lead', 'gates:decide') })).toBe('unauthorized');
    expect(await decide({ token: await devToken(stack, { sub: 'chaos-lead', scopes: ['runs:read'] }) })).toBe(
      'forbidden',
    );
    expect(await decide({ token: await devToken(stack, { sub: 'mallory', scopes: ['gates:decide'] }) })).toBe(
      'run_reviewer_not_named',
    );
    expect(await decide({ token: await devToken(stack, { sub: 'svc:crm', scopes: ['gates:decide'] }) })).toBe(
      'human_required',
    );
    expect((await events()).length).toBe(before);
  }, 30_000);

  it('refuses operator commands in the name of a made-up human', async () => {
    const before = (await events()).length;
    const command = (fields: Record<string, unknown>) =>
      refusal(send(subjects.plannerRunCommand, { runId, command: 'cancel', reason: 'forged', ...fields }));
    expect(await command({ actor: { kind: 'human', id: 'made-up' } })).toBe('request_invalid');
    expect(await command({ token: await forgedToken('ops-ann', 'runs:operate') })).toBe('unauthorized');
    expect(
      await command({ token: await devToken(stack, { sub: 'ops-ann', scopes: ['runs:read', 'gates:decide'] }) }),
    ).toBe('forbidden');
    expect((await events()).length).toBe(before);
    expect((await events()).some((e) => e.type === 'RunCancelled')).toBe(false);
  }, 30_000);

  it('takes a request to open gates as a nudge: only the executor may send it, and it opens only what the events call for', async () => {
    const before = (await events()).length;
    // The gateway's user may not publish it (NATS permissions): the request never reaches approval.
    expect(await refusal(send(subjects.approvalOpenGates, { runId }))).not.toBe('accepted');
    const executor = await stack.connect('executor');
    try {
      const ask = (body: unknown) =>
        requestJson<{ opened: string[] }>(executor, subjects.approvalOpenGates, body, { timeoutMs: 10_000 });
      // The run's gate is already open: nothing more is due, whatever the request says.
      expect(await ask({ runId })).toEqual({ opened: [] });
      expect(await refusal(ask({ runId, stepId: 'g2', reviewers: ['mallory'] }))).toBe('request_invalid');
      expect(await refusal(ask({ runId: '../../etc/passwd' }))).toBe('request_invalid');
      expect(await ask({ runId: 'no-such-run' })).toEqual({ opened: [] });
    } finally {
      await executor.close();
    }
    expect((await events()).length).toBe(before);
  }, 30_000);

  it('records the reviewer the token proves when the token is genuine', async () => {
    const token = await devToken(stack, { sub: 'chaos-lead', scopes: ['gates:decide'] });
    expect(await send(subjects.approvalDecideGate, { gateId, outcome: 'approve', token })).toMatchObject({
      gateId,
      outcome: 'approved',
    });
    const all = await events();
    const decided = all.find((e) => e.type === 'GateDecided');
    expect(decided?.data).toMatchObject({ reviewer: 'chaos-lead', outcome: 'approved' });
    // The reviewer is the event's actor, recorded by approval; the gate approval opened on its own stays its own.
    expect(decided?.metadata.actor).toEqual({ kind: 'human', id: 'chaos-lead', via: 'approval' });
    expect(all.find((e) => e.type === 'GateOpened')?.metadata.actor).toEqual({ kind: 'service', id: 'approval' });
  }, 30_000);

  it('refuses starts and forks in the name of a made-up caller; the gateway-authenticated caller is the actor', async () => {
    const trigger = { workflowId: 'chaos-gated', source: 'api', payload: { sleepMs: 0 } };
    const start = (fields: Record<string, unknown>) =>
      refusal(send(subjects.plannerStartRun, { ...trigger, idempotencyKey: 'forged-start', ...fields }));
    expect(await start({ actor: { kind: 'human', id: 'made-up' } })).toBe('request_invalid');
    expect(await start({ serviceAccount: 'made-up' })).toBe('request_invalid');
    expect(await start({ token: await forgedToken('ops-ann', 'runs:start') })).toBe('unauthorized');
    expect(await start({ token: await devToken(stack, { sub: 'ops-ann', scopes: ['runs:read'] }) })).toBe('forbidden');
    expect(
      await refusal(
        send(subjects.plannerForkRun, { runId, at: 'cp-1', token: await forgedToken('ops-ann', 'runs:operate') }),
      ),
    ).toBe('unauthorized');
    expect(await store.readStream(`run-${runIdFor('chaos-gated', 'forged-start')}`)).toEqual([]);

    const token = await devToken(stack, { sub: 'ops-ann', scopes: ['runs:start'] });
    const { runId: started } = (await send(subjects.plannerStartRun, {
      ...trigger,
      idempotencyKey: 'genuine-start',
      token,
    })) as { runId: string };
    const first = await store.readStream(`run-${started}`);
    expect(first.slice(0, 2).map((e) => e.metadata.actor)).toEqual(
      Array(2).fill({ kind: 'human', id: 'ops-ann', via: 'planner' }),
    );
  }, 30_000);
});
