import type { NatsConnection } from '@nats-io/nats-core';
import { SignJWT } from 'jose';
import type { LedgerflowError } from '@ledgerflow/domain';
import { decodeJson, encodeJson } from '@ledgerflow/messaging';
import { toHttpError } from './http-error.filter.js';
import { OperatorController, RUN_COMMAND_SUBJECT } from './operator.controller.js';
import { ReviewerAuth } from './reviewer-auth.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';

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

async function refusal(promise: Promise<unknown>): Promise<LedgerflowError> {
  try {
    await promise;
  } catch (error) {
    return error as LedgerflowError;
  }
  throw new Error('expected a refusal');
}

describe('OperatorController', () => {
  let bearer: string;
  beforeAll(async () => {
    const token = await new SignJWT({ roles: ['ops'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setIssuer('ledgerflow').setIssuedAt().setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    bearer = `Bearer ${token}`;
  });
  const auth = new ReviewerAuth(SECRET, 'ledgerflow');
  const ok = (body: Record<string, unknown>) => ({ ok: true, value: { runId: body.runId, command: body.command, status: 'running', events: ['StepRetryScheduled'] } });

  it('forwards each action to the planner with the operator as a human actor', async () => {
    const { nc, sent } = fakeNats(ok);
    const controller = new OperatorController(auth, nc);
    expect(await controller.retry('r1', { stepId: 'pay', agent: 'backup' }, bearer)).toEqual({ runId: 'r1', command: 'retry', status: 'running', events: ['StepRetryScheduled'] });
    await controller.skip('r1', { stepId: 'notify', reason: 'opted out' }, bearer);
    await controller.revise('r1', { addSteps: [{ id: 'x', tool: 't', action: 'a', agent: 'g' }], removeStepIds: ['y'], reason: 'batch' }, bearer);
    await controller.cancel('r1', { reason: 'duplicate' }, bearer);
    const actor = { kind: 'human', id: 'ann' };
    expect(sent).toEqual([
      { subject: RUN_COMMAND_SUBJECT, runId: 'r1', body: { runId: 'r1', command: 'retry', stepId: 'pay', agent: 'backup', actor } },
      { subject: RUN_COMMAND_SUBJECT, runId: 'r1', body: { runId: 'r1', command: 'skip', stepId: 'notify', reason: 'opted out', actor } },
      { subject: RUN_COMMAND_SUBJECT, runId: 'r1', body: { runId: 'r1', command: 'revise', revision: { addSteps: [{ id: 'x', tool: 't', action: 'a', agent: 'g' }], removeStepIds: ['y'] }, reason: 'batch', actor } },
      { subject: RUN_COMMAND_SUBJECT, runId: 'r1', body: { runId: 'r1', command: 'cancel', reason: 'duplicate', actor } },
    ]);
  });

  it('needs a valid bearer token (401) before anything is sent, and a valid body (400)', async () => {
    const { nc, sent } = fakeNats(ok);
    const controller = new OperatorController(auth, nc);
    const missing = await refusal(controller.cancel('r1', { reason: 'x' }, undefined));
    expect(toHttpError(missing).status).toBe(401);
    const invalid = await refusal(controller.skip('r1', { stepId: 'notify' }, bearer));
    expect(toHttpError(invalid)).toMatchObject({ status: 400, body: { code: 'request_invalid' } });
    expect(sent).toEqual([]);
  });

  it("keeps the planner's refusal: a skip of a required step is 409 RUN.STEP_NOT_OPTIONAL", async () => {
    const { nc } = fakeNats(() => ({ ok: false, error: { code: 'RUN.STEP_NOT_OPTIONAL', message: 'step "pay" is not optional', retryable: false, details: { stepId: 'pay' } } }));
    const refused = await refusal(new OperatorController(auth, nc).skip('r1', { stepId: 'pay', reason: 'x' }, bearer));
    expect(toHttpError(refused)).toEqual({ status: 409, body: { code: 'RUN.STEP_NOT_OPTIONAL', message: 'step "pay" is not optional', retryable: false, details: { stepId: 'pay' } } });
  });
});
