import { createPublicKey } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import type { PolicyEvaluateRequest, PolicyEvaluation } from '@ledgerflow/contracts';
import type { RunEvent } from '@ledgerflow/domain';
import { evaluate, loadPolicyPacks } from '@ledgerflow/policy-engine';
import { GrantSigner } from './grant-signer.js';
import { PolicyEvaluator, factsOf } from './policy-evaluator.js';
import { foldRun } from '@ledgerflow/domain';
import { aPlan, aStep } from '@ledgerflow/testing';
import {
  DIGEST,
  EXAMPLE_POLICIES,
  CLAIM_REVIEW,
  RUN_ID,
  assess,
  ev,
  grantKeys,
  payout,
  payoutRequest,
  runsOf,
} from './policy.spec-util.js';

const keys = grantKeys();
const packs = loadPolicyPacks([EXAMPLE_POLICIES]);
const signer = new GrantSigner(keys.privatePem, 300);

/** Given the run's events, when the executor asks about an attempt, then: the evaluation. */
const given = (events: readonly RunEvent[]) => ({
  when: (request: PolicyEvaluateRequest): Promise<PolicyEvaluation> =>
    new PolicyEvaluator(packs, signer, runsOf({ [RUN_ID]: events })).evaluate(request),
});

const plan = aPlan([assess, payout], CLAIM_REVIEW);
const payoutReady = [...ev.started(plan), ...ev.assessed()];

