import { MAX_GATE_SLA_SECONDS, MAX_TIMER_DELAY_MS, parseDuration } from '@ledgerflow/domain';
import { miniYaml, step } from './definition-fixtures.spec-util.js';
import { DefinitionError } from './definition.errors.js';
import { parseDefinition } from './parse-definition.js';

/** Durations past Node's timer limit (2^31 - 1 ms, 24.8 days): refused for step delays, allowed for gate SLAs. */

const DAY_MS = 86_400_000;
const load = (overrides: Record<string, unknown>) => () => parseDefinition(miniYaml(overrides), 'mini.yaml');
const withStep = (fields: Record<string, unknown>) => load({ steps: [step('a', fields)] });
const refusal = (action: () => unknown): DefinitionError => {
  try {
    action();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('expected a DefinitionError');
};

describe('parseDuration with a limit', () => {
  it('returns the value up to the limit and refuses above it, naming field, value and limit', () => {
    expect(parseDuration('24d', '/steps/0/timeout', MAX_TIMER_DELAY_MS)).toBe(24 * DAY_MS);
    expect(() => parseDuration('25d', '/steps/0/timeout', MAX_TIMER_DELAY_MS)).toThrow(
      expect.objectContaining({
        code: 'duration_too_long',
        message: '/steps/0/timeout: "25d" (2160000000 ms) is longer than the limit of 2147483647 ms (24.86 days)',
        details: {
          field: '/steps/0/timeout',
          rule: 'maximum',
          value: '25d',
          limitMs: MAX_TIMER_DELAY_MS,
          actualMs: 25 * DAY_MS,
        },
      }),
    );
    expect(() => parseDuration(365 * DAY_MS, 'x', MAX_TIMER_DELAY_MS)).toThrow(
      expect.objectContaining({ code: 'duration_too_long' }),
    );
  });
});

describe('definition durations at load', () => {
  const cases: [string, (value: string) => Record<string, unknown>, string][] = [
    ['timeout', (value) => ({ timeout: value }), '/steps/0/timeout'],
    [
      'retry.backoff',
      (value) => ({ retry: { maxAttempts: 2, backoff: value, maxBackoff: '24d' } }),
      '/steps/0/retry/backoff',
    ],
    ['retry.maxBackoff', (value) => ({ retry: { maxAttempts: 2, maxBackoff: value } }), '/steps/0/retry/maxBackoff'],
  ];

  it.each(cases)('%s: 24d loads, 25d and 365d are refused at the field', (_name, fields, path) => {
    expect(() => withStep(fields('24d'))()).not.toThrow();
    for (const value of ['25d', '365d']) {
      const error = refusal(withStep(fields(value)));
      expect(error.code).toBe('duration_too_long');
      expect(error.errors).toEqual([
        { path, rule: 'duration_too_long', message: expect.stringContaining(`"${value}"`) },
      ]);
      expect(error.message).toContain(`limit of ${MAX_TIMER_DELAY_MS} ms`);
    }
  });

  it('a step timeout as a number of ms is bounded the same way', () => {
    expect(refusal(withStep({ timeout: 25 * DAY_MS })).errors[0]).toMatchObject({ path: '/steps/0/timeout' });
  });

  it('gate SLAs of 24d, 25d and 365d load (timers are chained); 367d is refused', () => {
    for (const sla of ['24d', '25d', '365d']) {
      const definition = withStep({
        gate: { reviewers: ['claims-lead'], sla, escalation: [{ reviewers: ['cfo'], sla }] },
      })();
      expect(definition.steps[0]?.gate?.slaSeconds).toBe(Number.parseInt(sla, 10) * 86_400);
    }
    const error = refusal(
      withStep({ gate: { reviewers: ['claims-lead'], escalation: [{ reviewers: ['cfo'], sla: '367d' }] } }),
    );
    expect(error.errors).toEqual([
      {
        path: '/steps/0/gate/escalation/0/sla',
        rule: 'duration_too_long',
        message: expect.stringContaining(`limit of ${MAX_GATE_SLA_SECONDS * 1000} ms (366 days)`),
      },
    ]);
  });

  it('recovery steps are bounded too', () => {
    const error = refusal(
      load({ recoveries: [{ on: { code: 'step_timeout' }, steps: [step('r', { timeout: '30d' })] }] }),
    );
    expect(error.errors[0]).toMatchObject({ path: '/recoveries/0/steps/0/timeout', rule: 'duration_too_long' });
  });
});
