import { renamedField } from '@ledgerflow/testing';
import type { NatsConnection } from '@nats-io/nats-core';
import { foldRun, RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { RunEvent } from '@ledgerflow/domain';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { createLogger } from '@ledgerflow/telemetry';
import { memoryStreamId } from '@ledgerflow/contracts';
import type { LearnedRecoveryRule, RecommendationApplied } from '@ledgerflow/contracts';
import type { InMemoryEventStore } from '@ledgerflow/event-store';
import { LearnedRecoveryRules } from './learned-rules.js';
import { fixtures, NOW, runWithFailures } from './operator.spec-util.js';
import { RecoveryConsumer, StepRecoveries } from './recovery.consumer.js';
import type { WorkflowCatalog } from './workflow-catalog.js';

describe('StepRecoveries', () => {
  let env: ReturnType<typeof fixtures>;
  let recoveries: StepRecoveries;
  const events = async (runId: string) =>
    (await env.store.readStream(`run-${runId}`)).map((event) => ({ type: event.type, data: event.data }) as RunEvent);

  beforeEach(() => {
    env = fixtures();
    recoveries = new StepRecoveries(env.runs, env.registry);
  });

  it('adds the recovery steps of the matching rule before a new attempt, author planner, once per failed attempt', async () => {
    await runWithFailures(env.runs, 'r1', { notify: 'upstream_rejected', call_api: 'token_expired' });
    expect(foldRun(await events('r1')).status).toBe('paused');
    expect(await recoveries.recover('r1', 'call_api', 1, 'token_expired')).toBe('recovered');
    const all = await events('r1');
    expect(all.slice(-3).map((event) => event.type)).toEqual(['RunResumed', 'PlanRevised', 'StepRetryScheduled']);
    expect(all.at(-2)).toMatchObject({
      data: {
        author: 'planner',
        rule: 'refresh-expired-token',
        addedSteps: [{ id: 'refresh_token' }],
        addedDependencies: { call_api: ['refresh_token'] },
      },
    });
    expect(foldRun(all).steps.call_api).toMatchObject({ status: 'pending', attempt: 2 });
    expect(await recoveries.recover('r1', 'call_api', 1, 'token_expired')).toBe('not_failed');
    expect((await events('r1')).length).toBe(all.length);
  });

  it('does nothing for an error code without a rule', async () => {
    await runWithFailures(env.runs, 'r2', { call_api: 'upstream_rejected' });
    const before = (await events('r2')).length;
    expect(await recoveries.recover('r2', 'call_api', 1, 'upstream_rejected')).toBe('no_rule');
    expect((await events('r2')).length).toBe(before);
  });

  it('leaves a second failure with the same code to an operator (the rule fired once)', async () => {
    await runWithFailures(env.runs, 'r3', { call_api: 'token_expired', notify: 'token_expired' });
    expect(await recoveries.recover('r3', 'call_api', 1, 'token_expired')).toBe('recovered');
    const before = (await events('r3')).length;
    expect(await recoveries.recover('r3', 'notify', 1, 'token_expired')).toBe('already_applied');
    expect((await events('r3')).length).toBe(before);
  });
});

describe('StepRecoveries: learned rules (accepted recommendations in memory-<workflowId>)', () => {
  let env: ReturnType<typeof fixtures>;
  let recoveries: StepRecoveries;
  const events = async (runId: string) =>
    (await env.store.readStream(`run-${runId}`)).map((event) => ({ type: event.type, data: event.data }) as RunEvent);
  const learned = (overrides: Partial<LearnedRecoveryRule> = {}): LearnedRecoveryRule => ({
    id: 'learned-0a1b2c3d',
    recommendationId: 'ops.add_recovery_rule.0123456789ab',
    workflowId: 'ops',
    scope: [],
    on: { step: 'call_api', code: 'upstream_rejected' },
    steps: [{ id: 'refresh_token', tool: 'bench', action: 'refresh_token', agent: 'main' }],
    ...overrides,
  });
  /** Appends `RecommendationApplied{rule}` as memory does when a person accepts the recommendation. */
  const applied = async (store: InMemoryEventStore, rule: LearnedRecoveryRule): Promise<void> => {
    const data: RecommendationApplied = {
      recommendationId: rule.recommendationId,
      kind: 'add_recovery_rule',
      rule,
      appliedAt: NOW,
    };
    const stream = memoryStreamId('ops');
    const revision = (await store.readStream(stream)).length - 1;
    await store.append(
      stream,
      [
        {
          type: 'RecommendationApplied',
          data,
          metadata: {
            eventId: `applied-${rule.id}`,
            runId: '',
            causationId: 'test',
            actor: { kind: 'human', id: 'ana', via: 'memory' },
            occurredAt: NOW,
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: revision < 0 ? 'no_stream' : revision },
    );
  };

  beforeEach(() => {
    env = fixtures();
    recoveries = new StepRecoveries(env.runs, env.registry, undefined, new LearnedRecoveryRules(env.store));
  });

  it('applies a learned rule when the definition has none: PlanRevised names the rule and its recommendation, once per run', async () => {
    await applied(env.store, learned());
    await runWithFailures(env.runs, 'l1', { call_api: 'upstream_rejected' });
    expect(await recoveries.recover('l1', 'call_api', 1, 'upstream_rejected')).toBe('recovered');
    const all = await events('l1');
    expect(all.at(-2)).toMatchObject({
      type: 'PlanRevised',
      data: {
        author: 'planner',
        rule: 'learned-0a1b2c3d',
        recommendationId: 'ops.add_recovery_rule.0123456789ab',
        addedSteps: [{ id: 'refresh_token', tool: 'bench', action: 'refresh_token', agent: 'main', dependsOn: [] }],
        addedDependencies: { call_api: ['refresh_token'] },
      },
    });
    expect(foldRun(all).steps.call_api).toMatchObject({ status: 'pending', attempt: 2 });
    expect(await recoveries.recover('l1', 'call_api', 1, 'upstream_rejected')).toBe('not_failed');
    expect((await events('l1')).length).toBe(all.length);
  });

  it("the definition's own rule wins over a learned one for the same failure", async () => {
    await applied(env.store, learned({ on: { step: 'call_api', code: 'token_expired' }, id: 'learned-ffffffff' }));
    await runWithFailures(env.runs, 'l2', { call_api: 'token_expired' });
    expect(await recoveries.recover('l2', 'call_api', 1, 'token_expired')).toBe('recovered');
    expect((await events('l2')).at(-2)).toMatchObject({ data: { rule: 'refresh-expired-token' } });
  });

  it('never applies a rule learned in another memory scope, for another step, or one whose tools the definition lacks', async () => {
    await applied(env.store, learned({ id: 'learned-00000001', scope: ['claims'] }));
    await applied(env.store, learned({ id: 'learned-00000002', on: { step: 'notify', code: 'upstream_rejected' } }));
    await applied(
      env.store,
      learned({
        id: 'learned-00000003',
        on: { step: 'call_api', code: 'quota_exceeded' },
        steps: [{ id: 'wait', tool: 'clock', action: 'sleep', agent: 'main' }],
      }),
    );
    await runWithFailures(env.runs, 'l3', { call_api: 'upstream_rejected' });
    await runWithFailures(env.runs, 'l4', { call_api: 'quota_exceeded' });
    const before = [(await events('l3')).length, (await events('l4')).length];
    expect(await recoveries.recover('l3', 'call_api', 1, 'upstream_rejected')).toBe('no_rule');
    expect(await recoveries.recover('l4', 'call_api', 1, 'quota_exceeded')).toBe('no_rule');
    expect([(await events('l3')).length, (await events('l4')).length]).toEqual(before);
  });

  it('takes the latest applied rule for a failure', async () => {
    await applied(env.store, learned({ id: 'learned-00000010' }));
    await applied(
      env.store,
      learned({
        id: 'learned-00000011',
        recommendationId: 'ops.add_recovery_rule.ba9876543210',
        steps: [{ id: 'renew', tool: 'bench', action: 'token', agent: 'main' }],
      }),
    );
    await runWithFailures(env.runs, 'l5', { call_api: 'upstream_rejected' });
    expect(await recoveries.recover('l5', 'call_api', 1, 'upstream_rejected')).toBe('recovered');
    expect((await events('l5')).at(-2)).toMatchObject({
      data: { rule: 'learned-00000011', addedSteps: [{ id: 'renew' }] },
    });
  });
});

describe('RecoveryConsumer: a relayed StepFailed stored in an older shape', () => {
  /**
   * A change of shape as a test registers it: suppose StepFailed v1 named its error `fault` and v2 (the shape the
   * fold reads) renamed it `error`. The events this spec's run stores are already in the v2 shape at version 1, so
   * the upcaster leaves an event without `fault` as it is.
   */
  const renamed = RUN_EVENT_UPCASTERS.with(renamedField('StepFailed', 'fault', 'error'));

  /** The relayed message of `event` as the durable consumer hands it over (body only, no headers). */
  const relayed = (event: object): ConsumedMessage => {
    const data = new TextEncoder().encode(JSON.stringify(event));
    return {
      subject: 'lf.evt.run.r5.StepFailed',
      data,
      json: <T>() => JSON.parse(new TextDecoder().decode(data)) as T,
      headers: undefined,
      deliveryCount: 1,
      streamSequence: 1,
    };
  };

  it('reads the error code in the current shape and applies the recovery rule', async () => {
    const env = fixtures();
    await runWithFailures(env.runs, 'r5', { call_api: 'token_expired' });
    const stored = (await env.store.readStream('run-r5')).find((event) => event.type === 'StepFailed');
    if (!stored) throw new Error('the run has no StepFailed');
    const { error, ...rest } = stored.data as { error: unknown };
    const v1 = { ...stored, data: { ...rest, fault: error }, metadata: { ...stored.metadata, schemaVersion: 1 } };
    // The NATS connection is not used by handle() (only by start(), which this spec does not call).
    const consumer = new RecoveryConsumer(
      undefined as unknown as NatsConnection,
      env.runs.upcastWith(renamed),
      env.registry as unknown as WorkflowCatalog,
      createLogger('planner', { level: 'error' }),
      env.store,
    );
    await (consumer as unknown as { handle(message: ConsumedMessage): Promise<void> }).handle(relayed(v1));
    const after = await env.store.readStream('run-r5');
    expect(after.slice(-2).map((event) => event.type)).toEqual(['PlanRevised', 'StepRetryScheduled']);
    expect(after.at(-2)?.data).toMatchObject({ rule: 'refresh-expired-token' });
  });
  it('refuses an event of a newer schema version than this release reads (retried, never guessed at)', async () => {
    const env = fixtures();
    await runWithFailures(env.runs, 'r6', { call_api: 'token_expired' });
    const stored = (await env.store.readStream('run-r6')).find((event) => event.type === 'StepFailed');
    const consumer = new RecoveryConsumer(
      undefined as unknown as NatsConnection,
      env.runs,
      env.registry as unknown as WorkflowCatalog,
      createLogger('planner', { level: 'error' }),
      env.store,
    );
    const newer = { ...stored, metadata: { ...stored?.metadata, schemaVersion: 2 } };
    await expect(
      (consumer as unknown as { handle(message: ConsumedMessage): Promise<void> }).handle(relayed(newer)),
    ).rejects.toMatchObject({ code: 'event_version_unsupported' });
  });
});
