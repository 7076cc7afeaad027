import fc from 'fast-check';
import { STEP_USAGE_FIELDS, stepUsageIssue, sumUsage } from './usage.js';

describe('stepUsageIssue', () => {
  it('accepts an absent usage, an empty one and any finite non-negative fields', () => {
    expect(stepUsageIssue(undefined)).toBeUndefined();
    expect(stepUsageIssue({})).toBeUndefined();
    fc.assert(
      fc.property(
        fc.record(
          {
            inputTokens: fc.nat(),
            outputTokens: fc.nat(),
            costUsd: fc.double({ min: 0, max: 1e6, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        (usage) => stepUsageIssue(usage) === undefined,
      ),
    );
  });

  it.each([
    [[], 'usage', 'type', 'usage must be an object, got an array'],
    [3, 'usage', 'type', 'usage must be an object, got 3'],
    [{ inputTokens: -1 }, 'usage.inputTokens', 'minimum', 'usage.inputTokens must be >= 0, got -1'],
    [{ outputTokens: Number.NaN }, 'usage.outputTokens', 'finite', 'usage.outputTokens must be finite, got NaN'],
    [{ costUsd: Infinity }, 'usage.costUsd', 'finite', 'usage.costUsd must be finite, got Infinity'],
    [{ costUsd: '0.1' }, 'usage.costUsd', 'type', 'usage.costUsd must be a number, got a string'],
    [
      { tokens: 5 },
      'usage.tokens',
      'unknown_field',
      'usage.tokens is not a usage field (allowed: inputTokens, outputTokens, costUsd)',
    ],
  ])('refuses %j, naming %s (%s)', (usage, field, rule, message) => {
    expect(stepUsageIssue(usage)).toEqual({ field, rule, message });
  });

  it('names the field of any negative or non-finite value', () => {
    const bad = fc.oneof(
      fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(fc.constantFrom(...STEP_USAGE_FIELDS), bad, (field, value) => {
        expect(stepUsageIssue({ [field]: value })?.field).toBe(`usage.${field}`);
      }),
    );
  });
});

describe('sumUsage', () => {
  it('sums each field present in any usage, and is undefined when none reports one', () => {
    expect(sumUsage([{ inputTokens: 10, costUsd: 0.1 }, undefined, { costUsd: 0.2, outputTokens: 3 }])).toEqual({
      inputTokens: 10,
      outputTokens: 3,
      costUsd: 0.3,
    });
    expect(sumUsage([undefined, {}])).toBeUndefined();
    expect(sumUsage([])).toBeUndefined();
  });
});