describe('lf.policy.evaluate: the facts come from the run, never from the request', () => {
  it('allows 4,820.50 with a grant bound to the run, step, attempt, tool action, idempotency key and input digest', async () => {
    const request = payoutRequest(4_820.5);
    const { decision, grant, withheld } = await given(payoutReady).when(request);
    expect(decision).toEqual(evaluate(factsOf(foldRun(payoutReady), payout, request), packs));
    expect(decision.outcome).toBe('allow');
    expect(withheld).toBeUndefined();
    const { payload } = await jwtVerify(grant as string, createPublicKey(keys.publicPem), {
      issuer: 'ledgerflow-policy',
      audience: 'lf.tool.billing.payout',
    });
    expect(payload).toMatchObject({
      sub: 'payout-agent',
      run: RUN_ID,
      step: 'payout',
      attempt: 1,
      tool: 'billing',
      action: 'payout',
      key: `${RUN_ID}/payout/1`,
      digest: DIGEST,
      jti: decision.auditId,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  it('takes agent and capabilities from the plan: a step whose agent lacks billing.payout is denied, no grant', async () => {
    const overreach = aPlan([assess, { ...payout, agent: 'clerk' }], CLAIM_REVIEW);
    const { decision, grant, withheld } = await given([...ev.started(overreach), ...ev.assessed()]).when(
      payoutRequest(10),
    );
    expect(decision.outcome).toBe('deny');
    expect(decision.rationale).toContain('billing.payout');
    expect(grant).toBeUndefined();
    expect(withheld?.code).toBe('denied');
  });

  it('signs a substitute agent from an operator retry (StepRetryScheduled.agent) as the grant subject', async () => {
    const events = [
      ...payoutReady,
      ev.evaluated('payout'),
      ev.stepStarted(payout),
      ev.failed('payout'),
      ev.retryScheduled('payout', 2, 'payout-backup'),
    ];
    const { grant } = await given(events).when(payoutRequest(10, { attempt: 2 }));
    expect(decodeJwt(grant as string)).toMatchObject({ sub: 'payout-backup', attempt: 2, key: `${RUN_ID}/payout/2` });
  });

  it('grants a step added by a plan revision', async () => {
    const extra = aStep('notify', {
      tool: 'billing',
      action: 'payout',
      agent: 'payout-agent',
      dependsOn: ['assess'],
      policyTags: [],
    });
    const { grant } = await given([...payoutReady, ev.revised([extra])]).when(payoutRequest(10, { stepId: 'notify' }));
    expect(decodeJwt(grant as string)).toMatchObject({ step: 'notify', key: `${RUN_ID}/notify/1` });
  });

  it('answers run_not_found and step_not_found as errors, not retryable', async () => {
    await expect(given(payoutReady).when(payoutRequest(10, { runId: 'run-unknown' }))).rejects.toMatchObject({
      code: 'run_not_found',
      retryable: false,
    });
    await expect(given(payoutReady).when(payoutRequest(10, { stepId: 'forge' }))).rejects.toMatchObject({
      code: 'step_not_found',
      retryable: false,
    });
  });
});

describe("lf.policy.evaluate: a grant only when the run's events let the attempt run now", () => {
  const withheldCode = async (events: readonly RunEvent[], request: PolicyEvaluateRequest) => {
    const evaluation = await given(events).when(request);
    expect(evaluation.grant === undefined).toBe(evaluation.withheld !== undefined);
    return evaluation.withheld?.code ?? 'granted';
  };

  it('require_approval (72,500): no grant until the gate the decision asked for is approved', async () => {
    const request = payoutRequest(72_500);
    const evaluated = [...payoutReady, ev.evaluatedForApproval('payout')];
    expect(await withheldCode(payoutReady, request)).toBe('gate_not_approved');
    expect(await withheldCode(evaluated, request)).toBe('gate_not_approved');
    expect(await withheldCode([...evaluated, ev.gateOpened('payout', 'policy')], request)).toBe('gate_not_approved');
    const approved = [...evaluated, ev.gateOpened('payout', 'policy'), ev.gateDecided('payout')];
    expect(await withheldCode(approved, request)).toBe('granted');
    expect(await withheldCode([...approved, ev.stepStarted(payout, 1, request.input)], request)).toBe('granted');
  });

  it('a definition gate: no grant while undecided or rejected, a grant once approved', async () => {
    const gated = aPlan([assess, { ...payout, gate: { reviewers: ['claims-lead'], escalateTo: [] } }], CLAIM_REVIEW);
    const ready = [...ev.started(gated), ...ev.assessed()];
    const request = payoutRequest(10);
    expect(await withheldCode(ready, request)).toBe('gate_not_approved');
    expect(await withheldCode([...ready, ev.evaluated('payout')], request)).toBe('gate_not_approved');
    expect(await withheldCode([...ready, ev.evaluated('payout'), ev.gateOpened('payout')], request)).toBe(
      'gate_not_approved',
    );
    expect(
      await withheldCode(
        [...ready, ev.evaluated('payout'), ev.gateOpened('payout'), ev.gateDecided('payout', 'rejected')],
        request,
      ),
    ).not.toBe('granted');
    expect(
      await withheldCode(
        [...ready, ev.evaluated('payout'), ev.gateOpened('payout'), ev.gateDecided('payout')],
        request,
      ),
    ).toBe('granted');
  });

  it('no grant before the dependencies are done, for another attempt, after the attempt finished, or while paused', async () => {
    const started = [...payoutReady, ev.evaluated('payout'), ev.stepStarted(payout)];
    expect(await withheldCode(ev.started(plan), payoutRequest(10))).toBe('dependencies_not_done');
    expect(await withheldCode(payoutReady, payoutRequest(10, { attempt: 2 }))).toBe('attempt_not_current');
    expect(await withheldCode([...started, ev.succeeded('payout')], payoutRequest(10))).toBe('step_finished');
    expect(
      await withheldCode([...started, ev.failed('payout'), ev.retryScheduled('payout', 2)], payoutRequest(10)),
    ).toBe('attempt_not_current');
    expect(
      await withheldCode(
        [...started, ev.failed('payout'), ev.retryScheduled('payout', 2)],
        payoutRequest(10, { attempt: 2 }),
      ),
    ).toBe('granted');
    expect(await withheldCode([...payoutReady, ev.paused()], payoutRequest(10))).toBe('run_not_running');
  });

  it('a started attempt is granted only for its recorded input', async () => {
    const started = [...payoutReady, ev.evaluated('payout'), ev.stepStarted(payout, 1, payoutRequest(10).input)];
    expect(await withheldCode(started, payoutRequest(10))).toBe('granted');
    expect(await withheldCode(started, payoutRequest(11))).toBe('input_mismatch');
  });

  it('a new grant for each attempt, bound to that attempt and its key', async () => {
    const retried = [
      ...payoutReady,
      ev.evaluated('payout'),
      ev.stepStarted(payout),
      ev.failed('payout'),
      ev.retryScheduled('payout', 2),
    ];
    const [first, second] = await Promise.all([
      given(payoutReady).when(payoutRequest(10)),
      given(retried).when(payoutRequest(10, { attempt: 2 })),
    ]);
    expect(decodeJwt(first.grant as string)).toMatchObject({ attempt: 1, key: `${RUN_ID}/payout/1` });
    expect(decodeJwt(second.grant as string)).toMatchObject({ attempt: 2, key: `${RUN_ID}/payout/2` });
  });
});
