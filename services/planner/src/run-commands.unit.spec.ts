import { validateBody } from '@ledgerflow/service-runtime';
import { fixtures, runWithFailures } from './operator.spec-util.js';
import { RunCommandDto, RunCommands } from './run-commands.js';
import { rejectionOf } from '@ledgerflow/testing';

const ann = { kind: 'human' as const, id: 'ann' };

describe('RunCommands', () => {
  let env: ReturnType<typeof fixtures>;
  let commands: RunCommands;
  const send = (body: Record<string, unknown>) => {
    const { token: _verified, ...request } = validateBody(RunCommandDto, {
      runId: 'r1',
      token: 'verified-by-the-controller',
      ...body,
    });
    return commands.execute({ ...request, actor: ann });
  };
  const stored = async () =>
    (await env.store.readStream('run-r1')).map((event) => ({
      type: event.type,
      data: event.data as Record<string, unknown>,
    }));

  beforeEach(async () => {
    env = fixtures();
    commands = new RunCommands(env.runs);
    await runWithFailures(env.runs, 'r1', { call_api: 'upstream_rejected', notify: 'upstream_rejected' });
  });

  it('retry with a substitute agent: resumes, records the agent and the operator', async () => {
    const result = await send({ command: 'retry', stepId: 'notify', agent: 'backup', reason: 'main is throttled' });
    expect(result).toEqual({
      runId: 'r1',
      command: 'retry',
      status: 'running',
      events: ['RunResumed', 'StepRetryScheduled'],
    });
    expect((await stored()).at(-1)).toEqual({
      type: 'StepRetryScheduled',
      data: {
        stepId: 'notify',
        attempt: 2,
        delayMs: 0,
        dueAt: '2026-05-01T10:00:00.000Z',
        agent: 'backup',
        reason: 'main is throttled',
        requestedBy: 'ann',
      },
    });
    // The operator is the actor of the whole commit, recorded by the planner on her behalf.
    const commit = (await env.store.readStream('run-r1')).slice(-2);
    expect(commit.map((event) => event.metadata.actor)).toEqual(
      [ann, ann].map((actor) => ({ ...actor, via: 'planner' })),
    );
  });

  it('skip of an optional step is recorded with the operator; of a required step refused with run_step_not_optional', async () => {
    const refused = await rejectionOf(send({ command: 'skip', stepId: 'call_api', reason: 'no' }));
    expect(refused.code).toBe('run_step_not_optional');
    const result = await send({ command: 'skip', stepId: 'notify', reason: 'claimant opted out' });
    expect(result.events).toEqual(['StepSkipped']);
    expect((await stored()).at(-1)).toEqual({
      type: 'StepSkipped',
      data: { stepId: 'notify', reason: 'claimant opted out', requestedBy: 'ann' },
    });
  });

  it('revise: replaces a failed step with drafted steps, author = the operator', async () => {
    const result = await send({
      command: 'revise',
      reason: 'use the batch API',
      revision: {
        addSteps: [{ id: 'call_batch', tool: 'bench', action: 'noop', agent: 'main', dependsOn: ['prepare'] }],
        removeStepIds: ['call_api'],
      },
    });
    expect(result.events).toEqual(['RunResumed', 'PlanRevised']);
    expect((await stored()).at(-1)).toMatchObject({
      type: 'PlanRevised',
      data: {
        revision: 1,
        author: 'ann',
        reason: 'use the batch API',
        removedStepIds: ['call_api'],
        addedSteps: [{ id: 'call_batch', timeoutMs: 30000 }],
      },
    });
  });

  it('cancel records the operator; unknown runs are run_not_found; missing fields are request_invalid', async () => {
    expect((await send({ command: 'cancel', reason: 'duplicate' })).status).toBe('cancelled');
    expect((await stored()).at(-1)).toEqual({
      type: 'RunCancelled',
      data: { reason: 'duplicate', requestedBy: 'ann' },
    });
    expect((await rejectionOf(send({ command: 'cancel', reason: 'again' }))).code).toBe('run_already_ended');
    expect((await rejectionOf(send({ runId: 'ghost', command: 'cancel', reason: 'x' }))).code).toBe('run_not_found');
    expect((await rejectionOf(send({ command: 'skip', stepId: 'notify' }))).code).toBe('request_invalid');
    // A run id that is not one (CR/LF, spaces, dots) is refused before anything is read.
    expect(() => validateBody(RunCommandDto, { runId: 'r1\r\nx', command: 'cancel', reason: 'x', token: 't' })).toThrow(
      'runId',
    );
    // The operator comes from the token only: a body naming its own actor is refused.
    expect(() =>
      validateBody(RunCommandDto, {
        runId: 'r1',
        command: 'retry',
        stepId: 'notify',
        token: 't',
        actor: { kind: 'human', id: 'x' },
      }),
    ).toThrow('actor');
  });

  it('refuses an invalid revision with the plan code and appends nothing', async () => {
    const before = (await stored()).length;
    const refused = await rejectionOf(
      send({
        command: 'revise',
        revision: { addSteps: [{ id: 'x', tool: 'bench', action: 'noop', agent: 'ghost' }], removeStepIds: [] },
      }),
    );
    expect(refused.code).toBe('plan_unknown_agent');
    expect(
      (await rejectionOf(send({ command: 'revise', revision: { addSteps: [{ id: 'x' }], removeStepIds: [] } }))).code,
    ).toBe('plan_invalid_step');
    expect((await stored()).length).toBe(before);
  });
});
