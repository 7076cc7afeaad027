import type { RunCommand } from './commands.js';
import { foldRun } from './evolve.js';
import type { PlanStep } from './plan.js';
import { validatePlan } from './plan-validation.js';
import { aPlan, aStep, ev, runSpec } from './run-fixtures.spec-util.js';

/** Recoveries by a learned rule (memory's accepted recommendation): `PlanRevised.recommendationId`, steps' `learnedFrom`. */

const fetchInvoice = aStep('fetch_invoice');
const plan = aPlan([fetchInvoice, aStep('file', { dependsOn: ['fetch_invoice'] })]);
const failed = [...ev.started(plan), ...ev.running(fetchInvoice), ev.failed('fetch_invoice', 1, false)];
const refresh = aStep('refresh_token', { tool: 'crm', action: 'read' });
const recommendationId = 'claims.add_recovery_rule.0123456789ab';
const recover = (over: Partial<Extract<RunCommand, { type: 'RecoverStep' }>['data']> = {}): RunCommand => ({
  type: 'RecoverStep',
  data: { stepId: 'fetch_invoice', attempt: 1, rule: 'learned-1', recoverySteps: [refresh], ...over },
});
const learned = { rule: 'learned-1', recommendationId };

describe('RecoverStep by a learned rule', () => {
  it('names the rule and the recommendation in PlanRevised; each added step carries learnedFrom', () => {
    const events = runSpec(failed).when(recover({ recommendationId })).events();
    const revised = events.find((event) => event.type === 'PlanRevised');
    expect(revised?.data).toMatchObject({
      author: 'planner',
      rule: 'learned-1',
      recommendationId,
      addedSteps: [{ ...refresh, learnedFrom: learned }],
    });
    const state = foldRun([...failed, ...events]);
    expect(state.plan?.steps.find((step) => step.id === 'refresh_token')?.learnedFrom).toEqual(learned);
    expect(state.plan?.steps.find((step) => step.id === 'fetch_invoice')).not.toHaveProperty('learnedFrom');
    expect(() => validatePlan(state.plan!)).not.toThrow();
  });

  it("a definition's rule adds steps without learnedFrom, and drops one the planner passed in", () => {
    const forged: PlanStep = { ...refresh, learnedFrom: { rule: 'x', recommendationId: 'y' } };
    for (const command of [recover(), recover({ recoverySteps: [forged] })]) {
      const revised = runSpec(failed)
        .when(command)
        .events()
        .find((event) => event.type === 'PlanRevised');
      expect(revised?.data).not.toHaveProperty('recommendationId');
      expect((revised?.data as unknown as { addedSteps: PlanStep[] }).addedSteps).toEqual([refresh]);
    }
  });

  it('refuses an empty recommendationId', () => {
    runSpec(failed)
      .when(recover({ recommendationId: '' }))
      .thenThrows('plan_invalid_step', { field: 'recommendationId' });
  });

  it('an operator revision cannot claim a step came from a learned rule', () => {
    runSpec(failed)
      .when({
        type: 'RevisePlan',
        data: {
          author: 'ops-ann',
          reason: 'refresh first',
          addSteps: [{ ...refresh, learnedFrom: learned }],
          removeStepIds: [],
          runDurationMs: 0,
        },
      })
      .thenThrows('plan_invalid_step', { field: 'learnedFrom', stepId: 'refresh_token' });
  });

  it('a fork keeps learnedFrom on the steps of the origin plan', () => {
    const recovered = [...failed, ...runSpec(failed).when(recover({ recommendationId })).events()];
    const origin = foldRun(recovered);
    const [, created] = runSpec([])
      .when({
        type: 'ForkRun',
        data: {
          runId: 'run-2',
          trigger: { source: 'api', idempotencyKey: 'fork/run-1/cp-1' },
          origin,
          forkedFrom: { runId: origin.runId!, checkpoint: 'cp-1', revision: recovered.length - 1 },
        },
      })
      .events();
    expect(created?.type).toBe('PlanCreated');
    const steps = (created?.data as unknown as { plan: { steps: PlanStep[] } }).plan.steps;
    expect(steps.find((step) => step.id === 'refresh_token')?.learnedFrom).toEqual(learned);
  });

  it('validatePlan refuses a malformed learnedFrom', () => {
    const bad = aPlan([{ ...aStep('a'), learnedFrom: { rule: '', recommendationId } }]);
    expect(() => validatePlan(bad)).toThrow(expect.objectContaining({ code: 'plan_invalid_step' }));
  });
});
