import type { NatsConnection } from '@nats-io/nats-core';
import { foldRun, RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { RunEvent } from '@ledgerflow/domain';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { createLogger } from '@ledgerflow/telemetry';
import { fixtures, runWithFailures } from './operator.spec-util.js';
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

describe('RecoveryConsumer: a relayed StepFailed stored in an older shape', () => {
  /**
   * A change of shape as a test registers it: suppose StepFailed v1 named its error `fault` and v2 (the shape the
   * fold reads) renamed it `error`. The events this spec's run stores are already in the v2 shape at version 1, so
   * the upcaster leaves an event without `fault` as it is.
   */
  const renamed = RUN_EVENT_UPCASTERS.with({
    type: 'StepFailed',
    fromVersion: 1,
    upcast: (data) => {
      const { fault, ...rest } = data as { fault?: unknown };
      return fault === undefined ? data : { ...rest, error: fault };
    },
  });

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
    );
    const newer = { ...stored, metadata: { ...stored?.metadata, schemaVersion: 2 } };
    await expect(
      (consumer as unknown as { handle(message: ConsumedMessage): Promise<void> }).handle(relayed(newer)),
    ).rejects.toMatchObject({ code: 'event_version_unsupported' });
  });
});
