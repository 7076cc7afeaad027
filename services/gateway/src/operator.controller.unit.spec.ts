import type { NatsConnection } from '@nats-io/nats-core';
import { decodeJson, encodeJson } from '@ledgerflow/messaging';
import { toHttpError } from './http-error.filter.js';
import { subjects } from '@ledgerflow/contracts';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { OperatorController, SkipStepBody } from './operator.controller.js';
import { ServicesClient } from './services.client.js';
import type { Principal } from '@ledgerflow/contracts';
import { rejectionOf } from '@ledgerflow/testing';

/** A stand-in for NATS: records each request and answers with `reply` (the planner's JSON envelope). */
function fakeNats(reply: (body: Record<string, unknown>) => unknown) {
  const sent: Array<{ subject: string; body: Record<string, unknown>; runId?: string }> = [];
  const nc = {
    request: async (subject: string, data: Uint8Array, options: { headers?: { get(key: string): string } }) => {
      const body = decodeJson<Record<string, unknown>>(data);
      sent.push({ subject, body, runId: options.headers?.get('lf-run-id') });
      return { data: encodeJson(reply(body)) };
    },
  } as unknown as NatsConnection;
  return { nc, sent };
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('OperatorController', () => {
  const bearer = 'Bearer header.payload.signature';
  const ann: Principal = { kind: 'human', id: 'ann', scopes: ['runs:operate'] };
  const ok = (body: Record<string, unknown>) => ({
    ok: true,
    value: { runId: body.runId, command: body.command, status: 'running', events: ['StepRetryScheduled'] },
  });

  it("forwards each action to the planner with the operator's own token, never an actor of its own", async () => {
    const { nc, sent } = fakeNats(ok);
    const controller = new OperatorController(new ServicesClient(nc));
    expect(await controller.retry('r1', { stepId: 'pay', agent: 'backup' }, ann, bearer)).toEqual({
      runId: 'r1',
      command: 'retry',
      status: 'running',
      events: ['StepRetryScheduled'],
    });
    await controller.skip('r1', { stepId: 'notify', reason: 'opted out' }, ann, bearer);
    await controller.revise(
      'r1',
      { addSteps: [{ id: 'x', tool: 't', action: 'a', agent: 'g' }], removeStepIds: ['y'], reason: 'batch' },
      ann,
      bearer,
    );
    await controller.cancel('r1', { reason: 'duplicate' }, ann, bearer);
    const token = 'header.payload.signature';
    expect(sent).toEqual([
      {
        subject: subjects.plannerRunCommand,
        runId: 'r1',
        body: { runId: 'r1', command: 'retry', stepId: 'pay', agent: 'backup', token },
      },
      {
        subject: subjects.plannerRunCommand,
        runId: 'r1',
        body: { runId: 'r1', command: 'skip', stepId: 'notify', reason: 'opted out', token },
      },
      {
        subject: subjects.plannerRunCommand,
        runId: 'r1',
        body: {
          runId: 'r1',
          command: 'revise',
          revision: { addSteps: [{ id: 'x', tool: 't', action: 'a', agent: 'g' }], removeStepIds: ['y'] },
          reason: 'batch',
          token,
        },
      },
      {
        subject: subjects.plannerRunCommand,
        runId: 'r1',
        body: { runId: 'r1', command: 'cancel', reason: 'duplicate', token },
      },
    ]);
  });

  it('refuses a service account (403 human_required) and an invalid body (400) before anything is sent', async () => {
    const { nc, sent } = fakeNats(ok);
    const controller = new OperatorController(new ServicesClient(nc));
    const service = await rejectionOf(
      controller.cancel(
        'r1',
        { reason: 'x' },
        { kind: 'service', id: 'svc:crm:0123456789abcdef', scopes: ['runs:operate'] },
        bearer,
      ),
    );
    expect(toHttpError(service)).toMatchObject({ status: 403, body: { code: 'human_required' } });
    // The body is validated by the gateway's pipe before the handler runs (gateway.module.ts, APP_PIPE).
    const invalid = thrownBy(() =>
      new BodyValidationPipe().transform({ stepId: 'notify' }, { type: 'body', metatype: SkipStepBody }),
    );
    expect(toHttpError(invalid)).toMatchObject({
      status: 400,
      body: {
        code: 'request_invalid',
        details: { violations: expect.arrayContaining([expect.objectContaining({ field: 'reason' })]) },
      },
    });
    expect(sent).toEqual([]);
  });

  it("keeps the planner's refusal: a skip of a required step is 409 run_step_not_optional", async () => {
    const { nc } = fakeNats(() => ({
      ok: false,
      error: {
        code: 'run_step_not_optional',
        message: 'step "pay" is not optional',
        retryable: false,
        details: { stepId: 'pay' },
      },
    }));
    const refused = await rejectionOf(
      new OperatorController(new ServicesClient(nc)).skip('r1', { stepId: 'pay', reason: 'x' }, ann, bearer),
    );
    expect(toHttpError(refused)).toEqual({
      status: 409,
      body: {
        code: 'run_step_not_optional',
        message: 'step "pay" is not optional',
        retryable: false,
        details: { stepId: 'pay' },
      },
    });
  });
});
