import { foldRun } from '@ledgerflow/domain';
import type { RunEvent } from '@ledgerflow/domain';
import { fixtures, runWithFailures } from './operator.spec-util.js';
import { StepRecoveries } from './recovery.consumer.js';

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
