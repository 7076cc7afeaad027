import type { RunCommand } from './commands.js';
import type { LedgerflowError } from './errors.js';
import type { GateSpec, PlanStep } from './plan.js';
import { planStepOfDraft } from './plan-step-draft.js';
import { MAX_GATE_SLA_SECONDS, MAX_TIMER_DELAY_MS, validatePlan } from './plan-validation.js';
import { aPlan, aStep, ev, runSpec } from './run-fixtures.spec-util.js';

/** Delays of a step are bounded by Node's timer limit (2^31 - 1 ms); gate SLAs by 366 days (timers chained). */

const DAY_MS = 86_400_000;
const DAY_S = 86_400;
const caught = (action: () => unknown): LedgerflowError => {
  try {
    action();
  } catch (error) {
    return error as LedgerflowError;
  }
  throw new Error('expected an error');
};
const retryWith = (key: 'backoffMs' | 'maxBackoffMs', ms: number): PlanStep['retry'] => ({
  maxAttempts: 3,
  backoffMs: 1000,
  multiplier: 2,
  maxBackoffMs: 5000,
  [key]: ms,
});
const gateWith = (slaSeconds: number): GateSpec => ({
  reviewers: ['claims-lead'],
  escalation: [{ reviewers: ['cfo'], slaSeconds }],
  slaSeconds,
});

describe('validatePlan: delays and SLAs', () => {
  it('states the limits: 2^31 - 1 ms (24.8 days) per timer, 366 days per SLA', () => {
    expect(MAX_TIMER_DELAY_MS).toBe(2 ** 31 - 1);
    expect(MAX_TIMER_DELAY_MS / DAY_MS).toBeCloseTo(24.855, 3);
    expect(MAX_GATE_SLA_SECONDS).toBe(366 * DAY_S);
  });

  it('accepts a 24d step timeout and retry delay, refuses 25d and 365d naming the field and the limit', () => {
    expect(() =>
      validatePlan(
        aPlan([
          aStep('a', {
            timeoutMs: 24 * DAY_MS,
            retry: { maxAttempts: 2, backoffMs: 24 * DAY_MS, multiplier: 1, maxBackoffMs: 24 * DAY_MS },
          }),
        ]),
      ),
    ).not.toThrow();
    for (const days of [25, 365]) {
      expect(caught(() => validatePlan(aPlan([aStep('a', { timeoutMs: days * DAY_MS })])))).toMatchObject({
        code: 'plan_invalid_timeout',
        message: expect.stringContaining(`at most ${MAX_TIMER_DELAY_MS} ms`),
        details: { stepId: 'a', field: 'timeoutMs', limit: MAX_TIMER_DELAY_MS },
      });
      for (const key of ['backoffMs', 'maxBackoffMs'] as const) {
        expect(caught(() => validatePlan(aPlan([aStep('a', { retry: retryWith(key, days * DAY_MS) })])))).toMatchObject(
          {
            code: 'plan_invalid_retry',
            details: { stepId: 'a', field: `retry.${key}`, limit: MAX_TIMER_DELAY_MS, value: days * DAY_MS },
          },
        );
      }
    }
  });

  it('accepts gate SLAs of 24d, 25d and 365d (weeks are legitimate), refuses 367d', () => {
    for (const days of [24, 25, 365])
      expect(() => validatePlan(aPlan([aStep('a', { gate: gateWith(days * DAY_S) })]))).not.toThrow();
    expect(
      caught(() =>
        validatePlan(aPlan([aStep('a', { gate: { reviewers: ['claims-lead'], slaSeconds: 367 * DAY_S } })])),
      ),
    ).toMatchObject({
      code: 'plan_invalid_gate',
      message: expect.stringContaining(`within 0..${MAX_GATE_SLA_SECONDS}`),
      details: { stepId: 'a', field: 'gate.slaSeconds' },
    });
  });
});

describe('planStepOfDraft: the same limits for revisions, redirects and added steps', () => {
  const draft = { id: 'x', tool: 'crm', action: 'read', agent: 'clerk' };

  it('accepts 24d delays and 24d..365d SLAs', () => {
    expect(
      planStepOfDraft({ ...draft, timeoutMs: 24 * DAY_MS, retry: retryWith('maxBackoffMs', 24 * DAY_MS) }).timeoutMs,
    ).toBe(24 * DAY_MS);
    for (const days of [24, 25, 365])
      expect(planStepOfDraft({ ...draft, gate: gateWith(days * DAY_S) }).gate?.slaSeconds).toBe(days * DAY_S);
  });

  it.each([25, 365])('refuses a %dd timeout or retry delay with plan_invalid_step naming the field', (days) => {
    expect(caught(() => planStepOfDraft({ ...draft, timeoutMs: days * DAY_MS }, 'addSteps[0]'))).toMatchObject({
      code: 'plan_invalid_step',
      message: expect.stringMatching(/^addSteps\[0\]: timeoutMs must be at most 2147483647 ms/),
      details: { field: 'timeoutMs', limit: MAX_TIMER_DELAY_MS, value: days * DAY_MS },
    });
    expect(caught(() => planStepOfDraft({ ...draft, retry: retryWith('backoffMs', days * DAY_MS) }))).toMatchObject({
      code: 'plan_invalid_step',
      details: { field: 'retry.backoffMs' },
    });
    expect(caught(() => planStepOfDraft({ ...draft, retry: retryWith('maxBackoffMs', days * DAY_MS) }))).toMatchObject({
      code: 'plan_invalid_step',
      details: { field: 'retry.maxBackoffMs' },
    });
  });

  it('refuses an SLA past 366 days or not a number, per level', () => {
    expect(
      caught(() => planStepOfDraft({ ...draft, gate: { reviewers: ['a'], slaSeconds: 367 * DAY_S } })),
    ).toMatchObject({ code: 'plan_invalid_step', details: { field: 'gate.slaSeconds', limit: MAX_GATE_SLA_SECONDS } });
    expect(
      caught(() =>
        planStepOfDraft({
          ...draft,
          confidenceGate: { reviewers: ['a'], escalation: [{ reviewers: ['b'], slaSeconds: '4h' }] },
        }),
      ),
    ).toMatchObject({
      code: 'plan_invalid_step',
      details: { field: 'confidenceGate.escalation[0].slaSeconds' },
    });
  });

  it('fails the run when a tool adds a step with a 25d timeout', () => {
    const fetchStep = aStep('fetch');
    const given = [...ev.started(aPlan([fetchStep])), ...ev.running(fetchStep)];
    const command: RunCommand = {
      type: 'RecordStepSucceeded',
      data: {
        stepId: 'fetch',
        attempt: 1,
        output: {},
        durationMs: 10,
        runDurationMs: 20,
        addSteps: [{ ...draft, timeoutMs: 25 * DAY_MS }] as never,
      },
    };
    const [, failed] = runSpec(given).when(command).events();
    expect(failed).toMatchObject({
      type: 'RunFailed',
      data: { code: 'plan_invalid_step', reason: expect.stringContaining('timeoutMs must be at most 2147483647 ms') },
    });
  });
});
